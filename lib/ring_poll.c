// SPDX-License-Identifier: MIT
/*
 * Adaptive polling (opt-in, vub_set_poll()). After work, the loop keeps
 * looking at the avail rings for a window of poll_us, with the driver
 * asked not to kick, so a request that comes meanwhile costs the driver
 * no kick and the back-end no wake-up. Each new buffer restarts the
 * window; when it runs out with nothing found, kicks are asked for again
 * and the loop sleeps in epoll_wait(). The price is a CPU kept busy for
 * the window after each request.
 */
#include "log.h"
#include "vub_private.h"

#include <errno.h>
#include <sys/epoll.h>
#include <time.h>

#define MAX_POLL_US 1000000u

int vub_set_poll(struct vub_dev *dev, unsigned int us)
{
	if (us > MAX_POLL_US)
		return -EINVAL;
	dev->poll_us = us;
	return 0;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void set_kicks(struct vub_dev *dev, bool on)
{
	for (unsigned int i = 0; i < dev->desc->num_queues; i++)
		vub_queue_set_kicks(dev->queues[i], on);
}

/* Serve every ring that has buffers; true when one of them took some. A
 * device may leave buffers for later (an input eventq waits for events):
 * only buffers taken count as work. */
static bool serve_rings(struct vub_dev *dev)
{
	bool worked = false;

	for (unsigned int i = 0; i < dev->desc->num_queues; i++) {
		struct vub_queue *q = dev->queues[i];
		uint16_t before = q->last_avail;
		unsigned int resubmitted = q->resubmit_next;

		if (!vub_queue_has_buffers(q))
			continue;
		vub_queue_kicked(q);
		worked |= q->last_avail != before || q->resubmit_next != resubmitted;
	}
	if (worked)
		vub_flush_notifications(dev);
	return worked;
}

int vub_poll_wait(struct vub_dev *dev, struct epoll_event *evs, int max)
{
	uint64_t deadline = now_us() + dev->poll_us;
	int n;

	set_kicks(dev, false);
	for (;;) {
		n = epoll_wait(dev->epfd, evs, max, 0);
		if (n != 0 || dev->stop)
			return n;
		if (serve_rings(dev))
			deadline = now_us() + dev->poll_us;
		else if (now_us() >= deadline)
			break;
	}
	/* Nothing for a whole window: kicks on, and a last look first. */
	set_kicks(dev, true);
	if (serve_rings(dev))
		return 0;
	return epoll_wait(dev->epfd, evs, max, -1);
}
