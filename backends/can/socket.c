// SPDX-License-Identifier: MIT
/*
 * The host side: one CAN_RAW socket on the interface, for both
 * directions. Own frames are not received back (CAN_RAW_RECV_OWN_MSGS
 * stays off) but stay looped back to the host's other sockets, so
 * candump sees what the driver sends. The controller's error frames for
 * bus-off, restarts and controller problems are asked for, and
 * The kernel counts the frames a full socket dropped (SO_MEMINFO).
 */
#include "can.h"
#include "log.h"

#include <errno.h>
#include <linux/can/error.h>
#include <linux/can/raw.h>
#include <linux/sock_diag.h>
#include <net/if_arp.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

static int set_opt(struct can *c, int level, int name, int value, const char *what)
{
	if (setsockopt(c->sock_fd, level, name, &value, sizeof(value)) == 0)
		return 0;
	log_err("%s: %s: %s", c->ifname, what, strerror(errno));
	return -1;
}

/* The interface must exist and be a CAN interface; its MTU says FD.
 * Returns its index, or -1 (logged). */
static int query(int s, struct can *c, struct ifreq *ifr)
{
	int index;

	snprintf(ifr->ifr_name, sizeof(ifr->ifr_name), "%s", c->ifname);
	if (ioctl(s, SIOCGIFINDEX, ifr) < 0) {
		log_err("--can-device %s: no such network interface", c->ifname);
		return -1;
	}
	index = ifr->ifr_ifindex;
	if (ioctl(s, SIOCGIFHWADDR, ifr) < 0 || ifr->ifr_hwaddr.sa_family != ARPHRD_CAN) {
		log_err("--can-device %s: not a CAN interface", c->ifname);
		return -1;
	}
	if (ioctl(s, SIOCGIFMTU, ifr) < 0) {
		log_err("--can-device %s: reading its MTU: %s", c->ifname, strerror(errno));
		return -1;
	}
	c->mtu = ifr->ifr_mtu;
	return index;
}

/* Asked through an inet socket, so that a host without CAN sockets
 * still hears what is wrong with the name. */
static int look_up(struct can *c)
{
	struct ifreq ifr = { 0 };
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), index;

	if (s < 0) {
		log_err("cannot open a socket to look up %s: %s", c->ifname, strerror(errno));
		return -1;
	}
	index = query(s, c, &ifr);
	close(s);
	return index;
}

