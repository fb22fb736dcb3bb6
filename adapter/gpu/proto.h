/* SPDX-License-Identifier: MIT */
/*
 * The vhost-user-gpu display protocol, front-end side: message layouts
 * (QEMU's docs/interop/vhost-user-gpu.rst), in the host's byte order, and
 * the checks of what a back-end sends. The back-end sends requests on the
 * socket handed over with VHOST_USER_GPU_SET_SOCKET; the front-end replies
 * to some of them.
 */
#ifndef VLB_GPU_PROTO_H
#define VLB_GPU_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum gpu_request {
	GPU_GET_PROTOCOL_FEATURES = 1,
	GPU_SET_PROTOCOL_FEATURES = 2,
	GPU_GET_DISPLAY_INFO = 3,
	GPU_CURSOR_POS = 4,
	GPU_CURSOR_POS_HIDE = 5,
	GPU_CURSOR_UPDATE = 6,
	GPU_SCANOUT = 7,
	GPU_UPDATE = 8,
	GPU_DMABUF_SCANOUT = 9,
	GPU_DMABUF_UPDATE = 10,
	GPU_GET_EDID = 11,		/* with GPU_PF_EDID */
	GPU_DMABUF_SCANOUT2 = 12,	/* with GPU_PF_DMABUF2 */
	GPU_REQUEST_MAX = 12,
};

#define GPU_FLAG_REPLY 0x4u

/* Protocol features. */
#define GPU_PF_EDID (1ull << 0)
#define GPU_PF_DMABUF2 (1ull << 1)
#define GPU_PF_ALL (GPU_PF_EDID | GPU_PF_DMABUF2)

#define GPU_MAX_SCANOUTS 16
#define GPU_CURSOR_SIZE 64
/* A scanout as large as the Linux driver allows (drm mode_config max). */
#define GPU_MAX_DIM 8192

struct gpu_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;		/* payload bytes after the header */
} __attribute__((packed));

struct gpu_cursor_pos {
	uint32_t scanout_id;
	uint32_t x, y;
} __attribute__((packed));

struct gpu_cursor_update {
	struct gpu_cursor_pos pos;
	uint32_t hot_x, hot_y;
	uint32_t data[GPU_CURSOR_SIZE * GPU_CURSOR_SIZE];	/* a8r8g8b8 */
} __attribute__((packed));

struct gpu_scanout {
	uint32_t scanout_id;
	uint32_t width, height;	/* 0 x 0 disables the scanout */
} __attribute__((packed));

/* UPDATE: this, then width * height x8r8g8b8 pixels, rows packed. */
struct gpu_update {
	uint32_t scanout_id;
	uint32_t x, y, width, height;
} __attribute__((packed));

struct gpu_dmabuf_scanout {
	uint32_t scanout_id;
	uint32_t x, y, width, height;	/* the part of the buffer shown */
	uint32_t fd_width, fd_height, fd_stride, fd_flags;
	int32_t fd_drm_fourcc;
} __attribute__((packed));

struct gpu_dmabuf_scanout2 {
	struct gpu_dmabuf_scanout base;
	uint64_t modifier;
} __attribute__((packed));

struct gpu_edid_request {
	uint32_t scanout_id;
} __attribute__((packed));

/* Largest fixed part of a request's payload (UPDATE's pixels excluded). */
#define GPU_MAX_FIXED_PAYLOAD sizeof(struct gpu_cursor_update)

const char *gpu_request_name(uint32_t request);

/*
 * Check a request header from the back-end, given the protocol features
 * negotiated and the largest UPDATE payload that can be valid. The size
 * must be exactly the request's (UPDATE: at least its header, at most
 * max_update); flags are ignored. Returns true, or false with the reason
 * in why.
 */
bool gpu_check_header(const struct gpu_hdr *h, uint64_t features, uint64_t max_update,
		      char *why, size_t why_size);
/* Payload bytes a request's fixed part has (UPDATE: its header). */
size_t gpu_fixed_size(uint32_t request);
/* Whether a request may carry an fd (DMABUF_SCANOUT and 2). */
bool gpu_request_takes_fd(uint32_t request);

#endif
