/* SPDX-License-Identifier: MIT */
/*
 * The library's internal state, shared by its source files and by the
 * unit tests and fuzz targets (which drive it without a socket peer).
 * Device code uses vub.h only.
 */
#ifndef VUB_PRIVATE_H
#define VUB_PRIVATE_H

#include "memory.h"
#include "vhost_user.h"
#include "vub.h"

#include <linux/virtio_ring.h>
#include <stdbool.h>
#include <stdint.h>

struct vub_queue {
	struct vub_dev *dev;
	unsigned int index;

	/* What the front-end set up. */
	unsigned int num;		/* ring size, 0 until SET_VRING_NUM */
	bool have_addr;
	uint64_t desc_uaddr, avail_uaddr, used_uaddr;
	uint16_t base;			/* SET_VRING_BASE */
	int kick_fd, call_fd, err_fd;
	bool enabled;

	/* The running ring. */
	bool started;
	bool broken;
	unsigned int generation;	/* bumped on every stop */
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail;		/* next avail entry to take */
	uint16_t used_idx;		/* our copy of used->idx */
	uint16_t signalled_used;	/* used->idx at the last call */
	bool signalled_used_valid;
	bool notify_pending;
	bool kicks_off;			/* polled: the driver is asked not to kick */
	unsigned int outstanding;	/* popped and not done */

	/* Inflight I/O tracking (NULL when the front-end gave no region). */
	struct vu_inflight_queue *inflight;
	uint64_t inflight_counter;
	uint16_t *resubmit;		/* heads to hand out again, in order */
	unsigned int nresubmit, resubmit_next;

	/* Scratch for walking one chain. */
	struct iovec iov[VUB_MAX_IOV];
	struct vring_desc itable[VUB_MAX_IOV];
};

struct vub_watch {
	int fd;
	uint32_t events;
	vub_watch_fn *fn;
	void *opaque;
	bool dead;
	struct vub_watch *next;
};

struct vub_dev {
	const struct vub_device *desc;
	void *opaque;
	struct vub_queue **queues;
	struct vub_mem mem;

	uint64_t features_offered, features;
	uint64_t protocol_offered, protocol;
	bool features_acked;		/* SET_FEATURES seen */
	uint8_t status;
	int backend_fd;			/* BACKEND_REQ channel or -1 */

	/* Inflight tracking region (GET/SET_INFLIGHT_FD). */
	void *inflight_map;
	size_t inflight_map_len;
	uint8_t *inflight_base;
	uint16_t inflight_nqueues, inflight_qsize;

	/* Connection. */
	int listen_fd;
	char *socket_path;		/* unlinked on exit when set */
	int conn_fd;
	bool single_connection;		/* adopted connected fd: exit when it ends */

	/* Event loop. */
	int epfd;
	int sigfd;
	bool stop;
	struct vub_watch *watches;
	unsigned int poll_us;		/* ring polling window, 0: off (ring_poll.c) */
};

/* Handle one front-end message: validate, act, reply. Returns 0, or
 * -ECONNRESET when the connection must be dropped. Closes msg's fds. */
int vub_handle_message(struct vub_dev *dev, struct vu_msg *msg);
/* Use fd as the front-end connection (replies are written there). */
void vub_set_connection(struct vub_dev *dev, int fd);
/* Stop rings, drop memory and per-connection state (fd not closed). */
void vub_reset_connection_state(struct vub_dev *dev);

/* Virtqueue life cycle (virtqueue.c). */
void vub_queue_init(struct vub_queue *q, struct vub_dev *dev, unsigned int index);
int vub_queue_start(struct vub_queue *q);
/* Stop the ring (drains the device's requests); returns the avail index. */
uint16_t vub_queue_stop(struct vub_queue *q);
/* Forget everything the front-end set up; closes the queue's fds. */
void vub_queue_reset(struct vub_queue *q);
/* Re-translate ring addresses after a memory table change. */
void vub_queue_remap(struct vub_queue *q);
void vub_queue_mark_broken(struct vub_queue *q, const char *why);
void vub_queue_kicked(struct vub_queue *q);
void vub_flush_notifications(struct vub_dev *dev);
/* Translate the ring addresses; false if they are not in shared memory. */
bool vub_queue_map_rings(struct vub_queue *q);

/* Inflight tracking (inflight.c). */
size_t vub_inflight_stride(unsigned int queue_size);
int vub_inflight_create(struct vub_dev *dev, uint16_t nqueues, uint16_t qsize,
			int *fd_out, uint64_t *size_out);
int vub_inflight_set(struct vub_dev *dev, const struct vu_inflight *info, int fd);
/* Zero (forget the front-end's state in) and unmap the region. */
void vub_inflight_drop(struct vub_dev *dev, bool zero);
/* At queue start: attach the queue's region and recover from it. */
int vub_inflight_attach(struct vub_queue *q);
void vub_inflight_detach(struct vub_queue *q);
void vub_inflight_popped(struct vub_queue *q, uint16_t head);
void vub_inflight_used_prepare(struct vub_queue *q, uint16_t head);
void vub_inflight_used_commit(struct vub_queue *q, uint16_t head);

/* Event loop internals (event_loop.c). */
int vub_loop_init(struct vub_dev *dev);
/* SIGTERM/SIGINT end vub_loop_run; SIGPIPE is ignored. */
int vub_loop_catch_signals(struct vub_dev *dev);
void vub_loop_fini(struct vub_dev *dev);
int vub_loop_run(struct vub_dev *dev);
/* Ask the driver to kick (on) or not (off). After turning kicks on, look
 * at the ring again (vub_queue_has_buffers) before sleeping. */
void vub_queue_set_kicks(struct vub_queue *q, bool on);
struct epoll_event;
/* Poll the rings for up to dev->poll_us after the last work found; fills
 * evs like epoll_wait() once an fd is ready (ring_poll.c). */
int vub_poll_wait(struct vub_dev *dev, struct epoll_event *evs, int max);
/* Free watches removed since the last call (the loop does this itself). */
void vub_reap_watches(struct vub_dev *dev);

/* Connection handling (server.c). */
void vub_disconnect(struct vub_dev *dev);
/* RESET_DEVICE: rings stopped, virtio state back to initial (device.c). */
void vub_device_reset(struct vub_dev *dev);

#endif
