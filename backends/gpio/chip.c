// SPDX-License-Identifier: MIT
/*
 * A host gpiochip through libgpiod 1.6 (character device, uAPI v1). A
 * line is requested from the chip only while the driver uses it: as an
 * output, an input, or, with its interrupt on, for both edges' events,
 * whose fd the event loop polls. Level triggers are emulated on the
 * edges: the level is read when events are requested and then follows
 * every edge, so a level interrupt fires at each unmask while the line
 * is at that level. A line another consumer holds cannot be requested:
 * the driver gets ERR.
 */
#include "gpio.h"
#include "log.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>

enum { HOST_NONE, HOST_IN, HOST_OUT, HOST_EVENTS };

#ifdef HAVE_GPIOD
#include <gpiod.h>

#define CONSUMER "vhost-user-gpio"

bool gpio_chip_supported(void)
{
	return true;
}

static struct gpiod_line *line_of(struct gpio *g, unsigned int n)
{
	return g->lines[n].handle;
}

static void events_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque);

static void release(struct gpio *g, unsigned int n)
{
	struct gpio_line *l = &g->lines[n];

	if (l->event_fd >= 0) {
		if (g->dev)
			vub_unwatch(g->dev, l->event_fd);
		l->event_fd = -1;
	}
	if (l->host_req != HOST_NONE)
		gpiod_line_release(line_of(g, n));
	l->host_req = HOST_NONE;
}

static int request(struct gpio *g, unsigned int n, uint8_t kind)
{
	static const int types[] = {
		[HOST_IN] = GPIOD_LINE_REQUEST_DIRECTION_INPUT,
		[HOST_OUT] = GPIOD_LINE_REQUEST_DIRECTION_OUTPUT,
		[HOST_EVENTS] = GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES,
	};
	struct gpiod_line_request_config cfg = { .consumer = CONSUMER,
						 .request_type = types[kind] };
	struct gpio_line *l = &g->lines[n];
	int ret, err;

	release(g, n);
	if (gpiod_line_request(line_of(g, n), &cfg, l->value) < 0) {
		err = errno;
		log_warn("%s line %u: cannot request it: %s%s", g->chip_path, n, strerror(err),
			 err == EBUSY ? " (another consumer holds it)" : "");
		return -err;
	}
	l->host_req = kind;
	if (kind != HOST_EVENTS)
		return 0;
	/* The level, without an edge: level triggers follow it from here. */
	ret = gpiod_line_get_value(line_of(g, n));
	l->level = ret > 0;
	l->event_fd = gpiod_line_event_get_fd(line_of(g, n));
	if (l->event_fd < 0 ||
	    (g->dev && vub_watch(g->dev, l->event_fd, EPOLLIN, events_ready, l) < 0)) {
		l->event_fd = -1;
		release(g, n);
		return -EIO;
	}
	return 0;
}

static void events_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque)
{
	struct gpio *g = vub_dev_opaque(dev);
	struct gpio_line *l = opaque;
	unsigned int n = (unsigned int)(l - g->lines);
	struct gpiod_line_event ev[16];
	int got = gpiod_line_event_read_fd_multiple(fd, ev, 16);

	if (got < 0) {
		log_err("%s line %u: reading its events: %s", g->chip_path, n, strerror(errno));
		release(g, n);
		return;
	}
	for (int i = 0; i < got; i++)
		gpio_line_edge(g, n, ev[i].event_type == GPIOD_LINE_EVENT_RISING_EDGE);
}

static int chip_apply(struct gpio *g, unsigned int n)
{
	struct gpio_line *l = &g->lines[n];

	switch (l->dir) {
	case VIRTIO_GPIO_DIRECTION_OUT:
		if (l->host_req == HOST_OUT)
			return gpiod_line_set_value(line_of(g, n), l->value) < 0 ? -errno : 0;
		return request(g, n, HOST_OUT);
	case VIRTIO_GPIO_DIRECTION_IN:
		if (l->host_req == HOST_IN || l->host_req == HOST_EVENTS)
			return 0;
		return request(g, n, HOST_IN);
	default:
		release(g, n);
		return 0;
	}
}

