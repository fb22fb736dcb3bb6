/* SPDX-License-Identifier: MIT */
/*
 * An EDID 1.4 base block for a virtual monitor whose preferred (and
 * native) mode is width x height, for GET_EDID. The detailed timing uses
 * reduced blanking at 60 Hz, or less where the pixel clock would not fit.
 */
#ifndef VLB_GPU_EDID_H
#define VLB_GPU_EDID_H

#include <stdint.h>

#define EDID_BLOCK_SIZE 128
/* Detailed timings hold 12-bit sizes. */
#define EDID_MAX_DIM 4095

/* width and height within 1..EDID_MAX_DIM; serial tells outputs apart. */
void edid_generate(uint8_t out[EDID_BLOCK_SIZE], uint32_t width, uint32_t height,
		   uint32_t serial);

#endif
