/* SPDX-License-Identifier: MIT */
/*
 * The SDL2 view of a GPU device: one window per scanout that is on, the
 * guest's cursor drawn over it, a frame presented only when it changed.
 * A window the user resizes asks the guest for a mode of that size.
 * Without SDL at build time, sdl_view_open() fails with a reason.
 */
#ifndef VLB_GPU_SDL_H
#define VLB_GPU_SDL_H

#include <stddef.h>
#include <stdint.h>

#include "display.h"

struct sdl_view;

struct sdl_view_ops {
	/* The user resized the window of a scanout. */
	void (*resized)(void *opaque, uint32_t scanout, uint32_t width, uint32_t height);
};

/* NULL with the reason in why (no display, no SDL). name titles the
 * windows; it must live as long as the view. */
struct sdl_view *sdl_view_open(const char *name, const struct sdl_view_ops *ops,
			       void *opaque, char *why, size_t why_size);
/* Handle window events; create, resize or drop windows to match d, and
 * present those whose picture or cursor changed. Call it often. */
void sdl_view_refresh(struct sdl_view *v, struct gpu_display *d);
void sdl_view_close(struct sdl_view *v);

#endif
