// SPDX-License-Identifier: MIT
/*
 * The back-end half of a device: the vhost-user session, starting and
 * stopping rings, and what happens when the back-end goes away and comes
 * back. While it is away the kernel fails the device's requests (failing
 * mode), so nothing in the driver waits for a dead process.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <linux/virtio_config.h>

#include "device.h"
#include "fdstore.h"
#include "inflight.h"
#include "kdev.h"
#include "log.h"

#define RECONNECT_INTERVAL_S 1

/* Protocol features the adapter can use, when the back-end offers them. */
static const uint64_t wanted_protocol_features =
	(1ull << VU_PROTOCOL_F_MQ) | (1ull << VU_PROTOCOL_F_REPLY_ACK) |
	(1ull << VU_PROTOCOL_F_CONFIG) | (1ull << VU_PROTOCOL_F_BACKEND_REQ) |
	(1ull << VU_PROTOCOL_F_RESET_DEVICE) | (1ull << VU_PROTOCOL_F_STATUS) |
	(1ull << VU_PROTOCOL_F_INFLIGHT_SHMFD);

/* vhost-level bits in GET_FEATURES that are not virtio device features. */
static const uint64_t vhost_only_features =
	(1ull << VU_F_PROTOCOL_FEATURES) | (1ull << VU_F_LOG_ALL);

static void backend_req_handler(void *opaque, uint32_t events);
static void backend_sock_handler(void *opaque, uint32_t events);

/* The back-end's BACKEND_REQ channel: config-change notices and the like. */
static void backend_req_handler(void *opaque, uint32_t events)
{
	struct vdevice *d = opaque;
	struct vu_msg msg, reply;
	bool ok = true;

	if (vu_msg_recv(d->req_fd, &msg)) {
		/* The back-end closed it; the main socket tells the rest. */
		loop_del(&d->req_watch);
		close(d->req_fd);
		d->req_fd = -1;
		return;
	}
	vu_msg_close_fds(&msg);
	log_debug("%s: <- %s", d->name, vu_backend_request_name(msg.hdr.request));
	if (msg.hdr.request == VU_BACKEND_CONFIG_CHANGE_MSG)
		d->config_changed = true;
	else
		ok = false;
	if (msg.hdr.flags & VU_FLAG_NEED_REPLY) {
		vu_msg_init(&reply, msg.hdr.request, sizeof(uint64_t));
		reply.hdr.flags |= VU_FLAG_REPLY;
		reply.payload.u64 = ok ? 0 : 1;
		vu_msg_send(d->req_fd, &reply);
	}
}

static void backend_sock_handler(void *opaque, uint32_t events)
{
	backend_lost(opaque, "the back-end closed the connection");
}

/* Watch the connection for hang-up, and open the BACKEND_REQ channel. */
void backend_watch(struct vdevice *d)
{
	loop_add(&d->sock_watch, d->vu.sock, EPOLLRDHUP, backend_sock_handler, d);
}

static int open_backend_req(struct vdevice *d)
{
	int sv[2], ret;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	ret = vuc_set_backend_req_fd(&d->vu, sv[1]);
	close(sv[1]);
	if (ret) {
		close(sv[0]);
		return ret;
	}
	d->req_fd = sv[0];
	loop_add(&d->req_watch, d->req_fd, EPOLLIN, backend_req_handler, d);
	return 0;
}

/*
 * The config space the driver sees: the back-end's bytes, then the fields
 * the front-end owns (the type's fix-up), then the user's --config-space.
 */
static void finish_config(struct vdevice *d, uint8_t *config)
{
	if (device_ops(d) && device_ops(d)->config_fixup)
		device_ops(d)->config_fixup(d, config, d->config_size);
	config_override_apply(&d->spec->config_override, config, d->config_size);
}

/*
 * A new back-end knows nothing of what the driver wrote (virtio-blk's
 * write-cache mode, say): give it each written range again, from the
 * config the driver sees.
 */
