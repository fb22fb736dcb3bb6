// SPDX-License-Identifier: MIT
/*
 * The kernel half of a device: creating it from what the back-end offers,
 * and answering the kernel's control messages (D3). The adapter stays out
 * of the data path: the kernel and the back-end share the eventfds.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <linux/virtio_config.h>

#include "device.h"
#include "kdev.h"
#include "log.h"

static void handle_features(struct vdevice *d, const struct vlb_msg *m, int *result)
{
	uint64_t f = m->features.features;
	int ret;

	if (f & ~d->offered) {
		log_err("%s: the driver accepted features never offered (0x%llx)", d->name,
			(unsigned long long)(f & ~d->offered));
		*result = -EINVAL;
		return;
	}
	d->driver_features = f;
	d->features_set = true;
	if (!d->connected)
		return;
	ret = backend_set_features(d);
	if (ret == -EIO) {
		log_err("%s: the back-end refused features 0x%llx", d->name,
			(unsigned long long)f);
		*result = -EIO;
	} else if (ret) {
		backend_lost(d, "SET_FEATURES failed");
	}
}

/* DRIVER_OK: the type's hook first (a side channel before the rings). */
static void driver_ok(struct vdevice *d)
{
	const struct device_type_ops *ops = device_ops(d);

	if (d->connected && ops && ops->driver_ok && ops->driver_ok(d))
		backend_lost(d, "the device type's start-up failed");
	backend_start_rings(d);
}

static void handle_status(struct vdevice *d, const struct vlb_msg *m)
{
	uint8_t old = d->status;

	d->status = (uint8_t)m->status.status;
	log_debug("%s: status 0x%02x", d->name, d->status);
	if ((d->status & VIRTIO_CONFIG_S_DRIVER_OK) && !(old & VIRTIO_CONFIG_S_DRIVER_OK))
		driver_ok(d);
	else
		backend_set_status(d);
	/* During start-up main() reports it; later it is news. */
	if ((d->status & VIRTIO_CONFIG_S_FAILED) && d->registered)
		log_warn("%s: the driver marked the device FAILED", d->name);
}

static void handle_queue_ready(struct vdevice *d, const struct vlb_msg *m, int *result)
{
	uint32_t i = m->queue.index;
	struct queue *q;

	if (i >= d->nq || !m->queue.num || m->queue.num > d->spec->queue_size) {
		*result = -EINVAL;
		return;
	}
	q = &d->q[i];
	q->ready = true;
	q->started = false;
	q->failing = false;
	q->num = m->queue.num;
	q->desc = m->queue.desc;
	q->avail = m->queue.avail;
	q->used = m->queue.used;
	q->base = 0;
	log_debug("%s: queue %u ready: %u entries", d->name, i, q->num);
	if (d->status & VIRTIO_CONFIG_S_DRIVER_OK)
		backend_start_rings(d);
}

static void handle_config_write(struct vdevice *d, const struct vlb_msg *m, int *result)
{
	uint32_t off = m->config.offset, len = m->config.len;

	if (len > VLB_CONFIG_WRITE_MAX || off > d->config_size || len > d->config_size - off) {
		*result = -EINVAL;
		return;
	}
	memcpy(d->config + off, m->config.data, len);
	memset(d->config_written + off, 0xff, len);
	backend_config_write(d, off, len);
}

