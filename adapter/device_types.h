/* SPDX-License-Identifier: MIT */
/*
 * What the adapter knows per virtio device type: only a name, and the
 * defaults a back-end cannot tell (the config space size to ask for, and a
 * queue count for back-ends without the MQ protocol feature). Everything
 * else comes from the back-end, so unknown types work when given by number.
 */
#ifndef VLB_DEVICE_TYPES_H
#define VLB_DEVICE_TYPES_H

#include <stdint.h>

struct device_type {
	const char *name;
	uint32_t id;
	uint32_t config_size;	/* bytes to ask for with GET_CONFIG */
	uint32_t queues;	/* default queue count without MQ */
};

/* By name ("blk") or number ("2", "0x2"); NULL if neither. A number not in
 * the table yields a generic entry (no config, one queue) for that id. */
const struct device_type *device_type_lookup(const char *name_or_id);
/* Name for an id, or "unknown". */
const char *device_type_name(uint32_t id);
/* All names, comma separated, for --help. */
const char *device_type_names(void);

#endif
