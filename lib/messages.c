// SPDX-License-Identifier: MIT
/*
 * Front-end requests: every payload size, fd count and value is checked
 * before it is used. A request that fails gets a non-zero REPLY_ACK (when
 * the front-end asked for one) and a log line; a request whose required
 * reply cannot be given sensibly drops the connection.
 */
#include "log.h"
#include "vub_private.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#define FDS_CHECKED_BY_HANDLER 0xff

typedef int handler_fn(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply);

struct handler {
	handler_fn *fn;
	uint32_t min_size, max_size;	/* payload bytes */
	uint8_t nfds;			/* fds expected, or FDS_CHECKED_BY_HANDLER */
	bool has_reply;			/* the request always gets a reply */
	int feature;			/* protocol feature we must offer, or -1 */
};

/* Take fd i out of msg, so the caller does not close it. */
static int take_fd(struct vu_msg *msg, unsigned int i)
{
	int fd = msg->fds[i];

	msg->fds[i] = -1;
	return fd;
}

static struct vub_queue *queue_arg(struct vub_dev *dev, uint64_t index, const char *req)
{
	if (index >= dev->desc->num_queues) {
		log_err("%s for queue %" PRIu64 "; the device has %u", req, index,
			dev->desc->num_queues);
		return NULL;
	}
	return dev->queues[index];
}

static void reply_u64(struct vu_msg *reply, uint64_t v)
{
	reply->hdr.size = sizeof(uint64_t);
	reply->payload.u64 = v;
}

/* Kick, call and error notifiers are eventfds (or pipes, as the spec
 * allows); anything else could block us or never become readable. */
static bool notifier_fd_ok(int fd)
{
	struct stat st;
	char path[64], target[64];
	ssize_t n;

	if (fstat(fd, &st) < 0)
		return false;
	if (S_ISFIFO(st.st_mode)) {
		int fl = fcntl(fd, F_GETFL);

		/* Our end of a pipe is ours alone: never block on it. */
		return fl >= 0 && fcntl(fd, F_SETFL, fl | O_NONBLOCK) == 0;
	}
	if ((st.st_mode & S_IFMT) != 0)
		return false;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return true;	/* no /proc: an anonymous inode is the best we know */
	target[n] = '\0';
	return strcmp(target, "anon_inode:[eventfd]") == 0;
}

/* ---- features and ownership ------------------------------------------------ */

static int h_get_features(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	reply_u64(reply, dev->features_offered);
	return 0;
}

static int h_set_features(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	uint64_t f = msg->payload.u64;

	if (f & ~dev->features_offered) {
		log_err("front-end accepted features 0x%" PRIx64 " that were not offered",
			f & ~dev->features_offered);
		return -EINVAL;
	}
	if (dev->desc->set_features && dev->desc->set_features(dev, f) < 0) {
		log_err("device refused features 0x%" PRIx64, f);
		return -EINVAL;
	}
	dev->features = f;
	dev->features_acked = true;
	/* Without protocol features rings start enabled. */
	if (!(f & (1ull << VU_F_PROTOCOL_FEATURES)))
		for (unsigned int i = 0; i < dev->desc->num_queues; i++)
			dev->queues[i]->enabled = true;
	log_debug("features 0x%" PRIx64, f);
	return 0;
}

static int h_get_protocol_features(struct vub_dev *dev, struct vu_msg *msg,
				   struct vu_msg *reply)
{
	reply_u64(reply, dev->protocol_offered);
	return 0;
}

static int h_set_protocol_features(struct vub_dev *dev, struct vu_msg *msg,
				   struct vu_msg *reply)
{
	uint64_t f = msg->payload.u64;

	if (f & ~dev->protocol_offered) {
		log_err("front-end accepted protocol features 0x%" PRIx64 " that were not offered",
			f & ~dev->protocol_offered);
		return -EINVAL;
	}
	dev->protocol = f;
	log_debug("protocol features 0x%" PRIx64, f);
	return 0;
}

static int h_set_owner(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	return 0;
}

/* Deprecated; the spec recommends treating it as "disable all rings". */
static int h_reset_owner(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	for (unsigned int i = 0; i < dev->desc->num_queues; i++)
		dev->queues[i]->enabled = false;
	return 0;
}

/* ---- memory ---------------------------------------------------------------------- */

static void remap_queues(struct vub_dev *dev)
{
	for (unsigned int i = 0; i < dev->desc->num_queues; i++)
		vub_queue_remap(dev->queues[i]);
}

