/* SPDX-License-Identifier: MIT */
/*
 * virtio-GPIO device model (virtio 1.2 section 5.18, id 41). Queue 0
 * carries requests (8 bytes in, a 2-byte response out), queue 1, with
 * VIRTIO_GPIO_F_IRQ, one interrupt buffer per unmasked line. The lines
 * live in a line source: simulated lines with wires between them
 * (sim.c), or a host gpiochip through libgpiod (chip.c).
 */
#ifndef GPIO_H
#define GPIO_H

#include "vub.h"

#include <linux/virtio_gpio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GPIO_MAX_LINES 1024
#define GPIO_NAME_MAX 63	/* longest line name accepted */
#define GPIO_REQUESTQ 0
#define GPIO_EVENTQ 1

struct gpio;

struct gpio_line {
	char name[GPIO_NAME_MAX + 1];	/* "" when unnamed */
	uint8_t dir;		/* VIRTIO_GPIO_DIRECTION_* the driver set */
	uint8_t value;		/* last SET_VALUE: driven while dir is OUT */
	uint8_t irq_type;	/* VIRTIO_GPIO_IRQ_TYPE_*, NONE = disabled */
	bool level;		/* what the line's input sees */
	bool latched;		/* an edge came while the line was masked */
	struct vub_req *held;	/* its eventq buffer: the line is unmasked */
	uint8_t init_dir;	/* direction after reset */
	/* simulated lines */
	int driver;		/* line whose output drives this input, or -1 */
	/* chip lines */
	void *handle;		/* struct gpiod_line * */
	uint8_t host_req;	/* how the line is requested from the chip */
	int event_fd;		/* line events requested: its fd, else -1 */
};

/*
 * A line source. The core updates the line's fields first, then calls the
 * hook, which makes the host follow; a hook that fails returns -errno and
 * the driver gets ERR. Hooks may call gpio_line_input() at any time.
 */
struct gpio_source_ops {
	const char *name;
	/* dir, value changed (SET_DIRECTION, or SET_VALUE of an output). */
	int (*apply)(struct gpio *g, unsigned int n);
	/* The level the line reads: its own output, or its input. */
	int (*get_value)(struct gpio *g, unsigned int n, uint8_t *value);
	/* irq_type changed (NONE: interrupts off). */
	int (*set_irq)(struct gpio *g, unsigned int n);
	/* Every line is back at its initial state: release the host's. */
	void (*reset)(struct gpio *g);
};

struct gpio {
	struct vub_dev *dev;		/* NULL in the fuzz target */
	const struct gpio_source_ops *ops;
	unsigned int nlines;
	struct gpio_line *lines;
	uint8_t *names;			/* the GET_NAMES block */
	uint32_t names_size;		/* 0: no names */
	uint8_t *scratch;		/* a response is built here */
	size_t scratch_size;		/* 1 + names_size, at least 2 */
	bool irq;			/* VIRTIO_GPIO_F_IRQ negotiated */
	bool pull_up;			/* simulated inputs nothing drives */
	const char *chip_path;
	void *chip;			/* struct gpiod_chip * */
	uint64_t irqs;			/* interrupts delivered, for logs */
	/* How a buffer goes back: vub_req_done (the fuzz target's own). */
	void (*complete)(struct vub_req *req, uint32_t len);
};

/* Lines and names: allocate n lines (names may be NULL), build the block. */
int gpio_init_lines(struct gpio *g, unsigned int n, const char *const *names);

/*
 * One requestq message: req (req_len bytes the driver wrote) into resp
 * (resp_len writable bytes). Returns the used length: 2, or 1 +
 * names_size for the names, or 0 when resp cannot hold a status.
 */
uint32_t gpio_request(struct gpio *g, const uint8_t *req, size_t req_len, uint8_t *resp,
		      size_t resp_len);

/* An eventq buffer: held for its line (unmasked), or returned invalid. */
void gpio_event_buffer(struct gpio *g, struct vub_req *r);
/* A source saw line n's input change to level. */
void gpio_line_input(struct gpio *g, unsigned int n, bool level);
/* A source saw an edge on line n (even if it missed the one between). */
void gpio_line_edge(struct gpio *g, unsigned int n, bool rising);
/* Line n was unmasked or changed trigger: report what is pending. */
void gpio_line_check(struct gpio *g, unsigned int n);
/* Give back line n's interrupt buffer with status INVALID, drop its latch. */
void gpio_line_quiet(struct gpio *g, unsigned int n);
/* Every line to its initial state (reset, front-end gone). */
void gpio_reset_lines(struct gpio *g);

/* Simulated lines: wire out -> in (checked by the caller). */
extern const struct gpio_source_ops gpio_sim_ops;
void gpio_sim_init(struct gpio *g);

/* A host gpiochip (built with libgpiod): opens g->chip_path, fills lines. */
extern const struct gpio_source_ops gpio_chip_ops;
int gpio_chip_open(struct gpio *g);
void gpio_chip_close(struct gpio *g);
bool gpio_chip_supported(void);

int gpio_attach(struct gpio *g, struct vub_dev *dev);
extern const struct vub_device gpio_device;

#endif
