// SPDX-License-Identifier: MIT
/*
 * The vhost-user socket: listen (or adopt an inherited fd), accept one
 * front-end at a time, read its messages, and on disconnect drop all of
 * its state and accept the next one.
 */
#include "log.h"
#include "vub_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

/* A front-end that stops half-way through a message is given up on. */
#define MESSAGE_TIMEOUT_SECS 10

static void conn_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque);
static void accept_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque);

/* Replace a socket file nobody listens on; refuse anything else. */
static int clear_stale_socket(const char *path, const struct sockaddr_un *sa)
{
	struct stat st;
	int probe, ret;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		log_err("%s exists and is not a socket", path);
		return -EEXIST;
	}
	probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (probe < 0)
		return -errno;
	ret = connect(probe, (const struct sockaddr *)sa, sizeof(*sa));
	close(probe);
	if (ret == 0) {
		log_err("%s is in use by a running back-end", path);
		return -EADDRINUSE;
	}
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

int vub_listen(struct vub_dev *dev, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, ret;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("socket path %s is too long", path);
		return -ENAMETOOLONG;
	}
	strcpy(sa.sun_path, path);
	ret = clear_stale_socket(path, &sa);
	if (ret)
		return ret;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		ret = -errno;
		log_err("cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return ret;
	}
	dev->socket_path = strdup(path);
	if (!dev->socket_path) {
		close(fd);
		unlink(path);
		return -ENOMEM;
	}
	dev->listen_fd = fd;
	log_info("listening on %s", path);
	return 0;
}

int vub_adopt_fd(struct vub_dev *dev, int fd)
{
	int type, listening;
	socklen_t len = sizeof(type);

	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM) {
		log_err("fd %d is not a stream socket", fd);
		return -ENOTSOCK;
	}
	len = sizeof(listening);
	if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0)
		return -errno;
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		return -errno;
	if (listening) {
		dev->listen_fd = fd;
	} else {
		dev->conn_fd = fd;
		dev->single_connection = true;
	}
	return 0;
}

void vub_set_connection(struct vub_dev *dev, int fd)
{
	dev->conn_fd = fd;
}

static int start_connection(struct vub_dev *dev, int fd)
{
	struct timeval tv = { .tv_sec = MESSAGE_TIMEOUT_SECS };
	int ret;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	vub_set_connection(dev, fd);
	ret = vub_watch(dev, fd, EPOLLIN, conn_ready, NULL);
	if (ret)
		log_err("cannot watch the connection: %s", strerror(-ret));
	return ret;
}

static void accept_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque)
{
	int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);

	if (c < 0) {
		if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
			log_err("accept: %s", strerror(errno));
		return;
	}
	if (start_connection(dev, c)) {
		close(c);
		dev->conn_fd = -1;
		return;
	}
	/* One front-end at a time; others wait in the backlog. */
	vub_unwatch(dev, fd);
	log_info("front-end connected");
}

void vub_disconnect(struct vub_dev *dev)
{
	if (dev->conn_fd < 0)
		return;
	vub_reset_connection_state(dev);
	vub_unwatch(dev, dev->conn_fd);
	close(dev->conn_fd);
	dev->conn_fd = -1;
	log_info("front-end disconnected");
	if (dev->single_connection) {
		dev->stop = true;
	} else if (dev->listen_fd >= 0 && dev->epfd >= 0) {
		if (vub_watch(dev, dev->listen_fd, EPOLLIN, accept_ready, NULL)) {
			log_err("cannot accept new front-ends");
			dev->stop = true;
		}
	}
}

static void conn_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque)
{
	struct vu_msg msg;
	int ret;

	if (!(events & EPOLLIN)) {
		vub_disconnect(dev);
		return;
	}
	ret = vu_msg_recv(fd, &msg);
	if (ret) {
		if (ret != -ECONNRESET)
			log_err("bad message from the front-end: %s", strerror(-ret));
		vub_disconnect(dev);
		return;
	}
	if (vub_handle_message(dev, &msg) == -ECONNRESET)
		vub_disconnect(dev);
}

int vub_run(struct vub_dev *dev)
{
	int ret;

	if (dev->listen_fd < 0 && dev->conn_fd < 0) {
		log_err("nothing to serve: no socket given");
		return -EINVAL;
	}
	ret = vub_loop_catch_signals(dev);
	if (ret == 0 && dev->conn_fd >= 0)
		ret = start_connection(dev, dev->conn_fd);
	else if (ret == 0)
		ret = vub_watch(dev, dev->listen_fd, EPOLLIN, accept_ready, NULL);
	if (ret == 0)
		ret = vub_loop_run(dev);
	vub_disconnect(dev);
	if (dev->listen_fd >= 0) {
		vub_unwatch(dev, dev->listen_fd);
		close(dev->listen_fd);
		dev->listen_fd = -1;
	}
	if (dev->socket_path) {
		unlink(dev->socket_path);
		free(dev->socket_path);
		dev->socket_path = NULL;
	}
	return ret;
}
