/* SPDX-License-Identifier: MIT */
/*
 * vhost-user front-end requests, one function per message, over a
 * connected back-end socket. Each returns 0 or a negative errno; any error
 * means the connection cannot be trusted any more and should be closed.
 */
#ifndef VLB_VU_CLIENT_H
#define VLB_VU_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "vhost_user.h"

#define VUC_MAX_SIDE 4

struct vu_client {
	int sock;
	const char *path;
	uint64_t protocol_features;	/* negotiated */
	int timeout_ms;
	/*
	 * Watches of the device's other channels (a type's side socket),
	 * served while a reply is awaited: a back-end that waits for an
	 * answer there before it replies here must not deadlock us. Their
	 * handlers must not make vhost-user requests.
	 */
	struct loop_watch *side[VUC_MAX_SIDE];
	unsigned int nside;
};

int vuc_connect(struct vu_client *c, const char *path);
void vuc_close(struct vu_client *c);
bool vuc_has(const struct vu_client *c, unsigned int protocol_feature);

int vuc_get_u64(struct vu_client *c, uint32_t request, uint64_t *out);
int vuc_set_u64(struct vu_client *c, uint32_t request, uint64_t value);
int vuc_simple(struct vu_client *c, uint32_t request);
int vuc_set_protocol_features(struct vu_client *c, uint64_t features);
int vuc_set_mem_table(struct vu_client *c, const struct vu_mem_region *r, int fd);
int vuc_set_vring_state(struct vu_client *c, uint32_t request, uint32_t index,
			uint32_t num);
int vuc_get_vring_base(struct vu_client *c, uint32_t index, uint32_t *num);
int vuc_set_vring_addr(struct vu_client *c, const struct vu_vring_addr *a);
int vuc_set_vring_fd(struct vu_client *c, uint32_t request, uint32_t index, int fd);
int vuc_set_backend_req_fd(struct vu_client *c, int fd);
int vuc_get_config(struct vu_client *c, uint32_t size, uint8_t *out);
int vuc_set_config(struct vu_client *c, uint32_t offset, uint32_t size,
		   const uint8_t *data);
int vuc_get_inflight_fd(struct vu_client *c, struct vu_inflight *inf, int *fd);
int vuc_set_inflight_fd(struct vu_client *c, const struct vu_inflight *inf, int fd);
/* A request that carries one fd and has neither a reply nor an ack
 * (VHOST_USER_GPU_SET_SOCKET, as QEMU sends it). */
int vuc_send_fd(struct vu_client *c, uint32_t request, int fd);

#endif
