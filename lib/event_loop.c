// SPDX-License-Identifier: MIT
/*
 * The single-threaded epoll loop: fd watches (the library's own and the
 * device's), SIGTERM/SIGINT through a signalfd, and after every callback
 * the used-ring notifications that callback made pending.
 */
#include "log.h"
#include "vub_private.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

static struct vub_watch *find_watch(struct vub_dev *dev, int fd)
{
	for (struct vub_watch *w = dev->watches; w; w = w->next)
		if (w->fd == fd && !w->dead)
			return w;
	return NULL;
}

int vub_watch(struct vub_dev *dev, int fd, uint32_t events, vub_watch_fn *fn, void *opaque)
{
	struct epoll_event ev = { .events = events };
	struct vub_watch *w;

	if (dev->epfd < 0)
		return -EBADF;
	if (find_watch(dev, fd))
		return -EEXIST;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->fd = fd;
	w->events = events;
	w->fn = fn;
	w->opaque = opaque;
	ev.data.ptr = w;
	if (epoll_ctl(dev->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		int ret = -errno;

		free(w);
		return ret;
	}
	w->next = dev->watches;
	dev->watches = w;
	return 0;
}

int vub_watch_set_events(struct vub_dev *dev, int fd, uint32_t events)
{
	struct vub_watch *w = find_watch(dev, fd);
	struct epoll_event ev = { .events = events };

	if (!w)
		return -ENOENT;
	if (w->events == events)
		return 0;
	ev.data.ptr = w;
	if (epoll_ctl(dev->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	w->events = events;
	return 0;
}

/* Freed only after the current epoll batch: its events may name it. */
void vub_unwatch(struct vub_dev *dev, int fd)
{
	struct vub_watch *w = find_watch(dev, fd);

	if (!w)
		return;
	epoll_ctl(dev->epfd, EPOLL_CTL_DEL, fd, NULL);
	w->dead = true;
}

void vub_reap_watches(struct vub_dev *dev)
{
	struct vub_watch **pp = &dev->watches;

	while (*pp) {
		struct vub_watch *w = *pp;

		if (w->dead) {
			*pp = w->next;
			free(w);
		} else {
			pp = &w->next;
		}
	}
}

static void signal_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		log_info("signal %u: shutting down", si.ssi_signo);
	dev->stop = true;
}

int vub_loop_init(struct vub_dev *dev)
{
	dev->epfd = epoll_create1(EPOLL_CLOEXEC);
	return dev->epfd < 0 ? -errno : 0;
}

int vub_loop_catch_signals(struct vub_dev *dev)
{
	sigset_t set;

	if (dev->sigfd >= 0)
		return 0;
	/* Writes to a vanished peer must fail with EPIPE, not kill us. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	dev->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (dev->sigfd < 0)
		return -errno;
	return vub_watch(dev, dev->sigfd, EPOLLIN, signal_ready, NULL);
}

void vub_loop_fini(struct vub_dev *dev)
{
	for (struct vub_watch *w = dev->watches; w; w = w->next)
		w->dead = true;
	vub_reap_watches(dev);
	if (dev->sigfd >= 0)
		close(dev->sigfd);
	if (dev->epfd >= 0)
		close(dev->epfd);
	dev->sigfd = dev->epfd = -1;
}

int vub_loop_run(struct vub_dev *dev)
{
	struct epoll_event evs[32];

	while (!dev->stop) {
		int n = dev->poll_us ? vub_poll_wait(dev, evs, 32) : epoll_wait(dev->epfd, evs, 32, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_err("epoll_wait: %s", strerror(errno));
			return -errno;
		}
		for (int i = 0; i < n && !dev->stop; i++) {
			struct vub_watch *w = evs[i].data.ptr;

			if (w->dead)
				continue;
			w->fn(dev, w->fd, evs[i].events, w->opaque);
			vub_flush_notifications(dev);
		}
		vub_reap_watches(dev);
	}
	return 0;
}

void vub_stop(struct vub_dev *dev)
{
	dev->stop = true;
}