static int replay_config_writes(struct vdevice *d)
{
	uint32_t off = 0, end;
	int ret;

	if (!vuc_has(&d->vu, VU_PROTOCOL_F_CONFIG))
		return 0;
	while (off < d->config_size) {
		if (!d->config_written[off]) {
			off++;
			continue;
		}
		for (end = off; end < d->config_size && d->config_written[end]; end++)
			;
		ret = vuc_set_config(&d->vu, off, end - off, d->config + off);
		if (ret && ret != -EIO)
			return ret;
		if (ret)
			log_warn("%s: the back-end refused the driver's config bytes %u..%u",
				 d->name, off, end - 1);
		off = end;
	}
	return 0;
}

/*
 * The handshake of every connection: features, protocol features, owner,
 * queue count, BACKEND_REQ, config. The first one decides the device's
 * identity; later ones must be compatible with what the driver already
 * uses.
 */
int backend_session(struct vdevice *d, bool first)
{
	uint64_t features, pf = 0, qnum = 0;
	uint32_t config_size;
	int ret;

	ret = vuc_get_u64(&d->vu, VU_GET_FEATURES, &features);
	if (ret)
		return ret;
	d->backend_features = features;
	if (features & (1ull << VU_F_PROTOCOL_FEATURES)) {
		ret = vuc_get_u64(&d->vu, VU_GET_PROTOCOL_FEATURES, &pf);
		if (!ret)
			ret = vuc_set_protocol_features(&d->vu, pf & wanted_protocol_features);
		if (ret)
			return ret;
	}
	ret = vuc_simple(&d->vu, VU_SET_OWNER);
	if (!ret && vuc_has(&d->vu, VU_PROTOCOL_F_MQ))
		ret = vuc_get_u64(&d->vu, VU_GET_QUEUE_NUM, &qnum);
	if (!ret && vuc_has(&d->vu, VU_PROTOCOL_F_BACKEND_REQ))
		ret = open_backend_req(d);
	if (ret)
		return ret;
	features &= ~vhost_only_features;

	if (first) {
		if (!(features & (1ull << VIRTIO_F_VERSION_1))) {
			log_err("%s: the back-end does not offer VIRTIO_F_VERSION_1 (features 0x%llx)",
				d->spec->socket, (unsigned long long)features);
			return -ENOTSUP;
		}
		d->offered = features;
		d->nq = d->spec->queues ? d->spec->queues :
			qnum ? (uint32_t)qnum : d->spec->type->queues;
		if (qnum && d->nq > qnum) {
			log_err("%s: --queues %u, but the back-end supports at most %llu",
				d->spec->socket, d->nq, (unsigned long long)qnum);
			return -EINVAL;
		}
		if (d->nq > VLB_MAX_QUEUES) {
			log_err("%s: the back-end wants %u queues; at most %d are supported",
				d->spec->socket, d->nq, VLB_MAX_QUEUES);
			return -EINVAL;
		}
		config_size = device_spec_config_size(d->spec);
		d->config_size = config_size;
		if (config_size && vuc_has(&d->vu, VU_PROTOCOL_F_CONFIG)) {
			ret = vuc_get_config(&d->vu, config_size, d->config);
			if (ret) {
				log_err("%s: GET_CONFIG of %u bytes failed", d->spec->socket,
					config_size);
				return ret;
			}
		} else if (config_size && !(device_ops(d) && device_ops(d)->owns_config) &&
			   !d->spec->config_override.end) {
			log_warn("%s: the back-end has no CONFIG protocol feature; config space is zero",
				 d->spec->socket);
		}
		finish_config(d, d->config);
		return 0;
	}

	if (d->features_set && (features & d->driver_features) != d->driver_features) {
		log_err("%s: the back-end now lacks features the driver uses (0x%llx)",
			d->name, (unsigned long long)(d->driver_features & ~features));
		return -ENOTSUP;
	}
	if (qnum && qnum < d->nq) {
		log_err("%s: the back-end now supports only %llu queues", d->name,
			(unsigned long long)qnum);
		return -ENOTSUP;
	}
	ret = replay_config_writes(d);
	if (ret)
		return ret;
	d->config_changed = true;
	return 0;
}

