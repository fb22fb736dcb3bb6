/* SPDX-License-Identifier: MIT */
/*
 * vhost-user-console: a multiport virtio-console. Each port is backed on
 * the host by stdio, a pty, a listening unix socket or a TCP listener on
 * 127.0.0.1. port.c runs the host side of the ports, console.c the
 * virtio side (data queues and the control protocol), main.c parses the
 * command line.
 */
#ifndef CONSOLE_H
#define CONSOLE_H

#include "vub.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#define CONSOLE_MAX_PORTS 31		/* 2 + 2 * 31 queues < VUB_MAX_QUEUES */
#define CONSOLE_NAME_MAX 127
#define CONSOLE_RX_BUF 4096
#define CONSOLE_CTRL_QUEUE 256

enum port_kind { PORT_STDIO, PORT_PTY, PORT_UNIX, PORT_TCP };

struct console;

struct port {
	struct console *con;
	unsigned int id;
	enum port_kind kind;
	char name[CONSOLE_NAME_MAX + 1];
	bool is_console;
	uint16_t cols, rows;		/* 0: no size to report */
	const char *path;		/* unix socket, or pty symlink (may be NULL) */
	uint16_t tcp_port;

	int listen_fd;			/* unix / tcp */
	int in_fd, out_fd;		/* host side: to the guest / from the guest */
	int pty_slave;			/* held open so the master never hangs up */
	bool host_connected;
	bool stdin_eof;

	bool guest_ready;		/* the driver added the port */
	bool guest_open;		/* a guest program has it open */

	/* Host to guest: read, not yet in guest buffers. */
	uint8_t rx[CONSOLE_RX_BUF];
	size_t rx_len, rx_off;
	/* Guest to host: a buffer partly written. */
	struct vub_req *tx_req;
	size_t tx_off;

	uint32_t in_events, out_events;	/* what the event loop watches */
};

struct ctrl_msg {
	uint32_t id;
	uint16_t event, value;
	uint16_t extra_len;
	uint8_t extra[CONSOLE_NAME_MAX];
};

struct console {
	struct vub_dev *dev;
	struct port ports[CONSOLE_MAX_PORTS];
	unsigned int nports;
	unsigned int max_queue_size;
	int sigwinch_fd;
	/* Control messages waiting for control receive buffers. */
	struct ctrl_msg ctrl[CONSOLE_CTRL_QUEUE];
	unsigned int ctrl_head, ctrl_count;
	/* Whether this session follows one the driver had set up (our
	 * restart): decided at the first control kick of a session. */
	bool session_checked, resumed;
	struct vub_device desc;
};

/* port.c: the host side. */
int port_open(struct port *p);
void port_close(struct port *p);
/* Recompute which fds the loop watches for p. */
void port_update_watches(struct port *p);
/* Host side connected or gone (sockets). */
void port_host_gone(struct port *p);
/* Write the guest's bytes to the host; false if they must wait. */
ssize_t port_host_write(struct port *p, const struct iovec *iov, unsigned int n);
/* Watch a listening socket for clients (no-op for other ports). */
int port_watch_listener(struct port *p);
/* The terminal size of stdio, if it is a terminal. */
bool port_stdio_size(uint16_t *cols, uint16_t *rows);

/* console.c: the virtio side, called by port.c. */
void console_host_data(struct port *p);
void console_host_writable(struct port *p);
void console_host_connected(struct port *p, bool connected);
void console_setup_device(struct console *con);
int console_attach(struct console *con, struct vub_dev *dev);

#endif
