// SPDX-License-Identifier: MIT
/*
 * The device's state machine and its three queues. The controller starts
 * STOPPED; START and STOP come on the control queue, bus-off from the
 * socket's error frames. Frames are sent at once; a socket that pushes
 * back keeps its request held (and the queue unpopped, for FIFO order)
 * until it takes the frame. Frames from the bus are read only while an
 * rx buffer waits for them, so back-pressure stays in the kernel socket.
 */
#include "can.h"
#include "log.h"

#include <endian.h>
#include <linux/can/error.h>
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

/* For log lines: the tests have no interface. */
static const char *ifname(const struct can *c)
{
	return c->ifname ? c->ifname : "can";
}

void can_init(struct can *c)
{
	c->offer_fd = c->offer_rtr = true;
	c->sock_fd = c->timer_fd = -1;
}

uint64_t can_offered_features(const struct can *c)
{
	return (1ull << VIRTIO_CAN_F_CAN_CLASSIC) |
	       (c->offer_fd ? 1ull << VIRTIO_CAN_F_CAN_FD : 0) |
	       (c->offer_rtr ? 1ull << VIRTIO_CAN_F_RTR_FRAMES : 0);
}

void can_set_features(struct can *c, uint64_t features)
{
	c->classic = features & (1ull << VIRTIO_CAN_F_CAN_CLASSIC);
	c->fd = features & (1ull << VIRTIO_CAN_F_CAN_FD);
	c->rtr = features & (1ull << VIRTIO_CAN_F_RTR_FRAMES);
}

void can_get_config(const struct can *c, uint8_t *buf)
{
	struct virtio_can_config cfg = { .status = htole16(c->status) };

	memcpy(buf, &cfg, sizeof(cfg));
}

void can_log_stats(struct can *c)
{
	const struct can_stats *s = &c->stats;

	if (c->sock && c->sock->count_drops)
		c->sock->count_drops(c);

	log_info("stats: tx ok=%llu failed=%llu retried=%llu; rx delivered=%llu "
		 "dropped_stopped=%llu dropped_no_room=%llu dropped_type=%llu socket_dropped=%llu",
		 (unsigned long long)s->tx_ok, (unsigned long long)s->tx_failed,
		 (unsigned long long)s->tx_retried, (unsigned long long)s->rx_delivered,
		 (unsigned long long)s->rx_dropped_stopped,
		 (unsigned long long)s->rx_dropped_no_room,
		 (unsigned long long)s->rx_dropped_type, (unsigned long long)s->socket_dropped);
}

/* Tell the socket what to wait for: frames unless rx is paused, room
 * for the held frame if it met EAGAIN. */
static void update_events(struct can *c)
{
	uint32_t ev = (c->rx_paused ? 0 : EPOLLIN) | (c->held && c->held_eagain ? EPOLLOUT : 0);

	if (ev != c->events) {
		c->events = ev;
		c->sock->want(c, ev);
	}
}

static void answer(struct can *c, struct vub_req *r, uint8_t result)
{
	if (!r->in_len) {
		c->queues->complete(r, 0);
		return;
	}
	vub_iov_from_buf(r->in, r->nin, 0, &result, 1);
	c->queues->complete(r, 1);
}

static void tx_result(struct can *c, struct vub_req *r, bool ok)
{
	if (ok)
		c->stats.tx_ok++;
	else
		c->stats.tx_failed++;
	answer(c, r, ok ? VIRTIO_CAN_RESULT_OK : VIRTIO_CAN_RESULT_NOT_OK);
}

static void fail_held(struct can *c)
{
	struct vub_req *r = c->held;

	if (!r)
		return;
	c->held = NULL;
	tx_result(c, r, false);
	update_events(c);
}

/* Try to send the frame; false when the socket pushed back (held). */
static bool tx_send(struct can *c, struct vub_req *r, const struct canfd_frame *f, bool fd)
{
	int ret = c->sock->write(c, f, fd);

	if (ret == -EAGAIN || ret == -ENOBUFS) {
		if (!c->held) {
			c->held = r;
			c->held_frame = *f;
			c->held_fd = fd;
			c->stats.tx_retried++;
		}
		c->held_eagain = ret == -EAGAIN;
		if (!c->held_eagain)
			c->sock->retry_soon(c);
		update_events(c);
		return false;
	}
	if (ret < 0)
		log_debug("tx: id 0x%x: %s", f->can_id, strerror(-ret));
	c->held = NULL;
	tx_result(c, r, ret == 0);
	update_events(c);
	return true;
}

static bool tx_one(struct can *c, struct vub_req *r)
{
	uint8_t msg[CAN_HDR_SIZE + CANFD_MAX_DLEN];
	size_t got = vub_iov_to_buf(r->out, r->nout, 0, msg, sizeof(msg));
	struct canfd_frame f;
	bool fd;

	if (!r->in_len || !c->started || !can_tx_parse(c, msg, got, r->out_len, &f, &fd)) {
		if (c->started)
			log_debug("tx: a frame refused (%zu bytes)", r->out_len);
		tx_result(c, r, false);
		return true;
	}
	return tx_send(c, r, &f, fd);
}

static void serve_tx(struct can *c)
{
	struct vub_req *r;

	while (!c->held && (r = c->queues->pop(c, VIRTIO_CAN_QUEUE_TX)))
		if (!tx_one(c, r))
			break;
}

