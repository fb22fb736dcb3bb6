// SPDX-License-Identifier: MIT
/*
 * vhost-user-input through the test front-end acting as the virtio-input
 * driver, with an evdev device emulated by tests/lib/qemu-input-fake-
 * evdev.c (this host has no input subsystem): the select/subsel config
 * protocol serves the device's name, serial, ids, event type and code
 * bitmaps and axis ranges; host events reach the event queue (and are
 * dropped while no driver listens); LED events from the status queue
 * reach the host device, key events do not.
 */
#include "frontend.h"
#include "log.h"

#include <linux/input.h>
#include <linux/virtio_input.h>
#include <stddef.h>

#define INPUT "build/bin/vhost-user-input"
#define SHIM "tests/lib/qemu-input-fake-evdev.c"

static struct fe fe = { .fd = -1 };

static struct virtio_input_config select_cfg(uint8_t sel, uint8_t sub)
{
	struct virtio_input_config c;
	uint8_t w[2] = { sel, sub };

	CHECK(fe_set_config(&fe, 0, 2, w) == 0, "select %u/%u refused", sel, sub);
	fe_get_config(&fe, 0, sizeof(c), &c);
	CHECK(c.select == sel && c.subsel == sub, "config reads back select %u/%u", c.select,
	      c.subsel);
	return c;
}

static bool has_bit(const uint8_t *map, unsigned int bit)
{
	return map[bit / 8] & (1u << (bit % 8));
}

static void config_protocol(void)
{
	struct virtio_input_config c;

	c = select_cfg(VIRTIO_INPUT_CFG_ID_NAME, 0);
	CHECK(c.size == 17 && !memcmp(c.u.string, "vlb test keyboard", 17), "name (size %u)",
	      c.size);
	c = select_cfg(VIRTIO_INPUT_CFG_ID_SERIAL, 0);
	CHECK(c.size == 10 && !memcmp(c.u.string, "vlb-uniq-7", 10), "serial");
	c = select_cfg(VIRTIO_INPUT_CFG_ID_DEVIDS, 0);
	CHECK(c.size == 8 && le16toh(c.u.ids.bustype) == BUS_VIRTUAL &&
	      le16toh(c.u.ids.vendor) == 0x1234 && le16toh(c.u.ids.product) == 0x5678 &&
	      le16toh(c.u.ids.version) == 0x42, "device ids");
	c = select_cfg(VIRTIO_INPUT_CFG_PROP_BITS, 0);
	CHECK(c.size == 0, "no input properties");
	c = select_cfg(VIRTIO_INPUT_CFG_EV_BITS, EV_KEY);
	CHECK(c.size == BTN_LEFT / 8 + 1 && has_bit(c.u.bitmap, KEY_A) &&
	      !has_bit(c.u.bitmap, KEY_C) && has_bit(c.u.bitmap, BTN_LEFT), "key bitmap (size %u)",
	      c.size);
	c = select_cfg(VIRTIO_INPUT_CFG_EV_BITS, EV_ABS);
	CHECK(c.size == 1 && c.u.bitmap[0] == 3, "axis bitmap");
	c = select_cfg(VIRTIO_INPUT_CFG_EV_BITS, EV_LED);
	CHECK(c.size == 1 && c.u.bitmap[0] == 3, "LED bitmap");
	c = select_cfg(VIRTIO_INPUT_CFG_EV_BITS, EV_REP);
	CHECK(c.size == 0, "no autorepeat on the host device");
	c = select_cfg(VIRTIO_INPUT_CFG_ABS_INFO, ABS_X);
	CHECK(c.size == sizeof(c.u.abs) && le32toh(c.u.abs.max) == 1023 &&
	      le32toh(c.u.abs.fuzz) == 2 && le32toh(c.u.abs.flat) == 4 &&
	      le32toh(c.u.abs.res) == 10, "ABS_X info");
	c = select_cfg(VIRTIO_INPUT_CFG_ABS_INFO, ABS_Z);
	CHECK(c.size == 0, "ABS_Z is not an axis of the device");
	c = select_cfg(0x55, 0);
	CHECK(c.size == 0, "unknown select");
	OK("select/subsel: name, serial, ids, properties, event bits, axis info, unknowns");

	/* QEMU writes the whole space back: only select and subsel count. */
	struct virtio_input_config w;

	memset(&w, 0xee, sizeof(w));
	w.select = VIRTIO_INPUT_CFG_ABS_INFO;
	w.subsel = ABS_Y;
	CHECK(fe_set_config(&fe, 0, sizeof(w), &w) == 0, "whole-space write refused");
	fe_get_config(&fe, 0, sizeof(c), &c);
	CHECK(c.select == VIRTIO_INPUT_CFG_ABS_INFO && c.size == sizeof(c.u.abs) &&
	      le32toh(c.u.abs.max) == 767, "whole-space write: ABS_Y info");
	uint8_t sub = ABS_X;

	CHECK(fe_set_config(&fe, 1, 1, &sub) == 0, "subsel-only write");
	fe_get_config(&fe, 0, sizeof(c), &c);
	CHECK(le32toh(c.u.abs.max) == 1023, "subsel-only write selects ABS_X");
	OK("config writes of the whole space or of subsel alone select what is read");
}

