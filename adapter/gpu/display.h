/* SPDX-License-Identifier: MIT */
/*
 * What a GPU device shows: one surface per scanout, in x8r8g8b8 (bytes
 * B, G, R, X, rows of width * 4 bytes), and the cursor. The display
 * channel (chan.c) changes it; views (the SDL window, PNG screenshots)
 * read it. Every rectangle that arrives is checked against its surface
 * first: nothing is ever written outside one.
 */
#ifndef VLB_GPU_DISPLAY_H
#define VLB_GPU_DISPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

/* DRM fourccs of the dma-buf layouts a DMABUF scanout may use. */
#define GPU_FOURCC_XR24 0x34325258	/* 'XR24', DRM_FORMAT_XRGB8888 */
#define GPU_FOURCC_AR24 0x34325241	/* 'AR24', DRM_FORMAT_ARGB8888 */

struct gpu_surface {
	uint32_t width, height;	/* 0 x 0: the scanout is off */
	uint8_t *pixels;	/* width * height * 4 bytes */
	bool dirty;		/* changed since a view last took it */
	uint64_t updates;	/* UPDATE and DMABUF_UPDATE messages applied */

	/* A DMABUF scanout: the back-end's buffer, mapped read-only. */
	int dmabuf_fd;		/* -1: none */
	const uint8_t *map;
	size_t map_size;
	uint32_t buf_x, buf_y, stride;
};

struct gpu_cursor {
	bool defined;		/* an image arrived */
	bool visible;
	bool image_changed;	/* since a view last took it */
	uint32_t scanout, x, y, hot_x, hot_y;
	uint32_t image[GPU_CURSOR_SIZE * GPU_CURSOR_SIZE];	/* a8r8g8b8 */
};

struct gpu_display {
	uint32_t nscanouts;
	struct gpu_surface s[GPU_MAX_SCANOUTS];
	struct gpu_cursor cursor;
	bool dmabuf_unusable;	/* a dma-buf could not be mapped (said once) */
};

/* Each check failure returns -1 with the reason in why; nothing changes. */
void display_init(struct gpu_display *d, uint32_t nscanouts);
void display_free(struct gpu_display *d);

int display_scanout(struct gpu_display *d, const struct gpu_scanout *m, char *why,
		    size_t why_size);
/*
 * Where the pixels of UPDATE m go: the first row's address in the
 * surface, and the distance between rows. NULL (and why) if m does not
 * fit the surface or payload is not exactly its pixels.
 */
uint8_t *display_update_target(struct gpu_display *d, const struct gpu_update *m,
			       uint64_t payload, size_t *stride, char *why, size_t why_size);
void display_update_done(struct gpu_display *d, const struct gpu_update *m);

/* Takes fd in every case (closes it on failure). modifier: 0 = linear. */
int display_dmabuf_scanout(struct gpu_display *d, const struct gpu_dmabuf_scanout *m,
			   uint64_t modifier, int fd, char *why, size_t why_size);
int display_dmabuf_update(struct gpu_display *d, const struct gpu_update *m, char *why,
			  size_t why_size);

int display_cursor_pos(struct gpu_display *d, const struct gpu_cursor_pos *m, bool visible,
		       char *why, size_t why_size);
int display_cursor_update(struct gpu_display *d, const struct gpu_cursor_update *m,
			  char *why, size_t why_size);

#endif
