// SPDX-License-Identifier: MIT
/*
 * The virtio-console device, multiport. Queues: 0/1 receive/transmit of
 * port 0, 2/3 control receive/transmit, then receive/transmit pairs of
 * ports 1, 2, ... The control protocol: the driver says DEVICE_READY,
 * we add every port (PORT_ADD); for each PORT_READY we say which port
 * is a console (CONSOLE_PORT, then RESIZE if we know a size), give its
 * name (PORT_NAME) and whether the host side is connected (PORT_OPEN).
 * The driver's PORT_OPEN tells us a guest program has the port open:
 * only then is host input read, since the driver drops data for ports
 * nobody has open.
 */
#include "console.h"
#include "log.h"

#include <endian.h>
#include <errno.h>
#include <linux/virtio_console.h>
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define CTRL_RX 2
#define CTRL_TX 3

static struct console *con_of(struct vub_dev *dev)
{
	return vub_dev_opaque(dev);
}

static bool multiport(const struct console *con)
{
	return vub_dev_has_feature(con->dev, VIRTIO_CONSOLE_F_MULTIPORT);
}

static struct vub_queue *rx_queue(struct port *p)
{
	return vub_dev_queue(p->con->dev, p->id == 0 ? 0 : 2 * p->id + 2);
}

static struct vub_queue *tx_queue(struct port *p)
{
	return vub_dev_queue(p->con->dev, p->id == 0 ? 1 : 2 * p->id + 3);
}

/* ---- control messages to the driver ------------------------------------ */

static void flush_ctrl(struct console *con)
{
	struct vub_queue *q = vub_dev_queue(con->dev, CTRL_RX);
	struct vub_req *req;

	while (con->ctrl_count && (req = vub_queue_pop(q))) {
		const struct ctrl_msg *m = &con->ctrl[con->ctrl_head];
		uint8_t buf[sizeof(struct virtio_console_control) + CONSOLE_NAME_MAX];
		struct virtio_console_control c = {
			.id = htole32(m->id), .event = htole16(m->event), .value = htole16(m->value),
		};
		size_t n;

		memcpy(buf, &c, sizeof(c));
		memcpy(buf + sizeof(c), m->extra, m->extra_len);
		n = vub_iov_from_buf(req->in, req->nin, 0, buf, sizeof(c) + m->extra_len);
		vub_req_done(req, (uint32_t)n);
		con->ctrl_head = (con->ctrl_head + 1) % CONSOLE_CTRL_QUEUE;
		con->ctrl_count--;
	}
}

static void send_ctrl(struct console *con, uint32_t id, uint16_t event, uint16_t value,
		      const void *extra, size_t extra_len)
{
	struct ctrl_msg *m;

	if (con->ctrl_count == CONSOLE_CTRL_QUEUE) {
		log_warn("control queue full; dropping event %u for port %u", event, id);
		return;
	}
	m = &con->ctrl[(con->ctrl_head + con->ctrl_count) % CONSOLE_CTRL_QUEUE];
	m->id = id;
	m->event = event;
	m->value = value;
	m->extra_len = (uint16_t)(extra_len < sizeof(m->extra) ? extra_len : sizeof(m->extra));
	memcpy(m->extra, extra, m->extra_len);
	con->ctrl_count++;
	flush_ctrl(con);
}

static void send_resize(struct port *p)
{
	struct { uint16_t cols, rows; } size = { htole16(p->cols), htole16(p->rows) };

	if (p->is_console && p->cols && p->rows && p->guest_ready && multiport(p->con))
		send_ctrl(p->con, p->id, VIRTIO_CONSOLE_RESIZE, 0, &size, sizeof(size));
}

/* ---- data: host to guest -------------------------------------------------- */

static void push_rx(struct port *p)
{
	struct vub_queue *q = rx_queue(p);
	struct vub_req *req;

	while (p->rx_off < p->rx_len && (req = vub_queue_pop(q))) {
		size_t n = vub_iov_from_buf(req->in, req->nin, 0, p->rx + p->rx_off,
					    p->rx_len - p->rx_off);

		vub_req_done(req, (uint32_t)n);
		p->rx_off += n;
		if (n == 0)
			log_warn("port %u: receive buffer without room", p->id);
	}
	if (p->rx_off == p->rx_len)
		p->rx_len = p->rx_off = 0;
}