static void handle_msg(struct vdevice *d, const struct vlb_msg *m)
{
	int result = 0, ret;

	switch (m->type) {
	case VLB_MSG_STATUS:
		handle_status(d, m);
		break;
	case VLB_MSG_FEATURES:
		handle_features(d, m, &result);
		break;
	case VLB_MSG_QUEUE_READY:
		handle_queue_ready(d, m, &result);
		break;
	case VLB_MSG_CONFIG_WRITE:
		handle_config_write(d, m, &result);
		break;
	case VLB_MSG_RESET:
		backend_stop_rings(d);
		if (device_ops(d) && device_ops(d)->reset)
			device_ops(d)->reset(d);
		d->status = 0;
		d->features_set = false;
		memset(d->config_written, 0, sizeof(d->config_written));
		break;
	case VLB_MSG_REGISTERED:
		d->registered = m->registered.virtio_index >= 0;
		log_info("%s: %s device on the virtio bus as virtio%d", d->name,
			 d->spec->type->name, m->registered.virtio_index);
		return;
	case VLB_MSG_REMOVED:
		d->removed = true;
		log_info("%s: removed from the kernel", d->name);
		return;
	default:
		log_warn("%s: unknown kernel message type %u", d->name, m->type);
		result = -ENOSYS;
		break;
	}
	if (m->flags & VLB_MSG_F_NEED_REPLY) {
		ret = kdev_reply(d->kfd, m->id, result);
		if (ret)
			log_err("%s: reply to the kernel failed: %s", d->name, strerror(-ret));
	}
}

static void kdev_handler(void *opaque, uint32_t events)
{
	struct vdevice *d = opaque;
	struct vlb_msg m;
	int ret;

	while (!d->removed && (ret = kdev_read_msg(d->kfd, &m)) == 1)
		handle_msg(d, &m);
	if (!d->removed && ret < 0) {
		log_err("%s: reading kernel messages failed: %s", d->name, strerror(-ret));
		d->removed = true;
	}
	if (d->removed)
		loop_del(&d->kwatch);
}

static int create_kernel_device(struct vdevice *d)
{
	struct vlb_create c = {
		.api_version = VLB_API_VERSION,
		.device_id = d->spec->type->id,
		.vendor_id = 0,
		.num_queues = d->nq,
		.features = d->offered,
		.shm_size = d->spec->shm_size,
		.config_ptr = (uintptr_t)d->config,
		.config_size = d->config_size,
		.flags = d->spec->type->create_flags,
	};
	int ret;

	for (uint32_t i = 0; i < d->nq; i++)
		c.queue_size[i] = (uint16_t)d->spec->queue_size;
	ret = kdev_open(&d->kfd);
	if (ret) {
		log_err("cannot open %s: %s%s", KDEV_PATH, strerror(-ret),
			ret == -ENOENT ? " (is the virtio_loopback module loaded?)" : "");
		return ret;
	}
	ret = kdev_create(d->kfd, &c);
	if (ret) {
		log_err("the kernel refused the %s device from %s: %s%s",
			d->spec->type->name, d->spec->socket, strerror(-ret),
			ret == -EINVAL ? " (queue sizes, pool size or features out of range)" : "");
		return ret;
	}
	d->pool_fd = c.shm_fd;
	d->pool_size = d->spec->shm_size;
	snprintf(d->name, sizeof(d->name), "vlb%u", c.index);
	d->pool = mmap(NULL, d->pool_size, PROT_READ, MAP_SHARED, d->pool_fd, 0);
	if (d->pool == MAP_FAILED) {
		d->pool = NULL;
		ret = -errno;
		log_err("%s: cannot map the pool: %s", d->name, strerror(-ret));
		return ret;
	}
	return 0;
}

/* The queues' state and their eventfds, given to the kernel. */
int device_create_queues(struct vdevice *d)
{
	d->q = calloc(d->nq, sizeof(*d->q));
	if (!d->q)
		return -ENOMEM;
	for (uint32_t i = 0; i < d->nq; i++)
		d->q[i].kick = d->q[i].call = -1;
	for (uint32_t i = 0; i < d->nq; i++) {
		struct queue *q = &d->q[i];
		int ret;

		q->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		q->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (q->kick < 0 || q->call < 0)
			return -errno;
		ret = kdev_set_queue_fds(d->kfd, i, q->kick, q->call);
		if (ret) {
			log_err("%s: queue %u: the kernel refused its eventfds: %s", d->name,
				i, strerror(-ret));
			return ret;
		}
	}
	return 0;
}

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * Connect to the back-end; with --connect-timeout, keep trying while the
 * socket does not exist yet or refuses (a back-end still starting). The
 * event loop runs meanwhile, so a signal ends the wait.
 */
