// SPDX-License-Identifier: MIT
/*
 * Fuzz target: descriptor chains and the split ring over a fuzzed memory
 * image. Input: an 8-byte header (ring size, head, flags, iovec limit,
 * used length, base) then up to 64 KiB of guest memory at guest address
 * 0. The chain at head is walked directly with a table of up to 1024
 * entries at 0; then the same memory serves a running queue of up to 64
 * entries (table at 0, avail ring at 0x400, used ring at 0x600) from
 * which up to 64 requests are popped and pushed.
 */
#include "chain.h"
#include "log.h"
#include "vub_private.h"

#include <stdalign.h>
#include <string.h>

#define MEM 65536
#define UVA 0x20000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static alignas(4096) uint8_t mem[MEM];
static struct vring_desc itable[VUB_MAX_IOV];
static struct iovec iov[VUB_MAX_IOV];
static struct vub_dev *dev;

static void kick(struct vub_dev *d, struct vub_queue *q)
{
}

static const struct vub_device device = {
	.name = "fuzz", .num_queues = 1, .max_queue_size = 256, .queue_kick = kick,
};

struct header {
	uint16_t num, head;
	uint8_t flags, max_iov;
	uint8_t used_len, base;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct header h;
	struct vub_chain c;
	struct vub_mem m;
	struct vub_queue *q;
	const char *why;
	unsigned int num;

	if (size < sizeof(h))
		return 0;
	if (!dev) {
		log_init("fuzz", false, 0);
		dev = vub_dev_new(&device, NULL);
	}
	memcpy(&h, data, sizeof(h));
	data += sizeof(h);
	size -= sizeof(h);
	memset(mem, 0, sizeof(mem));
	memcpy(mem, data, size < MEM ? size : MEM);

	/* The walk on its own, with any table size up to 1024. */
	num = 1 + h.num % 1024;
	vub_mem_init(&m);
	vub_mem_add_host(&m, 0, MEM, UVA, mem);
	vub_chain_walk(&m, (struct vring_desc *)mem, num, h.head % (num + 2), h.flags & 1,
		       itable, iov, 1 + h.max_iov % VUB_MAX_IOV, &c, &why);
	vub_mem_clear(&m);

	/* The same memory as a running queue. */
	vub_mem_add_host(&dev->mem, 0, MEM, UVA, mem);
	dev->features = (h.flags & 1 ? 1ull << VIRTIO_RING_F_INDIRECT_DESC : 0) |
			(h.flags & 2 ? 1ull << VIRTIO_RING_F_EVENT_IDX : 0);
	q = vub_dev_queue(dev, 0);
	q->num = 1 + h.num % 64;
	q->desc_uaddr = UVA;
	q->avail_uaddr = UVA + 0x400;
	q->used_uaddr = UVA + 0x600;
	q->have_addr = true;
	q->base = h.base;
	if (vub_queue_start(q) == 0) {
		struct vub_req *r;

		q->enabled = true;
		for (int i = 0; i < 64 && (r = vub_queue_pop(q)); i++)
			vub_req_done(r, h.used_len);
		vub_flush_notifications(dev);
	}
	vub_queue_reset(q);
	vub_mem_clear(&dev->mem);
	return 0;
}
