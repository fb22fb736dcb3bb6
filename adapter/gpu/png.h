/* SPDX-License-Identifier: MIT */
/* PNG files of what a GPU device shows, written whole or not at all. */
#ifndef VLB_GPU_PNG_H
#define VLB_GPU_PNG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Write width x height pixels to path: x8r8g8b8 rows (bytes B, G, R, X)
 * as an RGB image, or, with alpha, a8r8g8b8 as RGBA. The file is written
 * under a temporary name and renamed, so a reader never sees half of it.
 * Returns 0 or a negative errno.
 */
int png_write(const char *path, const uint8_t *pixels, uint32_t width, uint32_t height,
	      size_t stride, bool alpha);

#endif
