// SPDX-License-Identifier: MIT
#include "device_types.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "parse.h"
#include "linux/virtio_loopback.h"
#include "types/types.h"

/*
 * Config sizes are those of the virtio 1.2 structures the Linux 6.1
 * drivers read (larger requests make some back-ends abort).
 */
static const struct device_type types[] = {
	{ "net", 1, 24, 2, NULL, 0 },
	{ "blk", 2, 60, 1, &blk_type_ops, 0 },
	{ "console", 3, 12, 2, NULL, 0 },
	{ "rng", 4, 0, 1, NULL, 0 },
	{ "balloon", 5, 8, 3, NULL, 0 },
	{ "scsi", 8, 36, 3, NULL, 0 },
	{ "9p", 9, 0, 1, NULL, 0 },
	{ "gpu", 16, 16, 2, &gpu_type_ops, 0 },
	{ "input", 18, 136, 2, NULL, 0 },
	{ "vsock", 19, 8, 3, NULL, 0 },
	{ "crypto", 20, 40, 2, NULL, 0 },
	{ "iommu", 23, 40, 2, NULL, 0 },
	{ "mem", 24, 56, 1, NULL, 0 },
	/* Linux 6.1's virtio_snd queues periods before they are written. */
	{ "sound", 25, 12, 4, NULL, VLB_CREATE_F_REFRESH_OUT },
	{ "fs", 26, 40, 2, &fs_type_ops, 0 },
	{ "pmem", 27, 16, 1, NULL, 0 },
	{ "rpmb", 28, 4, 1, NULL, 0 },
	{ "scmi", 32, 0, 2, NULL, 0 },
	{ "i2c", 34, 0, 1, NULL, 0 },
	{ "watchdog", 35, 0, 1, NULL, 0 },
	{ "can", 36, 2, 3, NULL, 0 },
	{ "bt", 40, 8, 2, NULL, 0 },
	{ "gpio", 41, 8, 2, NULL, 0 },
};

#define NTYPES (sizeof(types) / sizeof(types[0]))

const struct device_type *device_type_lookup(const char *s)
{
	static struct device_type generic;
	uint64_t id;

	for (size_t i = 0; i < NTYPES; i++)
		if (!strcmp(s, types[i].name))
			return &types[i];
	if (!parse_u64(s, 1, 0xfffe, &id))
		return NULL;
	for (size_t i = 0; i < NTYPES; i++)
		if (types[i].id == id)
			return &types[i];
	generic = (struct device_type){ "unknown", (uint32_t)id, 0, 1, NULL, 0 };
	return &generic;
}

const char *device_type_name(uint32_t id)
{
	for (size_t i = 0; i < NTYPES; i++)
		if (types[i].id == id)
			return types[i].name;
	return "unknown";
}

const char *device_type_names(void)
{
	static char buf[256];

	if (!buf[0]) {
		for (size_t i = 0; i < NTYPES; i++) {
			if (i)
				strcat(buf, ", ");
			strcat(buf, types[i].name);
		}
	}
	return buf;
}

const struct device_type *device_type_at(size_t i)
{
	return i < NTYPES ? &types[i] : NULL;
}

const struct type_option *device_type_options(const struct device_type *t)
{
	static const struct type_option none = { NULL, NULL, NULL };

	return t->ops && t->ops->options ? t->ops->options : &none;
}

const struct type_option *device_type_option(const struct device_type *t,
					     const char *name)
{
	for (const struct type_option *o = device_type_options(t); o->name; o++)
		if (!strcmp(o->name, name))
			return o;
	return NULL;
}

void *device_type_opts(struct device_spec *spec, size_t size, char *why, size_t why_size)
{
	if (!spec->type_opts)
		spec->type_opts = calloc(1, size);
	if (!spec->type_opts)
		snprintf(why, why_size, "out of memory");
	return spec->type_opts;
}