static int h_set_mem_table(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	const struct vu_mem_table *t = &msg->payload.mem;
	struct vub_mem staged;
	int ret = 0;

	if (t->nregions > VU_MAX_MEM_REGIONS ||
	    msg->hdr.size < offsetof(struct vu_mem_table, regions) +
				    t->nregions * sizeof(struct vu_mem_region)) {
		log_err("SET_MEM_TABLE with %u regions in %u bytes", t->nregions, msg->hdr.size);
		return -EINVAL;
	}
	if (msg->nfds != t->nregions) {
		log_err("SET_MEM_TABLE with %u regions and %u fds", t->nregions, msg->nfds);
		return -EINVAL;
	}
	vub_mem_init(&staged);
	for (unsigned int i = 0; i < t->nregions && !ret; i++) {
		ret = vub_mem_map_region(&staged, &t->regions[i], msg->fds[i]);
		if (ret == -EEXIST)
			log_err("SET_MEM_TABLE lists region %u twice", i);
	}
	if (ret) {
		vub_mem_clear(&staged);
		return ret == -EEXIST ? -EINVAL : ret;
	}
	vub_mem_replace(&dev->mem, &staged);
	remap_queues(dev);
	return 0;
}

static int h_get_max_mem_slots(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	reply_u64(reply, VUB_MAX_MEM_SLOTS);
	return 0;
}

static int h_add_mem_reg(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	int ret = vub_mem_map_region(&dev->mem, &msg->payload.region.region, msg->fds[0]);

	if (ret == -EEXIST) {
		log_debug("ADD_MEM_REG of a region we already have");
		return 0;
	}
	if (ret == 0)
		remap_queues(dev);
	return ret;
}

static int h_rem_mem_reg(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	const struct vu_mem_region *r = &msg->payload.region.region;
	int ret;

	/* The spec tolerates (and says to ignore) one stray fd here. */
	if (msg->nfds > 1) {
		log_err("REM_MEM_REG with %u fds", msg->nfds);
		return -EINVAL;
	}
	ret = vub_mem_remove(&dev->mem, r->guest_phys_addr, r->memory_size, r->userspace_addr);
	if (ret == 0)
		remap_queues(dev);
	return ret;
}

/* ---- rings ------------------------------------------------------------------------ */

static int h_set_vring_num(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	struct vub_queue *q = queue_arg(dev, msg->payload.state.index, "SET_VRING_NUM");
	uint32_t num = msg->payload.state.num;

	if (!q)
		return -EINVAL;
	if (num == 0 || num > dev->desc->max_queue_size || num > VUB_MAX_QUEUE_SIZE) {
		log_err("queue %u: size %u (the device allows 1 to %u)", q->index, num,
			dev->desc->max_queue_size);
		return -EINVAL;
	}
	if (q->started) {
		log_err("queue %u: size changed while the ring runs", q->index);
		return -EBUSY;
	}
	q->num = num;
	return 0;
}

static int h_set_vring_addr(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	const struct vu_vring_addr *a = &msg->payload.addr;
	struct vub_queue *q = queue_arg(dev, a->index, "SET_VRING_ADDR");

	if (!q)
		return -EINVAL;
	q->desc_uaddr = a->desc_user_addr;
	q->avail_uaddr = a->avail_user_addr;
	q->used_uaddr = a->used_user_addr;
	q->have_addr = true;
	/* Addresses may change on the fly (the spec allows it). */
	vub_queue_remap(q);
	return 0;
}

static int h_set_vring_base(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	struct vub_queue *q = queue_arg(dev, msg->payload.state.index, "SET_VRING_BASE");
	uint32_t base = msg->payload.state.num;

	if (!q)
		return -EINVAL;
	if (base > UINT16_MAX) {
		log_err("queue %u: base %u is not a split-ring index", q->index, base);
		return -EINVAL;
	}
	if (q->started) {
		log_err("queue %u: base changed while the ring runs", q->index);
		return -EBUSY;
	}
	q->base = (uint16_t)base;
	q->last_avail = (uint16_t)base;
	return 0;
}

static int h_get_vring_base(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	struct vub_queue *q = queue_arg(dev, msg->payload.state.index, "GET_VRING_BASE");

	if (!q)
		return -ECONNRESET;	/* a reply is owed and none makes sense */
	reply->hdr.size = sizeof(struct vu_vring_state);
	reply->payload.state.index = q->index;
	reply->payload.state.num = vub_queue_stop(q);
	return 0;
}