static int connect_backend(struct vdevice *d)
{
	const struct device_spec *spec = d->spec;
	uint64_t deadline = now_ms() + spec->connect_timeout_s * 1000ull;
	bool waited = false;
	int ret;

	for (;;) {
		ret = vuc_connect(&d->vu, spec->socket);
		if ((ret != -ENOENT && ret != -ECONNREFUSED) || now_ms() >= deadline ||
		    loop_stop_requested())
			break;
		if (!waited)
			log_info("waiting up to %u s for the back-end at %s",
				 spec->connect_timeout_s, spec->socket);
		waited = true;
		loop_run_once(100);
	}
	if (ret)
		log_err("cannot connect to the back-end socket %s: %s%s", spec->socket,
			strerror(-ret), waited ? " (gave up waiting)" : "");
	return ret;
}

void device_init(struct vdevice *d, const struct device_spec *spec, unsigned int slot)
{
	memset(d, 0, sizeof(*d));
	d->spec = spec;
	d->slot = slot;
	d->kfd = d->pool_fd = d->req_fd = d->inflight_fd = d->timer_fd = -1;
	d->vu.sock = -1;
	d->kwatch.fd = d->sock_watch.fd = d->req_watch.fd = d->timer_watch.fd = -1;
	snprintf(d->name, sizeof(d->name), "%s", spec->type->name);
}

/*
 * A type that acts on back-end loss (the GPU's display) cannot be taken
 * over by another adapter: its devices go with the adapter, as without
 * the store.
 */
bool device_can_be_stored(const struct vdevice *d)
{
	return fdstore_enabled() && !(device_ops(d) && device_ops(d)->backend_lost);
}

void device_fd_name(const struct vdevice *d, const char *what, char *buf, size_t size)
{
	fdstore_name(buf, size, d->slot, d->spec->type->name, d->spec->socket, what);
}

/* Hand the device file and the pool to the fd store (--fd-store). */
void device_store(struct vdevice *d)
{
	char ctl[FDSTORE_NAME_MAX], pool[FDSTORE_NAME_MAX];

	if (!device_can_be_stored(d))
		return;
	device_fd_name(d, "ctl", ctl, sizeof(ctl));
	device_fd_name(d, "pool", pool, sizeof(pool));
	if (fdstore_put(ctl, d->kfd))
		return;
	if (fdstore_put(pool, d->pool_fd)) {
		fdstore_forget(ctl);
		return;
	}
	d->stored = true;
}

static void device_unstore(struct vdevice *d)
{
	char name[FDSTORE_NAME_MAX];

	if (!d->stored)
		return;
	device_fd_name(d, "ctl", name, sizeof(name));
	fdstore_forget(name);
	device_fd_name(d, "pool", name, sizeof(name));
	fdstore_forget(name);
	d->stored = false;
}

/* The event-loop side of a device whose kernel half exists. */
int device_finish_open(struct vdevice *d)
{
	d->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (d->timer_fd < 0)
		return -errno;
	loop_add(&d->kwatch, d->kfd, EPOLLIN, kdev_handler, d);
	loop_add(&d->timer_watch, d->timer_fd, EPOLLIN, backend_reconnect_timer, d);
	if (d->connected)
		backend_watch(d);
	return 0;
}

/**
 * device_open - connect to the back-end and create the device in the kernel
 *
 * Logs one clear line and returns a negative errno on failure; whatever
 * was created is undone by device_close().
 */
