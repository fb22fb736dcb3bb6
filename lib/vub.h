/* SPDX-License-Identifier: MIT */
/*
 * libvub: the back-end (device) side of vhost-user, for writing device
 * backends. One device per process, one front-end connection at a time,
 * one thread: every callback runs from vub_run()'s epoll loop, so device
 * code needs no locking. See docs/backends/library.md.
 */
#ifndef VUB_H
#define VUB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

struct vub_dev;
struct vub_queue;

/* Limits of the library (the protocol allows 256 queues and 32768 entries). */
#define VUB_MAX_QUEUES 128
#define VUB_MAX_QUEUE_SIZE 32768
/* Most iovecs one request may have; also bounds an indirect table. */
#define VUB_MAX_IOV 1024
/* Memory regions one front-end may register (GET_MAX_MEM_SLOTS). */
#define VUB_MAX_MEM_SLOTS 32

/*
 * A request popped from a queue: its descriptor chain as iovecs into
 * shared memory, the device-readable part (out: driver to device) first,
 * then the device-writable part (in). Valid until vub_req_done().
 */
struct vub_req {
	struct vub_queue *queue;
	uint16_t head;		/* descriptor index, for logs */
	unsigned int nout, nin;
	struct iovec *out, *in;
	size_t out_len, in_len;	/* total bytes of each part */
	void *priv;		/* req_priv_size zeroed bytes for the device */
};

/* What a device is, and its callbacks. Only queue_kick is mandatory. */
struct vub_device {
	const char *name;		/* for log lines */
	/* Device-type feature bits. The library adds VIRTIO_F_VERSION_1,
	 * VIRTIO_RING_F_INDIRECT_DESC, VIRTIO_RING_F_EVENT_IDX and the
	 * vhost-user protocol-features bit. */
	uint64_t features;
	/* Protocol features the library would offer but this device must
	 * not (bit mask of enum vu_protocol_feature bits). */
	uint64_t protocol_features_off;
	unsigned int num_queues;	/* 1..VUB_MAX_QUEUES */
	unsigned int max_queue_size;	/* largest SET_VRING_NUM accepted */
	size_t config_size;		/* 0: no config space */
	size_t req_priv_size;		/* see struct vub_req.priv */

	/* Copy the whole config space (config_size bytes) into buf. */
	void (*get_config)(struct vub_dev *dev, uint8_t *buf);
	/* The front-end writes config bytes [offset, offset+len); flags is
	 * the SET_CONFIG flags word. Return 0, or -errno to refuse. */
	int (*set_config)(struct vub_dev *dev, uint32_t offset, const uint8_t *data,
			  uint32_t len, uint32_t flags);
	/* The front-end set the negotiated features. Return <0 to refuse. */
	int (*set_features)(struct vub_dev *dev, uint64_t features);
	/* The queue may have new buffers: after a kick, or when it starts
	 * or is enabled. Pop and handle what the device can handle now. */
	void (*queue_kick)(struct vub_dev *dev, struct vub_queue *q);
	/* The queue stops (GET_VRING_BASE, reset, disconnect): before this
	 * returns, every request popped from q must be done or abandoned.
	 * Needed only by devices that keep requests across callbacks. */
	void (*queue_stop)(struct vub_dev *dev, struct vub_queue *q);
	/* Back to the initial device state: RESET_DEVICE, or the front-end
	 * went away. All queues are already stopped. */
	void (*reset)(struct vub_dev *dev);
};

/* ---- the device ---------------------------------------------------------- */
/* desc must outlive the device. Returns NULL (and logs) on failure. */
struct vub_dev *vub_dev_new(const struct vub_device *desc, void *opaque);
void vub_dev_free(struct vub_dev *dev);
void *vub_dev_opaque(const struct vub_dev *dev);
struct vub_queue *vub_dev_queue(struct vub_dev *dev, unsigned int index);
/* Negotiated virtio features (0 before SET_FEATURES). */
uint64_t vub_dev_features(const struct vub_dev *dev);
bool vub_dev_has_feature(const struct vub_dev *dev, unsigned int bit);
bool vub_dev_connected(const struct vub_dev *dev);
/* Tell the front-end the config space changed (BACKEND_REQ channel,
 * CONFIG_CHANGE_MSG). Returns 0, or -ENOTCONN when there is no channel. */
