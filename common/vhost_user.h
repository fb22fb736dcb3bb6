/* SPDX-License-Identifier: MIT */
/*
 * vhost-user protocol: message numbers, feature bits and payload layouts,
 * written from QEMU's docs/interop/vhost-user.rst. Shared by the adapter
 * (front-end) and the backend library (back-end).
 *
 * On the wire a message is a 12-byte header followed by hdr.size payload
 * bytes, in the host's byte order; file descriptors travel as SCM_RIGHTS
 * ancillary data with the first byte of the message.
 */
#ifndef VLB_VHOST_USER_H
#define VLB_VHOST_USER_H

#include <stdint.h>
#include <stddef.h>

/* Front-end requests. */
enum vu_request {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_RESET_OWNER = 4,
	VU_SET_MEM_TABLE = 5,
	VU_SET_LOG_BASE = 6,
	VU_SET_LOG_FD = 7,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_SET_VRING_ERR = 14,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_SEND_RARP = 19,
	VU_NET_SET_MTU = 20,
	VU_SET_BACKEND_REQ_FD = 21,
	VU_IOTLB_MSG = 22,
	VU_SET_VRING_ENDIAN = 23,
	VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
	VU_CREATE_CRYPTO_SESSION = 26,
	VU_CLOSE_CRYPTO_SESSION = 27,
	VU_POSTCOPY_ADVISE = 28,
	VU_POSTCOPY_LISTEN = 29,
	VU_POSTCOPY_END = 30,
	VU_GET_INFLIGHT_FD = 31,
	VU_SET_INFLIGHT_FD = 32,
	VU_GPU_SET_SOCKET = 33,
	VU_RESET_DEVICE = 34,
	VU_VRING_KICK = 35,
	VU_GET_MAX_MEM_SLOTS = 36,
	VU_ADD_MEM_REG = 37,
	VU_REM_MEM_REG = 38,
	VU_SET_STATUS = 39,
	VU_GET_STATUS = 40,
	VU_REQUEST_MAX
};

/* Back-end requests, sent on the BACKEND_REQ channel. */
enum vu_backend_request {
	VU_BACKEND_IOTLB_MSG = 1,
	VU_BACKEND_CONFIG_CHANGE_MSG = 2,
	VU_BACKEND_VRING_HOST_NOTIFIER_MSG = 3,
	VU_BACKEND_VRING_CALL = 4,
	VU_BACKEND_VRING_ERR = 5,
	VU_BACKEND_REQUEST_MAX
};

/* Virtio feature bit that announces vhost-user protocol features. */
#define VU_F_PROTOCOL_FEATURES 30
/* vhost's own "log all writes" bit, never a virtio device feature. */
#define VU_F_LOG_ALL 26

enum vu_protocol_feature {
	VU_PROTOCOL_F_MQ = 0,
	VU_PROTOCOL_F_LOG_SHMFD = 1,
	VU_PROTOCOL_F_RARP = 2,
	VU_PROTOCOL_F_REPLY_ACK = 3,
	VU_PROTOCOL_F_NET_MTU = 4,
	VU_PROTOCOL_F_BACKEND_REQ = 5,
	VU_PROTOCOL_F_CROSS_ENDIAN = 6,
	VU_PROTOCOL_F_CRYPTO_SESSION = 7,
	VU_PROTOCOL_F_PAGEFAULT = 8,
	VU_PROTOCOL_F_CONFIG = 9,
	VU_PROTOCOL_F_BACKEND_SEND_FD = 10,
	VU_PROTOCOL_F_HOST_NOTIFIER = 11,
	VU_PROTOCOL_F_INFLIGHT_SHMFD = 12,
	VU_PROTOCOL_F_RESET_DEVICE = 13,
	VU_PROTOCOL_F_INBAND_NOTIFICATIONS = 14,
	VU_PROTOCOL_F_CONFIGURE_MEM_SLOTS = 15,
	VU_PROTOCOL_F_STATUS = 16,
};

/* Header flags. */
#define VU_VERSION 0x1u
#define VU_VERSION_MASK 0x3u
#define VU_FLAG_REPLY (1u << 2)
#define VU_FLAG_NEED_REPLY (1u << 3)