int backend_set_features(struct vdevice *d)
{
	uint64_t f = d->driver_features;

	if (d->backend_features & (1ull << VU_F_PROTOCOL_FEATURES))
		f |= 1ull << VU_F_PROTOCOL_FEATURES;
	return vuc_set_u64(&d->vu, VU_SET_FEATURES, f);
}

/*
 * Put the config space together again: the back-end's bytes when it has
 * the CONFIG feature, else the ones the driver sees now, then the layers
 * of finish_config(). Returns 0, or -1 when the back-end failed.
 */
static int fresh_config(struct vdevice *d, uint8_t *fresh)
{
	if (d->connected && d->config_size && vuc_has(&d->vu, VU_PROTOCOL_F_CONFIG)) {
		if (vuc_get_config(&d->vu, d->config_size, fresh))
			return -1;
	} else {
		memcpy(fresh, d->config, d->config_size);
	}
	finish_config(d, fresh);
	return 0;
}

/* Refresh the config space; tell the driver when it changed (or asked). */
void backend_refresh_config(struct vdevice *d, bool notify)
{
	uint8_t fresh[VU_MAX_CONFIG_SIZE];
	bool changed;
	int ret;

	d->config_changed = false;
	if (!d->config_size)
		return;
	if (fresh_config(d, fresh)) {
		backend_lost(d, "GET_CONFIG failed");
		return;
	}
	changed = memcmp(fresh, d->config, d->config_size);
	if (!changed && !notify)
		return;
	memcpy(d->config, fresh, d->config_size);
	ret = kdev_config_update(d->kfd, 0, d->config, d->config_size, notify || changed);
	if (ret)
		log_err("%s: cannot update the kernel's config space: %s", d->name,
			strerror(-ret));
}

/* The driver wrote config bytes: pass them on and refresh the cache. */
void backend_config_write(struct vdevice *d, uint32_t offset, uint32_t len)
{
	uint8_t fresh[VU_MAX_CONFIG_SIZE];
	int ret;

	if (device_ops(d) && device_ops(d)->config_write)
		device_ops(d)->config_write(d, offset, len);
	if (d->connected && vuc_has(&d->vu, VU_PROTOCOL_F_CONFIG)) {
		ret = vuc_set_config(&d->vu, offset, len, d->config + offset);
		if (ret == -EIO)
			log_warn("%s: the back-end refused a config write at %u", d->name, offset);
		else if (ret)
			goto lost;
	}
	if (fresh_config(d, fresh))
		goto lost;
	memcpy(d->config, fresh, d->config_size);
	kdev_config_update(d->kfd, 0, d->config, d->config_size, false);
	return;
lost:
	backend_lost(d, "a config write failed");
}

/* Used index of a queue's ring, read from our view of the pool. */
static uint16_t used_idx(struct vdevice *d, struct queue *q)
{
	uint16_t idx;

	if (q->used + 4 > d->pool_size)
		return 0;
	memcpy(&idx, (uint8_t *)d->pool + q->used + 2, sizeof(idx));
	return le16toh(idx);
}

/* heads/n: what the inflight record says (record), or nothing known. */
static void fail_queue(struct vdevice *d, uint32_t i, const uint16_t *heads, int n, bool record)
{
	struct queue *q = &d->q[i];
	int ret;

	if (q->failing || !q->ready)
		return;
	ret = kdev_queue_fail(d->kfd, i, heads, n > 0 ? (uint32_t)n : 0, record);
	if (ret)
		log_err("%s: queue %u: cannot fail its requests: %s", d->name, i,
			strerror(-ret));
	else
		q->failing = true;
	q->started = false;
}

