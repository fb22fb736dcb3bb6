// SPDX-License-Identifier: MIT
/* Split virtqueue, device side: pop and push, the used ring, interrupt
 * suppression with and without VIRTIO_RING_F_EVENT_IDX, bad avail
 * indexes and heads, and stopping a queue with requests in flight. */
#include "check.h"
#include "log.h"
#include "vub_private.h"

#include <endian.h>
#include <errno.h>
#include <stdalign.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define MEM 65536
#define UVA 0x40000000ull
#define NUM 8
#define DESC 0x0
#define AVAIL 0x1000
#define USED 0x2000

static alignas(4096) uint8_t mem[MEM];
static struct vring_desc *desc = (struct vring_desc *)(mem + DESC);
static struct vring_avail *avail = (struct vring_avail *)(mem + AVAIL);
static struct vring_used *used = (struct vring_used *)(mem + USED);
static struct vub_req *held[NUM];
static unsigned int nheld, stops;
static uint16_t avail_idx;

static void kick(struct vub_dev *dev, struct vub_queue *q)
{
}

/* The device's duty on stop: finish what it holds. */
static void queue_stop(struct vub_dev *dev, struct vub_queue *q)
{
	stops++;
	while (nheld)
		vub_req_done(held[--nheld], 0);
}

static const struct vub_device device = {
	.name = "test", .num_queues = 1, .max_queue_size = 256, .req_priv_size = 24,
	.queue_kick = kick, .queue_stop = queue_stop,
};

static struct vub_dev *dev;
static struct vub_queue *q;

