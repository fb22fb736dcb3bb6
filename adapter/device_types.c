// SPDX-License-Identifier: MIT
#include "device_types.h"

#include <stddef.h>
#include <string.h>

#include "parse.h"
#include "types/types.h"

/*
 * Config sizes are those of the virtio 1.2 structures the Linux 6.1
 * drivers read (larger requests make some back-ends abort).
 */
static const struct device_type types[] = {
	{ "net", 1, 24, 2, NULL },
	{ "blk", 2, 60, 1, NULL },
	{ "console", 3, 12, 2, NULL },
	{ "rng", 4, 0, 1, NULL },
	{ "balloon", 5, 8, 3, NULL },
	{ "scsi", 8, 36, 3, NULL },
	{ "9p", 9, 0, 1, NULL },
	{ "gpu", 16, 16, 2, &gpu_type_ops },
	{ "input", 18, 136, 2, NULL },
	{ "vsock", 19, 8, 3, NULL },
	{ "crypto", 20, 40, 2, NULL },
	{ "iommu", 23, 40, 2, NULL },
	{ "mem", 24, 56, 1, NULL },
	{ "sound", 25, 12, 4, NULL },
	{ "fs", 26, 40, 2, &fs_type_ops },
	{ "pmem", 27, 16, 1, NULL },
	{ "rpmb", 28, 4, 1, NULL },
	{ "scmi", 32, 0, 2, NULL },
	{ "i2c", 34, 0, 1, NULL },
	{ "watchdog", 35, 0, 1, NULL },
	{ "can", 36, 2, 3, NULL },
	{ "bt", 40, 8, 2, NULL },
	{ "gpio", 41, 8, 2, NULL },
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
	generic = (struct device_type){ "unknown", (uint32_t)id, 0, 1, NULL };
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
