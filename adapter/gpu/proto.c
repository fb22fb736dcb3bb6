// SPDX-License-Identifier: MIT
#include "proto.h"

#include <stdio.h>

static const char *const names[] = {
	[GPU_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
	[GPU_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
	[GPU_GET_DISPLAY_INFO] = "GET_DISPLAY_INFO",
	[GPU_CURSOR_POS] = "CURSOR_POS",
	[GPU_CURSOR_POS_HIDE] = "CURSOR_POS_HIDE",
	[GPU_CURSOR_UPDATE] = "CURSOR_UPDATE",
	[GPU_SCANOUT] = "SCANOUT",
	[GPU_UPDATE] = "UPDATE",
	[GPU_DMABUF_SCANOUT] = "DMABUF_SCANOUT",
	[GPU_DMABUF_UPDATE] = "DMABUF_UPDATE",
	[GPU_GET_EDID] = "GET_EDID",
	[GPU_DMABUF_SCANOUT2] = "DMABUF_SCANOUT2",
};

const char *gpu_request_name(uint32_t request)
{
	return request && request <= GPU_REQUEST_MAX ? names[request] : "unknown";
}

size_t gpu_fixed_size(uint32_t request)
{
	switch (request) {
	case GPU_SET_PROTOCOL_FEATURES:
		return sizeof(uint64_t);
	case GPU_CURSOR_POS:
	case GPU_CURSOR_POS_HIDE:
		return sizeof(struct gpu_cursor_pos);
	case GPU_CURSOR_UPDATE:
		return sizeof(struct gpu_cursor_update);
	case GPU_SCANOUT:
		return sizeof(struct gpu_scanout);
	case GPU_UPDATE:
	case GPU_DMABUF_UPDATE:
		return sizeof(struct gpu_update);
	case GPU_DMABUF_SCANOUT:
		return sizeof(struct gpu_dmabuf_scanout);
	case GPU_DMABUF_SCANOUT2:
		return sizeof(struct gpu_dmabuf_scanout2);
	case GPU_GET_EDID:
		return sizeof(struct gpu_edid_request);
	default:
		return 0;
	}
}

bool gpu_request_takes_fd(uint32_t request)
{
	return request == GPU_DMABUF_SCANOUT || request == GPU_DMABUF_SCANOUT2;
}

bool gpu_check_header(const struct gpu_hdr *h, uint64_t features, uint64_t max_update,
		      char *why, size_t why_size)
{
	size_t fixed = gpu_fixed_size(h->request);

	if (!h->request || h->request > GPU_REQUEST_MAX) {
		snprintf(why, why_size, "unknown request %u", h->request);
		return false;
	}
	if ((h->request == GPU_GET_EDID && !(features & GPU_PF_EDID)) ||
	    (h->request == GPU_DMABUF_SCANOUT2 && !(features & GPU_PF_DMABUF2))) {
		snprintf(why, why_size, "%s without its protocol feature",
			 gpu_request_name(h->request));
		return false;
	}
	/* flags are not checked: QEMU's back-end leaves them uninitialised
	 * in UPDATE messages (a g_malloc'ed header), and they mean nothing in
	 * a request. */
	if (h->request == GPU_UPDATE) {
		if (h->size < fixed || h->size - fixed > max_update) {
			snprintf(why, why_size, "UPDATE of %u bytes (at most %llu)", h->size,
				 (unsigned long long)(fixed + max_update));
			return false;
		}
	} else if (h->size != fixed) {
		snprintf(why, why_size, "%s of %u bytes, not %zu", gpu_request_name(h->request),
			 h->size, fixed);
		return false;
	}
	return true;
}