void console_host_data(struct port *p)
{
	ssize_t n;

	if (p->rx_len == 0 && p->in_fd >= 0) {
		do {
			n = read(p->in_fd, p->rx, sizeof(p->rx));
		} while (n < 0 && errno == EINTR);
		if (n > 0) {
			p->rx_len = (size_t)n;
			p->rx_off = 0;
		} else if (n == 0 || (errno != EAGAIN && errno != EIO)) {
			port_host_gone(p);
			return;
		}
	}
	push_rx(p);
	port_update_watches(p);
}

/* ---- data: guest to host -------------------------------------------------- */

/* Write the held buffer; false while the host cannot take more. */
static bool write_held(struct port *p)
{
	struct vub_req *req = p->tx_req;

	while (p->tx_off < req->out_len) {
		struct iovec iov[VUB_MAX_IOV];
		unsigned int n = vub_iov_slice(req->out, req->nout, p->tx_off,
					       req->out_len - p->tx_off, iov, VUB_MAX_IOV, NULL);
		ssize_t w = port_host_write(p, iov, n);

		if (w == -EAGAIN)
			return false;
		if (w < 0) {
			log_warn("port %u: host side write failed: %s", p->id, strerror((int)-w));
			break;
		}
		p->tx_off += (size_t)w;
	}
	p->tx_req = NULL;
	vub_req_done(req, 0);
	return true;
}

static void flush_tx(struct port *p)
{
	struct vub_queue *q = tx_queue(p);
	struct vub_req *req;

	while (!p->tx_req) {
		bool listener = p->host_connected && p->out_fd >= 0;

		/* A port with nobody on the host side keeps the guest's bytes
		 * for the next client (the driver blocks its writers then);
		 * a console's go nowhere, since the kernel's console writes
		 * spin until the device takes them. */
		if (!listener && !p->is_console)
			break;
		req = vub_queue_pop(q);
		if (!req)
			break;
		if (!listener) {
			vub_req_done(req, 0);
			continue;
		}
		p->tx_req = req;
		p->tx_off = 0;
		if (!write_held(p))
			break;
	}
	port_update_watches(p);
}

void console_host_writable(struct port *p)
{
	if (p->tx_req && !write_held(p)) {
		port_update_watches(p);
		return;
	}
	flush_tx(p);
}

void console_host_connected(struct port *p, bool connected)
{
	if (!connected && p->tx_req) {
		vub_req_done(p->tx_req, 0);
		p->tx_req = NULL;
	}
	if (p->guest_ready && multiport(p->con))
		send_ctrl(p->con, p->id, VIRTIO_CONSOLE_PORT_OPEN, connected, NULL, 0);
	flush_tx(p);
}

/* ---- control messages from the driver -------------------------------------- */

static void port_ready(struct port *p)
{
	p->guest_ready = true;
	if (p->is_console)
		send_ctrl(p->con, p->id, VIRTIO_CONSOLE_CONSOLE_PORT, 1, NULL, 0);
	send_resize(p);
	if (p->name[0])
		send_ctrl(p->con, p->id, VIRTIO_CONSOLE_PORT_NAME, 1, p->name, strlen(p->name));
	/* After our restart the driver may still think a client is there. */
	if (p->host_connected || p->con->resumed)
		send_ctrl(p->con, p->id, VIRTIO_CONSOLE_PORT_OPEN, p->host_connected, NULL, 0);
}

/*
 * A session on control rings the driver had already used: we are a
 * restarted back-end, and the driver will not say DEVICE_READY or open
 * its ports again. Adding every port again makes it answer PORT_READY
 * for each (Linux ignores the add, as it does after hibernation), which
 * sends again what the port's host side is. Which ports a guest program
 * has open, the driver says only when that changes: assume open, so
 * host input flows to a reader that was there before the restart.
 */
