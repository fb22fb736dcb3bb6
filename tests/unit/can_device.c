// SPDX-License-Identifier: MIT
/*
 * The virtio-CAN controller (backends/can/controller.c and frames.c)
 * driven at its functions, with fake queues and a fake socket: that lets
 * the test see exactly what is written to the bus, inject frames, write
 * errors and bus-off, and watch which socket events the device asks for.
 * Checked: STOPPED at start and after reset; START/STOP; classic,
 * extended, remote and FD frames both ways with their exact bytes; every
 * rule that makes a tx frame NOT_OK; EAGAIN and ENOBUFS holding a frame
 * in order; bus-off; rx back-pressure; the offered feature bits.
 */
#include "can.h"
#include "check.h"
#include "log.h"

#include <endian.h>
#include <errno.h>
#include <linux/can/error.h>
#include <string.h>
#include <sys/epoll.h>

#define NREQ 256
#define NFRAMES 128
#define F(bit) (1ull << VIRTIO_CAN_F_##bit)
#define ALL_FEATURES (F(CAN_CLASSIC) | F(CAN_FD) | F(RTR_FRAMES))

struct req {
	struct vub_req vr;
	struct iovec iov[2];
	uint8_t out[96], in[96];
	bool done;
	uint32_t used;
};

/* The fake queues: requests the driver made available, in order. */
static struct req pool[NREQ];
static unsigned int npool;
static struct req *avail[3][NREQ];
static unsigned int avail_head[3], avail_tail[3];
static unsigned int config_changes;

/* The fake socket: frames the bus has for us, frames we wrote. */
static struct canfd_frame bus[NFRAMES];
static int bus_size[NFRAMES];
static unsigned int bus_head, bus_tail;
static struct canfd_frame sent[NFRAMES];
static bool sent_fd[NFRAMES];
static unsigned int nsent;
static int write_errors[8];	/* returned by the next writes, then 0 */
static unsigned int nwrite_errors;
static uint32_t want_events = EPOLLIN;
static unsigned int retries_armed;

static struct can c;

static struct vub_req *fake_pop(struct can *cc, unsigned int q)
{
	return avail_head[q] == avail_tail[q] ? NULL : &avail[q][avail_head[q]++]->vr;
}

static bool fake_has_buffers(struct can *cc, unsigned int q)
{
	return avail_head[q] != avail_tail[q];
}

static void fake_complete(struct vub_req *vr, uint32_t len)
{
	struct req *r = (struct req *)vr;

	CHECK(!r->done, "a request completed twice");
	CHECK(len <= vr->in_len, "used length %u beyond %zu writable bytes", len, vr->in_len);
	r->done = true;
	r->used = len;
}

static void fake_config_changed(struct can *cc)
{
	config_changes++;
}

static int fake_read(struct can *cc, struct canfd_frame *f)
{
	if (bus_head == bus_tail)
		return 0;
	*f = bus[bus_head];
	return bus_size[bus_head++];
}

static int fake_write(struct can *cc, const struct canfd_frame *f, bool fd)
{
	int err = 0;

	if (nwrite_errors) {
		err = write_errors[0];
		memmove(write_errors, write_errors + 1, --nwrite_errors * sizeof(int));
	}
	if (err)
		return err;
	CHECK(nsent < NFRAMES, "too many frames sent");
	sent[nsent] = *f;
	sent_fd[nsent++] = fd;
	return 0;
}

static void fake_want(struct can *cc, uint32_t events)
{
	want_events = events;
}

static void fake_retry_soon(struct can *cc)
{
	retries_armed++;
}

/* What the library would say of the control ring: -1 not running, 0
 * fresh, 1 used by an earlier session. */
static int control_ring = 0;

static int fake_control_resumed(struct can *cc)
{
	return control_ring;
}

static const struct can_queue_ops queues = {
	fake_pop, fake_has_buffers, fake_complete, fake_config_changed, fake_control_resumed,
};
static const struct can_socket_ops sock = {
	.read = fake_read,
	.write = fake_write,
	.want = fake_want,
	.retry_soon = fake_retry_soon,
};

