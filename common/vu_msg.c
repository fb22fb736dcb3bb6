// SPDX-License-Identifier: MIT
/* vhost-user message I/O: framing and fd passing over a unix socket. */
#include "vhost_user.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static const char *const request_names[VU_REQUEST_MAX] = {
	[VU_GET_FEATURES] = "GET_FEATURES",
	[VU_SET_FEATURES] = "SET_FEATURES",
	[VU_SET_OWNER] = "SET_OWNER",
	[VU_RESET_OWNER] = "RESET_OWNER",
	[VU_SET_MEM_TABLE] = "SET_MEM_TABLE",
	[VU_SET_LOG_BASE] = "SET_LOG_BASE",
	[VU_SET_LOG_FD] = "SET_LOG_FD",
	[VU_SET_VRING_NUM] = "SET_VRING_NUM",
	[VU_SET_VRING_ADDR] = "SET_VRING_ADDR",
	[VU_SET_VRING_BASE] = "SET_VRING_BASE",
	[VU_GET_VRING_BASE] = "GET_VRING_BASE",
	[VU_SET_VRING_KICK] = "SET_VRING_KICK",
	[VU_SET_VRING_CALL] = "SET_VRING_CALL",
	[VU_SET_VRING_ERR] = "SET_VRING_ERR",
	[VU_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
	[VU_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
	[VU_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
	[VU_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
	[VU_SEND_RARP] = "SEND_RARP",
	[VU_NET_SET_MTU] = "NET_SET_MTU",
	[VU_SET_BACKEND_REQ_FD] = "SET_BACKEND_REQ_FD",
	[VU_IOTLB_MSG] = "IOTLB_MSG",
	[VU_SET_VRING_ENDIAN] = "SET_VRING_ENDIAN",
	[VU_GET_CONFIG] = "GET_CONFIG",
	[VU_SET_CONFIG] = "SET_CONFIG",
	[VU_CREATE_CRYPTO_SESSION] = "CREATE_CRYPTO_SESSION",
	[VU_CLOSE_CRYPTO_SESSION] = "CLOSE_CRYPTO_SESSION",
	[VU_POSTCOPY_ADVISE] = "POSTCOPY_ADVISE",
	[VU_POSTCOPY_LISTEN] = "POSTCOPY_LISTEN",
	[VU_POSTCOPY_END] = "POSTCOPY_END",
	[VU_GET_INFLIGHT_FD] = "GET_INFLIGHT_FD",
	[VU_SET_INFLIGHT_FD] = "SET_INFLIGHT_FD",
	[VU_GPU_SET_SOCKET] = "GPU_SET_SOCKET",
	[VU_RESET_DEVICE] = "RESET_DEVICE",
	[VU_VRING_KICK] = "VRING_KICK",
	[VU_GET_MAX_MEM_SLOTS] = "GET_MAX_MEM_SLOTS",
	[VU_ADD_MEM_REG] = "ADD_MEM_REG",
	[VU_REM_MEM_REG] = "REM_MEM_REG",
	[VU_SET_STATUS] = "SET_STATUS",
	[VU_GET_STATUS] = "GET_STATUS",
};

static const char *const backend_request_names[VU_BACKEND_REQUEST_MAX] = {
	[VU_BACKEND_IOTLB_MSG] = "BACKEND_IOTLB_MSG",
	[VU_BACKEND_CONFIG_CHANGE_MSG] = "BACKEND_CONFIG_CHANGE_MSG",
	[VU_BACKEND_VRING_HOST_NOTIFIER_MSG] = "BACKEND_VRING_HOST_NOTIFIER_MSG",
	[VU_BACKEND_VRING_CALL] = "BACKEND_VRING_CALL",
	[VU_BACKEND_VRING_ERR] = "BACKEND_VRING_ERR",
};

const char *vu_request_name(uint32_t request)
{
	if (request < VU_REQUEST_MAX && request_names[request])
		return request_names[request];
	return "UNKNOWN";
}

const char *vu_backend_request_name(uint32_t request)
{
	if (request < VU_BACKEND_REQUEST_MAX && backend_request_names[request])
		return backend_request_names[request];
	return "UNKNOWN";
}

void vu_msg_init(struct vu_msg *msg, uint32_t request, uint32_t size)
{
	memset(msg, 0, sizeof(*msg));
	msg->hdr.request = request;
	msg->hdr.flags = VU_VERSION;
	msg->hdr.size = size;
}

void vu_msg_close_fds(struct vu_msg *msg)
{
	for (unsigned int i = 0; i < msg->nfds; i++)
		if (msg->fds[i] >= 0)
			close(msg->fds[i]);
	msg->nfds = 0;
}

/* Read exactly len bytes; only the first read may carry fds. */
static int read_full(int sock, void *buf, size_t len, struct vu_msg *fds_to)
{
	char *p = buf;

	while (len > 0) {
		union {
			char buf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
			struct cmsghdr align;
		} control;
		struct iovec iov = { .iov_base = p, .iov_len = len };
		struct msghdr mh = {
			.msg_iov = &iov,
			.msg_iovlen = 1,
			.msg_control = fds_to ? control.buf : NULL,
			.msg_controllen = fds_to ? sizeof(control.buf) : 0,
		};
		ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -ECONNRESET;
		if (fds_to) {
			for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
				if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
					continue;
				size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
				const unsigned char *data = CMSG_DATA(c);

				for (size_t i = 0; i < nfd; i++) {
					int fd;

					memcpy(&fd, data + i * sizeof(int), sizeof(int));
					if (fds_to->nfds < VU_MAX_FDS)
						fds_to->fds[fds_to->nfds++] = fd;
					else
						close(fd);
				}
			}
			if (mh.msg_flags & MSG_CTRUNC)
				return -EMSGSIZE;
			fds_to = NULL;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int vu_msg_recv(int sock, struct vu_msg *msg)
{
	int ret;

	memset(&msg->hdr, 0, sizeof(msg->hdr));
	msg->nfds = 0;
	ret = read_full(sock, &msg->hdr, VU_HDR_SIZE, msg);
	if (ret == 0 && (msg->hdr.flags & VU_VERSION_MASK) != VU_VERSION)
		ret = -EPROTO;
	if (ret == 0 && msg->hdr.size > sizeof(msg->payload))
		ret = -EMSGSIZE;
	if (ret == 0 && msg->hdr.size)
		ret = read_full(sock, &msg->payload, msg->hdr.size, NULL);
	if (ret)
		vu_msg_close_fds(msg);
	return ret;
}

int vu_msg_send(int sock, const struct vu_msg *msg)
{
	union {
		char buf[CMSG_SPACE(VU_MAX_FDS * sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov[2] = {
		{ .iov_base = (void *)&msg->hdr, .iov_len = VU_HDR_SIZE },
		{ .iov_base = (void *)&msg->payload, .iov_len = msg->hdr.size },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = msg->hdr.size ? 2 : 1 };
	size_t total = VU_HDR_SIZE + msg->hdr.size;
	ssize_t n;

	if (msg->hdr.size > sizeof(msg->payload) || msg->nfds > VU_MAX_FDS)
		return -EINVAL;
	if (msg->nfds) {
		memset(&control, 0, sizeof(control));
		mh.msg_control = control.buf;
		mh.msg_controllen = CMSG_SPACE(msg->nfds * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(msg->nfds * sizeof(int));
		memcpy(CMSG_DATA(c), msg->fds, msg->nfds * sizeof(int));
	}
	do {
		n = sendmsg(sock, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EPIPE ? -ECONNRESET : -errno;
	/* A stream socket may take a message in parts; fds went with part one. */
	for (size_t done = (size_t)n; done < total;) {
		const char *base;
		size_t off = done, len;

		if (off < VU_HDR_SIZE) {
			base = (const char *)&msg->hdr + off;
			len = VU_HDR_SIZE - off;
		} else {
			base = (const char *)&msg->payload + (off - VU_HDR_SIZE);
			len = total - off;
		}
		n = send(sock, base, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno == EPIPE ? -ECONNRESET : -errno;
		done += (size_t)n;
	}
	return 0;
}