static void unmap_inflight(struct vdevice *d)
{
	if (d->inflight_name[0]) {
		fdstore_forget(d->inflight_name);
		d->inflight_name[0] = 0;
	}
	if (d->inflight)
		munmap(d->inflight, d->inflight_desc.mmap_size);
	if (d->inflight_fd >= 0)
		close(d->inflight_fd);
	d->inflight = NULL;
	d->inflight_fd = -1;
}

static void disconnect(struct vdevice *d, bool keep_inflight)
{
	loop_del(&d->sock_watch);
	if (d->req_fd >= 0) {
		loop_del(&d->req_watch);
		close(d->req_fd);
		d->req_fd = -1;
	}
	vuc_close(&d->vu);
	if (!keep_inflight)
		unmap_inflight(d);
	d->connected = false;
	d->mem_table_sent = false;
}

/* Close the connection, without failing anything (removal, reset). */
void backend_disconnect(struct vdevice *d)
{
	disconnect(d, false);
}

/*
 * What queue i's inflight record says the back-end took and did not
 * complete, into heads: the count, or -1 for a record that cannot be
 * read. *have says whether there is a record at all.
 */
static int recorded_heads(struct vdevice *d, uint32_t i, uint16_t *heads, bool *have)
{
	size_t stride;

	*have = d->inflight && d->inflight_desc.num_queues && heads &&
		i < d->inflight_desc.num_queues;
	if (!*have)
		return 0;
	stride = d->inflight_desc.mmap_size / d->inflight_desc.num_queues;
	return inflight_heads((uint8_t *)d->inflight + i * stride, stride, d->q[i].num,
			      used_idx(d, &d->q[i]), heads, VLB_MAX_QUEUE_SIZE);
}

/* Fail queue i's requests: the recorded ones, then every later one. */
static void fail_recorded(struct vdevice *d, uint32_t i, uint16_t *heads)
{
	bool record;
	int n = recorded_heads(d, i, heads, &record);

	if (n < 0) {
		log_err("%s: queue %u: malformed inflight region", d->name, i);
		record = false;
		n = 0;
	}
	if (n)
		log_info("%s: queue %u: failing %d request(s) in flight", d->name, i, n);
	fail_queue(d, i, heads, n, record);
}

/*
 * Hold only with the means to resubmit: an inflight region that reads
 * well for every running queue. A type that acts on back-end loss (GPU)
 * does not hold.
 */
static bool can_hold(struct vdevice *d, uint16_t *heads)
{
	if (!d->spec->reconnect_grace_s || !d->inflight || d->remove_requested ||
	    (device_ops(d) && device_ops(d)->backend_lost))
		return false;
	for (uint32_t i = 0; i < d->nq; i++) {
		bool have;

		if (d->q[i].started && (recorded_heads(d, i, heads, &have) < 0 || !have))
			return false;
	}
	return true;
}

/* The hold ends without a back-end (grace period over, removal, reset). */
void backend_end_hold(struct vdevice *d, const char *why)
{
	uint16_t *heads;

	if (!d->holding)
		return;
	d->holding = d->held_before = false;
	log_warn("%s: %s; failing the requests held for the back-end", d->name, why);
	heads = calloc(VLB_MAX_QUEUE_SIZE, sizeof(*heads));
	for (uint32_t i = 0; i < d->nq; i++)
		if (d->q[i].held) {
			d->q[i].held = false;
			fail_recorded(d, i, heads);
		}
	free(heads);
	unmap_inflight(d);
}

/*
 * Since the last hold began, the back-end completed a request, or had
 * none in flight when it went: either way it is not stuck on one.
 */
