// SPDX-License-Identifier: MIT
/*
 * The virtio-GPIO device on the back-end library: the config space, the
 * requestq (each request answered at once, in order), and the eventq,
 * whose buffers the device keeps, one per line, until that line's
 * interrupt fires or is turned off.
 */
#include "gpio.h"
#include "log.h"

#include <endian.h>
#include <string.h>

static struct gpio *gpio_of(struct vub_dev *dev)
{
	return vub_dev_opaque(dev);
}

static void gpio_get_config(struct vub_dev *dev, uint8_t *buf)
{
	struct gpio *g = gpio_of(dev);
	struct virtio_gpio_config c = {
		.ngpio = htole16((uint16_t)g->nlines),
		.gpio_names_size = htole32(g->names_size),
	};

	memcpy(buf, &c, sizeof(c));
}

static int gpio_set_features(struct vub_dev *dev, uint64_t features)
{
	gpio_of(dev)->irq = features & (1ull << VIRTIO_GPIO_F_IRQ);
	return 0;
}

static void serve_requests(struct gpio *g, struct vub_queue *q)
{
	uint8_t req[sizeof(struct virtio_gpio_request) + 1];
	struct vub_req *r;

	while ((r = vub_queue_pop(q))) {
		size_t req_len = vub_iov_to_buf(r->out, r->nout, 0, req, sizeof(req));
		uint32_t used;

		/* No valid response is longer than the names: ERR in 2 bytes. */
		if (r->in_len > g->scratch_size) {
			used = gpio_request(g, NULL, 0, g->scratch, g->scratch_size);
		} else {
			used = gpio_request(g, req, req_len, g->scratch, r->in_len);
			if (!used)
				log_warn("requestq: a request without room for its response");
		}
		vub_iov_from_buf(r->in, r->nin, 0, g->scratch, used);
		vub_req_done(r, used);
	}
}

static void serve_events(struct gpio *g, struct vub_queue *q)
{
	struct vub_req *r;

	while ((r = vub_queue_pop(q)))
		gpio_event_buffer(g, r);
}

static void gpio_kick(struct vub_dev *dev, struct vub_queue *q)
{
	if (vub_queue_index(q) == GPIO_REQUESTQ)
		serve_requests(gpio_of(dev), q);
	else
		serve_events(gpio_of(dev), q);
}

/* The eventq stops: its buffers go back, invalid, but the lines keep
 * their triggers and latches for the buffers that come next. */
static void gpio_queue_stop(struct vub_dev *dev, struct vub_queue *q)
{
	struct gpio *g = gpio_of(dev);

	if (vub_queue_index(q) != GPIO_EVENTQ)
		return;
	for (unsigned int i = 0; i < g->nlines; i++) {
		struct gpio_line *l = &g->lines[i];
		bool latched = l->latched;

		gpio_line_quiet(g, i);
		l->latched = latched;
	}
}

static void gpio_reset(struct vub_dev *dev)
{
	struct gpio *g = gpio_of(dev);

	if (g->irqs)
		log_info("reset after %llu interrupts", (unsigned long long)g->irqs);
	gpio_reset_lines(g);
	g->irq = false;
	g->irqs = 0;
}

int gpio_attach(struct gpio *g, struct vub_dev *dev)
{
	g->dev = dev;
	g->complete = vub_req_done;
	return 0;
}

const struct vub_device gpio_device = {
	.name = "gpio",
	.features = 1ull << VIRTIO_GPIO_F_IRQ,
	.num_queues = 2,
	.max_queue_size = 1024,
	.config_size = sizeof(struct virtio_gpio_config),
	.get_config = gpio_get_config,
	.set_features = gpio_set_features,
	.queue_kick = gpio_kick,
	.queue_stop = gpio_queue_stop,
	.reset = gpio_reset,
};
