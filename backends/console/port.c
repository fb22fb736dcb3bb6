// SPDX-License-Identifier: MIT
/*
 * The host side of console ports. stdio and ptys are always connected;
 * unix and TCP ports listen and serve one client at a time. A pty is put
 * in raw mode (bytes pass unchanged) and we hold its slave end open so
 * the master does not hang up while nobody else has it open.
 */
#include "console.h"
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

static struct termios saved_tty;
static bool tty_saved;
static int saved_fl[2] = { -1, -1 };

static void restore_stdio(void)
{
	if (tty_saved)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
	for (int fd = 0; fd < 2; fd++)
		if (saved_fl[fd] >= 0)
			fcntl(fd, F_SETFL, saved_fl[fd]);
}

static int set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int open_stdio(struct port *p)
{
	for (int fd = 0; fd < 2; fd++) {
		saved_fl[fd] = fcntl(fd, F_GETFL);
		if (saved_fl[fd] < 0 || set_nonblock(fd) < 0) {
			log_err("port %u: stdio is not usable: %s", p->id, strerror(errno));
			return -1;
		}
	}
	/* A terminal goes raw (keystrokes pass at once, unechoed); ^C still
	 * stops the back-end. */
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
		struct termios raw = saved_tty;

		cfmakeraw(&raw);
		raw.c_lflag |= ISIG;
		tty_saved = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
	}
	atexit(restore_stdio);
	p->in_fd = STDIN_FILENO;
	p->out_fd = STDOUT_FILENO;
	p->host_connected = true;
	return 0;
}

static int open_pty(struct port *p)
{
	struct termios t;
	const char *slave;
	int m = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);

	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || !(slave = ptsname(m))) {
		log_err("port %u: cannot create a pty: %s", p->id, strerror(errno));
		return -1;
	}
	p->pty_slave = open(slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (p->pty_slave < 0 || tcgetattr(p->pty_slave, &t) < 0) {
		log_err("port %u: cannot open %s: %s", p->id, slave, strerror(errno));
		return -1;
	}
	cfmakeraw(&t);
	tcsetattr(p->pty_slave, TCSANOW, &t);
	if (p->path) {
		struct stat st;

		if (lstat(p->path, &st) == 0 && S_ISLNK(st.st_mode))
			unlink(p->path);
		if (symlink(slave, p->path) < 0) {
			log_err("port %u: cannot link %s to %s: %s", p->id, p->path, slave,
				strerror(errno));
			return -1;
		}
	}
	log_info("port %u: pty %s%s%s", p->id, slave, p->path ? " linked as " : "",
		 p->path ? p->path : "");
	p->in_fd = p->out_fd = m;
	p->host_connected = true;
	return 0;
}

static int open_unix(struct port *p)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd;

	if (strlen(p->path) >= sizeof(sa.sun_path)) {
		log_err("port %u: socket path %s is too long", p->id, p->path);
		return -1;
	}
	strcpy(sa.sun_path, p->path);
	if (lstat(p->path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_err("port %u: %s exists and is not a socket", p->id, p->path);
			return -1;
		}
		unlink(p->path);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		log_err("port %u: cannot listen on %s: %s", p->id, p->path, strerror(errno));
		return -1;
	}
	p->listen_fd = fd;
	log_info("port %u: listening on %s", p->id, p->path);
	return 0;
}

static int open_tcp(struct port *p)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(p->tcp_port),
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int one = 1, fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		log_err("port %u: cannot listen on 127.0.0.1:%u: %s", p->id, p->tcp_port,
			strerror(errno));
		return -1;
	}
	p->listen_fd = fd;
	p->tcp_port = ntohs(sa.sin_port);
	log_info("port %u: listening on 127.0.0.1:%u", p->id, p->tcp_port);
	return 0;
}

int port_open(struct port *p)
{
	p->listen_fd = p->in_fd = p->out_fd = p->pty_slave = -1;
	switch (p->kind) {
	case PORT_STDIO:
		return open_stdio(p);
	case PORT_PTY:
		return open_pty(p);
	case PORT_UNIX:
		return open_unix(p);
	case PORT_TCP:
		return open_tcp(p);
	}
	return -1;
}