static void kick_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque)
{
	struct vub_queue *q = opaque;
	char buf[64];
	ssize_t n;

	if (events & (EPOLLERR | EPOLLHUP)) {
		log_err("queue %u: kick fd was closed by the front-end", q->index);
		vub_unwatch(dev, fd);
		return;
	}
	do {
		n = read(fd, buf, sizeof(buf));
	} while (n < 0 && errno == EINTR);
	vub_queue_kicked(q);
}

/* The u64 of KICK/CALL/ERR: ring index and the NOFD flag, nothing else. */
static struct vub_queue *notifier_arg(struct vub_dev *dev, struct vu_msg *msg, const char *req,
				      bool *nofd)
{
	uint64_t v = msg->payload.u64;

	if (v & ~(VU_VRING_IDX_MASK | VU_VRING_NOFD)) {
		log_err("%s with reserved bits set: 0x%" PRIx64, req, v);
		return NULL;
	}
	*nofd = v & VU_VRING_NOFD;
	if (msg->nfds != (*nofd ? 0u : 1u)) {
		log_err("%s with %u fds%s", req, msg->nfds, *nofd ? " and the NOFD flag" : "");
		return NULL;
	}
	if (!*nofd && !notifier_fd_ok(msg->fds[0])) {
		log_err("%s: the fd is not an eventfd or a pipe", req);
		return NULL;
	}
	return queue_arg(dev, v & VU_VRING_IDX_MASK, req);
}

static int h_set_vring_kick(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	struct vub_queue *q;
	bool nofd;
	int ret;

	q = notifier_arg(dev, msg, "SET_VRING_KICK", &nofd);
	if (!q)
		return -EINVAL;
	if (nofd) {
		/* Polling the avail ring would need a busy loop: refused. */
		log_err("queue %u: SET_VRING_KICK without an fd (polling) is not supported",
			q->index);
		return -ENOTSUP;
	}
	if (q->kick_fd >= 0) {
		vub_unwatch(dev, q->kick_fd);
		close(q->kick_fd);
		q->kick_fd = -1;
	}
	ret = vub_queue_start(q);
	if (ret)
		return ret;
	ret = vub_watch(dev, msg->fds[0], EPOLLIN, kick_ready, q);
	if (ret) {
		vub_queue_mark_broken(q, "cannot watch its kick fd");
		return ret;
	}
	q->kick_fd = take_fd(msg, 0);
	if (!(dev->features & (1ull << VU_F_PROTOCOL_FEATURES)))
		q->enabled = true;
	/* Buffers may be waiting already (say, after a reconnect). */
	vub_queue_kicked(q);
	return 0;
}

static int set_notifier(struct vub_dev *dev, struct vu_msg *msg, const char *req, bool err)
{
	struct vub_queue *q;
	bool nofd;
	int *slot;

	q = notifier_arg(dev, msg, req, &nofd);
	if (!q)
		return -EINVAL;
	slot = err ? &q->err_fd : &q->call_fd;
	if (*slot >= 0)
		close(*slot);
	/* NOFD: the front-end polls the used ring; we just never signal. */
	*slot = nofd ? -1 : take_fd(msg, 0);
	return 0;
}

static int h_set_vring_call(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	return set_notifier(dev, msg, "SET_VRING_CALL", false);
}

static int h_set_vring_err(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	return set_notifier(dev, msg, "SET_VRING_ERR", true);
}

static int h_set_vring_enable(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	struct vub_queue *q = queue_arg(dev, msg->payload.state.index, "SET_VRING_ENABLE");
	uint32_t on = msg->payload.state.num;

	if (!q)
		return -EINVAL;
	if (on > 1) {
		log_err("queue %u: SET_VRING_ENABLE %u", q->index, on);
		return -EINVAL;
	}
	q->enabled = on;
	log_debug("queue %u %s", q->index, on ? "enabled" : "disabled");
	if (on)
		vub_queue_kicked(q);
	return 0;
}

static int h_get_queue_num(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	reply_u64(reply, dev->desc->num_queues);
	return 0;
}

/* ---- back-end channel, config space ------------------------------------------ */

