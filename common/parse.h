/* SPDX-License-Identifier: MIT */
/* Strict parsing of command-line numbers: the whole string must match. */
#ifndef VLB_PARSE_H
#define VLB_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* Decimal or 0x-hex unsigned integer within [min, max]. */
bool parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* Size with an optional K, M or G suffix (powers of 1024), within [min, max]. */
bool parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *out);

#endif