void port_close(struct port *p)
{
	struct vub_dev *dev = p->con->dev;

	if (p->listen_fd >= 0) {
		vub_unwatch(dev, p->listen_fd);
		close(p->listen_fd);
		if (p->kind == PORT_UNIX)
			unlink(p->path);
	}
	if (p->kind == PORT_UNIX || p->kind == PORT_TCP) {
		if (p->in_fd >= 0) {
			vub_unwatch(dev, p->in_fd);
			close(p->in_fd);
		}
	}
	if (p->kind == PORT_PTY) {
		if (p->in_fd >= 0) {
			vub_unwatch(dev, p->in_fd);
			close(p->in_fd);
		}
		if (p->pty_slave >= 0)
			close(p->pty_slave);
		if (p->path)
			unlink(p->path);
	}
	p->listen_fd = p->in_fd = p->out_fd = p->pty_slave = -1;
}

bool port_stdio_size(uint16_t *cols, uint16_t *rows)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) < 0 || !ws.ws_col || !ws.ws_row)
		return false;
	*cols = ws.ws_col;
	*rows = ws.ws_row;
	return true;
}

static bool is_socket(const struct port *p)
{
	return p->kind == PORT_UNIX || p->kind == PORT_TCP;
}

static void fd_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque)
{
	struct port *p = opaque;

	if (fd == p->out_fd && (events & (EPOLLOUT | EPOLLERR)))
		console_host_writable(p);
	/* The port may have lost its connection just now. */
	if (fd == p->in_fd && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
		console_host_data(p);
}

/* Watch fd for events (0: not at all); *cur tracks what is watched. */
static void apply(struct port *p, int fd, uint32_t events, uint32_t *cur)
{
	struct vub_dev *dev = p->con->dev;

	if (events == *cur)
		return;
	if (events == 0)
		vub_unwatch(dev, fd);
	else if (*cur == 0 && vub_watch(dev, fd, events, fd_ready, p) < 0)
		events = 0;
	else if (*cur != 0)
		vub_watch_set_events(dev, fd, events);
	*cur = events;
}

void port_update_watches(struct port *p)
{
	uint32_t in = 0, out = 0;

	if (p->in_fd >= 0 && p->host_connected && !p->stdin_eof && p->rx_len == 0) {
		/* Read only for a guest program that will see the data; a
		 * socket is watched anyway, to notice its client leave. */
		if (p->guest_open)
			in = EPOLLIN;
		if (is_socket(p))
			in |= EPOLLRDHUP;
	}
	if (p->out_fd >= 0 && p->tx_req)
		out = EPOLLOUT;
	if (p->in_fd >= 0 && p->in_fd == p->out_fd) {
		p->out_events = 0;
		apply(p, p->in_fd, in | out, &p->in_events);
		return;
	}
	if (p->in_fd >= 0)
		apply(p, p->in_fd, in, &p->in_events);
	if (p->out_fd >= 0)
		apply(p, p->out_fd, out, &p->out_events);
}

static void accept_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque)
{
	struct port *p = opaque;
	int c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (c < 0)
		return;
	if (p->host_connected) {
		log_warn("port %u: one client at a time; refusing another", p->id);
		close(c);
		return;
	}
	p->in_fd = p->out_fd = c;
	p->in_events = p->out_events = 0;
	p->host_connected = true;
	log_info("port %u: client connected", p->id);
	console_host_connected(p, true);
	port_update_watches(p);
}

void port_host_gone(struct port *p)
{
	if (!is_socket(p)) {
		p->stdin_eof = true;
		port_update_watches(p);
		return;
	}
	if (p->in_fd >= 0) {
		if (p->in_events)
			vub_unwatch(p->con->dev, p->in_fd);
		close(p->in_fd);
	}
	p->in_fd = p->out_fd = -1;
	p->in_events = p->out_events = 0;
	p->host_connected = false;
	p->rx_len = p->rx_off = 0;
	log_info("port %u: client disconnected", p->id);
	console_host_connected(p, false);
}

ssize_t port_host_write(struct port *p, const struct iovec *iov, unsigned int n)
{
	ssize_t w;

	do {
		w = writev(p->out_fd, iov, (int)n);
	} while (w < 0 && errno == EINTR);
	return w < 0 ? -errno : w;
}

/* Listening sockets are watched for good. */
int port_watch_listener(struct port *p)
{
	if (p->listen_fd < 0)
		return 0;
	return vub_watch(p->con->dev, p->listen_fd, EPOLLIN, accept_ready, p);
}