/* A request with out_len readable bytes (from msg) and in_len writable. */
static struct req *post(unsigned int q, const void *msg, size_t out_len, size_t in_len)
{
	struct req *r = &pool[npool++ % NREQ];

	CHECK(out_len <= sizeof(r->out) && in_len <= sizeof(r->in), "test request too big");
	memset(r, 0, sizeof(*r));
	if (msg)
		memcpy(r->out, msg, out_len);
	memset(r->in, 0xaa, sizeof(r->in));
	r->iov[0] = (struct iovec){ r->out, out_len };
	r->iov[1] = (struct iovec){ r->in, in_len };
	r->vr.out = &r->iov[0];
	r->vr.in = &r->iov[1];
	r->vr.nout = r->vr.nin = 1;
	r->vr.out_len = out_len;
	r->vr.in_len = in_len;
	avail[q][avail_tail[q]++ % NREQ] = r;
	return r;
}

static size_t tx_msg(uint8_t *m, uint16_t type, uint32_t flags, uint32_t id, uint16_t len)
{
	struct virtio_can_frame_hdr h = {
		.msg_type = htole16(type), .length = htole16(len),
		.flags = htole32(flags), .can_id = htole32(id),
	};

	memcpy(m, &h, sizeof(h));
	for (unsigned int i = 0; i < len && i < 64; i++)
		m[CAN_HDR_SIZE + i] = (uint8_t)(0x10 + i);
	return CAN_HDR_SIZE + (len > 64 ? 64 : len);
}

/* Send a frame; returns its request (done or held). */
static struct req *tx_raw(uint16_t type, uint32_t flags, uint32_t id, uint16_t len,
			  size_t out_len)
{
	uint8_t m[96];
	size_t full = tx_msg(m, type, flags, id, len);
	struct req *r = post(VIRTIO_CAN_QUEUE_TX, m, out_len ? out_len : full, 1);

	can_kick(&c, VIRTIO_CAN_QUEUE_TX);
	return r;
}

static uint8_t result_of(const struct req *r)
{
	CHECK(r->done && r->used == 1, "tx: done %d, used %u", r->done, r->used);
	return r->in[0];
}

static uint8_t tx(uint32_t flags, uint32_t id, uint16_t len)
{
	return result_of(tx_raw(VIRTIO_CAN_TX, flags, id, len, 0));
}

static uint8_t control(uint16_t type)
{
	struct virtio_can_control_out m = { htole16(type) };
	struct req *r = post(VIRTIO_CAN_QUEUE_CONTROL, &m, sizeof(m), 1);

	can_kick(&c, VIRTIO_CAN_QUEUE_CONTROL);
	CHECK(r->done && r->used == 1, "control 0x%x: done %d, used %u", type, r->done, r->used);
	return r->in[0];
}

static void bus_frame(uint32_t id, uint8_t len, int size)
{
	struct canfd_frame *f = &bus[bus_tail % NFRAMES];

	memset(f, 0, sizeof(*f));
	f->can_id = id;
	f->len = len;
	for (unsigned int i = 0; i < len && i < 64; i++)
		f->data[i] = (uint8_t)(0x80 + i);
	bus_size[bus_tail++ % NFRAMES] = size;
}

/* One frame from the bus into a buffer of size bytes; returns it. */
static struct req *rx(uint32_t id, uint8_t len, int size, size_t buf_size)
{
	struct req *r = post(VIRTIO_CAN_QUEUE_RX, NULL, 0, buf_size);

	can_kick(&c, VIRTIO_CAN_QUEUE_RX);
	bus_frame(id, len, size);
	can_rx_ready(&c);
	return r;
}

