/* SPDX-License-Identifier: MIT */
/* The device types with code of their own (D10): one file each, here. */
#ifndef VLB_TYPES_H
#define VLB_TYPES_H

#include "../device_types.h"

extern const struct device_type_ops fs_type_ops;
extern const struct device_type_ops gpu_type_ops;

#endif
