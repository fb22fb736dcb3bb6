// SPDX-License-Identifier: MIT
/* The host evdev device: identity, capabilities, exclusive grab. */
#include "input.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static bool bit_set(const uint8_t *map, unsigned int bit)
{
	return map[bit / 8] & (1u << (bit % 8));
}

static void read_caps(struct input *in)
{
	struct evdev_caps *c = &in->caps;

	memset(c, 0, sizeof(*c));
	/* Name and serial are optional: a failed ioctl leaves them empty. */
	if (ioctl(in->fd, EVIOCGNAME(INPUT_BITMAP_BYTES), c->name) < 0)
		c->name[0] = '\0';
	if (ioctl(in->fd, EVIOCGUNIQ(INPUT_BITMAP_BYTES), c->serial) < 0)
		c->serial[0] = '\0';
	c->name[INPUT_BITMAP_BYTES] = c->serial[INPUT_BITMAP_BYTES] = '\0';
	if (ioctl(in->fd, EVIOCGID, &c->id) < 0)
		memset(&c->id, 0, sizeof(c->id));
	if (ioctl(in->fd, EVIOCGPROP(INPUT_BITMAP_BYTES), c->props) < 0)
		memset(c->props, 0, sizeof(c->props));
	if (ioctl(in->fd, EVIOCGBIT(0, INPUT_BITMAP_BYTES), c->types) < 0)
		memset(c->types, 0, sizeof(c->types));
	for (unsigned int t = 1; t < EV_CNT; t++) {
		if (!bit_set(c->types, t))
			continue;
		if (ioctl(in->fd, EVIOCGBIT(t, INPUT_BITMAP_BYTES), c->codes[t]) < 0)
			memset(c->codes[t], 0, INPUT_BITMAP_BYTES);
	}
	if (bit_set(c->types, EV_ABS))
		for (unsigned int a = 0; a < ABS_CNT; a++)
			if (bit_set(c->codes[EV_ABS], a) &&
			    ioctl(in->fd, EVIOCGABS(a), &c->abs[a]) < 0)
				memset(&c->abs[a], 0, sizeof(c->abs[a]));
}

int evdev_open(struct input *in)
{
	int version;

	in->fd = open(in->path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (in->fd < 0 && (errno == EACCES || errno == EROFS))
		in->fd = open(in->path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (in->fd < 0) {
		log_err("cannot open %s: %s", in->path, strerror(errno));
		return -1;
	}
	if (ioctl(in->fd, EVIOCGVERSION, &version) < 0) {
		log_err("%s is not an evdev input device", in->path);
		return -1;
	}
	if (in->grab && ioctl(in->fd, EVIOCGRAB, 1) < 0) {
		log_err("cannot grab %s exclusively: %s (--no-grab shares it)", in->path,
			strerror(errno));
		return -1;
	}
	read_caps(in);
	log_info("%s: \"%s\", bus 0x%x vendor 0x%04x product 0x%04x%s", in->path,
		 in->caps.name, in->caps.id.bustype, in->caps.id.vendor, in->caps.id.product,
		 in->grab ? ", grabbed" : "");
	return 0;
}

int evdev_write_event(struct input *in, uint16_t type, uint16_t code, int32_t value)
{
	struct input_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.code = code;
	ev.value = value;
	if (write(in->fd, &ev, sizeof(ev)) != (ssize_t)sizeof(ev)) {
		log_warn("writing an event to %s: %s", in->path, strerror(errno));
		return -1;
	}
	return 0;
}