static void check_rx(const struct req *r, uint32_t flags, uint32_t id, uint16_t len, bool rtr)
{
	uint8_t want[16] = { 0x01, 0x01, (uint8_t)len, (uint8_t)(len >> 8), 0, 0, 0, 0 };

	want[8] = (uint8_t)flags, want[9] = (uint8_t)(flags >> 8);
	want[10] = (uint8_t)(flags >> 16), want[11] = (uint8_t)(flags >> 24);
	want[12] = (uint8_t)id, want[13] = (uint8_t)(id >> 8);
	want[14] = (uint8_t)(id >> 16), want[15] = (uint8_t)(id >> 24);
	CHECK(r->done && r->used == CAN_HDR_SIZE + len, "rx id 0x%x: done %d, used %u", id,
	      r->done, r->used);
	CHECK(!memcmp(r->in, want, 16), "rx id 0x%x: header bytes", id);
	for (unsigned int i = 0; i < len; i++)
		CHECK(r->in[16 + i] == (rtr ? 0 : 0x80 + i), "rx id 0x%x: payload byte %u", id, i);
}

/* A fresh device, queues and socket. */
static void setup(uint64_t features)
{
	npool = nsent = nwrite_errors = config_changes = bus_head = bus_tail = 0;
	memset(avail_head, 0, sizeof(avail_head));
	memset(avail_tail, 0, sizeof(avail_tail));
	want_events = EPOLLIN;
	memset(&c, 0, sizeof(c));
	can_init(&c);
	c.sock = &sock;
	c.queues = &queues;
	c.events = EPOLLIN;
	can_set_features(&c, features);
}

static void start_stop(void)
{
	setup(ALL_FEATURES);
	CHECK(tx(0, 0x123, 8) == VIRTIO_CAN_RESULT_NOT_OK && nsent == 0, "tx while STOPPED");
	CHECK(control(VIRTIO_CAN_SET_CTRL_MODE_START) == VIRTIO_CAN_RESULT_OK, "START");
	CHECK(control(VIRTIO_CAN_SET_CTRL_MODE_START) == VIRTIO_CAN_RESULT_OK, "START twice");
	CHECK(control(0x0203) == VIRTIO_CAN_RESULT_NOT_OK, "an unknown control message");
	CHECK(control(VIRTIO_CAN_TX) == VIRTIO_CAN_RESULT_NOT_OK, "TX on the control queue");
	struct req *r = post(VIRTIO_CAN_QUEUE_CONTROL, "\x01", 1, 1);

	can_kick(&c, VIRTIO_CAN_QUEUE_CONTROL);
	CHECK(r->done && r->used == 1 && r->in[0] == VIRTIO_CAN_RESULT_NOT_OK, "short control");
	r = post(VIRTIO_CAN_QUEUE_CONTROL, "\x01\x02", 2, 0);
	can_kick(&c, VIRTIO_CAN_QUEUE_CONTROL);
	CHECK(r->done && r->used == 0 && c.started, "control without a result byte");
	CHECK(control(VIRTIO_CAN_SET_CTRL_MODE_STOP) == VIRTIO_CAN_RESULT_OK && !c.started,
	      "STOP");
	CHECK(tx(0, 0x123, 8) == VIRTIO_CAN_RESULT_NOT_OK && nsent == 0, "tx after STOP");
	bus_frame(0x55, 1, CAN_MTU);
	post(VIRTIO_CAN_QUEUE_RX, NULL, 0, 80);
	can_rx_ready(&c);
	CHECK(bus_head == bus_tail && c.stats.rx_dropped_stopped == 1 &&
	      avail_head[1] != avail_tail[1], "a frame while STOPPED is read, dropped, counted");
	avail_head[1] = avail_tail[1];
	OK("STOPPED at start: tx NOT_OK, bus frames dropped; START, STOP; bad control NOT_OK");
}

