// SPDX-License-Identifier: MIT
#include "config_space.h"

#include <stdio.h>
#include <string.h>

#include "parse.h"

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int config_override_parse(struct config_override *o, const char *text, char *why,
			  size_t why_size)
{
	const char *colon = strchr(text, ':'), *hex = text;
	uint64_t offset = 0;
	size_t digits;
	char num[24];

	if (colon) {
		if ((size_t)(colon - text) >= sizeof(num)) {
			snprintf(why, why_size, "bad offset");
			return -1;
		}
		memcpy(num, text, (size_t)(colon - text));
		num[colon - text] = 0;
		if (!parse_u64(num, 0, VU_MAX_CONFIG_SIZE - 1, &offset)) {
			snprintf(why, why_size, "bad offset '%s' (0..%d)", num,
				 VU_MAX_CONFIG_SIZE - 1);
			return -1;
		}
		hex = colon + 1;
	}
	digits = strlen(hex);
	if (!digits || digits % 2) {
		snprintf(why, why_size, "%s number of hex digits (two per byte)",
			 digits ? "an odd" : "no");
		return -1;
	}
	for (size_t i = 0; i < digits; i++) {
		if (hex_digit(hex[i]) < 0) {
			snprintf(why, why_size, "'%c' is not a hex digit", hex[i]);
			return -1;
		}
	}
	if (offset + digits / 2 > VU_MAX_CONFIG_SIZE) {
		snprintf(why, why_size, "%zu bytes at offset %llu go past %d bytes",
			 digits / 2, (unsigned long long)offset, VU_MAX_CONFIG_SIZE);
		return -1;
	}
	for (size_t i = 0; i < digits / 2; i++) {
		size_t at = (size_t)offset + i;

		o->bytes[at] = (uint8_t)(hex_digit(hex[2 * i]) << 4 | hex_digit(hex[2 * i + 1]));
		o->set[at] = true;
	}
	if (offset + digits / 2 > o->end)
		o->end = (uint32_t)(offset + digits / 2);
	return 0;
}

void config_override_apply(const struct config_override *o, uint8_t *config,
			   uint32_t size)
{
	for (uint32_t i = 0; i < o->end && i < size; i++)
		if (o->set[i])
			config[i] = o->bytes[i];
}
