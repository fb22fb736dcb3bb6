/* SPDX-License-Identifier: MIT */
/* The device types with code of their own (D10): one file each, here. */
#ifndef VLB_TYPES_H
#define VLB_TYPES_H

#include "../device_types.h"

#include <stdbool.h>
#include <stdint.h>

extern const struct device_type_ops blk_type_ops;
extern const struct device_type_ops fs_type_ops;
extern const struct device_type_ops gpu_type_ops;

/* blk's seg_max limit for a pool of pool_size bytes (at least 2). */
uint32_t blk_seg_max_for_pool(uint64_t pool_size);
/* Whether a blk device was given --indirect off. */
bool blk_no_indirect(const struct device_spec *spec);

#endif
