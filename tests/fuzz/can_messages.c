// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the CAN controller's queues and frames. The input is a
 * program of 8-byte operations on a device with fake queues and a fake
 * socket: a tx message of fuzzed bytes and part lengths, a control
 * message, a frame from the bus with fuzzed id, length and size into an
 * rx buffer of fuzzed size (or none), the socket's next write result
 * (EAGAIN, ENOBUFS, ENETDOWN) and a retry, new features, or a reset.
 * Checked: no crash or leak; a used length never beyond the writable
 * bytes, a result byte 0 or 1; every popped request completed exactly
 * once; only frames the bus can carry written; nothing held after reset.
 */
#include "can.h"
#include "log.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define QDEPTH 32
#define MSG_MAX 88

struct buf {
	struct vub_req req;
	struct iovec iov[2];
	unsigned int queue;
	bool popped, done;
	uint8_t out[MSG_MAX], in[MSG_MAX];
};

static struct can c;
static struct buf *ring[3][QDEPTH];
static unsigned int ring_len[3];
static unsigned long outstanding;	/* popped, not completed */
static struct canfd_frame pending_frame;
static int pending_size;		/* 0: the bus has nothing */
static int next_write;

static struct vub_req *pop(struct can *cc, unsigned int q)
{
	struct buf *b;

	if (!ring_len[q])
		return NULL;
	b = ring[q][0];
	memmove(ring[q], ring[q] + 1, --ring_len[q] * sizeof(b));
	b->popped = true;
	outstanding++;
	return &b->req;
}

static bool has_buffers(struct can *cc, unsigned int q)
{
	return ring_len[q] > 0;
}

static void complete(struct vub_req *req, uint32_t len)
{
	struct buf *b = (struct buf *)req;

	assert(b->popped && !b->done);
	assert(len <= req->in_len);
	if (len == 1 && b->queue != VIRTIO_CAN_QUEUE_RX)
		assert(b->in[0] <= VIRTIO_CAN_RESULT_NOT_OK);
	b->done = true;
	outstanding--;
	free(b);
}

static void config_changed(struct can *cc)
{
	assert(c.status & VIRTIO_CAN_S_CTRL_BUSOFF);
}

static int sock_read(struct can *cc, struct canfd_frame *f)
{
	int size = pending_size;

	*f = pending_frame;
	pending_size = 0;
	return size;
}

static int sock_write(struct can *cc, const struct canfd_frame *f, bool fd)
{
	int ret = next_write;

	assert(c.started);
	if (f->can_id & CAN_EFF_FLAG)
		assert((f->can_id & ~(CAN_EFF_FLAG | CAN_RTR_FLAG)) <= CAN_EFF_MASK);
	else
		assert((f->can_id & ~CAN_RTR_FLAG) <= CAN_SFF_MASK);
	assert(fd ? c.fd && can_fd_len_valid(f->len) : c.classic && f->len <= CAN_MAX_DLEN);
	assert(!(f->can_id & CAN_RTR_FLAG) || (c.rtr && !fd));
	next_write = 0;
	return ret;
}

static void sock_want(struct can *cc, uint32_t events)
{
}

static void sock_retry_soon(struct can *cc)
{
	assert(c.held && !c.held_eagain);
}

static const struct can_queue_ops queues = { pop, has_buffers, complete, config_changed, NULL };
static const struct can_socket_ops sock = {
	.read = sock_read,
	.write = sock_write,
	.want = sock_want,
	.retry_soon = sock_retry_soon,
};

static void post(unsigned int q, const uint8_t *msg, size_t msg_len, size_t out_len,
		 size_t in_len)
{
	struct buf *b;

	if (ring_len[q] == QDEPTH)
		return;
	b = calloc(1, sizeof(*b));
	if (!b)
		abort();
	if (msg)
		memcpy(b->out, msg, msg_len < out_len ? msg_len : out_len);
	b->iov[0] = (struct iovec){ b->out, out_len };
	b->iov[1] = (struct iovec){ b->in, in_len };
	b->queue = q;
	b->req = (struct vub_req){
		.nout = 1, .nin = 1,
		.out = &b->iov[0], .in = &b->iov[1], .out_len = out_len, .in_len = in_len,
	};
	ring[q][ring_len[q]++] = b;
}

static void reset(void)
{
	for (unsigned int q = 0; q < 3; q++)
		can_queue_stop(&c, q);
	can_reset(&c);
	assert(!c.held && !c.started && !c.status && outstanding == 0);
}

/* One operation: p[0] says which, p[1..7] its arguments; a tx message
 * follows its operation. Returns the bytes it took. */
static size_t run(const uint8_t *p, size_t len)
{
	size_t msg_len = p[1] % MSG_MAX;

	switch (p[0] % 7) {
	case 0:		/* tx: p[1] readable, p[2] writable; the bytes follow */
		msg_len = msg_len < len - 8 ? msg_len : len - 8;
		post(VIRTIO_CAN_QUEUE_TX, p + 8, msg_len, p[1] % MSG_MAX, p[2] % 3);
		can_kick(&c, VIRTIO_CAN_QUEUE_TX);
		return 8 + msg_len;
	case 1:		/* control: p[1..2] type, p[3] readable, p[4] writable */
		post(VIRTIO_CAN_QUEUE_CONTROL, p + 1, 2, p[3] % 4, p[4] % 3);
		can_kick(&c, VIRTIO_CAN_QUEUE_CONTROL);
		break;
	case 2:		/* a frame: p[1..4] id, p[5] len, p[6] size, p[7] buffer */
		memset(&pending_frame, 0x5a, sizeof(pending_frame));
		memcpy(&pending_frame.can_id, p + 1, 4);
		pending_frame.len = p[5];
		pending_size = p[6] & 1 ? (int)CANFD_MTU : p[6] & 2 ? (int)CAN_MTU : p[6] % 80;
		if (p[7] != 0xff) {
			post(VIRTIO_CAN_QUEUE_RX, NULL, 0, 0, p[7] % MSG_MAX);
			can_kick(&c, VIRTIO_CAN_QUEUE_RX);
		}
		can_rx_ready(&c);
		break;
	case 3: {	/* the next write's result, p[2]: retry now */
		static const int results[] = { 0, -EAGAIN, -ENOBUFS, -ENETDOWN };

		next_write = results[p[1] % 4];
		if (p[2] & 1)
			can_tx_retry(&c);
		break;
	}
	case 4:		/* a reset and new features p[1], as a driver comes again */
		reset();
		can_set_features(&c, p[1]);
		break;
	case 5:
		if (p[1] == 0xff)
			reset();
		break;
	default:	/* START, the well-formed way */
		post(VIRTIO_CAN_QUEUE_CONTROL, (const uint8_t *)"\x01\x02", 2, 2, 1);
		can_kick(&c, VIRTIO_CAN_QUEUE_CONTROL);
		break;
	}
	return 8;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;

	if (!ready) {
		log_init("fuzz", false, -1);
		ready = true;
	}
	memset(&c, 0, sizeof(c));
	can_init(&c);
	c.sock = &sock;
	c.queues = &queues;
	can_set_features(&c, 0x7);
	pending_size = next_write = 0;
	while (size >= 8) {
		size_t n = run(data, size);

		data += n;
		size -= n;
	}
	reset();
	/* What was never popped is the driver's, not the device's. */
	for (unsigned int q = 0; q < 3; q++)
		while (ring_len[q])
			free(ring[q][--ring_len[q]]);
	return 0;
}
