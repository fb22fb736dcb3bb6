// SPDX-License-Identifier: MIT
#include "vu_client.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

int vuc_connect(struct vu_client *c, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int sock;

	c->sock = -1;
	c->path = path;
	c->protocol_features = 0;
	if (!c->timeout_ms)
		c->timeout_ms = 5000;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return -errno;
	if (connect(sock, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int err = -errno;

		close(sock);
		return err;
	}
	c->sock = sock;
	return 0;
}

void vuc_close(struct vu_client *c)
{
	if (c->sock >= 0)
		close(c->sock);
	c->sock = -1;
	c->protocol_features = 0;
}

bool vuc_has(const struct vu_client *c, unsigned int protocol_feature)
{
	return c->protocol_features & (1ull << protocol_feature);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Wait until the socket has something to read, serving the side channels
 * meanwhile. Returns 1 when readable, 0 on timeout, or a negative errno.
 */
static int wait_readable(struct vu_client *c)
{
	struct pollfd pfd[1 + VUC_MAX_SIDE];
	int64_t deadline = now_ms() + c->timeout_ms, left;
	unsigned int n;
	int ret;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0)
			return 0;
		pfd[0] = (struct pollfd){ .fd = c->sock, .events = POLLIN };
		for (n = 0; n < c->nside && n < VUC_MAX_SIDE; n++)
			pfd[1 + n] = (struct pollfd){ .fd = c->side[n]->fd, .events = POLLIN };
		ret = poll(pfd, 1 + n, (int)left);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0)
			return -errno;
		if (pfd[0].revents)
			return 1;
		for (unsigned int i = 0; i < n; i++) {
			struct loop_watch *w = c->side[i];

			/* poll's and epoll's event bits are the same on Linux. */
			if (pfd[1 + i].revents && w->fd >= 0)
				w->handler(w->opaque, (uint32_t)pfd[1 + i].revents);
		}
		/* A handler may have closed the connection. */
		if (c->sock < 0)
			return -ENOTCONN;
	}
}

/* Wait for the reply to request; it must carry exactly reply_size bytes. */
static int recv_reply(struct vu_client *c, uint32_t request, uint32_t reply_size,
		      struct vu_msg *reply)
{
	int ret = wait_readable(c);

	if (ret < 0)
		return ret;
	if (ret == 0) {
		log_err("%s: no reply to %s within %d ms", c->path,
			vu_request_name(request), c->timeout_ms);
		return -ETIMEDOUT;
	}
	ret = vu_msg_recv(c->sock, reply);
	if (ret)
		return ret;
	if (reply->hdr.request != request || !(reply->hdr.flags & VU_FLAG_REPLY) ||
	    reply->hdr.size != reply_size) {
		log_err("%s: bad reply to %s (request %u, flags 0x%x, size %u)",
			c->path, vu_request_name(request), reply->hdr.request,
			reply->hdr.flags, reply->hdr.size);
		vu_msg_close_fds(reply);
		return -EPROTO;
	}
	return 0;
}

/*
 * Send msg. With reply_size set, the request has a reply of its own, left
 * in *reply. Otherwise, with REPLY_ACK negotiated, ask for an ack and turn
 * a non-zero one into -EIO.
 */
static int call(struct vu_client *c, struct vu_msg *msg, uint32_t reply_size,
		struct vu_msg *reply)
{
	struct vu_msg ack;
	bool want_ack = !reply_size && vuc_has(c, VU_PROTOCOL_F_REPLY_ACK);
	int ret;

	if (c->sock < 0)
		return -ENOTCONN;
	if (want_ack)
		msg->hdr.flags |= VU_FLAG_NEED_REPLY;
	log_debug("%s: -> %s", c->path, vu_request_name(msg->hdr.request));
	ret = vu_msg_send(c->sock, msg);
	if (ret)
		return ret;
	if (reply_size)
		return recv_reply(c, msg->hdr.request, reply_size, reply);
	if (!want_ack)
		return 0;
	ret = recv_reply(c, msg->hdr.request, sizeof(uint64_t), &ack);
	if (ret)
		return ret;
	vu_msg_close_fds(&ack);
	if (ack.payload.u64) {
		log_debug("%s: back-end refused %s", c->path,
			  vu_request_name(msg->hdr.request));
		return -EIO;
	}
	return 0;
}

int vuc_get_u64(struct vu_client *c, uint32_t request, uint64_t *out)
{
	struct vu_msg msg, reply;
	int ret;

	vu_msg_init(&msg, request, 0);
	ret = call(c, &msg, sizeof(uint64_t), &reply);
	if (ret)
		return ret;
	vu_msg_close_fds(&reply);
	*out = reply.payload.u64;
	return 0;
}

int vuc_set_u64(struct vu_client *c, uint32_t request, uint64_t value)
{
	struct vu_msg msg;

	vu_msg_init(&msg, request, sizeof(uint64_t));
	msg.payload.u64 = value;
	return call(c, &msg, 0, NULL);
}

int vuc_simple(struct vu_client *c, uint32_t request)
{
	struct vu_msg msg;

	vu_msg_init(&msg, request, 0);
	return call(c, &msg, 0, NULL);
}

int vuc_set_protocol_features(struct vu_client *c, uint64_t features)
{
	int ret;

	/* The ack rule applies from the next message on. */
	ret = vuc_set_u64(c, VU_SET_PROTOCOL_FEATURES, features);
	if (!ret)
		c->protocol_features = features;
	return ret;
}

