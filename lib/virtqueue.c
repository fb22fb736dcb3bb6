// SPDX-License-Identifier: MIT
/*
 * Split virtqueues, device side: start and stop, pop requests, push them
 * back as used, and decide when the driver needs an interrupt.
 *
 * Memory ordering: the driver writes descriptors and the avail entry
 * before it publishes avail->idx, so avail->idx is loaded with acquire
 * before anything it covers is read. We write a used entry (and the data
 * in its buffers) before used->idx, so used->idx is stored with release.
 * Between publishing and reading the driver's suppression fields (or
 * re-checking for work after asking for kicks) a full fence keeps the
 * store from passing the load; x86 needs it as much as arm64 does.
 */
#include "chain.h"
#include "log.h"
#include "vub_private.h"

#include <endian.h>
#include <errno.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

/* A request as allocated: the public part, then its iovecs and priv. */
struct req_alloc {
	struct vub_req pub;
	unsigned int generation;
	alignas(max_align_t) struct iovec iov[];
};

static struct req_alloc *req_of(struct vub_req *req)
{
	return (struct req_alloc *)((char *)req - offsetof(struct req_alloc, pub));
}

void vub_queue_init(struct vub_queue *q, struct vub_dev *dev, unsigned int index)
{
	memset(q, 0, offsetof(struct vub_queue, iov));
	q->dev = dev;
	q->index = index;
	q->kick_fd = q->call_fd = q->err_fd = -1;
}

unsigned int vub_queue_index(const struct vub_queue *q)
{
	return q->index;
}

struct vub_dev *vub_queue_dev(const struct vub_queue *q)
{
	return q->dev;
}

unsigned int vub_queue_outstanding(const struct vub_queue *q)
{
	return q->outstanding;
}

uint16_t vub_queue_avail_index(const struct vub_queue *q)
{
	return q->last_avail;
}

bool vub_queue_ready(const struct vub_queue *q)
{
	return q->started && q->enabled && !q->broken;
}

static bool event_idx(const struct vub_queue *q)
{
	return q->dev->features & (1ull << VIRTIO_RING_F_EVENT_IDX);
}

static uint16_t *avail_event(const struct vub_queue *q)
{
	return (uint16_t *)&q->used->ring[q->num];
}

static uint16_t *used_event(const struct vub_queue *q)
{
	return (uint16_t *)&q->avail->ring[q->num];
}

/* EVENT_IDX: kick us once the driver adds past what we took, or, while
 * the ring is polled, not before it has added half the index space. */
static void ask_for_kick(struct vub_queue *q)
{
	uint16_t at = q->kicks_off ? (uint16_t)(q->last_avail + 0x8000) : q->last_avail;

	__atomic_store_n(avail_event(q), htole16(at), __ATOMIC_RELAXED);
}

/* Tell the driver whether to kick: avail_event with EVENT_IDX, else the
 * used ring's NO_NOTIFY flag. */
static void publish_kicks(struct vub_queue *q)
{
	uint16_t flags;

	if (event_idx(q)) {
		ask_for_kick(q);
		return;
	}
	flags = le16toh(q->used->flags);
	flags = q->kicks_off ? flags | VRING_USED_F_NO_NOTIFY : flags & ~VRING_USED_F_NO_NOTIFY;
	__atomic_store_n(&q->used->flags, htole16(flags), __ATOMIC_RELAXED);
}

static void signal_fd(int fd)
{
	uint64_t one = 1;
	ssize_t n;

	do {
		n = write(fd, &one, sizeof(one));
	} while (n < 0 && errno == EINTR);
}

void vub_queue_mark_broken(struct vub_queue *q, const char *why)
{
	if (q->broken)
		return;
	q->broken = true;
	log_err("queue %u: %s; the queue stops until it is set up again", q->index, why);
	if (q->err_fd >= 0)
		signal_fd(q->err_fd);
}

bool vub_queue_map_rings(struct vub_queue *q)
{
	struct vub_mem *m = &q->dev->mem;
	uint64_t n = q->num;

	q->desc = vub_mem_uva(m, q->desc_uaddr, 16 * n);
	q->avail = vub_mem_uva(m, q->avail_uaddr, 6 + 2 * n);
	q->used = vub_mem_uva(m, q->used_uaddr, 6 + 8 * n);
	if (!q->desc || !q->avail || !q->used) {
		log_err("queue %u: ring addresses (desc 0x%llx avail 0x%llx used 0x%llx, size %u)"
			" are not in shared memory", q->index,
			(unsigned long long)q->desc_uaddr, (unsigned long long)q->avail_uaddr,
			(unsigned long long)q->used_uaddr, q->num);
		q->desc = NULL;
		q->avail = NULL;
		q->used = NULL;
		return false;
	}
	if ((uintptr_t)q->desc % 16 || (uintptr_t)q->avail % 2 || (uintptr_t)q->used % 4) {
		log_err("queue %u: misaligned ring addresses", q->index);
		q->desc = NULL;
		q->avail = NULL;
		q->used = NULL;
		return false;
	}
	return true;
}