static void frames(void)
{
	static const uint8_t classic[8] = { 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17 };

	setup(ALL_FEATURES);
	control(VIRTIO_CAN_SET_CTRL_MODE_START);
	CHECK(tx(0, 0x123, 8) == VIRTIO_CAN_RESULT_OK && nsent == 1 && !sent_fd[0] &&
	      sent[0].can_id == 0x123 && sent[0].len == 8 && !memcmp(sent[0].data, classic, 8),
	      "classic standard frame");
	CHECK(tx(VIRTIO_CAN_FLAGS_EXTENDED, 0x12345678, 3) == VIRTIO_CAN_RESULT_OK &&
	      sent[1].can_id == (0x12345678 | CAN_EFF_FLAG) && sent[1].len == 3,
	      "classic extended frame");
	CHECK(tx(0, 0x7ff, 0) == VIRTIO_CAN_RESULT_OK && sent[2].len == 0, "0 bytes, id 0x7ff");
	/* A remote frame with just its header readable. */
	CHECK(result_of(tx_raw(VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_RTR, 0x42, 4, CAN_HDR_SIZE)) ==
	      VIRTIO_CAN_RESULT_OK && sent[3].can_id == (0x42 | CAN_RTR_FLAG) &&
	      sent[3].len == 4, "remote frame, header only");
	CHECK(tx(VIRTIO_CAN_FLAGS_RTR | VIRTIO_CAN_FLAGS_EXTENDED, 0x1fffffff, 8) ==
	      VIRTIO_CAN_RESULT_OK &&
	      sent[4].can_id == (0x1fffffff | CAN_RTR_FLAG | CAN_EFF_FLAG), "extended remote");
	CHECK(tx(VIRTIO_CAN_FLAGS_FD, 0x100, 64) == VIRTIO_CAN_RESULT_OK && sent_fd[5] &&
	      sent[5].len == 64 && sent[5].flags == CANFD_FDF && sent[5].data[63] == 0x10 + 63,
	      "FD 64-byte frame");
	CHECK(tx(VIRTIO_CAN_FLAGS_FD | VIRTIO_CAN_FLAGS_EXTENDED, 0x1abcdef, 12) ==
	      VIRTIO_CAN_RESULT_OK && sent[6].len == 12, "FD extended 12 bytes");
	CHECK(c.stats.tx_ok == 7, "tx ok counter %llu", (unsigned long long)c.stats.tx_ok);
	OK("tx: classic standard/extended, remote (header only), FD 64 and 12 bytes");

	check_rx(rx(0x123, 8, CAN_MTU, 24), 0, 0x123, 8, false);
	check_rx(rx(0x12345678 | CAN_EFF_FLAG, 2, CAN_MTU, 80), VIRTIO_CAN_FLAGS_EXTENDED,
		 0x12345678, 2, false);
	check_rx(rx(0x42 | CAN_RTR_FLAG, 5, CAN_MTU, 80), VIRTIO_CAN_FLAGS_RTR, 0x42, 5, true);
	check_rx(rx(0x100, 64, CANFD_MTU, 80), VIRTIO_CAN_FLAGS_FD, 0x100, 64, false);
	check_rx(rx(0x1abcdef | CAN_EFF_FLAG, 48, CANFD_MTU, 64),
		 VIRTIO_CAN_FLAGS_FD | VIRTIO_CAN_FLAGS_EXTENDED, 0x1abcdef, 48, false);
	CHECK(c.stats.rx_delivered == 5, "rx delivered counter");
	OK("rx: exact header bytes; remote frame used 16+len, zeroed; FD 64 and 48 bytes");

	struct req *r = rx(0x100, 64, CANFD_MTU, 79);

	CHECK(r->done && r->used == 0 && c.stats.rx_dropped_no_room == 1, "short rx buffer");
	r = rx(0x100, 8, CAN_MTU, 23);
	CHECK(r->done && r->used == 0 && c.stats.rx_dropped_no_room == 2, "short rx buffer 8");
	/* Other error frames are not delivered and change nothing. */
	r = post(VIRTIO_CAN_QUEUE_RX, NULL, 0, 80);
	bus_frame(CAN_ERR_FLAG | CAN_ERR_CRTL, 8, CAN_MTU);
	bus_frame(CAN_ERR_FLAG | CAN_ERR_RESTARTED, 8, CAN_MTU);
	can_rx_ready(&c);
	CHECK(!r->done && c.started && !c.status && bus_head == bus_tail, "error frames");
	avail_head[1] = avail_tail[1];
	OK("rx: a short buffer comes back with used 0 (counted); error frames not delivered");
}

