// SPDX-License-Identifier: MIT
/*
 * Inflight I/O tracking for split rings (vhost-user.rst, "Inflight I/O
 * tracking"). The region is shared with the front-end and outlives us:
 * if we crash, the front-end hands it to our successor, which learns
 * from it which requests were taken from the ring and never completed.
 *
 * Per popped head: counter = global counter++, then inflight = 1.
 * Per used head: next = last_batch_head, last_batch_head = head, publish
 * used->idx, then inflight = 0 and used_idx = used->idx (batches of one).
 * On start with a used region: undo a half-finished batch, resubmit the
 * heads still inflight in counter order, continue the avail ring after
 * them.
 */
#include "log.h"
#include "vub_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define INFLIGHT_VERSION 1
#define INFLIGHT_ALIGN 64

size_t vub_inflight_stride(unsigned int queue_size)
{
	size_t s = vu_inflight_queue_size(queue_size);

	return (s + INFLIGHT_ALIGN - 1) & ~(size_t)(INFLIGHT_ALIGN - 1);
}

static bool any_queue_started(const struct vub_dev *dev)
{
	for (unsigned int i = 0; i < dev->desc->num_queues; i++)
		if (dev->queues[i]->started)
			return true;
	return false;
}

static int check_shape(const struct vub_dev *dev, uint16_t nqueues, uint16_t qsize)
{
	if (nqueues == 0 || nqueues > dev->desc->num_queues) {
		log_err("inflight region for %u queues; the device has %u", nqueues,
			dev->desc->num_queues);
		return -EINVAL;
	}
	if (qsize == 0 || qsize > VUB_MAX_QUEUE_SIZE) {
		log_err("inflight region for queue size %u", qsize);
		return -EINVAL;
	}
	if (any_queue_started(dev)) {
		log_err("inflight region changed while queues run");
		return -EBUSY;
	}
	return 0;
}

static void install(struct vub_dev *dev, void *map, size_t map_len, uint8_t *base,
		    uint16_t nqueues, uint16_t qsize)
{
	vub_inflight_drop(dev, false);
	dev->inflight_map = map;
	dev->inflight_map_len = map_len;
	dev->inflight_base = base;
	dev->inflight_nqueues = nqueues;
	dev->inflight_qsize = qsize;
}

int vub_inflight_create(struct vub_dev *dev, uint16_t nqueues, uint16_t qsize,
			int *fd_out, uint64_t *size_out)
{
	size_t size;
	void *map;
	int fd, ret;

	ret = check_shape(dev, nqueues, qsize);
	if (ret)
		return ret;
	size = (size_t)nqueues * vub_inflight_stride(qsize);
	fd = memfd_create("vhost-user-inflight", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0) {
		ret = -errno;
		log_err("memfd_create for the inflight region: %s", strerror(errno));
		return ret;
	}
	/* Sealed so that the front-end cannot shrink it under us (SIGBUS). */
	if (ftruncate(fd, (off_t)size) < 0 ||
	    fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		ret = -errno;
		log_err("sizing the inflight region: %s", strerror(errno));
		close(fd);
		return ret;
	}
	map = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (map == MAP_FAILED) {
		ret = -errno;
		log_err("mapping the inflight region: %s", strerror(errno));
		close(fd);
		return ret;
	}
	for (unsigned int i = 0; i < nqueues; i++) {
		struct vu_inflight_queue *r =
			(void *)((uint8_t *)map + i * vub_inflight_stride(qsize));

		r->desc_num = qsize;
	}
	install(dev, map, size, map, nqueues, qsize);
	*fd_out = fd;
	*size_out = size;
	log_debug("inflight region created: %u queues of %u entries, %zu bytes", nqueues,
		  qsize, size);
	return 0;
}

int vub_inflight_set(struct vub_dev *dev, const struct vu_inflight *info, int fd)
{
	uint64_t need, skew, map_off, map_len;
	struct stat st;
	long page = sysconf(_SC_PAGESIZE);
	void *map;
	int ret;

	ret = check_shape(dev, info->num_queues, info->queue_size);
	if (ret)
		return ret;
	need = (uint64_t)info->num_queues * vub_inflight_stride(info->queue_size);
	if (info->mmap_size < need) {
		log_err("inflight region of %llu bytes; %llu needed",
			(unsigned long long)info->mmap_size, (unsigned long long)need);
		return -EINVAL;
	}
	if (info->mmap_offset % _Alignof(struct vu_inflight_queue)) {
		log_err("inflight region at a misaligned offset 0x%llx",
			(unsigned long long)info->mmap_offset);
		return -EINVAL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		log_err("inflight region fd is not a file");
		return -EINVAL;
	}
	if (info->mmap_offset > UINT64_MAX - need ||
	    (uint64_t)st.st_size < info->mmap_offset + need) {
		log_err("inflight region lies beyond the end of its file");
		return -EINVAL;
	}
	skew = info->mmap_offset % (uint64_t)(page > 0 ? page : 4096);
	map_off = info->mmap_offset - skew;
	map_len = need + skew;
	if (map_off > (uint64_t)INT64_MAX) {
		log_err("inflight region offset out of range");
		return -EINVAL;
	}
	map = mmap(NULL, (size_t)map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)map_off);
	if (map == MAP_FAILED) {
		ret = -errno;
		log_err("mapping the inflight region: %s", strerror(errno));
		return ret;
	}
	install(dev, map, (size_t)map_len, (uint8_t *)map + skew, info->num_queues,
		info->queue_size);
	log_debug("inflight region set: %u queues of %u entries", info->num_queues,
		  info->queue_size);
	return 0;
}

