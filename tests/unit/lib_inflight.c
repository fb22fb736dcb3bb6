// SPDX-License-Identifier: MIT
/* Inflight I/O tracking: a back-end "crashes" with requests taken from
 * the ring but not completed; its successor, given the same region,
 * resubmits exactly those, in the order they were taken, and continues
 * the avail ring after them. Also: undoing a half-finished used batch,
 * and regions that do not fit. */
#include "check.h"
#include "log.h"
#include "vub_private.h"

#include <endian.h>
#include <errno.h>
#include <stdalign.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEM 65536
#define UVA 0x40000000ull
#define NUM 8

static alignas(4096) uint8_t mem[MEM];
static struct vring_desc *desc = (struct vring_desc *)mem;
static struct vring_avail *avail = (struct vring_avail *)(mem + 0x1000);
static struct vring_used *used = (struct vring_used *)(mem + 0x2000);
static uint16_t avail_idx;

static void kick(struct vub_dev *dev, struct vub_queue *q)
{
}

static const struct vub_device device = {
	.name = "test", .num_queues = 2, .max_queue_size = 256, .queue_kick = kick,
};

static struct vub_dev *new_dev(void)
{
	struct vub_dev *dev = vub_dev_new(&device, NULL);

	CHECK(dev && vub_mem_add_host(&dev->mem, 0, MEM, UVA, mem) == 0, "device");
	return dev;
}

/* Start queue 0 as a front-end would after (re)connecting, base = the
 * front-end's idea of the next avail index. */
static struct vub_queue *start(struct vub_dev *dev, uint16_t base)
{
	struct vub_queue *q = vub_dev_queue(dev, 0);

	q->num = NUM;
	q->desc_uaddr = UVA;
	q->avail_uaddr = UVA + 0x1000;
	q->used_uaddr = UVA + 0x2000;
	q->have_addr = true;
	q->base = base;
	CHECK(vub_queue_start(q) == 0, "queue start");
	q->enabled = true;
	return q;
}

static void post(uint16_t head)
{
	desc[head] = (struct vring_desc){ htole64(0x4000 + 16 * head), htole32(16),
					  htole16(VRING_DESC_F_WRITE), 0 };
	avail->ring[avail_idx % NUM] = htole16(head);
	avail_idx++;
	__atomic_store_n(&avail->idx, htole16(avail_idx), __ATOMIC_RELEASE);
}

static struct vu_inflight_queue *region(struct vub_dev *dev, unsigned int i)
{
	return (void *)(dev->inflight_base + i * vub_inflight_stride(NUM));
}

/* Forget a crashed instance without touching the shared state. */
static void crash(struct vub_dev *dev, struct vub_req **reqs, unsigned int n)
{
	struct vub_queue *q = vub_dev_queue(dev, 0);

	vub_queue_stop(q);	/* no queue_stop callback: nothing is completed */
	for (unsigned int i = 0; i < n; i++)
		vub_req_done(reqs[i], 0);	/* a stopped ring is not written */
	vub_dev_free(dev);
}

static void resubmission(void)
{
	struct vub_dev *dev = new_dev(), *next;
	struct vu_inflight info = { .num_queues = 2, .queue_size = NUM };
	struct vub_req *r[4];
	struct vub_queue *q;
	uint64_t size;
	int fd;

	CHECK(vub_inflight_create(dev, 2, NUM, &fd, &size) == 0, "GET_INFLIGHT_FD");
	CHECK(size >= 2 * vu_inflight_queue_size(NUM), "region size %llu", (unsigned long long)size);
	q = start(dev, 0);
	CHECK(region(dev, 0)->version == 1 && region(dev, 0)->desc_num == NUM,
	      "a fresh region is initialised when its queue starts");
	post(5);
	post(2);
	post(7);
	post(1);
	for (int i = 0; i < 4; i++)
		r[i] = vub_queue_pop(q);
	CHECK(region(dev, 0)->desc[5].inflight == 1 && region(dev, 0)->desc[1].inflight == 1,
	      "taken heads are marked in flight");
	CHECK(region(dev, 0)->desc[2].counter < region(dev, 0)->desc[7].counter,
	      "counters follow the order requests were taken");
	vub_req_done(r[1], 16);	/* head 2 completes: the only one */
	CHECK(region(dev, 0)->desc[2].inflight == 0 && region(dev, 0)->used_idx == 1 &&
	      region(dev, 0)->last_batch_head == 2, "completion recorded");
	OK("taking and completing requests updates the inflight region");

	/* Crash with heads 5, 7, 1 in flight; the successor gets the region
	 * and the front-end's base (QEMU sends used->idx after a crash). */
	struct vub_req *lost[3] = { r[0], r[2], r[3] };

	crash(dev, lost, 3);
	next = new_dev();
	info.mmap_size = size;
	CHECK(vub_inflight_set(next, &info, fd) == 0, "SET_INFLIGHT_FD");
	q = start(next, 1);
	CHECK(q->nresubmit == 3 && q->last_avail == 4, "3 to resubmit, avail continues at 4 (got %u, %u)",
	      q->nresubmit, q->last_avail);
	uint16_t want[3] = { 5, 7, 1 };

	for (int i = 0; i < 3; i++) {
		r[i] = vub_queue_pop(q);
		CHECK(r[i] && r[i]->head == want[i], "resubmitted head %d is %u, expected %u", i,
		      r[i] ? r[i]->head : 999, want[i]);
	}
	CHECK(!vub_queue_pop(q), "nothing else to take");
	post(3);
	r[3] = vub_queue_pop(q);
	CHECK(r[3] && r[3]->head == 3, "new requests follow the resubmitted ones");
	for (int i = 0; i < 4; i++)
		vub_req_done(r[i], 0);
	CHECK(le16toh(used->idx) == 5, "all five requests end up used");
	for (unsigned int i = 0; i < NUM; i++)
		CHECK(region(next, 0)->desc[i].inflight == 0, "head %u still in flight", i);
	OK("after a crash the successor resubmits exactly the lost requests, in order");
	vub_dev_free(next);
	close(fd);
}