static void rejects(void)
{
	static const struct { uint16_t type; uint32_t flags, id; uint16_t len; size_t out; } bad[] = {
		{ VIRTIO_CAN_RX, 0, 1, 1, 0 }, { 0, 0, 1, 1, 0 }, { 0x0201, 0, 1, 1, 0 },
		{ VIRTIO_CAN_TX, 0x1000, 1, 1, 0 }, { VIRTIO_CAN_TX, 0x1, 1, 1, 0 },
		{ VIRTIO_CAN_TX, 0x10000, 1, 1, 0 }, { VIRTIO_CAN_TX, 0x80000000u, 1, 1, 0 },
		{ VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_RTR | VIRTIO_CAN_FLAGS_FD, 1, 1, 0 },
		{ VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_RTR, 1, 9, 0 },
		{ VIRTIO_CAN_TX, 0, 0x800, 1, 0 },
		{ VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_EXTENDED, 0x20000000, 1, 0 },
		{ VIRTIO_CAN_TX, 0, 0x80000001u, 1, 0 },
		{ VIRTIO_CAN_TX, 0, 1, 9, 0 }, { VIRTIO_CAN_TX, 0, 1, 64, 0 },
		{ VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_FD, 1, 9, 0 },
		{ VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_FD, 1, 13, 0 },
		{ VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_FD, 1, 65, 0 },
		{ VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_FD, 1, 0xffff, 0 },
		{ VIRTIO_CAN_TX, 0, 1, 8, CAN_HDR_SIZE + 7 },
		{ VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_FD, 1, 64, CAN_HDR_SIZE + 63 },
		{ VIRTIO_CAN_TX, 0, 1, 0, CAN_HDR_SIZE - 1 },
		{ VIRTIO_CAN_TX, VIRTIO_CAN_FLAGS_RTR, 1, 0, CAN_HDR_SIZE - 1 },
	};

	setup(ALL_FEATURES);
	control(VIRTIO_CAN_SET_CTRL_MODE_START);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(result_of(tx_raw(bad[i].type, bad[i].flags, bad[i].id, bad[i].len,
				       bad[i].out)) == VIRTIO_CAN_RESULT_NOT_OK,
		      "bad tx %zu was not refused", i);
	CHECK(nsent == 0 && c.stats.tx_failed == sizeof(bad) / sizeof(bad[0]), "bad frames sent");
	/* No writable byte: completed with used length 0 (not sent). */
	uint8_t m[96];
	struct req *r = post(VIRTIO_CAN_QUEUE_TX, m, tx_msg(m, VIRTIO_CAN_TX, 0, 1, 1), 0);

	can_kick(&c, VIRTIO_CAN_QUEUE_TX);
	CHECK(r->done && r->used == 0 && nsent == 0, "tx without a result byte");
	OK("tx: type, unknown flags, RTR+FD, RTR > 8, ids, lengths, short parts: NOT_OK");

	setup(F(CAN_CLASSIC));
	control(VIRTIO_CAN_SET_CTRL_MODE_START);
	CHECK(tx(VIRTIO_CAN_FLAGS_FD, 1, 8) == VIRTIO_CAN_RESULT_NOT_OK, "FD not negotiated");
	CHECK(tx(VIRTIO_CAN_FLAGS_RTR, 1, 1) == VIRTIO_CAN_RESULT_NOT_OK, "RTR not negotiated");
	CHECK(tx(0, 1, 1) == VIRTIO_CAN_RESULT_OK, "classic alone");
	r = rx(0x100, 64, CANFD_MTU, 80);
	CHECK(!r->done && c.stats.rx_dropped_type == 1, "an FD frame without FD negotiated");
	bus_frame(0x100 | CAN_RTR_FLAG, 1, CAN_MTU);
	can_rx_ready(&c);
	CHECK(!r->done && c.stats.rx_dropped_type == 2, "a remote frame without RTR");
	avail_head[1] = avail_tail[1];
	setup(F(CAN_FD));
	control(VIRTIO_CAN_SET_CTRL_MODE_START);
	CHECK(tx(0, 1, 1) == VIRTIO_CAN_RESULT_NOT_OK, "classic not negotiated");
	CHECK(tx(VIRTIO_CAN_FLAGS_FD, 1, 8) == VIRTIO_CAN_RESULT_OK, "FD alone");
	r = rx(0x100, 1, CAN_MTU, 80);
	CHECK(!r->done && c.stats.rx_dropped_type == 1, "a classic frame without CLASSIC");
	avail_head[1] = avail_tail[1];
	OK("frame types the driver did not negotiate: tx NOT_OK, rx dropped and counted");
}

