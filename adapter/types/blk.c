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
 * --indirect off withholds VIRTIO_RING_F_INDIRECT_DESC: every descriptor
 * the driver maps is a bounce mapping of its own in the pool, and an
 * indirect table is one more per request (docs/performance.md, change 5).
 * A request then takes up to seg_max + 2 ring entries, so seg_max is
 * capped at the queue size less 2, as QEMU's virtio-blk does; so it is
 * when the back-end offers no indirect tables itself.
 *
 * struct virtio_blk_config: le64 capacity, le32 size_max, le32 seg_max, ...
 */
#include <endian.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <linux/virtio_loopback.h>
#include <linux/virtio_ring.h>

#include "../device.h"
#include "../options.h"
#include "log.h"
#include "types.h"

#define BLK_SEG_MAX_OFF 12
/* Header, one segment and status: the smallest request. */
#define BLK_MIN_DESCRIPTORS 3

struct blk_options {
	bool no_indirect;	/* --indirect off */
};

static const struct type_option blk_options_list[] = {
	{ "indirect", "on|off", "offer indirect descriptor tables (default on)" },
	{ NULL, NULL, NULL },
};

static int blk_set_option(struct device_spec *spec, const char *name, const char *value,
			  char *why, size_t why_size)
{
	struct blk_options *bo;
	bool off;

	(void)name;
	if (!strcmp(value, "off")) {
		off = true;
	} else if (!strcmp(value, "on")) {
		off = false;
	} else {
		snprintf(why, why_size, "not on or off");
		return -1;
	}
	bo = device_type_opts(spec, sizeof(*bo), why, why_size);
	if (!bo)
		return -1;
	bo->no_indirect = off;
	return 0;
}

bool blk_no_indirect(const struct device_spec *spec)
{
	const struct blk_options *bo = spec->type_opts;

	return bo && bo->no_indirect;
}

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

	/*
	 * Without indirect tables (withheld, or a back-end that lacks them)
	 * the whole request must fit in the ring.
	 */
	if ((blk_no_indirect(d->spec) || !(d->offered & (1ull << VIRTIO_RING_F_INDIRECT_DESC))) &&
	    d->spec->queue_size >= BLK_MIN_DESCRIPTORS && limit > d->spec->queue_size - 2)
		limit = d->spec->queue_size - 2;

	if (size < BLK_SEG_MAX_OFF + sizeof(seg_max))
		return;
	memcpy(&seg_max, config + BLK_SEG_MAX_OFF, sizeof(seg_max));
	/* 0 or absent (no VIRTIO_BLK_F_SEG_MAX): the driver uses one. */
	if (le32toh(seg_max) > limit) {
		seg_max = htole32(limit);
		memcpy(config + BLK_SEG_MAX_OFF, &seg_max, sizeof(seg_max));
	}
}

static int blk_open(struct vdevice *d)
{
	if (!blk_no_indirect(d->spec))
		return 0;
	if (d->spec->queue_size < BLK_MIN_DESCRIPTORS) {
		log_err("%s: --indirect off needs queues of at least %d entries, not %u",
			d->spec->socket, BLK_MIN_DESCRIPTORS, d->spec->queue_size);
		return -EINVAL;
	}
	d->offered &= ~(1ull << VIRTIO_RING_F_INDIRECT_DESC);
	return 0;
}

const struct device_type_ops blk_type_ops = {
	.options = blk_options_list,
	.set_option = blk_set_option,
	.config_fixup = blk_config_fixup,
	.open = blk_open,
};
