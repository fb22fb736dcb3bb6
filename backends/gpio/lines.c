// SPDX-License-Identifier: MIT
/*
 * The lines' state and the requestq messages. Every field of a request
 * is the driver's to get wrong: the type, the line and the value are
 * checked, and anything out of place gets STATUS_ERR. Interrupts follow
 * section 5.18.6.4: a line is unmasked while the device holds its eventq
 * buffer; an edge that comes while it is masked is latched and reported
 * at the next unmask, a level is not (it is looked at again instead).
 */
#include "gpio.h"
#include "log.h"

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int gpio_init_lines(struct gpio *g, unsigned int n, const char *const *names)
{
	size_t size = 0;
	bool any = false;

	g->lines = calloc(n, sizeof(*g->lines));
	g->scratch = malloc(sizeof(struct virtio_gpio_response));
	if (!g->lines || !g->scratch)
		return -ENOMEM;
	g->scratch_size = sizeof(struct virtio_gpio_response);
	g->nlines = n;
	for (unsigned int i = 0; i < n; i++) {
		struct gpio_line *l = &g->lines[i];

		if (names && names[i]) {
			snprintf(l->name, sizeof(l->name), "%s", names[i]);
			any |= l->name[0] != '\0';
		}
		l->driver = -1;
		l->event_fd = -1;
		l->init_dir = VIRTIO_GPIO_DIRECTION_IN;
		size += strlen(l->name) + 1;
	}
	if (!any)
		return 0;
	/* One NUL-terminated string per line, "" for a line without a name. */
	g->names = malloc(size);
	free(g->scratch);
	g->scratch = malloc(size + 1);
	if (!g->names || !g->scratch)
		return -ENOMEM;
	g->names_size = (uint32_t)size;
	g->scratch_size = size + 1;
	size = 0;
	for (unsigned int i = 0; i < n; i++) {
		size_t len = strlen(g->lines[i].name) + 1;

		memcpy(g->names + size, g->lines[i].name, len);
		size += len;
	}
	return 0;
}

static void irq_answer(struct gpio *g, struct gpio_line *l, uint8_t status)
{
	struct vub_req *req = l->held;

	l->held = NULL;
	vub_iov_from_buf(req->in, req->nin, 0, &status, 1);
	g->complete(req, 1);
}

static bool level_active(const struct gpio_line *l)
{
	return (l->irq_type == VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH && l->level) ||
	       (l->irq_type == VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW && !l->level);
}

static void irq_fire(struct gpio *g, struct gpio_line *l)
{
	log_debug("line %u: interrupt", (unsigned int)(l - g->lines));
	l->latched = false;
	g->irqs++;
	irq_answer(g, l, VIRTIO_GPIO_IRQ_STATUS_VALID);
}

void gpio_line_check(struct gpio *g, unsigned int n)
{
	struct gpio_line *l = &g->lines[n];

	if (l->held && (l->latched || level_active(l)))
		irq_fire(g, l);
}

void gpio_event_buffer(struct gpio *g, struct vub_req *r)
{
	static const uint8_t invalid = VIRTIO_GPIO_IRQ_STATUS_INVALID;
	struct virtio_gpio_irq_request ir;
	struct gpio_line *l;
	unsigned int n;

	if (r->in_len < 1) {
		log_warn("eventq: a buffer without room for its status");
		g->complete(r, 0);
		return;
	}
	n = r->out_len == sizeof(ir) &&
		vub_iov_to_buf(r->out, r->nout, 0, &ir, sizeof(ir)) == sizeof(ir) ?
		le16toh(ir.gpio) : UINT32_MAX;
	l = n < g->nlines ? &g->lines[n] : NULL;
	/*
	 * One buffer per line. A buffer for a line whose interrupt is off is
	 * kept, not returned invalid: a restarted back-end does not know the
	 * driver's triggers, and Linux 6.1 queues an invalid buffer again at
	 * once while it thinks the interrupt is on. SET_IRQ_TYPE NONE gives
	 * it back.
	 */
	if (!l || l->held) {
		log_debug("eventq: buffer for line %u returned invalid", n);
		vub_iov_from_buf(r->in, r->nin, 0, &invalid, 1);
		g->complete(r, 1);
		return;
	}
	log_debug("eventq: line %u unmasked", n);
	l->held = r;
	gpio_line_check(g, n);
}

void gpio_line_edge(struct gpio *g, unsigned int n, bool rising)
{
	struct gpio_line *l = &g->lines[n];

	l->level = rising;
	if (l->irq_type & (rising ? VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING :
			   VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING))
		l->latched = true;
	gpio_line_check(g, n);
}

void gpio_line_input(struct gpio *g, unsigned int n, bool level)
{
	if (level != g->lines[n].level)
		gpio_line_edge(g, n, level);
}

void gpio_line_quiet(struct gpio *g, unsigned int n)
{
	struct gpio_line *l = &g->lines[n];

	l->latched = false;
	if (l->held)
		irq_answer(g, l, VIRTIO_GPIO_IRQ_STATUS_INVALID);
}

void gpio_reset_lines(struct gpio *g)
{
	for (unsigned int i = 0; i < g->nlines; i++) {
		struct gpio_line *l = &g->lines[i];

		gpio_line_quiet(g, i);
		l->dir = l->init_dir;
		l->value = 0;
		l->irq_type = VIRTIO_GPIO_IRQ_TYPE_NONE;
	}
	if (g->ops->reset)
		g->ops->reset(g);
}

