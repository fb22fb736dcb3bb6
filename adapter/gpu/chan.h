/* SPDX-License-Identifier: MIT */
/*
 * The front-end's end of a vhost-user-gpu display channel: it reads the
 * back-end's requests from a non-blocking socket as they arrive (a large
 * UPDATE over many reads), applies them to a gpu_display, and answers the
 * ones that want a reply at once. The back-end stops serving the guest
 * while it waits for a reply, and its sends block, so this never waits
 * and is served even while a vhost-user request is pending.
 */
#ifndef VLB_GPU_CHAN_H
#define VLB_GPU_CHAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_gpu.h>

#include "display.h"
#include "proto.h"

#define GPU_CHAN_MAX_FDS 4

struct gpu_chan_ops {
	/* Fill the reply to GET_DISPLAY_INFO (zeroed; the header is set). */
	void (*display_info)(void *opaque, struct virtio_gpu_resp_display_info *info);
	/* Fill the reply to GET_EDID of a scanout below nscanouts (zeroed;
	 * the header is set). */
	void (*edid)(void *opaque, uint32_t scanout, struct virtio_gpu_resp_edid *resp);
	/* A message was applied to the display (views may redraw). */
	void (*changed)(void *opaque, uint32_t request);
};

struct gpu_chan {
	int fd;
	struct gpu_display *display;
	const struct gpu_chan_ops *ops;
	void *opaque;
	uint64_t features;	/* protocol features in use */
	uint64_t messages;	/* requests handled */

	/* The request being read. */
	struct gpu_hdr hdr;
	size_t hdr_got;
	union {
		uint8_t raw[GPU_MAX_FIXED_PAYLOAD];
		uint64_t u64;
		struct gpu_cursor_pos cursor_pos;
		struct gpu_cursor_update cursor_update;
		struct gpu_scanout scanout;
		struct gpu_update update;
		struct gpu_dmabuf_scanout dmabuf_scanout;
		struct gpu_dmabuf_scanout2 dmabuf_scanout2;
		struct gpu_edid_request edid;
	} fixed;
	size_t fixed_got;
	/* UPDATE pixels: straight into the surface, row by row. */
	uint8_t *dst;
	size_t dst_stride, row_bytes;
	uint64_t pix_total, pix_got;
	int fds[GPU_CHAN_MAX_FDS];
	unsigned int nfds;

	char error[200];	/* why the channel failed */
};

/* fd must be non-blocking; the channel owns it from here on. */
void gpu_chan_init(struct gpu_chan *c, int fd, struct gpu_display *display,
		   const struct gpu_chan_ops *ops, void *opaque);
/*
 * Read and handle what is waiting, without blocking. Returns 0 when the
 * socket has nothing more for now, or -1 when the channel is unusable: a
 * malformed request, a reply that cannot be sent, or the back-end hung up
 * (c->error says which). After -1, close it.
 */
int gpu_chan_read(struct gpu_chan *c);
void gpu_chan_close(struct gpu_chan *c);

#endif
