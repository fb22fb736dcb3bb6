/* SPDX-License-Identifier: MIT */
/*
 * vhost-user-input: passes one host evdev device (/dev/input/eventN)
 * through as a virtio-input device. evdev.c reads the device's identity
 * and capabilities once; input.c serves them through the virtio-input
 * config space and moves events both ways.
 */
#ifndef INPUT_H
#define INPUT_H

#include "vub.h"

#include <linux/input.h>
#include <linux/virtio_input.h>
#include <stdbool.h>
#include <stdint.h>

#define INPUT_BITMAP_BYTES 128	/* virtio-input config union size */
#define INPUT_BUFFERS 64	/* event buffers taken from the driver, waiting for events */

struct evdev_caps {
	char name[INPUT_BITMAP_BYTES + 1];
	char serial[INPUT_BITMAP_BYTES + 1];
	struct input_id id;
	uint8_t props[INPUT_BITMAP_BYTES];
	uint8_t types[INPUT_BITMAP_BYTES];
	uint8_t codes[EV_CNT][INPUT_BITMAP_BYTES];
	struct input_absinfo abs[ABS_CNT];
};

struct input {
	struct vub_dev *dev;
	const char *path;
	bool grab;
	int fd;
	struct evdev_caps caps;
	bool reading;			/* evdev fd watched for events */
	bool failed;			/* the evdev device went away */
	uint8_t select, subsel;		/* what the config space shows */
	/* Empty event buffers, popped and not yet filled. Events stay in
	 * the evdev device until there is a buffer for each, so none is
	 * ever held here, where a crash would lose it. */
	struct vub_req *bufs[INPUT_BUFFERS];
	unsigned int nbufs;
};

/* Open path, grab it if asked, read its capabilities. */
int evdev_open(struct input *in);
/* Events the driver sends (LEDs, sounds) go back to the device. */
int evdev_write_event(struct input *in, uint16_t type, uint16_t code, int32_t value);

/* Set up the device description and start reading events. */
int input_attach(struct input *in, struct vub_dev *dev);
extern const struct vub_device input_device;

#endif