static int h_set_backend_req_fd(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	struct stat st;
	int fl;

	if (fstat(msg->fds[0], &st) < 0 || !S_ISSOCK(st.st_mode)) {
		log_err("SET_BACKEND_REQ_FD: the fd is not a socket");
		return -EINVAL;
	}
	/* We never wait on this channel: a stuck front-end costs a message. */
	fl = fcntl(msg->fds[0], F_GETFL);
	if (fl < 0 || fcntl(msg->fds[0], F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	if (dev->backend_fd >= 0)
		close(dev->backend_fd);
	dev->backend_fd = take_fd(msg, 0);
	return 0;
}

/* Offset and size of a GET/SET_CONFIG request, checked against the
 * message; false if they do not add up. */
static bool config_arg(const struct vu_msg *msg, const char *req)
{
	const struct vu_config *c = &msg->payload.config;

	if (c->size > VU_MAX_CONFIG_SIZE || msg->hdr.size != VU_CONFIG_HDR_SIZE + c->size) {
		log_err("%s of %u bytes in a %u-byte message", req, c->size, msg->hdr.size);
		return false;
	}
	if (c->offset > VU_MAX_CONFIG_SIZE - c->size) {
		log_err("%s at offset %u, size %u", req, c->offset, c->size);
		return false;
	}
	return true;
}

static int h_get_config(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	const struct vu_config *c = &msg->payload.config;
	uint8_t space[VU_MAX_CONFIG_SIZE];

	/* An empty reply is the protocol's way of saying "failed". */
	reply->hdr.size = 0;
	if (!config_arg(msg, "GET_CONFIG"))
		return 0;
	if (!dev->desc->config_size || !dev->desc->get_config) {
		log_err("GET_CONFIG: the device has no config space");
		return 0;
	}
	memset(space, 0, sizeof(space));
	dev->desc->get_config(dev, space);
	/* Bytes past the device's config space read as zero. */
	reply->payload.config.offset = c->offset;
	reply->payload.config.size = c->size;
	reply->payload.config.flags = 0;
	memcpy(reply->payload.config.payload, space + c->offset, c->size);
	reply->hdr.size = VU_CONFIG_HDR_SIZE + c->size;
	return 0;
}

static int h_set_config(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	const struct vu_config *c = &msg->payload.config;

	if (!config_arg(msg, "SET_CONFIG"))
		return -EINVAL;
	if (c->offset + c->size > dev->desc->config_size) {
		log_err("SET_CONFIG of bytes %u..%u; the config space has %zu", c->offset,
			c->offset + c->size, dev->desc->config_size);
		return -EINVAL;
	}
	if (c->flags != VU_CONFIG_FLAG_WRITABLE && c->flags != VU_CONFIG_FLAG_MIGRATION) {
		log_err("SET_CONFIG with flags %u", c->flags);
		return -EINVAL;
	}
	if (!dev->desc->set_config)
		return -ENOTSUP;
	return dev->desc->set_config(dev, c->offset, c->payload, c->size, c->flags);
}

/* ---- inflight tracking, reset, status ------------------------------------------- */

static int h_get_inflight_fd(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	const struct vu_inflight *in = &msg->payload.inflight;
	uint64_t size;
	int fd;

	/* mmap_size 0 and no fd says "none" to the front-end. */
	reply->hdr.size = sizeof(struct vu_inflight);
	memset(&reply->payload.inflight, 0, sizeof(reply->payload.inflight));
	if (vub_inflight_create(dev, in->num_queues, in->queue_size, &fd, &size))
		return 0;
	reply->payload.inflight.mmap_size = size;
	reply->payload.inflight.mmap_offset = 0;
	reply->payload.inflight.num_queues = in->num_queues;
	reply->payload.inflight.queue_size = in->queue_size;
	reply->fds[0] = fd;
	reply->nfds = 1;
	return 0;
}

static int h_set_inflight_fd(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	return vub_inflight_set(dev, &msg->payload.inflight, msg->fds[0]);
}

static int h_reset_device(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	vub_device_reset(dev);
	return 0;
}

static int h_set_status(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	if (msg->payload.u64 > UINT8_MAX) {
		log_err("SET_STATUS 0x%" PRIx64, msg->payload.u64);
		return -EINVAL;
	}
	dev->status = (uint8_t)msg->payload.u64;
	log_debug("status 0x%x", dev->status);
	return 0;
}

static int h_get_status(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	reply_u64(reply, dev->status);
	return 0;
}

/* Requests that owe a u64 reply we cannot satisfy (IOTLB, postcopy end). */
static int h_refuse_with_reply(struct vub_dev *dev, struct vu_msg *msg, struct vu_msg *reply)
{
	log_warn("%s is not supported", vu_request_name(msg->hdr.request));
	reply_u64(reply, 1);
	return 0;
}

#define U64 sizeof(uint64_t)
#define STATE sizeof(struct vu_vring_state)
#define ANY VU_MAX_CONFIG_SIZE + sizeof(struct vu_mem_table)
#define INFLIGHT_MIN (2 * sizeof(uint64_t) + 2 * sizeof(uint16_t))

static const struct handler handlers[VU_REQUEST_MAX] = {
	[VU_GET_FEATURES] = { h_get_features, 0, ANY, 0, true, -1 },
	[VU_SET_FEATURES] = { h_set_features, U64, U64, 0, false, -1 },
	[VU_SET_OWNER] = { h_set_owner, 0, ANY, 0, false, -1 },
	[VU_RESET_OWNER] = { h_reset_owner, 0, ANY, 0, false, -1 },
	[VU_SET_MEM_TABLE] = { h_set_mem_table, offsetof(struct vu_mem_table, regions),
			       sizeof(struct vu_mem_table), FDS_CHECKED_BY_HANDLER, false, -1 },
	[VU_SET_VRING_NUM] = { h_set_vring_num, STATE, STATE, 0, false, -1 },
	[VU_SET_VRING_ADDR] = { h_set_vring_addr, sizeof(struct vu_vring_addr),
				sizeof(struct vu_vring_addr), 0, false, -1 },
	[VU_SET_VRING_BASE] = { h_set_vring_base, STATE, STATE, 0, false, -1 },
	[VU_GET_VRING_BASE] = { h_get_vring_base, STATE, STATE, 0, true, -1 },
	[VU_SET_VRING_KICK] = { h_set_vring_kick, U64, U64, FDS_CHECKED_BY_HANDLER, false, -1 },
	[VU_SET_VRING_CALL] = { h_set_vring_call, U64, U64, FDS_CHECKED_BY_HANDLER, false, -1 },
	[VU_SET_VRING_ERR] = { h_set_vring_err, U64, U64, FDS_CHECKED_BY_HANDLER, false, -1 },
	[VU_GET_PROTOCOL_FEATURES] = { h_get_protocol_features, 0, ANY, 0, true,
				       VU_F_PROTOCOL_FEATURES + 64 },
	[VU_SET_PROTOCOL_FEATURES] = { h_set_protocol_features, U64, U64, 0, false,
				       VU_F_PROTOCOL_FEATURES + 64 },
	[VU_GET_QUEUE_NUM] = { h_get_queue_num, 0, ANY, 0, true, VU_PROTOCOL_F_MQ },
	[VU_SET_VRING_ENABLE] = { h_set_vring_enable, STATE, STATE, 0, false, -1 },
	[VU_SET_BACKEND_REQ_FD] = { h_set_backend_req_fd, 0, ANY, 1, false,
				    VU_PROTOCOL_F_BACKEND_REQ },
	[VU_IOTLB_MSG] = { h_refuse_with_reply, 0, ANY, 0, true, -1 },
	[VU_GET_CONFIG] = { h_get_config, VU_CONFIG_HDR_SIZE, sizeof(struct vu_config), 0, true,
			    VU_PROTOCOL_F_CONFIG },
	[VU_SET_CONFIG] = { h_set_config, VU_CONFIG_HDR_SIZE, sizeof(struct vu_config), 0,
			    false, VU_PROTOCOL_F_CONFIG },
	[VU_POSTCOPY_END] = { h_refuse_with_reply, 0, ANY, 0, true, -1 },
	[VU_GET_INFLIGHT_FD] = { h_get_inflight_fd, INFLIGHT_MIN, sizeof(struct vu_inflight), 0,
				 true, VU_PROTOCOL_F_INFLIGHT_SHMFD },
	[VU_SET_INFLIGHT_FD] = { h_set_inflight_fd, INFLIGHT_MIN, sizeof(struct vu_inflight), 1,
				 false, VU_PROTOCOL_F_INFLIGHT_SHMFD },
	[VU_RESET_DEVICE] = { h_reset_device, 0, ANY, 0, false, VU_PROTOCOL_F_RESET_DEVICE },
	[VU_GET_MAX_MEM_SLOTS] = { h_get_max_mem_slots, 0, ANY, 0, true,
				   VU_PROTOCOL_F_CONFIGURE_MEM_SLOTS },
	[VU_ADD_MEM_REG] = { h_add_mem_reg, sizeof(struct vu_single_region),
			     sizeof(struct vu_single_region), 1, false,
			     VU_PROTOCOL_F_CONFIGURE_MEM_SLOTS },
	[VU_REM_MEM_REG] = { h_rem_mem_reg, sizeof(struct vu_single_region),
			     sizeof(struct vu_single_region), FDS_CHECKED_BY_HANDLER, false,
			     VU_PROTOCOL_F_CONFIGURE_MEM_SLOTS },
	[VU_SET_STATUS] = { h_set_status, U64, U64, 0, false, VU_PROTOCOL_F_STATUS },
	[VU_GET_STATUS] = { h_get_status, 0, ANY, 0, true, VU_PROTOCOL_F_STATUS },
};

/* Is the feature a handler depends on one we offer? Values >= 64 name a
 * virtio feature bit (plus 64), the rest protocol feature bits. */
static bool feature_offered(const struct vub_dev *dev, int feature)
{
	if (feature < 0)
		return true;
	if (feature >= 64)
		return dev->features_offered & (1ull << (feature - 64));
	return dev->protocol_offered & (1ull << feature);
}

static int check_message(const struct vub_dev *dev, const struct vu_msg *msg,
			 const struct handler *h)
{
	const char *name = vu_request_name(msg->hdr.request);

	if (msg->hdr.size < h->min_size || msg->hdr.size > h->max_size) {
		log_err("%s with a %u-byte payload (expected %u to %u)", name, msg->hdr.size,
			h->min_size, h->max_size);
		return -EINVAL;
	}
	if (h->nfds != FDS_CHECKED_BY_HANDLER && msg->nfds != h->nfds) {
		log_err("%s with %u fds (expected %u)", name, msg->nfds, h->nfds);
		return -EINVAL;
	}
	if (!feature_offered(dev, h->feature)) {
		log_err("%s, but its feature was not offered", name);
		return -ENOTSUP;
	}
	return 0;
}

static int send_reply(struct vub_dev *dev, const struct vu_msg *msg, struct vu_msg *reply)
{
	int ret;

	reply->hdr.request = msg->hdr.request;
	reply->hdr.flags = VU_VERSION | VU_FLAG_REPLY;
	ret = vu_msg_send(dev->conn_fd, reply);
	vu_msg_close_fds(reply);
	if (ret) {
		log_err("cannot reply to %s: %s", vu_request_name(msg->hdr.request),
			strerror(-ret));
		return -ECONNRESET;
	}
	return 0;
}

int vub_handle_message(struct vub_dev *dev, struct vu_msg *msg)
{
	uint32_t req = msg->hdr.request;
	const struct handler *h = req < VU_REQUEST_MAX && handlers[req].fn ? &handlers[req] : NULL;
	bool need_ack = msg->hdr.flags & VU_FLAG_NEED_REPLY;
	struct vu_msg reply;
	int ret;

	memset(&reply, 0, offsetof(struct vu_msg, payload) + sizeof(uint64_t));
	reply.nfds = 0;
	log_debug("front-end: %s (%u), %u bytes, %u fds", vu_request_name(req), req,
		  msg->hdr.size, msg->nfds);
	if (!h) {
		log_warn("front-end request %s (%u) is not supported", vu_request_name(req), req);
		ret = -ENOTSUP;
	} else {
		ret = check_message(dev, msg, h);
		if (ret == 0)
			ret = h->fn(dev, msg, &reply);
	}
	vu_msg_close_fds(msg);
	if (ret == -ECONNRESET)
		return ret;
	if (h && h->has_reply && (ret == 0 || reply.hdr.size))
		return send_reply(dev, msg, &reply);
	if (h && h->has_reply) {
		/* Refused before its handler could reply: two requests have a
		 * failure reply (an empty config, a zero-sized inflight region);
		 * for the others no reply would be true, so the connection goes. */
		if (req == VU_GET_CONFIG)
			return send_reply(dev, msg, &reply);
		if (req == VU_GET_INFLIGHT_FD) {
			reply.hdr.size = sizeof(struct vu_inflight);
			memset(&reply.payload.inflight, 0, sizeof(reply.payload.inflight));
			return send_reply(dev, msg, &reply);
		}
		log_err("%s refused; dropping the connection", vu_request_name(req));
		return -ECONNRESET;
	}
	if (ret)
		log_err("%s failed: %s", vu_request_name(req), strerror(-ret));
	if (need_ack) {
		reply_u64(&reply, ret ? 1 : 0);
		return send_reply(dev, msg, &reply);
	}
	return 0;
}
