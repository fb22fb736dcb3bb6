// SPDX-License-Identifier: MIT
/*
 * Simulated lines. An input reads what drives it: the line wired to it
 * (--wire OUT:IN) while that line is an output, else the pull (--pull).
 * A deactivated output (direction NONE) drives nothing, as a pin in high
 * impedance. Whenever an output changes, the inputs it drives see the
 * new level, and with it their edges and level interrupts.
 */
#include "gpio.h"

static bool input_level(const struct gpio *g, unsigned int n)
{
	const struct gpio_line *l = &g->lines[n];

	if (l->driver >= 0 && g->lines[l->driver].dir == VIRTIO_GPIO_DIRECTION_OUT)
		return g->lines[l->driver].value;
	return g->pull_up;
}

static int sim_apply(struct gpio *g, unsigned int n)
{
	for (unsigned int i = 0; i < g->nlines; i++)
		if (g->lines[i].driver == (int)n)
			gpio_line_input(g, i, input_level(g, i));
	return 0;
}

static int sim_get_value(struct gpio *g, unsigned int n, uint8_t *value)
{
	const struct gpio_line *l = &g->lines[n];

	*value = l->dir == VIRTIO_GPIO_DIRECTION_OUT ? l->value : l->level;
	return 0;
}

/* Nothing to ask of a host: the trigger alone decides (see lines.c). */
static int sim_set_irq(struct gpio *g, unsigned int n)
{
	return 0;
}

static void sim_reset(struct gpio *g)
{
	for (unsigned int i = 0; i < g->nlines; i++)
		g->lines[i].level = input_level(g, i);
}

/* Outputs at reset: every line that drives another; the rest are inputs. */
void gpio_sim_init(struct gpio *g)
{
	for (unsigned int i = 0; i < g->nlines; i++)
		if (g->lines[i].driver >= 0)
			g->lines[g->lines[i].driver].init_dir = VIRTIO_GPIO_DIRECTION_OUT;
	g->ops = &gpio_sim_ops;
	gpio_reset_lines(g);
}

const struct gpio_source_ops gpio_sim_ops = {
	.name = "simulated",
	.apply = sim_apply,
	.get_value = sim_get_value,
	.set_irq = sim_set_irq,
	.reset = sim_reset,
};
