// SPDX-License-Identifier: MIT
/*
 * The virtio-input device. Config space: the driver writes select and
 * subsel, then reads size and the union, so SET_CONFIG changes what
 * GET_CONFIG returns. Queue 0 (events) carries evdev events to the
 * driver, one 8-byte event per buffer; queue 1 (status) carries LED and
 * sound events from the driver back to the evdev device, and nothing
 * else: an injected key would reach whatever else reads the device.
 */
#include "input.h"
#include "log.h"

#include <endian.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#define EVENTQ 0
#define STATUSQ 1

static struct input *input_of(struct vub_dev *dev)
{
	return vub_dev_opaque(dev);
}

/* Bytes up to and including the last non-zero one. */
static uint8_t bitmap_size(const uint8_t *map)
{
	unsigned int n = INPUT_BITMAP_BYTES;

	while (n && !map[n - 1])
		n--;
	return (uint8_t)n;
}

static void fill_config(const struct input *in, struct virtio_input_config *c)
{
	const struct evdev_caps *caps = &in->caps;

	memset(c, 0, sizeof(*c));
	c->select = in->select;
	c->subsel = in->subsel;
	switch (in->select) {
	case VIRTIO_INPUT_CFG_ID_NAME:
		if (in->subsel == 0) {
			c->size = (uint8_t)strnlen(caps->name, INPUT_BITMAP_BYTES);
			memcpy(c->u.string, caps->name, c->size);
		}
		break;
	case VIRTIO_INPUT_CFG_ID_SERIAL:
		if (in->subsel == 0) {
			c->size = (uint8_t)strnlen(caps->serial, INPUT_BITMAP_BYTES);
			memcpy(c->u.string, caps->serial, c->size);
		}
		break;
	case VIRTIO_INPUT_CFG_ID_DEVIDS:
		if (in->subsel == 0) {
			c->size = sizeof(c->u.ids);
			c->u.ids.bustype = htole16(caps->id.bustype);
			c->u.ids.vendor = htole16(caps->id.vendor);
			c->u.ids.product = htole16(caps->id.product);
			c->u.ids.version = htole16(caps->id.version);
		}
		break;
	case VIRTIO_INPUT_CFG_PROP_BITS:
		if (in->subsel == 0) {
			c->size = bitmap_size(caps->props);
			memcpy(c->u.bitmap, caps->props, c->size);
		}
		break;
	case VIRTIO_INPUT_CFG_EV_BITS:
		/* subsel is an event type; EV_SYN has no codes to list. */
		if (in->subsel > 0 && in->subsel < EV_CNT) {
			c->size = bitmap_size(caps->codes[in->subsel]);
			memcpy(c->u.bitmap, caps->codes[in->subsel], c->size);
		}
		break;
	case VIRTIO_INPUT_CFG_ABS_INFO:
		if (in->subsel < ABS_CNT && (caps->codes[EV_ABS][in->subsel / 8] &
					     (1u << (in->subsel % 8)))) {
			const struct input_absinfo *a = &caps->abs[in->subsel];

			c->size = sizeof(c->u.abs);
			c->u.abs.min = htole32((uint32_t)a->minimum);
			c->u.abs.max = htole32((uint32_t)a->maximum);
			c->u.abs.fuzz = htole32((uint32_t)a->fuzz);
			c->u.abs.flat = htole32((uint32_t)a->flat);
			c->u.abs.res = htole32((uint32_t)a->resolution);
		}
		break;
	default:	/* VIRTIO_INPUT_CFG_UNSET and anything unknown: size 0 */
		break;
	}
}

static void input_get_config(struct vub_dev *dev, uint8_t *buf)
{
	struct virtio_input_config c;

	fill_config(input_of(dev), &c);
	memcpy(buf, &c, sizeof(c));
}

/* select (byte 0) and subsel (byte 1) are the only writable fields; a
 * front-end that writes the whole space (QEMU does) rewrites the rest
 * with what it read, which is ignored. */
static int input_set_config(struct vub_dev *dev, uint32_t offset, const uint8_t *data,
			    uint32_t len, uint32_t flags)
{
	struct input *in = input_of(dev);
	const uint32_t sel = offsetof(struct virtio_input_config, select);
	const uint32_t sub = offsetof(struct virtio_input_config, subsel);

	if (offset <= sel && offset + len > sel)
		in->select = data[sel - offset];
	if (offset <= sub && offset + len > sub)
		in->subsel = data[sub - offset];
	if (offset > sub)
		log_debug("config write at offset %u ignored (read-only)", offset);
	return 0;
}

static void evdev_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque);

/* Read evdev only while there is a buffer for what it has, or nobody to
 * give it to (then what it has is dropped). */