static void check_resumed(struct console *con, struct vub_queue *ctrl_tx)
{
	if (con->session_checked)
		return;
	con->session_checked = true;
	con->resumed = vub_queue_avail_index(ctrl_tx) != 0;
	if (!con->resumed)
		return;
	log_info("resuming a console the driver had set up: adding its %u ports again",
		 con->nports);
	for (unsigned int i = 0; i < con->nports; i++) {
		con->ports[i].guest_open = true;
		send_ctrl(con, i, VIRTIO_CONSOLE_PORT_ADD, 0, NULL, 0);
		port_update_watches(&con->ports[i]);
	}
	flush_ctrl(con);
}

static void control_message(struct console *con, const struct virtio_console_control *c)
{
	uint32_t id = le32toh(c->id);
	uint16_t event = le16toh(c->event), value = le16toh(c->value);
	struct port *p = id < con->nports ? &con->ports[id] : NULL;

	switch (event) {
	case VIRTIO_CONSOLE_DEVICE_READY:
		if (!value) {
			log_err("the driver failed to set up the console device");
			return;
		}
		for (unsigned int i = 0; i < con->nports; i++)
			send_ctrl(con, i, VIRTIO_CONSOLE_PORT_ADD, 0, NULL, 0);
		return;
	case VIRTIO_CONSOLE_PORT_READY:
		if (!p)
			break;
		if (value)
			port_ready(p);
		else
			log_warn("port %u: the driver failed to add it", id);
		return;
	case VIRTIO_CONSOLE_PORT_OPEN:
		if (!p)
			break;
		p->guest_open = value;
		log_debug("port %u %s by the guest", id, value ? "opened" : "closed");
		if (value)
			push_rx(p);
		port_update_watches(p);
		return;
	default:
		log_debug("control event %u for port %u ignored", event, id);
		return;
	}
	log_warn("control event %u for port %u, which does not exist", event, id);
}

static void control_tx(struct console *con, struct vub_queue *q)
{
	struct vub_req *req;

	while ((req = vub_queue_pop(q))) {
		struct virtio_console_control c;

		if (vub_iov_to_buf(req->out, req->nout, 0, &c, sizeof(c)) == sizeof(c))
			control_message(con, &c);
		else
			log_warn("control message of %zu bytes", req->out_len);
		vub_req_done(req, 0);
	}
}

/* ---- device callbacks ----------------------------------------------------------- */

static void console_kick(struct vub_dev *dev, struct vub_queue *q)
{
	struct console *con = con_of(dev);
	unsigned int i = vub_queue_index(q);
	struct port *p;

	if (i == CTRL_RX) {
		flush_ctrl(con);
		return;
	}
	if (i == CTRL_TX) {
		if (multiport(con))
			check_resumed(con, q);
		control_tx(con, q);
		return;
	}
	p = &con->ports[i < 2 ? 0 : (i - 2) / 2];
	/* Without multiport, port 0 is the console and always open. */
	if (p->id == 0 && !multiport(con) && !p->guest_open) {
		p->guest_ready = p->guest_open = true;
		port_update_watches(p);
	}
	if (i % 2 == 0) {
		push_rx(p);
		port_update_watches(p);
	} else {
		flush_tx(p);
	}
}

static void console_queue_stop(struct vub_dev *dev, struct vub_queue *q)
{
	struct console *con = con_of(dev);
	unsigned int i = vub_queue_index(q);

	if (i == CTRL_RX || i == CTRL_TX || i % 2 == 0)
		return;
	struct port *p = &con->ports[i < 2 ? 0 : (i - 2) / 2];

	/* Left in flight: after a reconnect it is written again, whole. */
	if (p->tx_req) {
		vub_req_abandon(p->tx_req);
		p->tx_req = NULL;
	}
}

