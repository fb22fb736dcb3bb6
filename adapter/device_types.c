// SPDX-License-Identifier: MIT
#include "device_types.h"

#include <stddef.h>
#include <string.h>

#include "parse.h"

/*
 * Config sizes are those of the virtio 1.2 structures the Linux 6.1
 * drivers read (larger requests make some back-ends abort).
 */
static const struct device_type types[] = {
	{ "net", 1, 24, 2 },
	{ "blk", 2, 60, 1 },
	{ "console", 3, 12, 2 },
	{ "rng", 4, 0, 1 },
	{ "balloon", 5, 8, 3 },
	{ "scsi", 8, 36, 3 },
	{ "9p", 9, 0, 1 },
	{ "gpu", 16, 16, 2 },
	{ "input", 18, 136, 2 },
	{ "vsock", 19, 8, 3 },
	{ "crypto", 20, 40, 2 },
	{ "iommu", 23, 40, 2 },
	{ "mem", 24, 56, 1 },
	{ "sound", 25, 12, 4 },
	{ "fs", 26, 40, 2 },
	{ "pmem", 27, 16, 1 },
	{ "rpmb", 28, 4, 1 },
	{ "scmi", 32, 0, 2 },
	{ "i2c", 34, 0, 1 },
	{ "watchdog", 35, 0, 1 },
	{ "can", 36, 2, 3 },
	{ "bt", 40, 8, 2 },
	{ "gpio", 41, 8, 2 },
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
	generic = (struct device_type){ "unknown", (uint32_t)id, 0, 1 };
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