static void half_finished_batch(void)
{
	struct vub_dev *dev = new_dev(), *next;
	struct vu_inflight info = { .num_queues = 1, .queue_size = NUM };
	struct vu_inflight_queue *reg;
	struct vub_req *r[2];
	struct vub_queue *q;
	uint64_t size;
	int fd;

	memset(mem, 0, sizeof(mem));
	avail_idx = 0;
	CHECK(vub_inflight_create(dev, 1, NUM, &fd, &size) == 0, "GET_INFLIGHT_FD");
	q = start(dev, 0);
	post(4);
	post(6);
	r[0] = vub_queue_pop(q);
	r[1] = vub_queue_pop(q);
	/* Complete head 4, then pretend we died right after publishing
	 * used->idx: its inflight flag and used_idx were not updated. */
	vub_req_done(r[0], 16);
	reg = region(dev, 0);
	reg->desc[4].inflight = 1;
	reg->used_idx = 0;
	crash(dev, &r[1], 1);

	next = new_dev();
	info.mmap_size = size;
	CHECK(vub_inflight_set(next, &info, fd) == 0, "SET_INFLIGHT_FD");
	q = start(next, 1);
	reg = region(next, 0);
	CHECK(reg->desc[4].inflight == 0 && reg->used_idx == 1, "the last batch was undone");
	CHECK(q->nresubmit == 1 && q->resubmit[0] == 6 && q->last_avail == 2,
	      "only head 6 is resubmitted");
	vub_dev_free(next);
	OK("a crash between publishing used->idx and clearing the flag loses nothing");

	/* A region that does not fit is refused or ignored, never trusted. */
	next = new_dev();
	info.mmap_size = size - 1;
	CHECK(vub_inflight_set(next, &info, fd) == -EINVAL, "too small a region accepted");
	info.mmap_size = size;
	info.num_queues = 3;
	CHECK(vub_inflight_set(next, &info, fd) == -EINVAL, "more queues than the device has");
	info.num_queues = 1;
	info.mmap_offset = 4096;
	CHECK(vub_inflight_set(next, &info, fd) == -EINVAL, "region past the end of its file");
	info.mmap_offset = 0;
	CHECK(vub_inflight_set(next, &info, fd) == 0, "the right region");
	reg = region(next, 0);
	reg->used_idx = (uint16_t)(le16toh(used->idx) - 9);	/* a batch larger than the ring */
	q = start(next, 1);
	CHECK(q->nresubmit == 0 && q->last_avail == 1, "an inconsistent region is not replayed");
	CHECK(vub_inflight_set(next, &info, fd) == -EBUSY, "region replaced under a running queue");
	vub_dev_free(next);
	close(fd);
	OK("wrong-sized, misplaced or inconsistent regions are refused or not replayed");
}

/* A request given up (vub_req_abandon) is not used, stays in flight, and
 * comes back to the next session; the avail index says a ring was used. */
static void abandoned(void)
{
	struct vub_dev *dev = new_dev(), *next;
	struct vu_inflight info = { .num_queues = 2, .queue_size = NUM };
	struct vub_req *a, *b;
	struct vub_queue *q;
	uint16_t used_before;
	uint64_t size;
	int fd;

	memset(mem, 0, sizeof(mem));
	avail_idx = 0;
	CHECK(vub_inflight_create(dev, 2, NUM, &fd, &size) == 0, "GET_INFLIGHT_FD");
	q = start(dev, 0);
	CHECK(vub_queue_avail_index(q) == 0, "a fresh ring starts at avail 0");
	post(4);
	post(6);
	a = vub_queue_pop(q);
	b = vub_queue_pop(q);
	used_before = le16toh(used->idx);
	vub_req_abandon(b);
	CHECK(le16toh(used->idx) == used_before && vub_queue_outstanding(q) == 1,
	      "an abandoned request is not used, and no longer counts");
	CHECK(region(dev, 0)->desc[6].inflight == 1, "an abandoned request stays in flight");
	vub_req_done(a, 0);
	vub_queue_stop(q);
	vub_dev_free(dev);

	next = new_dev();
	info.mmap_size = size;
	CHECK(vub_inflight_set(next, &info, fd) == 0, "SET_INFLIGHT_FD");
	q = start(next, 1);
	CHECK(vub_queue_avail_index(q) == 2, "a resumed ring is past what was taken (got %u)",
	      vub_queue_avail_index(q));
	b = vub_queue_pop(q);
	CHECK(b && b->head == 6, "the abandoned request comes back to the next session");
	vub_req_done(b, 0);
	CHECK(region(next, 0)->desc[6].inflight == 0, "and completes there");
	OK("an abandoned request is handed out again by the next session");
	vub_dev_free(next);
	close(fd);
}

int main(void)
{
	log_init("lib_inflight", false, 0);
	resubmission();
	half_finished_batch();
	abandoned();
	return 0;
}
