// SPDX-License-Identifier: MIT
/*
 * vhost-user-console through the test front-end acting as the virtio
 * console driver: the multiport control protocol (ports added, console
 * port, size, names, host connection state), bytes both ways byte-exact
 * over a unix socket port and a pty port, the emergency write register,
 * and clean-up of sockets and links on SIGTERM.
 */
#include "frontend.h"
#include "log.h"

#include <linux/virtio_console.h>
#include <stddef.h>
#include <sys/stat.h>

#define CONSOLE "build/bin/vhost-user-console"
#define CTRL_RX 2
#define CTRL_TX 3
#define BUF 997

static struct fe fe = { .fd = -1 };
static uint64_t posted[FE_MAX_QUEUES][1024];	/* head -> buffer */

struct ctrl {
	uint32_t id;
	uint16_t event, value;
	char extra[128];
	size_t extra_len;
};

static unsigned int rxq(unsigned int port)
{
	return port == 0 ? 0 : 2 * port + 2;
}

static void post_rx(unsigned int q, unsigned int n, uint32_t len)
{
	for (unsigned int i = 0; i < n; i++) {
		struct fe_buf b = { fe_alloc(&fe, len), len, true };
		uint16_t head = fe_add(&fe, q, &b, 1);

		posted[q][head] = b.gpa;
	}
}

/* The next buffer the device filled on queue q (it is posted again). */
static size_t take(unsigned int q, void *out, size_t max)
{
	uint16_t head;
	uint32_t len;

	CHECK(fe_try_used(&fe, q, FE_WAIT_MS, &head, &len), "queue %u: nothing received", q);
	CHECK(len <= max, "queue %u: %u bytes", q, len);
	memcpy(out, fe_ptr(&fe, posted[q][head]), len);
	struct fe_buf b = { posted[q][head], (uint32_t)max, true };

	posted[q][fe_add(&fe, q, &b, 1)] = b.gpa;
	return len;
}

static struct ctrl next_ctrl(void)
{
	uint8_t buf[256];
	struct virtio_console_control c;
	struct ctrl m;
	size_t n = take(CTRL_RX, buf, 256);

	CHECK(n >= sizeof(c), "control message of %zu bytes", n);
	memcpy(&c, buf, sizeof(c));
	m.id = le32toh(c.id);
	m.event = le16toh(c.event);
	m.value = le16toh(c.value);
	m.extra_len = n - sizeof(c);
	memcpy(m.extra, buf + sizeof(c), m.extra_len);
	m.extra[m.extra_len] = '\0';
	return m;
}

static void expect_ctrl(uint32_t id, uint16_t event, uint16_t value)
{
	struct ctrl m = next_ctrl();

	CHECK(m.id == id && m.event == event && m.value == value,
	      "control message (%u, %u, %u), expected (%u, %u, %u)", m.id, m.event, m.value, id,
	      event, value);
}

/* Send bytes on queue q (readable buffers) and wait until they are used. */
static void send_out(unsigned int q, const void *data, size_t len)
{
	uint64_t gpa = fe_alloc(&fe, len);
	struct fe_buf b = { gpa, (uint32_t)len, false };

	memcpy(fe_ptr(&fe, gpa), data, len);
	fe_wait_used(&fe, q, fe_add(&fe, q, &b, 1));
}

static void send_ctrl(uint32_t id, uint16_t event, uint16_t value)
{
	struct virtio_console_control c = { htole32(id), htole16(event), htole16(value) };

	send_out(CTRL_TX, &c, sizeof(c));
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	CHECK(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect %s", path);
	return fd;
}

static void read_full(int fd, void *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		CHECK(poll(&p, 1, FE_WAIT_MS) == 1, "host side: %zu of %zu bytes arrived", done, len);
		n = read(fd, (char *)buf + done, len - done);
		CHECK(n > 0, "host side read: %s", n ? strerror(errno) : "end of file");
		done += (size_t)n;
	}
}

static void control_protocol(void)
{
	struct virtio_console_config cfg;
	bool name0 = false, resize0 = false, console0 = false, name1 = false, open2 = false;

	fe_negotiate(&fe, ~0ull, ~0ull);
	CHECK(fe.features & (1ull << VIRTIO_CONSOLE_F_MULTIPORT) &&
	      fe.features & (1ull << VIRTIO_CONSOLE_F_SIZE) &&
	      fe.features & (1ull << VIRTIO_CONSOLE_F_EMERG_WRITE), "console features");
	fe_get_config(&fe, 0, sizeof(cfg), &cfg);
	CHECK(le32toh(cfg.max_nr_ports) == 3 && le16toh(cfg.cols) == 100 &&
	      le16toh(cfg.rows) == 40, "config: %u ports, %ux%u", le32toh(cfg.max_nr_ports),
	      le16toh(cfg.cols), le16toh(cfg.rows));
	for (unsigned int q = 0; q < 8; q++)
		fe_start_queue(&fe, q, 64);
	post_rx(CTRL_RX, 16, 256);
	send_ctrl(VIRTIO_CONSOLE_BAD_ID, VIRTIO_CONSOLE_DEVICE_READY, 1);
	for (uint32_t p = 0; p < 3; p++)
		expect_ctrl(p, VIRTIO_CONSOLE_PORT_ADD, 0);
	OK("DEVICE_READY: the device adds its three ports");

	for (uint32_t p = 0; p < 3; p++)
		send_ctrl(p, VIRTIO_CONSOLE_PORT_READY, 1);
	for (int i = 0; i < 5; i++) {
		struct ctrl m = next_ctrl();

		if (m.id == 0 && m.event == VIRTIO_CONSOLE_CONSOLE_PORT && m.value == 1)
			console0 = true;
		else if (m.id == 0 && m.event == VIRTIO_CONSOLE_RESIZE && m.extra_len == 4)
			resize0 = !memcmp(m.extra, "\x64\x00\x28\x00", 4);	/* cols 100, rows 40 */
		else if (m.id == 0 && m.event == VIRTIO_CONSOLE_PORT_NAME)
			name0 = !strcmp(m.extra, "first");
		else if (m.id == 1 && m.event == VIRTIO_CONSOLE_PORT_NAME)
			name1 = !strcmp(m.extra, "second");
		else if (m.id == 2 && m.event == VIRTIO_CONSOLE_PORT_OPEN && m.value == 1)
			open2 = true;
		else
			FAIL("unexpected control message (%u, %u, %u)", m.id, m.event, m.value);
	}
	CHECK(console0 && resize0 && name0 && name1 && open2,
	      "PORT_READY answers: console %d resize %d names %d %d pty open %d", console0,
	      resize0, name0, name1, open2);
	OK("PORT_READY: console port, its size (cols, rows), names, the pty's open state");
}

