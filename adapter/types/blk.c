// SPDX-License-Identifier: MIT
/*
 * virtio-blk (device id 2). The front-end owns one limit: seg_max, so that
 * the largest request the driver can build fits in half of the device's
 * pool. Linux 6.1's virtio_blk sets no sector limit of its own; a request
 * may have seg_max segments of up to the transport's largest mapping each
 * (64 KiB in the default 32 MiB pool), and one larger than the pool waits for
 * room forever, with its queue (seen: verify reads merged past 256 KiB in
 * a 256 KiB pool stalled fio, and then the device's removal).
 *
 * struct virtio_blk_config: le64 capacity, le32 size_max, le32 seg_max, ...
 */
#include <endian.h>
#include <stdint.h>
#include <string.h>

#include <linux/virtio_loopback.h>

#include "../device.h"
#include "../options.h"
#include "types.h"

#define BLK_SEG_MAX_OFF 12

/* The kernel's rule for its largest mapping (linux/virtio_loopback.h). */
static uint64_t largest_mapping(uint64_t pool_size)
{
	uint64_t limit = pool_size / VLB_MAPPING_DIVISOR;
	uint64_t m = 1;

	if (limit < VLB_MIN_MAPPING)
		limit = VLB_MIN_MAPPING;
	if (limit > VLB_MAX_MAPPING_CAP)
		limit = VLB_MAX_MAPPING_CAP;
	while (m * 2 <= limit)
		m *= 2;
	return m;
}

uint32_t blk_seg_max_for_pool(uint64_t pool_size)
{
	return (uint32_t)(pool_size / 2 / largest_mapping(pool_size));
}

static void blk_config_fixup(struct vdevice *d, uint8_t *config, uint32_t size)
{
	uint32_t limit = blk_seg_max_for_pool(d->spec->shm_size);
	uint32_t seg_max;

	if (size < BLK_SEG_MAX_OFF + sizeof(seg_max))
		return;
	memcpy(&seg_max, config + BLK_SEG_MAX_OFF, sizeof(seg_max));
	/* 0 or absent (no VIRTIO_BLK_F_SEG_MAX): the driver uses one. */
	if (le32toh(seg_max) > limit) {
		seg_max = htole32(limit);
		memcpy(config + BLK_SEG_MAX_OFF, &seg_max, sizeof(seg_max));
	}
}

const struct device_type_ops blk_type_ops = {
	.config_fixup = blk_config_fixup,
};