int can_socket_open(struct can *c)
{
	const can_err_mask_t errs = CAN_ERR_BUSOFF | CAN_ERR_RESTARTED | CAN_ERR_CRTL;
	const int rcvbuf = 4 << 20;
	struct sockaddr_can sa = { .can_family = AF_CAN };
	int index;

	index = look_up(c);
	if (index < 0)
		return -1;
	c->sock_fd = socket(PF_CAN, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, CAN_RAW);
	if (c->sock_fd < 0) {
		log_err("%s: cannot open a CAN_RAW socket (is the can-raw module loaded?): %s",
			c->ifname, strerror(errno));
		return -1;
	}
	if (c->mtu != (int)CANFD_MTU && c->offer_fd) {
		log_info("%s: MTU %d is not CAN FD's %zu: CAN FD is not offered", c->ifname,
			 c->mtu, CANFD_MTU);
		c->offer_fd = false;
	}
	if (c->mtu == (int)CANFD_MTU &&
	    set_opt(c, SOL_CAN_RAW, CAN_RAW_FD_FRAMES, 1, "CAN_RAW_FD_FRAMES"))
		goto fail;
	if (setsockopt(c->sock_fd, SOL_CAN_RAW, CAN_RAW_ERR_FILTER, &errs, sizeof(errs)) < 0) {
		log_err("%s: CAN_RAW_ERR_FILTER: %s", c->ifname, strerror(errno));
		goto fail;
	}
	/* Room for a burst while the loop is busy sending: the default
	 * holds a few hundred frames. Beyond rmem_max only with
	 * CAP_NET_ADMIN; without it the default stays, which works too. */
	if (setsockopt(c->sock_fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		log_debug("%s: SO_RCVBUFFORCE: %s", c->ifname, strerror(errno));
	sa.can_ifindex = index;
	if (bind(c->sock_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_err("%s: bind: %s", c->ifname, strerror(errno));
		goto fail;
	}
	c->sock = &can_socket_ops;
	return 0;
fail:
	can_socket_close(c);
	return -1;
}

static int socket_read(struct can *c, struct canfd_frame *f)
{
	ssize_t n = read(c->sock_fd, f, sizeof(*f));

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
	/* Anything but the two frame sizes is not a frame the device knows;
	 * a zero-length read must not look like "no frame". */
	return n == (ssize_t)CAN_MTU || n == (ssize_t)CANFD_MTU ? (int)n : 1;
}

static int socket_write(struct can *c, const struct canfd_frame *f, bool fd)
{
	size_t size = fd ? CANFD_MTU : CAN_MTU;
	ssize_t n = write(c->sock_fd, f, size);

	if (n < 0)
		return -errno;
	return n == (ssize_t)size ? 0 : -EIO;
}

static void socket_want(struct can *c, uint32_t events)
{
	if (c->dev && c->sock_fd >= 0)
		vub_watch_set_events(c->dev, c->sock_fd, events);
}

static void socket_retry_soon(struct can *c)
{
	struct itimerspec its = { .it_value.tv_nsec = 1000000 };

	if (c->timer_fd >= 0 && timerfd_settime(c->timer_fd, 0, &its, NULL) < 0)
		log_warn("timerfd_settime: %s", strerror(errno));
}

/* The socket's own drop count, read when the counters are logged. */
static void socket_count_drops(struct can *c)
{
	uint32_t info[SK_MEMINFO_VARS];
	socklen_t len = sizeof(info);

	if (c->sock_fd >= 0 && !getsockopt(c->sock_fd, SOL_SOCKET, SO_MEMINFO, info, &len) &&
	    len > SK_MEMINFO_DROPS * sizeof(info[0]))
		c->stats.socket_dropped = info[SK_MEMINFO_DROPS];
}

const struct can_socket_ops can_socket_ops = {
	.read = socket_read,
	.write = socket_write,
	.want = socket_want,
	.retry_soon = socket_retry_soon,
	.count_drops = socket_count_drops,
};

static void socket_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque)
{
	struct can *c = opaque;

	/* An error (the interface went down) is reported even while no
	 * events are asked for: take it, or the loop would spin. */
	if (events & EPOLLERR) {
		int err = 0;
		socklen_t len = sizeof(err);

		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err)
			log_warn("%s: %s", c->ifname, strerror(err));
	}
	if (events & EPOLLOUT)
		can_tx_retry(c);
	if (events & EPOLLIN)
		can_rx_ready(c);
}

static void timer_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque)
{
	uint64_t n;

	if (read(fd, &n, sizeof(n)) == (ssize_t)sizeof(n))
		can_tx_retry(opaque);
}

int can_socket_watch(struct can *c, struct vub_dev *dev)
{
	int ret;

	c->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (c->timer_fd < 0) {
		log_err("timerfd_create: %s", strerror(errno));
		return -1;
	}
	c->events = EPOLLIN;
	ret = vub_watch(dev, c->sock_fd, EPOLLIN, socket_ready, c);
	if (!ret)
		ret = vub_watch(dev, c->timer_fd, EPOLLIN, timer_ready, c);
	if (ret)
		log_err("watching %s: %s", c->ifname, strerror(-ret));
	return ret ? -1 : 0;
}

void can_socket_close(struct can *c)
{
	if (c->dev) {
		if (c->timer_fd >= 0)
			vub_unwatch(c->dev, c->timer_fd);
		if (c->sock_fd >= 0)
			vub_unwatch(c->dev, c->sock_fd);
	}
	if (c->timer_fd >= 0)
		close(c->timer_fd);
	if (c->sock_fd >= 0)
		close(c->sock_fd);
	c->sock_fd = c->timer_fd = -1;
}