static void back_pressure(void)
{
	struct req *r[3];
	unsigned int before;

	setup(ALL_FEATURES);
	control(VIRTIO_CAN_SET_CTRL_MODE_START);
	write_errors[0] = -EAGAIN;
	write_errors[1] = -EAGAIN;
	nwrite_errors = 2;
	r[0] = tx_raw(VIRTIO_CAN_TX, 0, 1, 1, 0);
	r[1] = tx_raw(VIRTIO_CAN_TX, 0, 2, 1, 0);
	r[2] = tx_raw(VIRTIO_CAN_TX, 0, 3, 1, 0);
	CHECK(!r[0]->done && !r[1]->done && !r[2]->done && avail_tail[0] - avail_head[0] == 2,
	      "EAGAIN: the frame is held and the queue not popped further");
	CHECK(want_events == (EPOLLIN | EPOLLOUT), "EAGAIN: EPOLLOUT not asked for");
	can_tx_retry(&c);
	CHECK(!r[0]->done && nsent == 0, "EAGAIN again: still held");
	can_tx_retry(&c);
	CHECK(nsent == 3 && sent[0].can_id == 1 && sent[1].can_id == 2 && sent[2].can_id == 3,
	      "held frames sent in order");
	CHECK(result_of(r[0]) == 0 && result_of(r[1]) == 0 && result_of(r[2]) == 0,
	      "held frames OK");
	CHECK(want_events == EPOLLIN && c.started && !c.status && !config_changes,
	      "back-pressure is not bus-off");
	CHECK(c.stats.tx_retried == 1, "retried counts frames held");
	OK("EAGAIN: held with EPOLLOUT asked for, then sent in FIFO order, no bus-off");

	before = retries_armed;
	write_errors[0] = -ENOBUFS;
	nwrite_errors = 1;
	r[0] = tx_raw(VIRTIO_CAN_TX, 0, 4, 1, 0);
	r[1] = tx_raw(VIRTIO_CAN_TX, 0, 5, 1, 0);
	CHECK(!r[0]->done && retries_armed == before + 1 && want_events == EPOLLIN,
	      "ENOBUFS: held, timer armed, no EPOLLOUT");
	can_tx_retry(&c);
	CHECK(result_of(r[0]) == 0 && result_of(r[1]) == 0 && sent[3].can_id == 4 &&
	      sent[4].can_id == 5, "ENOBUFS: sent in order after the timer");
	OK("ENOBUFS: held, retried from the 1 ms timer, in order");

	write_errors[0] = -ENETDOWN;
	nwrite_errors = 1;
	CHECK(tx(0, 6, 1) == VIRTIO_CAN_RESULT_NOT_OK && c.started, "ENETDOWN: NOT_OK");
	OK("other write errors: NOT_OK for that frame");

	write_errors[0] = -EAGAIN;
	nwrite_errors = 1;
	r[0] = tx_raw(VIRTIO_CAN_TX, 0, 7, 1, 0);
	r[1] = tx_raw(VIRTIO_CAN_TX, 0, 8, 1, 0);
	CHECK(control(VIRTIO_CAN_SET_CTRL_MODE_STOP) == VIRTIO_CAN_RESULT_OK, "STOP");
	CHECK(result_of(r[0]) == VIRTIO_CAN_RESULT_NOT_OK &&
	      result_of(r[1]) == VIRTIO_CAN_RESULT_NOT_OK && nsent == 5,
	      "STOP: held and queued frames NOT_OK, not sent");
	CHECK(!c.held && want_events == EPOLLIN, "STOP: nothing held, no EPOLLOUT");
	OK("STOP completes the held frame and the queued ones NOT_OK");

	control(VIRTIO_CAN_SET_CTRL_MODE_START);
	write_errors[0] = -EAGAIN;
	nwrite_errors = 1;
	r[0] = tx_raw(VIRTIO_CAN_TX, 0, 9, 1, 0);
	can_queue_stop(&c, VIRTIO_CAN_QUEUE_TX);
	CHECK(result_of(r[0]) == VIRTIO_CAN_RESULT_NOT_OK && !c.held, "queue stop");
	CHECK(tx(0, 10, 1) == VIRTIO_CAN_RESULT_OK, "tx after a queue stop");
	write_errors[0] = -ENOBUFS;
	nwrite_errors = 1;
	r[1] = tx_raw(VIRTIO_CAN_TX, 0, 11, 1, 0);
	can_queue_stop(&c, VIRTIO_CAN_QUEUE_TX);
	can_reset(&c);
	CHECK(result_of(r[1]) == VIRTIO_CAN_RESULT_NOT_OK && !c.held && !c.started,
	      "reset with a held frame");
	avail_head[0] = avail_tail[0];
	CHECK(tx(0, 1, 1) == VIRTIO_CAN_RESULT_NOT_OK, "STOPPED after reset");
	OK("queue stop and reset complete the held frame NOT_OK; STOPPED after reset");
}