static void console_reset(struct vub_dev *dev)
{
	struct console *con = con_of(dev);

	con->ctrl_head = con->ctrl_count = 0;
	con->session_checked = con->resumed = false;
	for (unsigned int i = 0; i < con->nports; i++) {
		struct port *p = &con->ports[i];

		p->guest_ready = p->guest_open = false;
		p->rx_len = p->rx_off = 0;
		port_update_watches(p);
	}
}

static void console_get_config(struct vub_dev *dev, uint8_t *buf)
{
	struct console *con = con_of(dev);
	struct virtio_console_config c = {
		.cols = htole16(con->ports[0].cols),
		.rows = htole16(con->ports[0].rows),
		.max_nr_ports = htole32(con->nports),
	};

	memcpy(buf, &c, sizeof(c));
}

/* Only emerg_wr is writable: one character for port 0, at once. */
static int console_set_config(struct vub_dev *dev, uint32_t offset, const uint8_t *data,
			      uint32_t len, uint32_t flags)
{
	struct port *p = &con_of(dev)->ports[0];
	const uint32_t emerg = offsetof(struct virtio_console_config, emerg_wr);

	if (offset != emerg || len != sizeof(uint32_t))
		return flags == 1 ? 0 : -EPERM;
	if (p->host_connected && p->out_fd >= 0) {
		struct iovec iov = { .iov_base = (void *)data, .iov_len = 1 };

		port_host_write(p, &iov, 1);
	}
	return 0;
}

static void sigwinch_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque)
{
	struct console *con = opaque;
	struct signalfd_siginfo si;
	uint16_t cols, rows;

	if (read(fd, &si, sizeof(si)) != (ssize_t)sizeof(si) || !port_stdio_size(&cols, &rows))
		return;
	for (unsigned int i = 0; i < con->nports; i++) {
		struct port *p = &con->ports[i];

		if (p->kind != PORT_STDIO || (p->cols == cols && p->rows == rows))
			continue;
		p->cols = cols;
		p->rows = rows;
		send_resize(p);
		if (i == 0 && !multiport(con))
			vub_config_changed(dev);
	}
}

/* A terminal on stdio gives its size to its port (see console_setup_device)
 * and reports resizes with SIGWINCH. */
static int watch_terminal_size(struct console *con)
{
	sigset_t set;
	bool any = false;

	for (unsigned int i = 0; i < con->nports; i++)
		any |= con->ports[i].kind == PORT_STDIO;
	if (!any || !isatty(STDOUT_FILENO))
		return 0;
	sigemptyset(&set);
	sigaddset(&set, SIGWINCH);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	con->sigwinch_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (con->sigwinch_fd < 0)
		return -1;
	return vub_watch(con->dev, con->sigwinch_fd, EPOLLIN, sigwinch_ready, con);
}

void console_setup_device(struct console *con)
{
	uint64_t f = (1ull << VIRTIO_CONSOLE_F_MULTIPORT) | (1ull << VIRTIO_CONSOLE_F_EMERG_WRITE);

	for (unsigned int i = 0; i < con->nports; i++) {
		struct port *p = &con->ports[i];

		if (p->kind == PORT_STDIO && !p->cols && !port_stdio_size(&p->cols, &p->rows))
			p->cols = p->rows = 0;
	}
	if (con->ports[0].cols && con->ports[0].rows)
		f |= 1ull << VIRTIO_CONSOLE_F_SIZE;
	con->desc = (struct vub_device){
		.name = "console",
		.features = f,
		.num_queues = 2 + 2 * con->nports,
		.max_queue_size = con->max_queue_size,
		.config_size = sizeof(struct virtio_console_config),
		.get_config = console_get_config,
		.set_config = console_set_config,
		.queue_kick = console_kick,
		.queue_stop = console_queue_stop,
		.reset = console_reset,
	};
}

int console_attach(struct console *con, struct vub_dev *dev)
{
	con->dev = dev;
	con->sigwinch_fd = -1;
	if (watch_terminal_size(con) < 0)
		return -1;
	for (unsigned int i = 0; i < con->nports; i++) {
		if (port_watch_listener(&con->ports[i]) < 0)
			return -1;
		port_update_watches(&con->ports[i]);
	}
	return 0;
}