static bool made_progress(struct vdevice *d, uint16_t *heads)
{
	bool completed = false, pending = false;

	for (uint32_t i = 0; i < d->nq; i++) {
		struct queue *q = &d->q[i];
		bool have;

		if (!q->started)
			continue;
		completed |= used_idx(d, q) != q->held_used;
		pending |= recorded_heads(d, i, heads, &have) > 0;
	}
	return completed || !pending;
}

/*
 * The back-end is gone (or can no longer be trusted); try to reconnect,
 * every second. With a grace period and an inflight region, its queues
 * hold: the driver sees nothing, and a back-end that is back in time
 * resubmits what was in flight. Otherwise, or once the grace period is
 * over, the requests it had in flight, known from its inflight region,
 * and every later one fail in the kernel until a back-end is back.
 */
static bool hold_or_fail(struct vdevice *d, const char *why)
{
	uint16_t *heads = calloc(VLB_MAX_QUEUE_SIZE, sizeof(*heads));
	bool hold;

	hold = heads && can_hold(d, heads);
	if (hold && d->held_before && !made_progress(d, heads)) {
		uint64_t now = now_ms();

		log_warn("%s: %s (%s), having completed nothing since it came back; holding its"
			 " requests for the %llu s left of the first grace period",
			 d->name, why, d->spec->socket, d->hold_until_ms > now ?
			 (unsigned long long)(d->hold_until_ms - now + 999) / 1000 : 0ull);
		d->holding = true;
	} else if (hold) {
		log_warn("%s: %s (%s); holding its requests for up to %u s until it is back",
			 d->name, why, d->spec->socket, d->spec->reconnect_grace_s);
		d->holding = true;
		d->held_before = true;
		d->hold_until_ms = now_ms() + d->spec->reconnect_grace_s * 1000ull;
	} else {
		d->held_before = false;
		log_warn("%s: %s (%s); failing requests until the back-end is back",
			 d->name, why, d->spec->socket);
		if (device_ops(d) && device_ops(d)->backend_lost)
			device_ops(d)->backend_lost(d);
	}
	for (uint32_t i = 0; i < d->nq; i++) {
		struct queue *q = &d->q[i];

		if (!q->started)
			continue;
		if (!hold) {
			fail_recorded(d, i, heads);
			continue;
		}
		/* The next back-end starts where the used ring is. */
		q->held = true;
		q->started = false;
		q->base = q->held_used = used_idx(d, q);
	}
	free(heads);
	return hold;
}

/* Try to reconnect every second, the first time after first_ns. */
static void arm_reconnect(struct vdevice *d, long first_ns)
{
	struct itimerspec every = {
		.it_value = { first_ns ? 0 : RECONNECT_INTERVAL_S, first_ns },
		.it_interval = { RECONNECT_INTERVAL_S, 0 },
	};

	if (!d->remove_requested)
		timerfd_settime(d->timer_fd, 0, &every, NULL);
}

void backend_lost(struct vdevice *d, const char *why)
{
	if (!d->connected)
		return;
	disconnect(d, hold_or_fail(d, why));
	arm_reconnect(d, 0);
}

/*
 * A restarted adapter took the device over (resume.c): the back-end's
 * session ended with the old adapter. The rings it had hold or fail as
 * when a back-end is lost, and a new session starts at once.
 */
void backend_adopted(struct vdevice *d)
{
	if (!hold_or_fail(d, "the adapter restarted"))
		unmap_inflight(d);
	arm_reconnect(d, 1000000);
}

/* The region outlives the adapter too; its name says how to map it. */
static void store_inflight(struct vdevice *d)
{
	char what[64];

	if (!d->stored)
		return;
	snprintf(what, sizeof(what), "inflight-%llu-%llu-%u-%u",
		 (unsigned long long)d->inflight_desc.mmap_size,
		 (unsigned long long)d->inflight_desc.mmap_offset,
		 d->inflight_desc.num_queues, d->inflight_desc.queue_size);
	device_fd_name(d, what, d->inflight_name, sizeof(d->inflight_name));
	if (fdstore_put(d->inflight_name, d->inflight_fd))
		d->inflight_name[0] = 0;
}