static void socket_port(void)
{
	char path[160];
	static uint8_t out[20000], in[20000];
	int c;

	snprintf(path, sizeof(path), "%s/p1.sock", fe.dir);
	c = connect_unix(path);
	expect_ctrl(1, VIRTIO_CONSOLE_PORT_OPEN, 1);
	send_ctrl(1, VIRTIO_CONSOLE_PORT_OPEN, 1);
	OK("a client on the port's socket: PORT_OPEN 1 to the driver");

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = (uint8_t)(i * 7 + i / 251);
	post_rx(rxq(1), 32, BUF);
	CHECK(write(c, out, sizeof(out)) == sizeof(out), "host write");
	for (size_t got = 0; got < sizeof(in);)
		got += take(rxq(1), in + got, BUF);
	CHECK(!memcmp(in, out, sizeof(out)), "host-to-guest bytes differ");
	for (size_t off = 0; off < sizeof(out); off += 1500)
		send_out(rxq(1) + 1, out + off, sizeof(out) - off < 1500 ? sizeof(out) - off : 1500);
	memset(in, 0, sizeof(in));
	read_full(c, in, sizeof(in));
	CHECK(!memcmp(in, out, sizeof(out)), "guest-to-host bytes differ");
	OK("20000 bytes each way through the socket port, byte-exact");

	close(c);
	expect_ctrl(1, VIRTIO_CONSOLE_PORT_OPEN, 0);
	OK("the client leaves: PORT_OPEN 0 to the driver");
}

static void pty_port(void)
{
	char path[160], buf[64];
	const char from_host[] = "hello \r\n\x03\x7f pty", from_guest[] = "from guest\r\n\x04";
	size_t n;
	int t;

	snprintf(path, sizeof(path), "%s/pty2", fe.dir);
	t = open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
	CHECK(t >= 0, "open the pty link %s", path);
	send_ctrl(2, VIRTIO_CONSOLE_PORT_OPEN, 1);
	post_rx(rxq(2), 4, 64);
	CHECK(write(t, from_host, sizeof(from_host)) == sizeof(from_host), "pty write");
	n = take(rxq(2), buf, 64);
	while (n < sizeof(from_host))
		n += take(rxq(2), buf + n, 64 - n);
	CHECK(n == sizeof(from_host) && !memcmp(buf, from_host, n), "pty to guest differs");
	send_out(rxq(2) + 1, from_guest, sizeof(from_guest));
	read_full(t, buf, sizeof(from_guest));
	CHECK(!memcmp(buf, from_guest, sizeof(from_guest)), "guest to pty differs");
	close(t);
	OK("pty port in raw mode: control characters pass unchanged both ways");
}

static void emergency_write(void)
{
	char path[160], ch = 0;
	uint32_t z = 'Z';
	int c;

	snprintf(path, sizeof(path), "%s/p0.sock", fe.dir);
	c = connect_unix(path);
	expect_ctrl(0, VIRTIO_CONSOLE_PORT_OPEN, 1);
	CHECK(fe_set_config(&fe, offsetof(struct virtio_console_config, emerg_wr), 4, &z) == 0,
	      "emerg_wr write refused");
	read_full(c, &ch, 1);
	CHECK(ch == 'Z', "emergency write gave 0x%02x", ch);
	CHECK(fe_set_config(&fe, 0, 2, &z) != 0, "cols written by the driver");
	close(c);
	OK("emerg_wr writes its character to port 0; other config bytes are read-only");
}

int main(void)
{
	const char *args[] = {
		"--port", "unix:@/p0.sock,name=first,console,size=100x40",
		"--port", "unix:@/p1.sock,name=second",
		"--port", "pty:@/pty2",
		NULL,
	};
	char path[160];

	log_init("lib_fe_console", false, 0);
	signal(SIGPIPE, SIG_IGN);
	fe_spawn(&fe, CONSOLE, args);
	control_protocol();
	socket_port();
	pty_port();
	emergency_write();
	CHECK(fe_stop(&fe) == 0, "exit status on SIGTERM");
	snprintf(path, sizeof(path), "%s/p0.sock", fe.dir);
	CHECK(access(path, F_OK) != 0, "port socket left behind");
	snprintf(path, sizeof(path), "%s/pty2", fe.dir);
	CHECK(access(path, F_OK) != 0, "pty link left behind");
	OK("SIGTERM: exit 0, port sockets and pty link removed");
	fe_cleanup(&fe);
	return 0;
}