static void host_event(int evfd, uint16_t type, uint16_t code, int32_t value)
{
	struct input_event e;

	memset(&e, 0, sizeof(e));
	e.type = type;
	e.code = code;
	e.value = value;
	CHECK(write(evfd, &e, sizeof(e)) == sizeof(e), "feeding the fake device");
}

static void events(int evfd)
{
	struct virtio_input_event ev[8];
	uint64_t bufs = fe_alloc(&fe, 8 * sizeof(ev[0]));

	/* Events before the driver is there are stale: dropped. */
	host_event(evfd, EV_KEY, KEY_Q, 1);
	host_event(evfd, EV_SYN, SYN_REPORT, 0);
	usleep(100000);
	fe_start_queue(&fe, 0, 16);
	fe_start_queue(&fe, 1, 16);
	for (int i = 0; i < 8; i++) {
		struct fe_buf b = { bufs + i * sizeof(ev[0]), sizeof(ev[0]), true };

		fe_add(&fe, 0, &b, 1);
	}
	host_event(evfd, EV_KEY, KEY_A, 1);
	host_event(evfd, EV_SYN, SYN_REPORT, 0);
	host_event(evfd, EV_ABS, ABS_X, 512);
	host_event(evfd, EV_SYN, SYN_REPORT, 0);
	const uint16_t want[4][2] = { { EV_KEY, KEY_A }, { 0, 0 }, { EV_ABS, ABS_X }, { 0, 0 } };
	const int32_t val[4] = { 1, 0, 512, 0 };

	for (int i = 0; i < 4; i++) {
		uint16_t head;
		uint32_t len;

		CHECK(fe_try_used(&fe, 0, FE_WAIT_MS, &head, &len) && len == sizeof(ev[0]),
		      "event %d did not arrive", i);
		memcpy(&ev[i], fe_ptr(&fe, bufs + head * sizeof(ev[0])), sizeof(ev[0]));
		CHECK(le16toh(ev[i].type) == want[i][0] && le16toh(ev[i].code) == want[i][1] &&
		      (int32_t)le32toh(ev[i].value) == val[i], "event %d is (%u, %u, %d)", i,
		      le16toh(ev[i].type), le16toh(ev[i].code), (int32_t)le32toh(ev[i].value));
	}
	OK("host events arrive in order, one per buffer; those from before the driver do not");

	/* A key from the guest must not reach the host device; the LED must. */
	struct virtio_input_event key = { htole16(EV_KEY), htole16(KEY_A), htole32(1) };
	struct virtio_input_event led = { htole16(EV_LED), htole16(LED_CAPSL), htole32(1) };
	uint64_t gpa = fe_alloc(&fe, sizeof(led)), kgpa = fe_alloc(&fe, sizeof(key));
	struct fe_buf b = { gpa, sizeof(led), false }, kb = { kgpa, sizeof(key), false };
	struct input_event back;

	memcpy(fe_ptr(&fe, kgpa), &key, sizeof(key));
	fe_wait_used(&fe, 1, fe_add(&fe, 1, &kb, 1));
	memcpy(fe_ptr(&fe, gpa), &led, sizeof(led));
	fe_wait_used(&fe, 1, fe_add(&fe, 1, &b, 1));
	struct pollfd p = { .fd = evfd, .events = POLLIN };

	CHECK(poll(&p, 1, FE_WAIT_MS) == 1 && read(evfd, &back, sizeof(back)) == sizeof(back),
	      "nothing written to the host device");
	CHECK(back.type == EV_LED && back.code == LED_CAPSL && back.value == 1,
	      "host device got (%u, %u, %d)", back.type, back.code, back.value);
	OK("an LED event on the status queue reaches the host device, a key event does not");
}

int main(void)
{
	const char *args[] = { "--evdev-path", "/dev/input/event-vlb-test", NULL };
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char cmd[512], so[160];
	int lfd, evfd;

	log_init("lib_fe_input", false, 0);
	signal(SIGPIPE, SIG_IGN);
	fe_mkdir(&fe);
	snprintf(so, sizeof(so), "%s/fake-evdev.so", fe.dir);
	snprintf(cmd, sizeof(cmd), "cc -shared -fPIC -O2 -o %s " SHIM " -ldl", so);
	CHECK(system(cmd) == 0, "cannot build the evdev stand-in (%s)", cmd);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/evdev.sock", fe.dir);
	lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	CHECK(bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0 && listen(lfd, 1) == 0, "listen");
	setenv("LD_PRELOAD", so, 1);
	setenv("FAKE_EVDEV_PATH", args[1], 1);
	setenv("FAKE_EVDEV_SOCKET", sa.sun_path, 1);
	fe_spawn(&fe, INPUT, args);
	unsetenv("LD_PRELOAD");
	evfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	CHECK(evfd >= 0, "the back-end did not open the device");
	fe_negotiate(&fe, ~0ull, ~0ull);
	CHECK(fe.protocol & (1ull << VU_PROTOCOL_F_CONFIG), "no config space offered");
	config_protocol();
	events(evfd);
	CHECK(fe_stop(&fe) == 0, "exit status on SIGTERM");
	OK("SIGTERM: exit 0");
	close(evfd);
	close(lfd);
	fe_cleanup(&fe);
	return 0;
}