static void set_reading(struct input *in, bool on)
{
	if (on == in->reading || in->failed)
		return;
	if (on ? vub_watch(in->dev, in->fd, EPOLLIN, evdev_ready, in) == 0 :
		 (vub_unwatch(in->dev, in->fd), true))
		in->reading = on;
}

static void update_reading(struct input *in)
{
	set_reading(in, in->nbufs > 0 || !vub_queue_ready(vub_dev_queue(in->dev, EVENTQ)));
}

/* Take the driver's empty event buffers. */
static void take_buffers(struct input *in)
{
	struct vub_queue *q = vub_dev_queue(in->dev, EVENTQ);
	struct vub_req *req;

	while (in->nbufs < INPUT_BUFFERS && (req = vub_queue_pop(q))) {
		if (req->in_len < sizeof(struct virtio_input_event)) {
			log_warn("event buffer of %zu bytes is too small", req->in_len);
			vub_req_done(req, 0);
			continue;
		}
		in->bufs[in->nbufs++] = req;
	}
	update_reading(in);
}

static void stop_reading(struct input *in, const char *what, const char *why)
{
	log_err("%s %s%s%s", in->path, what, why ? ": " : "", why ? why : "");
	set_reading(in, false);
	in->failed = true;
	vub_stop(in->dev);
}

static void evdev_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque)
{
	struct input *in = opaque;
	struct input_event evs[INPUT_BUFFERS];
	bool ready = vub_queue_ready(vub_dev_queue(dev, EVENTQ));
	size_t room = ready ? in->nbufs : INPUT_BUFFERS;
	ssize_t n;

	if (events & (EPOLLERR | EPOLLHUP)) {
		stop_reading(in, "went away", NULL);
		return;
	}
	if (room == 0) {
		update_reading(in);
		return;
	}
	n = read(fd, evs, room * sizeof(evs[0]));
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			stop_reading(in, "cannot be read", strerror(errno));
		return;
	}
	/* Without a driver listening, events are stale by the time one
	 * comes: drop them, as a real device without a host would. */
	if (!ready)
		return;
	for (size_t i = 0; i < (size_t)n / sizeof(evs[0]); i++) {
		struct vub_req *req = in->bufs[--in->nbufs];
		struct virtio_input_event ev = {
			.type = htole16(evs[i].type),
			.code = htole16(evs[i].code),
			.value = htole32((uint32_t)evs[i].value),
		};

		vub_iov_from_buf(req->in, req->nin, 0, &ev, sizeof(ev));
		vub_req_done(req, sizeof(ev));
	}
	take_buffers(in);
}

static void status_events(struct input *in, struct vub_queue *q)
{
	struct vub_req *req;

	while ((req = vub_queue_pop(q))) {
		struct virtio_input_event ev;

		if (vub_iov_to_buf(req->out, req->nout, 0, &ev, sizeof(ev)) != sizeof(ev))
			log_warn("status buffer of %zu bytes is too small", req->out_len);
		else if (le16toh(ev.type) == EV_LED || le16toh(ev.type) == EV_SND)
			evdev_write_event(in, le16toh(ev.type), le16toh(ev.code),
					  (int32_t)le32toh(ev.value));
		else	/* keys or moves from the guest would reach the host's desktop */
			log_debug("status event of type %u not passed to the host device",
				  le16toh(ev.type));
		vub_req_done(req, 0);
	}
}

static void input_kick(struct vub_dev *dev, struct vub_queue *q)
{
	struct input *in = input_of(dev);

	if (vub_queue_index(q) == EVENTQ)
		take_buffers(in);
	else
		status_events(in, q);
}

static void input_reset(struct vub_dev *dev)
{
	struct input *in = input_of(dev);

	in->select = in->subsel = 0;
	update_reading(in);
}

/* Unfilled buffers stay in flight: the session after a reconnect gets
 * them again, and a reset discards them with the ring. */
static void input_queue_stop(struct vub_dev *dev, struct vub_queue *q)
{
	struct input *in = input_of(dev);

	if (vub_queue_index(q) != EVENTQ)
		return;
	while (in->nbufs)
		vub_req_abandon(in->bufs[--in->nbufs]);
}

int input_attach(struct input *in, struct vub_dev *dev)
{
	in->dev = dev;
	set_reading(in, true);
	return in->reading ? 0 : -1;
}

const struct vub_device input_device = {
	.name = "input",
	.num_queues = 2,
	.max_queue_size = 1024,
	.config_size = sizeof(struct virtio_input_config),
	.get_config = input_get_config,
	.set_config = input_set_config,
	.queue_kick = input_kick,
	.queue_stop = input_queue_stop,
	.reset = input_reset,
};