int vub_config_changed(struct vub_dev *dev);

/* ---- serving --------------------------------------------------------------- */
/* Listen on a unix socket at path (a stale socket file is replaced). */
int vub_listen(struct vub_dev *dev, const char *path);
/* Use an inherited fd: a listening socket, or an already connected one
 * (then vub_run returns when that front-end disconnects). */
int vub_adopt_fd(struct vub_dev *dev, int fd);
/* Serve front-ends until SIGTERM/SIGINT or vub_stop(). Returns 0, or a
 * negative errno when the loop itself failed. Removes the socket file. */
int vub_run(struct vub_dev *dev);
void vub_stop(struct vub_dev *dev);
/* Opt-in adaptive polling: after work, keep polling the avail rings for
 * up to us microseconds, with the driver's kicks off (0, the default:
 * sleep at once). A device's queue_kick is then also called from the
 * loop. -EINVAL above one second. */
int vub_set_poll(struct vub_dev *dev, unsigned int us);

/* ---- the event loop, for the device's own fds (ptys, sockets, timers) ---- */
typedef void vub_watch_fn(struct vub_dev *dev, int fd, uint32_t events, void *opaque);
/* events are EPOLLIN/EPOLLOUT...; level-triggered. One watch per fd. */
int vub_watch(struct vub_dev *dev, int fd, uint32_t events, vub_watch_fn *fn, void *opaque);
int vub_watch_set_events(struct vub_dev *dev, int fd, uint32_t events);
void vub_unwatch(struct vub_dev *dev, int fd);

/* ---- queues ------------------------------------------------------------------ */
unsigned int vub_queue_index(const struct vub_queue *q);
struct vub_dev *vub_queue_dev(const struct vub_queue *q);
/* Started, enabled and not broken: the device may pop. */
bool vub_queue_ready(const struct vub_queue *q);
/* A buffer is waiting: vub_queue_pop() would (most likely) return one. */
bool vub_queue_has_buffers(struct vub_queue *q);
/* Next request, or NULL when there is none, or the queue is not ready,
 * or the ring turned out malformed (then the queue is marked broken and
 * stays stopped until the front-end sets it up again). */
struct vub_req *vub_queue_pop(struct vub_queue *q);
/* Return a request to the driver with len bytes written into its in
 * part, and free it. The driver is notified when the current callback
 * returns (or now, with vub_queue_notify). */
void vub_req_done(struct vub_req *req, uint32_t len);
/* Give a request up without returning it: the driver does not hear of
 * it, and the inflight region keeps it in flight, so the next session on
 * this ring (ours or a successor's) hands it out again. Only for buffers
 * the device has not used (an empty receive buffer); without an inflight
 * region the driver never gets it back. */
void vub_req_abandon(struct vub_req *req);
void vub_queue_notify(struct vub_queue *q);
/* Requests popped from q and not yet done. */
unsigned int vub_queue_outstanding(const struct vub_queue *q);
/* The ring position the device goes on from: not 0 when an earlier
 * session (before a reconnect) took buffers from this ring, which the
 * driver has not reset since. Wraps at 65536. */
uint16_t vub_queue_avail_index(const struct vub_queue *q);

/* ---- iovec helpers -------------------------------------------------------- */
size_t vub_iov_size(const struct iovec *iov, unsigned int n);
/* Copy len bytes from buf into the iovecs, starting off bytes in.
 * Returns the bytes copied (less when the iovecs are shorter). */
size_t vub_iov_from_buf(const struct iovec *iov, unsigned int n, size_t off,
			const void *buf, size_t len);
/* Copy up to len bytes out of the iovecs, starting off bytes in. */
size_t vub_iov_to_buf(const struct iovec *iov, unsigned int n, size_t off,
		      void *buf, size_t len);
/* Describe bytes [off, off+len) of iov with at most max entries of dst.
 * Returns the entry count; *got says how many bytes they cover. */
unsigned int vub_iov_slice(const struct iovec *iov, unsigned int n, size_t off, size_t len,
			   struct iovec *dst, unsigned int max, size_t *got);

#endif
