/* SPDX-License-Identifier: MIT */
/* virtio-rng device: fills the driver's buffers from an entropy source,
 * optionally no faster than max_bytes per period_ms. */
#ifndef RNG_H
#define RNG_H

#include "vub.h"

#include <stdbool.h>
#include <stdint.h>

struct rng {
	struct vub_dev *dev;
	const char *path;		/* entropy source */
	int src_fd;
	bool src_seekable;		/* a file: start over at its end */
	bool src_watched;
	uint64_t period_ms;
	uint64_t max_bytes;		/* per period; 0 means no limit */
	uint64_t used;			/* bytes served this period */
	uint64_t period_start_ns;
	int timer_fd;
	bool timer_armed;
	struct vub_req *held;		/* waiting for the source to be readable */
};

/* Open the source and the timer; one line on stderr on failure. */
int rng_open(struct rng *rng);
/* Put the timer into dev's event loop. */
int rng_attach(struct rng *rng, struct vub_dev *dev);
extern const struct vub_device rng_device;

#endif