void can_tx_retry(struct can *c)
{
	if (c->held && tx_send(c, c->held, &c->held_frame, c->held_fd))
		serve_tx(c);
}

/* The controller stops: the held frame and those still queued fail. */
static void stop(struct can *c)
{
	c->started = false;
	c->rx_paused = false;
	fail_held(c);
	serve_tx(c);
	update_events(c);
}

static uint8_t control(struct can *c, struct vub_req *r)
{
	struct virtio_can_control_out m;

	if (vub_iov_to_buf(r->out, r->nout, 0, &m, sizeof(m)) < sizeof(m))
		return VIRTIO_CAN_RESULT_NOT_OK;
	switch (le16toh(m.msg_type)) {
	case VIRTIO_CAN_SET_CTRL_MODE_START:
		log_debug("control: START");
		c->started = true;
		c->status &= (uint16_t)~VIRTIO_CAN_S_CTRL_BUSOFF;
		return VIRTIO_CAN_RESULT_OK;
	case VIRTIO_CAN_SET_CTRL_MODE_STOP:
		log_debug("control: STOP");
		stop(c);
		can_log_stats(c);
		return VIRTIO_CAN_RESULT_OK;
	default:
		return VIRTIO_CAN_RESULT_NOT_OK;
	}
}

static void serve_control(struct can *c)
{
	struct vub_req *r;

	while ((r = c->queues->pop(c, VIRTIO_CAN_QUEUE_CONTROL)))
		answer(c, r, r->in_len ? control(c, r) : VIRTIO_CAN_RESULT_NOT_OK);
}

static void bus_off(struct can *c)
{
	log_info("%s: bus-off: the controller stops until the driver starts it again",
		 ifname(c));
	c->status |= VIRTIO_CAN_S_CTRL_BUSOFF;
	stop(c);
	c->queues->config_changed(c);
}

static void error_frame(struct can *c, const struct canfd_frame *f)
{
	if ((f->can_id & CAN_ERR_BUSOFF) && c->started)
		bus_off(c);
	else
		log_debug("error frame 0x%x", f->can_id & CAN_ERR_MASK);
}

static void deliver(struct can *c, const struct canfd_frame *f, int size)
{
	uint8_t msg[CAN_HDR_SIZE + CANFD_MAX_DLEN];
	size_t len = can_rx_format(c, f, size, msg);
	struct vub_req *r;

	if (!len) {
		c->stats.rx_dropped_type++;
		return;
	}
	r = c->queues->pop(c, VIRTIO_CAN_QUEUE_RX);
	if (!r || r->in_len < len) {
		c->stats.rx_dropped_no_room++;
		if (r)
			c->queues->complete(r, 0);
		return;
	}
	vub_iov_from_buf(r->in, r->nin, 0, msg, len);
	c->queues->complete(r, (uint32_t)len);
	c->stats.rx_delivered++;
}

void can_rx_ready(struct can *c)
{
	struct canfd_frame f;
	int size;

	for (unsigned int i = 0; i < CAN_RX_BURST; i++) {
		/* No buffer: leave the frames in the socket until a kick. */
		if (c->started && !c->queues->has_buffers(c, VIRTIO_CAN_QUEUE_RX)) {
			c->rx_paused = true;
			break;
		}
		size = c->sock->read(c, &f);
		if (size <= 0) {
			if (size < 0)
				log_warn("%s: reading frames: %s", ifname(c), strerror(-size));
			break;
		}
		if (f.can_id & CAN_ERR_FLAG)
			error_frame(c, &f);
		else if (!c->started)
			c->stats.rx_dropped_stopped++;
		else
			deliver(c, &f, size);
	}
	update_events(c);
}

/*
 * A restarted back-end: the driver does not say START again. Control
 * rings it had used mean it started the controller (were it stopped, it
 * sends no frames and reads none), so such a session starts started.
 * Until the control queue runs, frames wait in the ring.
 */
static bool session_known(struct can *c)
{
	int resumed;

	if (c->session_checked || !c->queues->control_resumed)
		return true;
	resumed = c->queues->control_resumed(c);
	if (resumed < 0)
		return false;
	c->session_checked = true;
	if (resumed && !c->started) {
		log_info("resuming a controller the driver had started");
		c->started = true;
	}
	return true;
}

void can_kick(struct can *c, unsigned int queue)
{
	if (!session_known(c))
		return;
	switch (queue) {
	case VIRTIO_CAN_QUEUE_TX:
		serve_tx(c);
		break;
	case VIRTIO_CAN_QUEUE_RX:
		c->rx_paused = false;
		update_events(c);
		break;
	case VIRTIO_CAN_QUEUE_CONTROL:
		/* The first kick that knows the session serves the others too. */
		serve_tx(c);
		c->rx_paused = false;
		update_events(c);
		serve_control(c);
		break;
	}
}

void can_queue_stop(struct can *c, unsigned int queue)
{
	if (queue == VIRTIO_CAN_QUEUE_TX)
		fail_held(c);
}

void can_reset(struct can *c)
{
	fail_held(c);
	c->started = false;
	c->session_checked = false;
	c->status = 0;
	c->classic = c->fd = c->rtr = false;
	c->rx_paused = false;
	update_events(c);
	can_log_stats(c);
}