/*
 * Map a back-end's inflight region (fd, laid out as inf) for reading; the
 * device owns fd from here on, and closes it if the region is refused.
 */
int backend_map_inflight(struct vdevice *d, int fd, const struct vu_inflight *inf)
{
	void *p = MAP_FAILED;
	int ret = -EPROTO;

	if (inf->mmap_size && inf->mmap_size <= MAX_INFLIGHT_SIZE) {
		p = mmap(NULL, inf->mmap_size, PROT_READ, MAP_SHARED, fd,
			 (off_t)inf->mmap_offset);
		ret = p == MAP_FAILED ? -errno : 0;
	}
	if (ret) {
		close(fd);
		return ret;
	}
	d->inflight_fd = fd;
	d->inflight = p;
	d->inflight_desc = *inf;
	return 0;
}

static int start_inflight(struct vdevice *d)
{
	struct vu_inflight inf = { 0 };
	int ret, fd;

	if (!vuc_has(&d->vu, VU_PROTOCOL_F_INFLIGHT_SHMFD))
		return 0;
	if (!d->inflight) {
		inf.num_queues = (uint16_t)d->nq;
		inf.queue_size = (uint16_t)d->spec->queue_size;
		ret = vuc_get_inflight_fd(&d->vu, &inf, &fd);
		if (!ret)
			ret = backend_map_inflight(d, fd, &inf);
		if (ret)
			return ret;
		store_inflight(d);
	}
	return vuc_set_inflight_fd(&d->vu, &d->inflight_desc, d->inflight_fd);
}

static int start_queue(struct vdevice *d, uint32_t i)
{
	struct queue *q = &d->q[i];
	uint64_t base = (uintptr_t)d->pool;
	struct vu_vring_addr addr = {
		.index = i,
		.desc_user_addr = base + q->desc,
		.used_user_addr = base + q->used,
		.avail_user_addr = base + q->avail,
	};
	int ret;

	if (q->failing) {
		ret = kdev_queue_resume(d->kfd, i, &q->base);
		if (ret)
			return ret;
		q->failing = false;
	}
	ret = vuc_set_vring_state(&d->vu, VU_SET_VRING_NUM, i, q->num);
	if (!ret)
		ret = vuc_set_vring_state(&d->vu, VU_SET_VRING_BASE, i, q->base);
	if (!ret)
		ret = vuc_set_vring_addr(&d->vu, &addr);
	if (!ret)
		ret = vuc_set_vring_fd(&d->vu, VU_SET_VRING_KICK, i, q->kick);
	if (!ret)
		ret = vuc_set_vring_fd(&d->vu, VU_SET_VRING_CALL, i, q->call);
	if (!ret)
		q->started = true;
	return ret;
}

static void kick(struct queue *q)
{
	uint64_t one = 1;

	if (write(q->kick, &one, sizeof(one)) != sizeof(one))
		log_debug("kick eventfd write failed");
}

/*
 * DRIVER_OK (or a queue made ready after it): hand every ready ring to the
 * back-end, as QEMU does when a guest starts a vhost device. Without a
 * back-end, the rings fail their requests instead.
 */