int vub_queue_start(struct vub_queue *q)
{
	int ret;

	if (q->started)
		return 0;
	if (!q->num || !q->have_addr) {
		log_err("queue %u: started before its size and addresses were set", q->index);
		return -EINVAL;
	}
	if (!vub_queue_map_rings(q))
		return -EFAULT;
	q->used_idx = le16toh(__atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE));
	q->last_avail = q->base;
	q->signalled_used_valid = false;
	q->notify_pending = false;
	q->broken = false;
	ret = vub_inflight_attach(q);
	if (ret) {
		q->desc = NULL;
		q->avail = NULL;
		q->used = NULL;
		return ret;
	}
	q->started = true;
	/* Kicks on, whatever a polling predecessor left in the ring. */
	q->kicks_off = false;
	publish_kicks(q);
	log_debug("queue %u: started, size %u, avail %u, used %u", q->index, q->num,
		  q->last_avail, q->used_idx);
	return 0;
}

uint16_t vub_queue_stop(struct vub_queue *q)
{
	struct vub_dev *dev = q->dev;

	if (q->started) {
		if (q->outstanding && dev->desc->queue_stop)
			dev->desc->queue_stop(dev, q);
		if (q->notify_pending)
			vub_queue_notify(q);
		if (q->outstanding)
			log_warn("queue %u: stopped with %u requests still in the device",
				 q->index, q->outstanding);
		log_debug("queue %u: stopped at avail %u, used %u", q->index, q->last_avail,
			  q->used_idx);
	}
	q->started = false;
	q->generation++;
	q->desc = NULL;
	q->avail = NULL;
	q->used = NULL;
	q->notify_pending = false;
	vub_inflight_detach(q);
	if (q->kick_fd >= 0) {
		vub_unwatch(dev, q->kick_fd);
		close(q->kick_fd);
		q->kick_fd = -1;
	}
	if (q->call_fd >= 0) {
		close(q->call_fd);
		q->call_fd = -1;
	}
	return q->last_avail;
}

void vub_queue_reset(struct vub_queue *q)
{
	vub_queue_stop(q);
	if (q->err_fd >= 0) {
		close(q->err_fd);
		q->err_fd = -1;
	}
	q->num = 0;
	q->have_addr = false;
	q->base = 0;
	q->last_avail = 0;
	q->enabled = false;
	q->broken = false;
}

void vub_queue_remap(struct vub_queue *q)
{
	if (q->started && !vub_queue_map_rings(q))
		vub_queue_mark_broken(q, "its rings are no longer in shared memory");
}

/* Entries the driver has made available that we have not taken; marks
 * the queue broken (and returns 0) when the index jumped too far. */
static unsigned int avail_count(struct vub_queue *q)
{
	uint16_t idx = le16toh(__atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE));
	uint16_t n = (uint16_t)(idx - q->last_avail);

	if (n > q->num) {
		char why[96];

		snprintf(why, sizeof(why), "avail index jumped from %u to %u (ring size %u)",
			 q->last_avail, idx, q->num);
		vub_queue_mark_broken(q, why);
		return 0;
	}
	return n;
}

/* True when nothing is waiting. Before saying so, ask the driver for a
 * kick and look again, so a buffer added meanwhile is not missed. */
static bool ring_empty(struct vub_queue *q)
{
	if (q->resubmit_next < q->nresubmit)
		return false;
	if (avail_count(q))
		return false;
	if (q->broken)
		return true;
	if (event_idx(q))
		ask_for_kick(q);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return avail_count(q) == 0;
}

void vub_queue_set_kicks(struct vub_queue *q, bool on)
{
	q->kicks_off = !on;
	if (vub_queue_ready(q))
		publish_kicks(q);
}

bool vub_queue_has_buffers(struct vub_queue *q)
{
	return vub_queue_ready(q) && !ring_empty(q);
}

struct vub_req *vub_queue_pop(struct vub_queue *q)
{
	struct vub_dev *dev = q->dev;
	struct vub_chain chain;
	struct req_alloc *r;
	const char *why;
	bool resubmit;
	uint16_t head;
	size_t iov_bytes, priv_off;

