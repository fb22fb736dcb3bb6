/* SPDX-License-Identifier: MIT */
/*
 * --config-space: config bytes the user gives for a device, for back-ends
 * without the CONFIG protocol feature, or to override what one reports.
 */
#ifndef VLB_CONFIG_SPACE_H
#define VLB_CONFIG_SPACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vhost_user.h"

struct config_override {
	uint8_t bytes[VU_MAX_CONFIG_SIZE];
	bool set[VU_MAX_CONFIG_SIZE];	/* bytes[i] overrides the back-end's */
	uint32_t end;			/* one past the last byte set; 0: none */
};

/*
 * Add "[OFFSET:]HEX" (OFFSET decimal or 0x-hex, default 0; HEX an even
 * number of hex digits) to o. Bytes given again replace the earlier ones.
 * Returns 0, or -1 with the reason in why.
 */
int config_override_parse(struct config_override *o, const char *text, char *why,
			  size_t why_size);
/* Copy the overriding bytes that fall inside config[0, size). */
void config_override_apply(const struct config_override *o, uint8_t *config,
			   uint32_t size);

#endif