static void bus_off(void)
{
	uint8_t cfg[2];
	struct req *r;

	setup(ALL_FEATURES);
	control(VIRTIO_CAN_SET_CTRL_MODE_START);
	write_errors[0] = -EAGAIN;
	nwrite_errors = 1;
	r = tx_raw(VIRTIO_CAN_TX, 0, 1, 1, 0);
	/* The socket is read only while an rx buffer waits. */
	post(VIRTIO_CAN_QUEUE_RX, NULL, 0, 80);
	bus_frame(CAN_ERR_FLAG | CAN_ERR_BUSOFF, 8, CAN_MTU);
	bus_frame(0x10, 1, CAN_MTU);
	can_rx_ready(&c);
	can_get_config(&c, cfg);
	CHECK(cfg[0] == VIRTIO_CAN_S_CTRL_BUSOFF && cfg[1] == 0, "bus-off: status %02x%02x",
	      cfg[1], cfg[0]);
	CHECK(config_changes == 1 && !c.started, "bus-off: config change, STOPPED");
	CHECK(result_of(r) == VIRTIO_CAN_RESULT_NOT_OK, "bus-off: the held frame NOT_OK");
	CHECK(c.stats.rx_dropped_stopped == 1, "bus-off: the next frame dropped");
	CHECK(tx(0, 1, 1) == VIRTIO_CAN_RESULT_NOT_OK, "tx after bus-off");
	bus_frame(CAN_ERR_FLAG | CAN_ERR_BUSOFF, 8, CAN_MTU);
	can_rx_ready(&c);
	CHECK(config_changes == 1, "bus-off while STOPPED notified again");
	CHECK(control(VIRTIO_CAN_SET_CTRL_MODE_START) == VIRTIO_CAN_RESULT_OK, "START");
	can_get_config(&c, cfg);
	CHECK(cfg[0] == 0 && tx(0, 1, 1) == VIRTIO_CAN_RESULT_OK, "START clears bus-off");
	c.status = VIRTIO_CAN_S_CTRL_BUSOFF;
	can_reset(&c);
	can_get_config(&c, cfg);
	CHECK(cfg[0] == 0 && !c.started, "reset clears the status");
	OK("bus-off: status bit, config change, tx NOT_OK until START clears it");
}

