// SPDX-License-Identifier: MIT
/*
 * virtio-rng over vhost-user. One request queue; each buffer gets as
 * many bytes as it holds and the rate limit allows. Over the limit the
 * queue waits for a timerfd that fires when the next period begins:
 * no busy loop, and the driver simply sees its request complete later.
 */
#include "rng.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static void rng_serve(struct rng *rng);
static void timer_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque);

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int rng_attach(struct rng *rng, struct vub_dev *dev)
{
	rng->dev = dev;
	return vub_watch(dev, rng->timer_fd, EPOLLIN, timer_ready, rng);
}

int rng_open(struct rng *rng)
{
	struct stat st;

	rng->src_fd = open(rng->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (rng->src_fd < 0) {
		log_err("cannot open %s: %s", rng->path, strerror(errno));
		return -1;
	}
	if (fstat(rng->src_fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		log_err("%s is not a readable entropy source", rng->path);
		return -1;
	}
	rng->src_seekable = S_ISREG(st.st_mode);
	if (rng->src_seekable && st.st_size == 0) {
		log_err("%s is empty", rng->path);
		return -1;
	}
	rng->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (rng->timer_fd < 0) {
		log_err("timerfd_create: %s", strerror(errno));
		return -1;
	}
	rng->period_start_ns = now_ns();
	return 0;
}

static void timer_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque)
{
	struct rng *rng = opaque;
	uint64_t ticks;

	if (read(fd, &ticks, sizeof(ticks)) < 0 && errno == EAGAIN)
		return;
	rng->timer_armed = false;
	rng_serve(rng);
}

static void source_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque)
{
	struct rng *rng = opaque;

	vub_unwatch(dev, fd);
	rng->src_watched = false;
	rng_serve(rng);
}

/* Bytes the limit still allows now; 0 arms the timer for the next period. */
static uint64_t budget(struct rng *rng)
{
	uint64_t period_ns = rng->period_ms * 1000000ull, now;

	if (!rng->max_bytes)
		return UINT64_MAX;
	now = now_ns();
	if (now - rng->period_start_ns >= period_ns) {
		rng->period_start_ns = now;
		rng->used = 0;
	}
	if (rng->used < rng->max_bytes)
		return rng->max_bytes - rng->used;
	if (!rng->timer_armed) {
		uint64_t at = rng->period_start_ns + period_ns;
		struct itimerspec its = {
			.it_value = { .tv_sec = (time_t)(at / 1000000000ull),
				      .tv_nsec = (long)(at % 1000000000ull) },
		};

		if (timerfd_settime(rng->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
			rng->timer_armed = true;
		else
			log_err("cannot arm the rate-limit timer: %s", strerror(errno));
	}
	return 0;
}

/* Fill req with up to want bytes. Returns bytes read, 0 for "source
 * not readable now", -1 for a source that failed. */
static ssize_t fill(struct rng *rng, struct vub_req *req, size_t want)
{
	struct iovec iov[VUB_MAX_IOV];
	unsigned int n = vub_iov_slice(req->in, req->nin, 0, want, iov, VUB_MAX_IOV, NULL);

	bool rewound = false;

	for (;;) {
		ssize_t got = readv(rng->src_fd, iov, (int)n);

		if (got > 0)
			return got;
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0 && errno == EAGAIN)
			return 0;
		/* A file source starts over at its end. */
		if (got == 0 && rng->src_seekable && !rewound &&
		    lseek(rng->src_fd, 0, SEEK_SET) == 0) {
			rewound = true;
			continue;
		}
		log_err("reading %s: %s", rng->path, got < 0 ? strerror(errno) : "end of data");
		return -1;
	}
}

static void rng_serve(struct rng *rng)
{
	struct vub_queue *q = vub_dev_queue(rng->dev, 0);

	for (;;) {
		uint64_t allowed = budget(rng);
		struct vub_req *req;
		size_t want;
		ssize_t got;

		if (!allowed)
			return;
		req = rng->held ? rng->held : vub_queue_pop(q);
		rng->held = NULL;
		if (!req)
			return;
		want = req->in_len < allowed ? req->in_len : (size_t)allowed;
		if (want == 0) {
			vub_req_done(req, 0);
			continue;
		}
		got = fill(rng, req, want);
		if (got == 0) {
			/* A pipe or socket source: wait until it has data. */
			rng->held = req;
			if (!rng->src_watched &&
			    vub_watch(rng->dev, rng->src_fd, EPOLLIN, source_ready, rng) == 0)
				rng->src_watched = true;
			return;
		}
		if (got < 0) {
			vub_req_done(req, 0);
			return;
		}
		rng->used += (uint64_t)got;
		vub_req_done(req, (uint32_t)got);
	}
}

static void rng_kick(struct vub_dev *dev, struct vub_queue *q)
{
	rng_serve(vub_dev_opaque(dev));
}

/* A held buffer goes back empty: the driver asks again. */
static void rng_queue_stop(struct vub_dev *dev, struct vub_queue *q)
{
	struct rng *rng = vub_dev_opaque(dev);

	if (rng->held) {
		vub_req_done(rng->held, 0);
		rng->held = NULL;
	}
}

static void rng_reset(struct vub_dev *dev)
{
	struct rng *rng = vub_dev_opaque(dev);

	rng_queue_stop(dev, NULL);
	if (rng->src_watched) {
		vub_unwatch(dev, rng->src_fd);
		rng->src_watched = false;
	}
}

const struct vub_device rng_device = {
	.name = "rng",
	.num_queues = 1,
	.max_queue_size = 1024,
	.queue_kick = rng_kick,
	.queue_stop = rng_queue_stop,
	.reset = rng_reset,
};