	if (!vub_queue_ready(q) || ring_empty(q))
		return NULL;
	resubmit = q->resubmit_next < q->nresubmit;
	if (resubmit) {
		head = q->resubmit[q->resubmit_next++];
	} else {
		head = le16toh(__atomic_load_n(&q->avail->ring[q->last_avail % q->num],
					       __ATOMIC_RELAXED));
		q->last_avail++;
		if (event_idx(q))
			ask_for_kick(q);
	}
	if (vub_chain_walk(&dev->mem, q->desc, q->num, head,
			   dev->features & (1ull << VIRTIO_RING_F_INDIRECT_DESC),
			   q->itable, q->iov, VUB_MAX_IOV, &chain, &why)) {
		char msg[128];

		snprintf(msg, sizeof(msg), "malformed descriptor chain at head %u: %s", head, why);
		vub_queue_mark_broken(q, msg);
		return NULL;
	}
	iov_bytes = (size_t)(chain.nout + chain.nin) * sizeof(struct iovec);
	priv_off = (iov_bytes + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
	r = calloc(1, sizeof(*r) + priv_off + dev->desc->req_priv_size);
	if (!r) {
		vub_queue_mark_broken(q, "out of memory for a request");
		return NULL;
	}
	memcpy(r->iov, q->iov, iov_bytes);
	r->generation = q->generation;
	r->pub.queue = q;
	r->pub.head = head;
	r->pub.nout = chain.nout;
	r->pub.nin = chain.nin;
	r->pub.out = r->iov;
	r->pub.in = r->iov + chain.nout;
	r->pub.out_len = (size_t)chain.out_len;
	r->pub.in_len = (size_t)chain.in_len;
	r->pub.priv = dev->desc->req_priv_size ? (char *)r->iov + priv_off : NULL;
	if (!resubmit)
		vub_inflight_popped(q, head);
	q->outstanding++;
	dev->mem.users++;
	return &r->pub;
}

/* Forget a request: it stops counting against its queue and memory. */
static void release(struct req_alloc *r)
{
	struct vub_queue *q = r->pub.queue;
	struct vub_dev *dev = q->dev;

	q->outstanding--;
	dev->mem.users--;
	free(r);
	if (dev->mem.users == 0 && dev->mem.nretired)
		vub_mem_gc(&dev->mem);
}

void vub_req_done(struct vub_req *req, uint32_t len)
{
	struct req_alloc *r = req_of(req);
	struct vub_queue *q = req->queue;

	if (q->started && r->generation == q->generation) {
		struct vring_used_elem e;

		if (len > req->in_len) {
			log_debug("queue %u: device wrote %u bytes into a %zu-byte buffer",
				  q->index, len, req->in_len);
			len = (uint32_t)req->in_len;
		}
		vub_inflight_used_prepare(q, req->head);
		e.id = htole32(req->head);
		e.len = htole32(len);
		memcpy(&q->used->ring[q->used_idx % q->num], &e, sizeof(e));
		q->used_idx++;
		__atomic_store_n(&q->used->idx, htole16(q->used_idx), __ATOMIC_RELEASE);
		vub_inflight_used_commit(q, req->head);
		q->notify_pending = true;
	}
	release(r);
}

void vub_req_abandon(struct vub_req *req)
{
	release(req_of(req));
}

void vub_queue_notify(struct vub_queue *q)
{
	q->notify_pending = false;
	if (!q->started || q->call_fd < 0)
		return;
	/* Our used->idx store must be visible before we read the driver's
	 * wishes, or both sides could decide the other will act. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (event_idx(q)) {
		uint16_t old = q->signalled_used, new = q->used_idx;
		bool valid = q->signalled_used_valid;
		uint16_t event = le16toh(__atomic_load_n(used_event(q), __ATOMIC_RELAXED));

		q->signalled_used = new;
		q->signalled_used_valid = true;
		if (valid && !vring_need_event(event, new, old))
			return;
	} else {
		uint16_t flags = le16toh(__atomic_load_n(&q->avail->flags, __ATOMIC_RELAXED));

		if (flags & VRING_AVAIL_F_NO_INTERRUPT)
			return;
	}
	signal_fd(q->call_fd);
}

void vub_flush_notifications(struct vub_dev *dev)
{
	for (unsigned int i = 0; i < dev->desc->num_queues; i++)
		if (dev->queues[i]->notify_pending)
			vub_queue_notify(dev->queues[i]);
}

void vub_queue_kicked(struct vub_queue *q)
{
	if (vub_queue_ready(q))
		q->dev->desc->queue_kick(q->dev, q);
}