/* A fresh ring, with fresh call and error notifiers. */
static void start(uint64_t features)
{
	vub_queue_stop(q);
	if (q->err_fd >= 0)
		close(q->err_fd);
	memset(mem, 0, sizeof(mem));
	avail_idx = 0;
	dev->features = features;
	q->num = NUM;
	q->desc_uaddr = UVA + DESC;
	q->avail_uaddr = UVA + AVAIL;
	q->used_uaddr = UVA + USED;
	q->have_addr = true;
	q->base = 0;
	CHECK(vub_queue_start(q) == 0, "queue start");
	q->enabled = true;
	q->call_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	q->err_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

/* The driver offers head: 16 readable bytes then 64 writable ones. */
static void post(uint16_t head)
{
	uint16_t next = (uint16_t)((head + 1) % NUM);

	desc[head] = (struct vring_desc){ htole64(0x4000 + head * 0x100), htole32(16),
					  htole16(VRING_DESC_F_NEXT), htole16(next) };
	desc[next] = (struct vring_desc){ htole64(0x8000 + head * 0x100), htole32(64),
					  htole16(VRING_DESC_F_WRITE), 0 };
	avail->ring[avail_idx % NUM] = htole16(head);
	avail_idx++;
	__atomic_store_n(&avail->idx, htole16(avail_idx), __ATOMIC_RELEASE);
}

static uint64_t signals(int fd)
{
	uint64_t n = 0;

	if (read(fd, &n, sizeof(n)) < 0)
		CHECK(errno == EAGAIN, "eventfd read: %s", strerror(errno));
	return n;
}

static uint16_t *avail_event(void)
{
	return (uint16_t *)&used->ring[NUM];
}

static uint16_t *used_event(void)
{
	return (uint16_t *)&avail->ring[NUM];
}

static void pop_push(void)
{
	struct vub_req *r;

	start((1ull << VIRTIO_RING_F_EVENT_IDX) | (1ull << VIRTIO_RING_F_INDIRECT_DESC));
	CHECK(!vub_queue_pop(q), "empty queue popped something");
	CHECK(!vub_queue_has_buffers(q), "empty queue has buffers");
	post(3);
	CHECK(vub_queue_has_buffers(q), "posted buffer not seen");
	r = vub_queue_pop(q);
	CHECK(r && r->head == 3 && r->nout == 1 && r->nin == 1 && r->out_len == 16 &&
	      r->in_len == 64, "popped request shape");
	CHECK(r->out[0].iov_base == mem + 0x4300 && r->in[0].iov_base == mem + 0x8300,
	      "request iovecs point at the buffers");
	CHECK(r->priv && ((uintptr_t)r->priv % alignof(max_align_t)) == 0 &&
	      !memcmp(r->priv, (char[24]){ 0 }, 24), "priv area zeroed and aligned");
	CHECK(le16toh(*avail_event()) == 1, "avail_event asks for a kick past what we took");
	CHECK(vub_queue_outstanding(q) == 1, "outstanding count");
	vub_req_done(r, 1000);
	CHECK(le16toh(used->idx) == 1 && le32toh(used->ring[0].id) == 3 &&
	      le32toh(used->ring[0].len) == 64, "used entry (length clamped to the buffer)");
	CHECK(vub_queue_outstanding(q) == 0, "outstanding after done");
	OK("pop gives the chain as iovecs; done publishes id and (clamped) length");
}

static void event_idx(void)
{
	struct vub_req *r;

	start(1ull << VIRTIO_RING_F_EVENT_IDX);
	post(0);
	vub_req_done(vub_queue_pop(q), 0);
	vub_flush_notifications(dev);
	CHECK(signals(q->call_fd) == 1, "the first completion always interrupts");
	vub_flush_notifications(dev);
	CHECK(signals(q->call_fd) == 0, "no interrupt without a new completion");

	*used_event() = htole16(5);
	post(2);
	vub_req_done(vub_queue_pop(q), 0);
	vub_flush_notifications(dev);
	CHECK(signals(q->call_fd) == 0, "used_event 5 suppresses the interrupt for used 2");
	*used_event() = htole16(2);
	post(4);
	vub_req_done(vub_queue_pop(q), 0);
	vub_flush_notifications(dev);
	CHECK(signals(q->call_fd) == 1, "used_event 2 wants the interrupt when used passes 2");
	OK("EVENT_IDX: interrupts exactly when used->idx passes used_event");

	start(0);
	post(0);
	avail->flags = htole16(VRING_AVAIL_F_NO_INTERRUPT);
	r = vub_queue_pop(q);
	vub_req_done(r, 0);
	vub_flush_notifications(dev);
	CHECK(signals(q->call_fd) == 0, "NO_INTERRUPT honoured");
	avail->flags = 0;
	post(2);
	vub_req_done(vub_queue_pop(q), 0);
	vub_flush_notifications(dev);
	CHECK(signals(q->call_fd) == 1, "interrupt once the flag is clear");
	OK("without EVENT_IDX: VRING_AVAIL_F_NO_INTERRUPT suppresses interrupts");
}

static void malformed(void)
{
	start(0);
	post(0);
	__atomic_store_n(&avail->idx, htole16(NUM + 1), __ATOMIC_RELEASE);
	CHECK(!vub_queue_pop(q) && q->broken, "avail index jump of 9 > 8 breaks the queue");
	CHECK(signals(q->err_fd) == 1, "the error notifier is signalled");
	CHECK(!vub_queue_ready(q) && !vub_queue_pop(q), "a broken queue stays stopped");
	vub_queue_stop(q);

	start(0);
	avail->ring[0] = htole16(NUM);
	__atomic_store_n(&avail->idx, htole16(1), __ATOMIC_RELEASE);
	CHECK(!vub_queue_pop(q) && q->broken, "head index 8 of 8 breaks the queue");
	vub_queue_stop(q);

	start(0);
	post(1);
	desc[2].addr = htole64(MEM - 8);	/* 64 bytes from here run off the end */
	CHECK(!vub_queue_pop(q) && q->broken, "buffer outside memory breaks the queue");
	vub_queue_stop(q);
	OK("bad avail index, head and buffer each mark the queue broken, once");
}

static void stop_with_requests(void)
{
	uint16_t base;

	start(0);
	post(0);
	post(2);
	held[nheld++] = vub_queue_pop(q);
	held[nheld++] = vub_queue_pop(q);
	base = vub_queue_stop(q);
	CHECK(stops == 1 && nheld == 0, "queue_stop asked the device to finish its requests");
	CHECK(base == 2, "GET_VRING_BASE value %u, expected 2", base);
	CHECK(le16toh(used->idx) == 2, "the finished requests were used before the stop");
	CHECK(!q->started && q->kick_fd < 0 && q->call_fd < 0, "stopped ring, fds closed");
	OK("stopping drains the device's requests into the ring and returns the next index");
}

int main(void)
{
	log_init("lib_virtqueue", false, 0);
	dev = vub_dev_new(&device, NULL);
	CHECK(dev, "device");
	CHECK(vub_mem_add_host(&dev->mem, 0, MEM, UVA, mem) == 0, "memory");
	q = vub_dev_queue(dev, 0);
	pop_push();
	event_idx();
	malformed();
	stop_with_requests();
	vub_dev_free(dev);
	return 0;
}