void vub_inflight_drop(struct vub_dev *dev, bool zero)
{
	if (!dev->inflight_map)
		return;
	for (unsigned int i = 0; i < dev->desc->num_queues; i++)
		vub_inflight_detach(dev->queues[i]);
	if (zero)
		memset(dev->inflight_base, 0,
		       (size_t)dev->inflight_nqueues * vub_inflight_stride(dev->inflight_qsize));
	munmap(dev->inflight_map, dev->inflight_map_len);
	dev->inflight_map = NULL;
	dev->inflight_base = NULL;
	dev->inflight_nqueues = 0;
	dev->inflight_qsize = 0;
}

struct pending {
	uint64_t counter;
	uint16_t head;
};

static int by_counter(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	return x->counter < y->counter ? -1 : x->counter > y->counter;
}

/* Undo the last batch if we died between used->idx and clearing it. */
static bool finish_last_batch(struct vub_queue *q, struct vu_inflight_queue *r)
{
	uint16_t batch = (uint16_t)(q->used_idx - r->used_idx);
	uint16_t head = r->last_batch_head;

	if (batch > q->num)
		return false;
	for (unsigned int k = 0; k < batch; k++) {
		if (head >= q->num)
			return false;
		r->desc[head].inflight = 0;
		head = r->desc[head].next;
	}
	r->used_idx = q->used_idx;
	return true;
}

static int recover(struct vub_queue *q, struct vu_inflight_queue *r)
{
	struct pending *p;
	unsigned int n = 0;

	if (r->used_idx != q->used_idx && !finish_last_batch(q, r)) {
		log_warn("queue %u: inflight region is inconsistent; not resubmitting", q->index);
		return 0;
	}
	p = calloc(q->num, sizeof(*p));
	if (!p)
		return -ENOMEM;
	q->inflight_counter = 0;
	for (unsigned int i = 0; i < q->num; i++) {
		if (r->desc[i].inflight != 1)
			continue;
		p[n].counter = r->desc[i].counter;
		p[n].head = (uint16_t)i;
		n++;
		if (r->desc[i].counter >= q->inflight_counter)
			q->inflight_counter = r->desc[i].counter + 1;
	}
	if (n == 0) {
		free(p);
		q->last_avail = q->used_idx;
		return 0;
	}
	qsort(p, n, sizeof(*p), by_counter);
	q->resubmit = malloc(n * sizeof(*q->resubmit));
	if (!q->resubmit) {
		free(p);
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < n; i++)
		q->resubmit[i] = p[i].head;
	free(p);
	q->nresubmit = n;
	q->resubmit_next = 0;
	/* Every popped request is either used or inflight. */
	q->last_avail = (uint16_t)(q->used_idx + n);
	log_info("queue %u: resubmitting %u requests that were in flight", q->index, n);
	return 0;
}

int vub_inflight_attach(struct vub_queue *q)
{
	struct vub_dev *dev = q->dev;
	struct vu_inflight_queue *r;
	int ret;

	vub_inflight_detach(q);
	if (!dev->inflight_base || q->index >= dev->inflight_nqueues)
		return 0;
	if (dev->inflight_qsize != q->num) {
		log_warn("queue %u: inflight region is for %u entries, the ring has %u;"
			 " not tracking", q->index, dev->inflight_qsize, q->num);
		return 0;
	}
	r = (void *)(dev->inflight_base + q->index * vub_inflight_stride(dev->inflight_qsize));
	if (r->version == 0) {
		/* Fresh region: nothing was in flight. */
		memset(r->desc, 0, q->num * sizeof(r->desc[0]));
		r->features = 0;
		r->desc_num = (uint16_t)q->num;
		r->last_batch_head = 0;
		r->used_idx = q->used_idx;
		__atomic_store_n(&r->version, INFLIGHT_VERSION, __ATOMIC_RELEASE);
		q->inflight_counter = 0;
	} else if (r->version != INFLIGHT_VERSION || r->desc_num != q->num) {
		log_warn("queue %u: inflight region has version %u, %u entries; not tracking",
			 q->index, r->version, r->desc_num);
		return 0;
	} else {
		ret = recover(q, r);
		if (ret)
			return ret;
		if (q->last_avail != q->base)
			log_debug("queue %u: avail index %u from the inflight region, not %u",
				  q->index, q->last_avail, q->base);
	}
	q->inflight = r;
	return 0;
}

void vub_inflight_detach(struct vub_queue *q)
{
	q->inflight = NULL;
	free(q->resubmit);
	q->resubmit = NULL;
	q->nresubmit = q->resubmit_next = 0;
}

void vub_inflight_popped(struct vub_queue *q, uint16_t head)
{
	struct vu_inflight_desc *d;

	if (!q->inflight)
		return;
	d = &q->inflight->desc[head];
	d->counter = q->inflight_counter++;
	__atomic_store_n(&d->inflight, 1, __ATOMIC_RELEASE);
}

void vub_inflight_used_prepare(struct vub_queue *q, uint16_t head)
{
	if (!q->inflight)
		return;
	q->inflight->desc[head].next = q->inflight->last_batch_head;
	q->inflight->last_batch_head = head;
}

void vub_inflight_used_commit(struct vub_queue *q, uint16_t head)
{
	if (!q->inflight)
		return;
	/* used->idx first, so a crash here leaves a batch we can undo. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	q->inflight->desc[head].inflight = 0;
	q->inflight->used_idx = q->used_idx;
}