int vuc_set_mem_table(struct vu_client *c, const struct vu_mem_region *r, int fd)
{
	struct vu_msg msg;

	vu_msg_init(&msg, VU_SET_MEM_TABLE,
		    offsetof(struct vu_mem_table, regions) + sizeof(*r));
	msg.payload.mem.nregions = 1;
	msg.payload.mem.regions[0] = *r;
	msg.fds[0] = fd;
	msg.nfds = 1;
	return call(c, &msg, 0, NULL);
}

int vuc_set_vring_state(struct vu_client *c, uint32_t request, uint32_t index,
			uint32_t num)
{
	struct vu_msg msg;

	vu_msg_init(&msg, request, sizeof(struct vu_vring_state));
	msg.payload.state.index = index;
	msg.payload.state.num = num;
	return call(c, &msg, 0, NULL);
}

int vuc_get_vring_base(struct vu_client *c, uint32_t index, uint32_t *num)
{
	struct vu_msg msg, reply;
	int ret;

	vu_msg_init(&msg, VU_GET_VRING_BASE, sizeof(struct vu_vring_state));
	msg.payload.state.index = index;
	ret = call(c, &msg, sizeof(struct vu_vring_state), &reply);
	if (ret)
		return ret;
	vu_msg_close_fds(&reply);
	/* A split ring's index is 16 bits: anything wider is a broken reply. */
	if (reply.payload.state.index != index || reply.payload.state.num > UINT16_MAX)
		return -EPROTO;
	*num = reply.payload.state.num;
	return 0;
}

int vuc_set_vring_addr(struct vu_client *c, const struct vu_vring_addr *a)
{
	struct vu_msg msg;

	vu_msg_init(&msg, VU_SET_VRING_ADDR, sizeof(*a));
	msg.payload.addr = *a;
	return call(c, &msg, 0, NULL);
}

int vuc_set_vring_fd(struct vu_client *c, uint32_t request, uint32_t index, int fd)
{
	struct vu_msg msg;

	vu_msg_init(&msg, request, sizeof(uint64_t));
	msg.payload.u64 = index & VU_VRING_IDX_MASK;
	if (fd >= 0) {
		msg.fds[0] = fd;
		msg.nfds = 1;
	} else {
		msg.payload.u64 |= VU_VRING_NOFD;
	}
	return call(c, &msg, 0, NULL);
}

int vuc_set_backend_req_fd(struct vu_client *c, int fd)
{
	struct vu_msg msg;

	vu_msg_init(&msg, VU_SET_BACKEND_REQ_FD, 0);
	msg.fds[0] = fd;
	msg.nfds = 1;
	return call(c, &msg, 0, NULL);
}

int vuc_get_config(struct vu_client *c, uint32_t size, uint8_t *out)
{
	struct vu_msg msg, reply;
	int ret;

	if (size > VU_MAX_CONFIG_SIZE)
		return -EINVAL;
	vu_msg_init(&msg, VU_GET_CONFIG, VU_CONFIG_HDR_SIZE + size);
	msg.payload.config.offset = 0;
	msg.payload.config.size = size;
	ret = call(c, &msg, VU_CONFIG_HDR_SIZE + size, &reply);
	if (ret)
		return ret;
	vu_msg_close_fds(&reply);
	if (reply.payload.config.size != size)
		return -EPROTO;
	memcpy(out, reply.payload.config.payload, size);
	return 0;
}

int vuc_set_config(struct vu_client *c, uint32_t offset, uint32_t size,
		   const uint8_t *data)
{
	struct vu_msg msg;

	if (size > VU_MAX_CONFIG_SIZE)
		return -EINVAL;
	vu_msg_init(&msg, VU_SET_CONFIG, VU_CONFIG_HDR_SIZE + size);
	msg.payload.config.offset = offset;
	msg.payload.config.size = size;
	msg.payload.config.flags = VU_CONFIG_FLAG_WRITABLE;
	memcpy(msg.payload.config.payload, data, size);
	return call(c, &msg, 0, NULL);
}

int vuc_get_inflight_fd(struct vu_client *c, struct vu_inflight *inf, int *fd)
{
	struct vu_msg msg, reply;
	int ret;

	vu_msg_init(&msg, VU_GET_INFLIGHT_FD, sizeof(*inf));
	msg.payload.inflight = *inf;
	ret = call(c, &msg, sizeof(*inf), &reply);
	if (ret)
		return ret;
	if (reply.nfds != 1) {
		vu_msg_close_fds(&reply);
		return -EPROTO;
	}
	*fd = reply.fds[0];
	*inf = reply.payload.inflight;
	return 0;
}

int vuc_set_inflight_fd(struct vu_client *c, const struct vu_inflight *inf, int fd)
{
	struct vu_msg msg;

	vu_msg_init(&msg, VU_SET_INFLIGHT_FD, sizeof(*inf));
	msg.payload.inflight = *inf;
	msg.fds[0] = fd;
	msg.nfds = 1;
	return call(c, &msg, 0, NULL);
}

int vuc_send_fd(struct vu_client *c, uint32_t request, int fd)
{
	struct vu_msg msg;

	if (c->sock < 0)
		return -ENOTCONN;
	vu_msg_init(&msg, request, 0);
	msg.fds[0] = fd;
	msg.nfds = 1;
	log_debug("%s: -> %s", c->path, vu_request_name(request));
	return vu_msg_send(c->sock, &msg);
}