void backend_start_rings(struct vdevice *d)
{
	struct vu_mem_region region = {
		.guest_phys_addr = 0,
		.memory_size = d->pool_size,
		.userspace_addr = (uintptr_t)d->pool,
		.mmap_offset = 0,
	};
	bool enable = d->backend_features & (1ull << VU_F_PROTOCOL_FEATURES);
	int ret = 0;

	if (d->connected && !d->mem_table_sent) {
		ret = vuc_set_mem_table(&d->vu, &region, d->pool_fd);
		if (!ret)
			ret = start_inflight(d);
		d->mem_table_sent = !ret;
	}
	for (uint32_t i = 0; !ret && d->connected && i < d->nq; i++) {
		struct queue *q = &d->q[i];

		if (!q->ready || q->started)
			continue;
		ret = start_queue(d, i);
		if (!ret)
			q->held = false;
		if (!ret && enable)
			ret = vuc_set_vring_state(&d->vu, VU_SET_VRING_ENABLE, i, 1);
		/* Buffers added before the back-end listened need a kick. */
		if (!ret)
			kick(q);
	}
	if (!ret && d->connected && vuc_has(&d->vu, VU_PROTOCOL_F_STATUS))
		ret = vuc_set_u64(&d->vu, VU_SET_STATUS, d->status);
	if (ret && d->connected)
		backend_lost(d, "starting the rings failed");
	if (!d->connected && !d->holding)
		for (uint32_t i = 0; i < d->nq; i++)
			fail_queue(d, i, NULL, 0, false);
}

void backend_set_status(struct vdevice *d)
{
	if (d->connected && vuc_has(&d->vu, VU_PROTOCOL_F_STATUS) &&
	    vuc_set_u64(&d->vu, VU_SET_STATUS, d->status))
		backend_lost(d, "SET_STATUS failed");
}

/*
 * Device reset: stop every ring (GET_VRING_BASE) and reset the back-end.
 * The kernel ends failing mode on its own; the driver sets the queues up
 * again from scratch.
 */
void backend_stop_rings(struct vdevice *d)
{
	uint32_t base;
	int ret = 0;

	for (uint32_t i = 0; !ret && d->connected && i < d->nq; i++)
		if (d->q[i].started)
			ret = vuc_get_vring_base(&d->vu, i, &base);
	if (!ret && d->connected) {
		if (vuc_has(&d->vu, VU_PROTOCOL_F_RESET_DEVICE))
			ret = vuc_simple(&d->vu, VU_RESET_DEVICE);
		else if (vuc_has(&d->vu, VU_PROTOCOL_F_STATUS))
			ret = vuc_set_u64(&d->vu, VU_SET_STATUS, 0);
	}
	if (ret && d->connected)
		backend_lost(d, "stopping the rings failed");
	/* The driver took its requests back: nothing is held any more. */
	d->holding = d->held_before = false;
	for (uint32_t i = 0; i < d->nq; i++) {
		d->q[i].ready = d->q[i].started = d->q[i].failing = d->q[i].held = false;
		d->q[i].base = 0;
	}
	/* A reset device gets a fresh memory table and inflight region. */
	d->mem_table_sent = false;
	unmap_inflight(d);
}

/* Timer: try to reconnect; on success, give back what the driver uses. */
void backend_reconnect_timer(void *opaque, uint32_t events)
{
	struct itimerspec off = { 0 };
	struct vdevice *d = opaque;
	uint64_t ticks;
	int ret;

	if (read(d->timer_fd, &ticks, sizeof(ticks)) < 0 || d->connected ||
	    d->remove_requested)
		return;
	if (d->holding && now_ms() >= d->hold_until_ms)
		backend_end_hold(d, "no back-end within the grace period");
	if (vuc_connect(&d->vu, d->spec->socket))
		return;
	ret = backend_session(d, false);
	if (!ret && d->features_set)
		ret = backend_set_features(d);
	if (ret) {
		log_warn("%s: the back-end at %s came back but the session failed: %s",
			 d->name, d->spec->socket, strerror(-ret));
		backend_disconnect(d);
		return;
	}
	timerfd_settime(d->timer_fd, 0, &off, NULL);
	d->connected = true;
	backend_watch(d);
	log_info("%s: reconnected to the back-end at %s%s", d->name, d->spec->socket,
		 d->holding ? "; it resubmits the held requests" : "");
	d->holding = false;
	if (d->status & VIRTIO_CONFIG_S_DRIVER_OK)
		backend_start_rings(d);
}
