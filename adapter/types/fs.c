// SPDX-License-Identifier: MIT
/*
 * virtio-fs (device id 26). Its config space is the front-end's, as with
 * QEMU's vhost-user-fs-pci: the tag the driver mounts by comes from --tag,
 * and num_request_queues from the queue count (queue 0 is the hiprio
 * queue, the others carry requests). A back-end that does report a config
 * (CONFIG protocol feature) keeps its tag when --tag is not given.
 *
 * struct virtio_fs_config: u8 tag[36] (NUL-padded, no NUL when all 36
 * bytes are used), le32 num_request_queues.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../device.h"
#include "../options.h"
#include "log.h"
#include "types.h"

#define FS_TAG_SIZE 36
#define FS_NUM_REQUEST_QUEUES_OFF 36

struct fs_options {
	char tag[FS_TAG_SIZE + 1];	/* "" when not given */
};

static const struct type_option fs_options_list[] = {
	{ "tag", "NAME", "the tag to mount by, 1..36 bytes" },
	{ NULL, NULL, NULL },
};

static int fs_set_option(struct device_spec *spec, const char *name, const char *value,
			 char *why, size_t why_size)
{
	struct fs_options *fo;
	size_t len = strlen(value);

	if (!len || len > FS_TAG_SIZE) {
		snprintf(why, why_size, "a tag has 1..%d bytes, not %zu", FS_TAG_SIZE, len);
		return -1;
	}
	fo = device_type_opts(spec, sizeof(*fo), why, why_size);
	if (!fo)
		return -1;
	memcpy(fo->tag, value, len + 1);
	return 0;
}

static void fs_config_fixup(struct vdevice *d, uint8_t *config, uint32_t size)
{
	const struct fs_options *fo = d->spec->type_opts;
	uint32_t nreq = htole32(d->nq - 1);

	if (fo && fo->tag[0] && size >= FS_TAG_SIZE) {
		memset(config, 0, FS_TAG_SIZE);
		memcpy(config, fo->tag, strlen(fo->tag));
	}
	if (size >= FS_NUM_REQUEST_QUEUES_OFF + sizeof(nreq))
		memcpy(config + FS_NUM_REQUEST_QUEUES_OFF, &nreq, sizeof(nreq));
}

/* Refuse, with a reason, what the virtiofs driver would fail to probe. */
static int fs_open(struct vdevice *d)
{
	if (d->nq < 2) {
		log_err("%s: virtio-fs needs at least 2 queues (hiprio and one request queue), not %u",
			d->spec->socket, d->nq);
		return -EINVAL;
	}
	if (d->config_size < FS_NUM_REQUEST_QUEUES_OFF + 4) {
		log_err("%s: virtio-fs needs a config space of at least 40 bytes, not %u",
			d->spec->socket, d->config_size);
		return -EINVAL;
	}
	if (!d->config[0]) {
		log_err("%s: the virtio-fs device has no tag: give it one with --tag NAME",
			d->spec->socket);
		return -EINVAL;
	}
	return 0;
}

const struct device_type_ops fs_type_ops = {
	.options = fs_options_list,
	.set_option = fs_set_option,
	.open = fs_open,
	.config_fixup = fs_config_fixup,
	.owns_config = true,
};