static void rx_back_pressure(void)
{
	struct req *r[CAN_RX_BURST + 2];

	setup(ALL_FEATURES);
	control(VIRTIO_CAN_SET_CTRL_MODE_START);
	bus_frame(0x1, 1, CAN_MTU);
	can_rx_ready(&c);
	CHECK(bus_head != bus_tail && want_events == 0 && c.rx_paused,
	      "no rx buffer: the socket was read, or is still watched");
	r[0] = post(VIRTIO_CAN_QUEUE_RX, NULL, 0, 80);
	can_kick(&c, VIRTIO_CAN_QUEUE_RX);
	CHECK(want_events == EPOLLIN && !c.rx_paused, "an rx kick did not resume reading");
	can_rx_ready(&c);
	check_rx(r[0], 0, 0x1, 1, false);
	CHECK(want_events == 0, "the rx buffers ran out, reading goes on");
	OK("no rx buffer: reading paused (no events), resumed by the rx kick");

	for (unsigned int i = 0; i < CAN_RX_BURST + 2; i++) {
		r[i] = post(VIRTIO_CAN_QUEUE_RX, NULL, 0, 80);
		bus_frame(0x100 + i, 1, CAN_MTU);
	}
	can_kick(&c, VIRTIO_CAN_QUEUE_RX);
	can_rx_ready(&c);
	CHECK(r[CAN_RX_BURST - 1]->done && !r[CAN_RX_BURST]->done && want_events == EPOLLIN,
	      "a wakeup reads at most %d frames", CAN_RX_BURST);
	can_rx_ready(&c);
	CHECK(r[CAN_RX_BURST + 1]->done && bus_head == bus_tail, "the rest on the next wakeup");
	OK("at most %d frames a wakeup", CAN_RX_BURST);
}

static void features(void)
{
	setup(0);
	CHECK(can_offered_features(&c) == ALL_FEATURES, "default features 0x%llx",
	      (unsigned long long)can_offered_features(&c));
	c.offer_fd = false;
	CHECK(can_offered_features(&c) == (F(CAN_CLASSIC) | F(RTR_FRAMES)), "--no-fd");
	c.offer_rtr = false;
	CHECK(can_offered_features(&c) == F(CAN_CLASSIC), "--no-fd --no-rtr");
	c.offer_fd = true;
	CHECK(can_offered_features(&c) == (F(CAN_CLASSIC) | F(CAN_FD)), "--no-rtr");
	CHECK(!(can_offered_features(&c) & F(LATE_TX_ACK)), "LATE_TX_ACK offered");
	OK("features: CLASSIC, FD, RTR by default; --no-fd, --no-rtr withhold theirs");
}

/* A restarted back-end on rings the driver had used: no START comes, so
 * it takes the controller as started; frames wait for the control ring. */
static void resumed(void)
{
	struct req *r;

	setup(ALL_FEATURES);
	control_ring = -1;
	r = tx_raw(VIRTIO_CAN_TX, 0, 0x321, 8, 0);
	CHECK(!r->done && nsent == 0, "a frame waits while the control ring is not running");
	control_ring = 1;
	can_kick(&c, VIRTIO_CAN_QUEUE_CONTROL);
	CHECK(r->done && result_of(r) == VIRTIO_CAN_RESULT_OK && nsent == 1 &&
	      sent[0].can_id == 0x321 && c.started, "then it is sent, with no START");
	can_reset(&c);
	CHECK(!c.started, "a reset stops the controller");
	control_ring = 0;
	CHECK(tx(0, 0x123, 8) == VIRTIO_CAN_RESULT_NOT_OK, "a fresh ring starts STOPPED");
	OK("on rings the driver had used, the controller starts started");
}

int main(void)
{
	log_init("can_device", false, 0);
	start_stop();
	resumed();
	frames();
	rejects();
	back_pressure();
	bus_off();
	rx_back_pressure();
	features();
	return 0;
}
