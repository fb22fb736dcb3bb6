// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-loopback: failing mode, the kernel standing in for a dead back-end.
 *
 * A virtio driver waits for every request it made available until the
 * device returns it in the used ring; Linux 6.1 drivers (virtio-blk among
 * them) have no way to abandon one. So when no back-end can serve a queue,
 * the kernel completes the requests itself, with an error the driver
 * understands: for virtio-blk the status byte says IOERR, for virtio-fs
 * the FUSE reply header says -EIO, for virtio-gpu the response says
 * ERR_UNSPEC (with the request's fence), for other types the used length
 * is 0.
 * It first completes the heads the dead back-end had in flight (the
 * adapter learns them from the back-end's inflight region), then
 * everything the driver makes available, until the queue is resumed.
 *
 * Everything read from the rings is checked: the back-end may have left
 * anything in the pool. Writes stay inside the pool.
 */
#include <linux/virtio_ids.h>
#include <linux/virtio_ring.h>
#include <uapi/linux/fuse.h>
#include <uapi/linux/virtio_blk.h>
#include <uapi/linux/virtio_gpio.h>
#include <linux/virtio_can.h>
#include <uapi/linux/virtio_gpu.h>
#include <uapi/linux/virtio_snd.h>

#include "vlb.h"

struct vlb_ring {
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	__virtio16 *avail_event;
	u32 num;
};

static bool vlb_iova_range_ok(struct vlb_pool *pool, u64 iova, u64 len)
{
	return iova < pool->size && len <= pool->size - iova;
}

static bool vlb_ring_map(struct vlb_vq *q, struct vlb_ring *r)
{
	struct vlb_pool *pool = q->dev->pool;
	u64 num = q->num;

	if (!num ||
	    !vlb_iova_range_ok(pool, q->desc_iova, num * sizeof(struct vring_desc)) ||
	    !vlb_iova_range_ok(pool, q->avail_iova, 4 + num * 2 + 2) ||
	    !vlb_iova_range_ok(pool, q->used_iova,
			       4 + num * sizeof(struct vring_used_elem) + 2))
		return false;
	r->num = num;
	r->desc = pool->base + q->desc_iova;
	r->avail = pool->base + q->avail_iova;
	r->used = pool->base + q->used_iova;
	r->avail_event = (__virtio16 *)&r->used->ring[num];
	return true;
}

/* Where a request's header and its status are, in the pool. */
struct vlb_chain_bufs {
	bool found;		/* a device-writable buffer */
	u64 first;		/* IOVA and length of the first writable buffer */
	u32 first_len;
	u64 last;		/* IOVA of the last writable byte */
	u64 last_start;		/* IOVA of the last writable buffer */
	bool found_out;		/* a device-readable buffer */
	u64 out;		/* IOVA and length of the first readable buffer */
	u32 out_len;
};

/*
 * Find the first readable and the writable buffers of the chain starting
 * at @head of a descriptor table with @n entries. Indirect tables must lie
 * in the pool and may not nest. Returns false for a malformed chain.
 */
static bool vlb_chain_bufs(struct vlb_pool *pool, struct vring_desc *table, u32 n,
			   u32 head, bool top, struct vlb_chain_bufs *b)
{
	u32 i = head, steps = 0;
	struct vring_desc d;
	u16 flags;
	u64 addr;
	u32 len;

	for (;;) {
		if (i >= n || ++steps > n)
			return false;
		memcpy(&d, &table[i], sizeof(d));
		flags = le16_to_cpu((__force __le16)d.flags);
		addr = le64_to_cpu((__force __le64)d.addr);
		len = le32_to_cpu((__force __le32)d.len);
		if (flags & VRING_DESC_F_INDIRECT) {
			if (!top || (flags & VRING_DESC_F_NEXT) || !len ||
			    len % sizeof(struct vring_desc) ||
			    !vlb_iova_range_ok(pool, addr, len))
				return false;
			return vlb_chain_bufs(pool, pool->base + addr,
					      len / sizeof(struct vring_desc), 0, false, b);
		}
		if (len && !vlb_iova_range_ok(pool, addr, len))
			return false;
		if ((flags & VRING_DESC_F_WRITE) && len) {
			if (!b->found) {
				b->first = addr;
				b->first_len = len;
			}
			b->last = addr + len - 1;
			b->last_start = addr;
			b->found = true;
		} else if (len && !b->found_out) {
			b->out = addr;
			b->out_len = len;
			b->found_out = true;
		}
		if (!(flags & VRING_DESC_F_NEXT))
			return true;
		i = le16_to_cpu((__force __le16)d.next);
	}
}

/*
 * virtio-gpu: an error response that still carries the request's fence,
 * so that the driver signals it; a fence never signalled would hang
 * whoever waits for it (a cursor update waits without a timeout).
 */
static u32 vlb_fail_gpu(struct vlb_pool *pool, const struct vlb_chain_bufs *b)
{
	struct virtio_gpu_ctrl_hdr req, resp = {
		.type = cpu_to_le32(VIRTIO_GPU_RESP_ERR_UNSPEC),
	};

	if (!b->found_out || b->out_len < sizeof(req) || b->first_len < sizeof(resp))
		return 0;
	memcpy(&req, pool->base + b->out, sizeof(req));
	resp.flags = req.flags & cpu_to_le32(VIRTIO_GPU_FLAG_FENCE |
					     VIRTIO_GPU_FLAG_INFO_RING_IDX);
	resp.fence_id = req.fence_id;
	resp.ctx_id = req.ctx_id;
	resp.ring_idx = req.ring_idx;
	memcpy(pool->base + b->first, &resp, sizeof(resp));
	return sizeof(resp);
}

static u32 vlb_fail_sound(struct vlb_vq *q, const struct vlb_chain_bufs *b)
{
	struct virtio_snd_pcm_status st = { .status = cpu_to_le32(VIRTIO_SND_S_IO_ERR) };
	__le32 code = cpu_to_le32(VIRTIO_SND_S_IO_ERR);
	u8 *base = q->dev->pool->base;

	switch (q->index) {
	case 0:		/* control */
		if (b->first_len < sizeof(code))
			return 0;
		memcpy(base + b->first, &code, sizeof(code));
		return sizeof(code);
	case 2:		/* tx */
	case 3:		/* rx */
		if (b->last - b->last_start + 1 < sizeof(st))
			return 0;
		memcpy(base + b->last + 1 - sizeof(st), &st, sizeof(st));
		return sizeof(st);
	default:
		return 0;
	}
}

/*
 * Write the error a driver of this type understands into the request's
 * writable buffers; returns the used length. virtio-blk: the status byte,
 * the last one, says IOERR. virtio-fs: the FUSE reply header, the first
 * writable buffer, says -EIO (FUSE headers are in the CPU's byte order).
 * virtio-gpu: the response header says ERR_UNSPEC, with the request's
 * fence. virtio-snd: control responses say IO_ERR in their header, the
 * first writable bytes; I/O messages in their status, the last 8 (the
 * event queue's buffers go back empty). virtio-gpio: the response's
 * status byte, the first writable one, says ERR, with the length the
 * driver expects (the whole response buffer). virtio-can: a sent
 * frame's or a control request's result byte, its only writable one,
 * says NOT_OK. Other types: nothing, used length 0.
 */
static u32 vlb_fail_status(struct vlb_vq *q, const struct vlb_chain_bufs *b)
{
	struct vlb_pool *pool = q->dev->pool;
	struct fuse_out_header oh = {
		.len = sizeof(oh),
		.error = -EIO,
	};

	if (!b->found)
		return 0;
	switch (q->dev->vdev.id.device) {
	case VIRTIO_ID_BLOCK:
		*(u8 *)(pool->base + b->last) = VIRTIO_BLK_S_IOERR;
		return 1;
	case VIRTIO_ID_FS:
		if (b->first_len < sizeof(oh))
			return 0;
		memcpy(pool->base + b->first, &oh, sizeof(oh));
		return sizeof(oh);
	case VIRTIO_ID_GPU:
		return vlb_fail_gpu(pool, b);
	case VIRTIO_ID_SOUND:
		return vlb_fail_sound(q, b);
	case VIRTIO_ID_GPIO:
		if (q->index != 0 || !b->first_len)
			return 0;
		*(u8 *)(pool->base + b->first) = VIRTIO_GPIO_STATUS_ERR;
		return b->first_len;
	case VIRTIO_ID_CAN:
		if (q->index == 1 || !b->first_len)
			return 0;
		*(u8 *)(pool->base + b->first) = VIRTIO_CAN_RESULT_NOT_OK;
		return 1;
	default:
		return 0;
	}
}

/* Complete one request with an error; the used index moves by one. */
static void vlb_fail_head(struct vlb_vq *q, struct vlb_ring *r, u16 head)
{
	struct vlb_chain_bufs b = { };
	u32 len = 0;
	u16 idx;

	if (head >= r->num ||
	    !vlb_chain_bufs(q->dev->pool, r->desc, r->num, head, true, &b)) {
		atomic64_inc(&q->dev->stats.errors);
		dev_err_ratelimited(&q->dev->parent,
				    "queue %u: malformed request %u left in the ring\n",
				    q->index, head);
	} else {
		len = vlb_fail_status(q, &b);
	}
	idx = __virtio16_to_cpu(true, READ_ONCE(r->used->idx));
	WRITE_ONCE(r->used->ring[idx % r->num].id, __cpu_to_virtio32(true, head));
	WRITE_ONCE(r->used->ring[idx % r->num].len, __cpu_to_virtio32(true, len));
	/* The element and the status before the index that publishes them. */
	smp_store_release(&r->used->idx, __cpu_to_virtio16(true, idx + 1));
	atomic64_inc(&q->dev->stats.failed_requests);
}

/* Fail everything the driver made available since the last pass. */
static void vlb_fail_avail(struct vlb_vq *q, struct vlb_ring *r)
{
	u16 avail, head;

	/* Ask for a kick on every new request, then look once more. */
	WRITE_ONCE(r->used->flags, 0);
	for (;;) {
		/* Pairs with the driver's write barrier before it bumps avail->idx. */
		avail = __virtio16_to_cpu(true, smp_load_acquire(&r->avail->idx));
		if ((u16)(avail - q->fail_next) > r->num) {
			dev_err_ratelimited(&q->dev->parent,
					    "queue %u: avail index jumped from %u to %u\n",
					    q->index, q->fail_next, avail);
			atomic64_inc(&q->dev->stats.errors);
			q->fail_next = avail;
		}
		while (q->fail_next != avail) {
			head = __virtio16_to_cpu(true,
						 READ_ONCE(r->avail->ring[q->fail_next % r->num]));
			vlb_fail_head(q, r, head);
			q->fail_next++;
		}
		WRITE_ONCE(*r->avail_event, __cpu_to_virtio16(true, avail));
		/*
		 * Publish avail_event before looking at avail->idx again: a
		 * driver that added a request meanwhile either sees the new
		 * event and kicks, or we see its request here.
		 */
		smp_mb();
		if (__virtio16_to_cpu(true, READ_ONCE(r->avail->idx)) == avail)
			break;
	}
}

/*
 * Without the back-end's inflight record, find the requests it left
 * outstanding from what the kernel itself knows. First let the driver take
 * every completion already in the used ring. Then a request is outstanding
 * when its head was published in the avail ring and every buffer of its
 * chain is still DMA-mapped, with the length and direction the descriptor
 * states: the driver unmaps a chain when it takes its completion. A stale
 * chain whose blocks were reused by newer mappings is told apart by
 * ownership: a mapping belongs to one chain, the most recently published.
 */
struct vlb_scan {
	struct vlb_pool *pool;
	u16 *owner;		/* per pool block: owning head + 1, or 0 */
	u32 head;
	bool claim;
};

/* Check (or claim) one descriptor's buffer; false if it is not live. */
static bool vlb_scan_buffer(struct vlb_scan *sc, u64 addr, u32 len, bool write)
{
	struct vlb_pool *pool = sc->pool;
	struct vlb_block *b;
	u32 idx;

	if ((addr & (VLB_BLOCK_SIZE - 1)) || addr >= pool->size)
		return false;
	idx = addr >> VLB_BLOCK_SHIFT;
	b = &pool->blk[idx];
	if (READ_ONCE(b->state) != VLB_BLK_MAPPED || b->len != len ||
	    (write ? b->dir == DMA_TO_DEVICE : b->dir == DMA_FROM_DEVICE))
		return false;
	if (sc->claim)
		sc->owner[idx] = sc->head + 1;
	else if (sc->owner[idx])
		return false;
	return true;
}

static bool vlb_scan_chain(struct vlb_scan *sc, struct vring_desc *table, u32 n,
			   u32 head, bool top)
{
	u32 i = head, steps = 0;
	struct vring_desc d;
	u16 flags;
	u64 addr;
	u32 len;

	for (;;) {
		if (i >= n || ++steps > n)
			return false;
		memcpy(&d, &table[i], sizeof(d));
		flags = le16_to_cpu((__force __le16)d.flags);
		addr = le64_to_cpu((__force __le64)d.addr);
		len = le32_to_cpu((__force __le32)d.len);
		if (flags & VRING_DESC_F_INDIRECT) {
			/* The table itself is a mapping, then its entries. */
			if (!top || (flags & VRING_DESC_F_NEXT) || !len ||
			    len % sizeof(struct vring_desc) ||
			    !vlb_scan_buffer(sc, addr, len, false))
				return false;
			return vlb_scan_chain(sc, sc->pool->base + addr,
					      len / sizeof(struct vring_desc), 0, false);
		}
		if (!vlb_scan_buffer(sc, addr, len, flags & VRING_DESC_F_WRITE))
			return false;
		if (!(flags & VRING_DESC_F_NEXT))
			return true;
		i = le16_to_cpu((__force __le16)d.next);
	}
}

/* Fill heads[] with the requests left outstanding; returns how many. */
static u32 vlb_find_outstanding(struct vlb_vq *q, struct vlb_ring *r, u16 avail,
				u16 *heads)
{
	struct vlb_scan sc = { .pool = q->dev->pool };
	u32 i, n = 0;
	u16 head;
	unsigned long *seen;

	/* The driver takes what is already complete, and unmaps it. */
	irq_work_queue(&q->irq_work);
	irq_work_sync(&q->irq_work);

	sc.owner = kvcalloc(sc.pool->nblocks, sizeof(*sc.owner), GFP_KERNEL);
	seen = bitmap_zalloc(r->num, GFP_KERNEL);
	if (!sc.owner || !seen)
		goto out;
	/* Newest published first: a reused block belongs to the newer chain. */
	for (i = 1; i <= r->num; i++) {
		head = __virtio16_to_cpu(true,
					 READ_ONCE(r->avail->ring[(u16)(avail - i) % r->num]));
		if (head >= r->num || test_and_set_bit(head, seen))
			continue;
		sc.head = head;
		sc.claim = false;
		if (!vlb_scan_chain(&sc, r->desc, r->num, head, true))
			continue;
		sc.claim = true;
		vlb_scan_chain(&sc, r->desc, r->num, head, true);
		heads[n++] = head;
	}
out:
	bitmap_free(seen);
	kvfree(sc.owner);
	return n;
}

/*
 * Event queues (virtio-snd's, virtio-input's, virtio-gpio's) and
 * virtio-can's receive queue hold only
 * buffers for the device to fill. Completed empty, the driver would post them again at
 * once, and failing mode would spin; nobody waits for them, so they stay
 * in the ring for the next back-end.
 */
static bool vlb_fail_holds(struct vlb_vq *q)
{
	switch (q->dev->vdev.id.device) {
	case VIRTIO_ID_SOUND:
		return q->index == 1;
	case VIRTIO_ID_INPUT:
		return q->index == 0;
	case VIRTIO_ID_GPIO:
	case VIRTIO_ID_CAN:
		return q->index == 1;
	default:
		return false;
	}
}

static void vlb_fail_work(struct work_struct *work)
{
	struct vlb_vq *q = container_of(work, struct vlb_vq, fail_work);
	struct vlb_ring r;

	mutex_lock(&q->fail_lock);
	if (q->failing && !vlb_fail_holds(q) && vlb_ring_map(q, &r)) {
		vlb_fail_avail(q, &r);
		irq_work_queue(&q->irq_work);
	}
	mutex_unlock(&q->fail_lock);
}

void vlb_fail_init(struct vlb_vq *q)
{
	mutex_init(&q->fail_lock);
	INIT_WORK(&q->fail_work, vlb_fail_work);
}

/**
 * vlb_fail_start - put a ready queue in failing mode
 * @q: the queue
 * @heads: heads the back-end had in flight (checked here), or NULL
 * @nheads: how many
 * @record: @heads is the back-end's whole record, even when @nheads is 0;
 *	without one, the kernel looks for requests left outstanding itself
 *
 * The caller guarantees that no back-end touches the queue any more.
 */
int vlb_fail_start(struct vlb_vq *q, const u16 *heads, u32 nheads, bool record)
{
	u16 *found = NULL, avail;
	struct vlb_ring r;
	u32 i;

	mutex_lock(&q->fail_lock);
	if (!READ_ONCE(q->ready) || !vlb_ring_map(q, &r)) {
		mutex_unlock(&q->fail_lock);
		return -EINVAL;
	}
	if (q->failing)
		goto out;
	if (vlb_fail_holds(q)) {
		/* A new back-end takes up what the old one did not complete. */
		q->fail_next = __virtio16_to_cpu(true, READ_ONCE(r.used->idx));
		nheads = 0;
	} else if (heads || record) {
		/*
		 * The back-end's own record: what it took and did not
		 * complete. What it never took follows the used index, in
		 * order, so the window below fails it.
		 */
		for (i = 0; i < nheads; i++)
			vlb_fail_head(q, &r, heads[i]);
		q->fail_next = __virtio16_to_cpu(true, READ_ONCE(r.used->idx));
	} else {
		/* Heads published up to here are the candidates. */
		avail = __virtio16_to_cpu(true, smp_load_acquire(&r.avail->idx));
		found = kvmalloc_array(r.num, sizeof(*found), GFP_KERNEL);
		nheads = found ? vlb_find_outstanding(q, &r, avail, found) : 0;
		for (i = 0; i < nheads; i++)
			vlb_fail_head(q, &r, found[i]);
		q->fail_next = avail;
		kvfree(found);
	}
	if (nheads)
		dev_info(&q->dev->parent, "queue %u: failed %u request(s) left by the back-end\n",
			 q->index, nheads);
	q->failing = true;
out:
	mutex_unlock(&q->fail_lock);
	queue_work(vlb_wq, &q->fail_work);
	return 0;
}

/**
 * vlb_fail_stop - leave failing mode
 * @q: the queue
 *
 * Returns the avail index a new back-end must start from.
 */
u16 vlb_fail_stop(struct vlb_vq *q)
{
	u16 next;

	mutex_lock(&q->fail_lock);
	q->failing = false;
	next = q->fail_next;
	mutex_unlock(&q->fail_lock);
	flush_work(&q->fail_work);
	return next;
}

/* Called from notify: requests made while failing are failed too. */
void vlb_fail_kick(struct vlb_vq *q)
{
	if (unlikely(READ_ONCE(q->failing)))
		queue_work(vlb_wq, &q->fail_work);
}