int device_open(struct vdevice *d, const struct device_spec *spec, unsigned int slot)
{
	int ret;

	device_init(d, spec, slot);
	ret = connect_backend(d);
	if (ret)
		return ret;
	ret = backend_session(d, true);
	if (ret) {
		if (ret != -ENOTSUP && ret != -EINVAL)
			log_err("%s: vhost-user handshake failed: %s", spec->socket,
				strerror(-ret));
		return ret;
	}
	d->connected = true;
	d->type_opened = true;
	if (device_ops(d) && device_ops(d)->open) {
		ret = device_ops(d)->open(d);
		if (ret)
			return ret;
	}
	ret = create_kernel_device(d);
	if (!ret)
		ret = device_create_queues(d);
	if (ret)
		return ret;
	device_store(d);
	ret = device_finish_open(d);
	if (ret)
		return ret;
	log_info("%s: %s device (virtio id %u) from %s: %u queue(s) of %u, %llu KiB pool",
		 d->name, spec->type->name, spec->type->id, spec->socket, d->nq,
		 spec->queue_size, (unsigned long long)(spec->shm_size >> 10));
	return 0;
}

int device_start(struct vdevice *d)
{
	int ret = kdev_start(d->kfd);

	if (ret)
		log_err("%s: the kernel refused to start the device: %s", d->name,
			strerror(-ret));
	return ret;
}

/* Ask the kernel to remove the device; VLB_MSG_REMOVED says when it is. */
void device_request_remove(struct vdevice *d)
{
	struct itimerspec off = { 0 };

	if (d->remove_requested || d->removed)
		return;
	/* The driver's removal waits for every request: end the hold first. */
	backend_end_hold(d, "the device is being removed");
	d->remove_requested = true;
	if (d->type_opened && device_ops(d) && device_ops(d)->removing)
		device_ops(d)->removing(d);
	if (d->timer_fd >= 0)
		timerfd_settime(d->timer_fd, 0, &off, NULL);
	if (d->kfd < 0 || kdev_remove(d->kfd))
		d->removed = true;
}

void device_lose_backend(struct vdevice *d, const char *why)
{
	if (!d->lose_why)
		d->lose_why = why;
}

/* Work deferred out of event handlers. */
void device_after_events(struct vdevice *d)
{
	const char *why = d->lose_why;

	d->lose_why = NULL;
	if (why && !d->removed)
		backend_lost(d, why);
	if (d->config_changed && !d->removed)
		backend_refresh_config(d, true);
}

int device_add_watch(struct vdevice *d, struct loop_watch *w, int fd, uint32_t events,
		     loop_handler handler, void *opaque)
{
	int ret;

	if (d->vu.nside >= VUC_MAX_SIDE)
		return -ENOSPC;
	ret = loop_add(w, fd, events, handler, opaque);
	if (!ret)
		d->vu.side[d->vu.nside++] = w;
	return ret;
}

void device_del_watch(struct vdevice *d, struct loop_watch *w)
{
	for (unsigned int i = 0; i < d->vu.nside; i++) {
		if (d->vu.side[i] == w) {
			d->vu.side[i] = d->vu.side[--d->vu.nside];
			break;
		}
	}
	loop_del(w);
}

/* Release everything; closing the file removes the device if still there. */
void device_close(struct vdevice *d)
{
	if (d->type_opened && device_ops(d) && device_ops(d)->close)
		device_ops(d)->close(d);
	d->type_opened = false;
	backend_disconnect(d);
	device_unstore(d);
	loop_del(&d->kwatch);
	loop_del(&d->timer_watch);
	if (d->timer_fd >= 0)
		close(d->timer_fd);
	for (uint32_t i = 0; d->q && i < d->nq; i++) {
		if (d->q[i].kick >= 0)
			close(d->q[i].kick);
		if (d->q[i].call >= 0)
			close(d->q[i].call);
	}
	free(d->q);
	if (d->pool)
		munmap(d->pool, d->pool_size);
	if (d->pool_fd >= 0)
		close(d->pool_fd);
	if (d->kfd >= 0)
		close(d->kfd);
	d->q = NULL;
	d->pool = NULL;
	d->kfd = d->pool_fd = d->timer_fd = -1;
}