static int chip_get_value(struct gpio *g, unsigned int n, uint8_t *value)
{
	struct gpio_line *l = &g->lines[n];
	struct gpiod_line_request_config cfg = {
		.consumer = CONSUMER, .request_type = GPIOD_LINE_REQUEST_DIRECTION_AS_IS,
	};
	int ret;

	if (l->host_req == HOST_OUT) {
		*value = l->value;
		return 0;
	}
	/* Not in use: borrow the line as it is for the one read. */
	if (l->host_req == HOST_NONE && gpiod_line_request(line_of(g, n), &cfg, 0) < 0)
		return -errno;
	ret = gpiod_line_get_value(line_of(g, n));
	if (ret < 0)
		ret = -errno;
	if (l->host_req == HOST_NONE)
		gpiod_line_release(line_of(g, n));
	if (ret < 0)
		return ret;
	*value = (uint8_t)ret;
	return 0;
}

static int chip_set_irq(struct gpio *g, unsigned int n)
{
	struct gpio_line *l = &g->lines[n];

	if (l->irq_type != VIRTIO_GPIO_IRQ_TYPE_NONE)
		return l->host_req == HOST_EVENTS ? 0 : request(g, n, HOST_EVENTS);
	if (l->host_req != HOST_EVENTS)
		return 0;
	return l->dir == VIRTIO_GPIO_DIRECTION_IN ? request(g, n, HOST_IN) :
		(release(g, n), 0);
}

static void chip_reset(struct gpio *g)
{
	for (unsigned int i = 0; i < g->nlines; i++)
		release(g, i);
}

int gpio_chip_open(struct gpio *g)
{
	struct gpiod_chip *chip = gpiod_chip_open(g->chip_path);
	unsigned int n;
	int ret;

	if (!chip) {
		log_err("cannot open the gpiochip %s: %s", g->chip_path, strerror(errno));
		return -1;
	}
	g->chip = chip;
	n = gpiod_chip_num_lines(chip);
	if (n == 0 || n > GPIO_MAX_LINES) {
		log_err("%s has %u lines (1 to %d are served)", g->chip_path, n, GPIO_MAX_LINES);
		return -1;
	}
	struct gpiod_line *lines[GPIO_MAX_LINES];
	const char *names[GPIO_MAX_LINES];

	for (unsigned int i = 0; i < n; i++) {
		lines[i] = gpiod_chip_get_line(chip, i);
		if (!lines[i]) {
			log_err("%s line %u: %s", g->chip_path, i, strerror(errno));
			return -1;
		}
		names[i] = gpiod_line_name(lines[i]);
	}
	ret = gpio_init_lines(g, n, names);
	if (ret) {
		log_err("%s: %s", g->chip_path, strerror(-ret));
		return -1;
	}
	for (unsigned int i = 0; i < n; i++) {
		g->lines[i].handle = lines[i];
		g->lines[i].init_dir = gpiod_line_direction(lines[i]) ==
			GPIOD_LINE_DIRECTION_OUTPUT ? VIRTIO_GPIO_DIRECTION_OUT :
			VIRTIO_GPIO_DIRECTION_IN;
	}
	g->ops = &gpio_chip_ops;
	gpio_reset_lines(g);
	log_info("%s: \"%s\", %u lines", g->chip_path, gpiod_chip_label(chip), n);
	return 0;
}

void gpio_chip_close(struct gpio *g)
{
	if (!g->chip)
		return;
	chip_reset(g);
	gpiod_chip_close(g->chip);
	g->chip = NULL;
}

const struct gpio_source_ops gpio_chip_ops = {
	.name = "chip",
	.apply = chip_apply,
	.get_value = chip_get_value,
	.set_irq = chip_set_irq,
	.reset = chip_reset,
};

#else	/* built without libgpiod */

bool gpio_chip_supported(void)
{
	return false;
}

int gpio_chip_open(struct gpio *g)
{
	log_err("this build has no libgpiod: --chip is not available");
	return -1;
}

void gpio_chip_close(struct gpio *g)
{
}

const struct gpio_source_ops gpio_chip_ops = { .name = "chip" };

#endif