/* SET_VRING_KICK/CALL/ERR payload: ring index plus a "no fd" flag. */
#define VU_VRING_IDX_MASK 0xffull
#define VU_VRING_NOFD (1ull << 8)

#define VU_MAX_FDS 8
#define VU_MAX_MEM_REGIONS 8
#define VU_MAX_CONFIG_SIZE 256
#define VU_HDR_SIZE 12

/* SET_VRING_ADDR flags. */
#define VU_VRING_F_LOG 0x1u

/* SET_CONFIG flags. */
#define VU_CONFIG_FLAG_WRITABLE 0
#define VU_CONFIG_FLAG_MIGRATION 1

struct vu_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
};

struct vu_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc_user_addr;
	uint64_t used_user_addr;
	uint64_t avail_user_addr;
	uint64_t log_guest_addr;
};

struct vu_mem_region {
	uint64_t guest_phys_addr;
	uint64_t memory_size;
	uint64_t userspace_addr;
	uint64_t mmap_offset;
};

struct vu_mem_table {
	uint32_t nregions;
	uint32_t padding;
	struct vu_mem_region regions[VU_MAX_MEM_REGIONS];
};

struct vu_single_region {
	uint64_t padding;
	struct vu_mem_region region;
};

struct vu_log {
	uint64_t size;
	uint64_t offset;
};

struct vu_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint8_t payload[VU_MAX_CONFIG_SIZE];
};
#define VU_CONFIG_HDR_SIZE offsetof(struct vu_config, payload)

struct vu_vring_area {
	uint64_t u64;
	uint64_t size;
	uint64_t offset;
};

struct vu_inflight {
	uint64_t mmap_size;
	uint64_t mmap_offset;
	uint16_t num_queues;
	uint16_t queue_size;
};

struct vu_iotlb {
	uint64_t iova;
	uint64_t size;
	uint64_t uaddr;
	uint8_t perm;
	uint8_t type;
};

union vu_payload {
	uint64_t u64;
	struct vu_vring_state state;
	struct vu_vring_addr addr;
	struct vu_mem_table mem;
	struct vu_single_region region;
	struct vu_log log;
	struct vu_config config;
	struct vu_vring_area area;
	struct vu_inflight inflight;
	struct vu_iotlb iotlb;
	uint8_t raw[sizeof(struct vu_mem_table) > sizeof(struct vu_config) ?
		    sizeof(struct vu_mem_table) : sizeof(struct vu_config)];
};

/* One message as held in memory; fds are owned by whoever holds it. */
struct vu_msg {
	struct vu_hdr hdr;
	union vu_payload payload;
	int fds[VU_MAX_FDS];
	unsigned int nfds;
};

/* Inflight I/O tracking region, split virtqueue layout (per queue). */
struct vu_inflight_desc {
	uint8_t inflight;
	uint8_t padding[5];
	uint16_t next;
	uint64_t counter;
};

struct vu_inflight_queue {
	uint64_t features;
	uint16_t version;
	uint16_t desc_num;
	uint16_t last_batch_head;
	uint16_t used_idx;
	struct vu_inflight_desc desc[];
};

/* Bytes one queue's inflight region takes for a queue of qsize entries. */
static inline size_t vu_inflight_queue_size(unsigned int qsize)
{
	return sizeof(struct vu_inflight_queue) +
	       (size_t)qsize * sizeof(struct vu_inflight_desc);
}

const char *vu_request_name(uint32_t request);
const char *vu_backend_request_name(uint32_t request);

/*
 * Message I/O on a connected unix stream socket. Both return 0 or a
 * negative errno; -ECONNRESET means the peer closed the connection.
 * vu_msg_recv checks the header (version, payload size) and closes any
 * received fds itself when it fails.
 */
int vu_msg_recv(int sock, struct vu_msg *msg);
int vu_msg_send(int sock, const struct vu_msg *msg);
/* Close and forget the fds a message holds. */
void vu_msg_close_fds(struct vu_msg *msg);
/* Initialise a request with no payload and no fds. */
void vu_msg_init(struct vu_msg *msg, uint32_t request, uint32_t size);

#endif