static bool irq_type_valid(uint32_t t)
{
	switch (t) {
	case VIRTIO_GPIO_IRQ_TYPE_NONE:
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING:
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_FALLING:
	case VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH:
	case VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH:
	case VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW:
		return true;
	default:
		return false;
	}
}

static int set_direction(struct gpio *g, unsigned int n, uint32_t dir)
{
	struct gpio_line *l = &g->lines[n];
	uint8_t old_dir = l->dir, old_value = l->value;
	int ret;

	if (dir != VIRTIO_GPIO_DIRECTION_NONE && dir != VIRTIO_GPIO_DIRECTION_OUT &&
	    dir != VIRTIO_GPIO_DIRECTION_IN)
		return -EINVAL;
	/* A line with its interrupt on stays an input (the driver must not). */
	if (dir == VIRTIO_GPIO_DIRECTION_OUT && l->irq_type != VIRTIO_GPIO_IRQ_TYPE_NONE)
		return -EBUSY;
	if (dir == VIRTIO_GPIO_DIRECTION_NONE) {
		/* Deactivated: the device forgets all the line's state (its
		 * source sees NONE first, so a chip line is released once). */
		l->dir = VIRTIO_GPIO_DIRECTION_NONE;
		if (l->irq_type != VIRTIO_GPIO_IRQ_TYPE_NONE) {
			l->irq_type = VIRTIO_GPIO_IRQ_TYPE_NONE;
			g->ops->set_irq(g, n);
		}
		gpio_line_quiet(g, n);
		l->value = 0;
	}
	l->dir = (uint8_t)dir;
	ret = g->ops->apply(g, n);
	if (ret) {
		l->dir = old_dir;
		l->value = old_value;
	}
	return ret;
}

static int set_value(struct gpio *g, unsigned int n, uint32_t value)
{
	struct gpio_line *l = &g->lines[n];
	uint8_t old = l->value;
	int ret;

	if (value > 1)
		return -EINVAL;
	/* Remembered for an input: driven once the line becomes an output. */
	l->value = (uint8_t)value;
	if (l->dir != VIRTIO_GPIO_DIRECTION_OUT)
		return 0;
	ret = g->ops->apply(g, n);
	if (ret)
		l->value = old;
	return ret;
}

static int set_irq_type(struct gpio *g, unsigned int n, uint32_t type)
{
	struct gpio_line *l = &g->lines[n];
	uint8_t old = l->irq_type;
	int ret;

	if (!g->irq || !irq_type_valid(type))
		return -EINVAL;
	if (type != VIRTIO_GPIO_IRQ_TYPE_NONE && l->dir == VIRTIO_GPIO_DIRECTION_OUT)
		return -EBUSY;
	/* Off, or another trigger: nothing seen before counts. */
	gpio_line_quiet(g, n);
	if (type == old)
		return 0;
	l->irq_type = (uint8_t)type;
	ret = g->ops->set_irq(g, n);
	if (ret)
		l->irq_type = old;
	return ret;
}

uint32_t gpio_request(struct gpio *g, const uint8_t *req, size_t req_len, uint8_t *resp,
		      size_t resp_len)
{
	struct virtio_gpio_request r;
	uint16_t type, n;
	uint32_t value;
	uint8_t out = 0;
	int ret;

	if (resp_len < sizeof(struct virtio_gpio_response))
		return 0;
	memset(resp, 0, sizeof(struct virtio_gpio_response));
	resp[0] = VIRTIO_GPIO_STATUS_ERR;
	if (req_len != sizeof(r))
		return sizeof(struct virtio_gpio_response);
	memcpy(&r, req, sizeof(r));
	type = le16toh(r.type);
	n = le16toh(r.gpio);
	value = le32toh(r.value);

	if (type == VIRTIO_GPIO_MSG_GET_NAMES) {
		/* The driver allocates exactly 1 + gpio_names_size. */
		if (!g->names_size || n || value || resp_len != 1 + (size_t)g->names_size)
			return sizeof(struct virtio_gpio_response);
		resp[0] = VIRTIO_GPIO_STATUS_OK;
		memcpy(resp + 1, g->names, g->names_size);
		return 1 + g->names_size;
	}
	if (n >= g->nlines)
		return sizeof(struct virtio_gpio_response);
	switch (type) {
	case VIRTIO_GPIO_MSG_GET_DIRECTION:
		ret = value ? -EINVAL : 0;
		out = g->lines[n].dir;
		break;
	case VIRTIO_GPIO_MSG_SET_DIRECTION:
		ret = set_direction(g, n, value);
		break;
	case VIRTIO_GPIO_MSG_GET_VALUE:
		ret = value ? -EINVAL : g->ops->get_value(g, n, &out);
		break;
	case VIRTIO_GPIO_MSG_SET_VALUE:
		ret = set_value(g, n, value);
		break;
	case VIRTIO_GPIO_MSG_IRQ_TYPE:
		ret = set_irq_type(g, n, value);
		break;
	default:
		ret = -EINVAL;
		break;
	}
	if (ret) {
		log_debug("request %u on line %u (value %u): %s", type, n, value, strerror(-ret));
		return sizeof(struct virtio_gpio_response);
	}
	log_debug("request %u on line %u (value %u): ok, %u", type, n, value, out);
	resp[0] = VIRTIO_GPIO_STATUS_OK;
	resp[1] = out;
	return sizeof(struct virtio_gpio_response);
}
