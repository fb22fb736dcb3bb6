// SPDX-License-Identifier: MIT
/*
 * vhost-user-gpio through the test front-end acting as the gpio-virtio
 * driver, on four simulated lines (names "a", "", "c", "";
 * line 0 wired to line 1): the config space and the names block, every
 * request and the ERR answers to bad ones, and the interrupt rules:
 * held buffers, latched edges, levels that fire again while they last,
 * and buffers returned invalid when their interrupt is turned off.
 */
#include "frontend.h"
#include "log.h"

#include <linux/virtio_gpio.h>

#define GPIO "build/bin/vhost-user-gpio"
#define NAMES "a\0\0c\0"	/* plus the string's own NUL: 6 bytes */
#define NAMES_SIZE 6

static struct fe fe = { .fd = -1 };
static uint64_t req_gpa, resp_gpa;

/* One request of req_len bytes; the response buffer has resp_len bytes. */
static uint32_t request_raw(const void *req, uint32_t req_len, uint32_t resp_len, uint8_t *resp)
{
	struct fe_buf b[2] = { { req_gpa, req_len, false }, { resp_gpa, resp_len, true } };
	uint32_t len;

	memcpy(fe_ptr(&fe, req_gpa), req, req_len);
	memset(fe_ptr(&fe, resp_gpa), 0xaa, resp_len);
	len = fe_wait_used(&fe, 0, fe_add(&fe, 0, b, 2));
	memcpy(resp, fe_ptr(&fe, resp_gpa), resp_len);
	return len;
}

/* A request of the usual shape; returns the status, *value the value. */
static int request(uint16_t type, uint16_t line, uint32_t value, uint8_t *out)
{
	struct virtio_gpio_request r = { htole16(type), htole16(line), htole32(value) };
	uint8_t resp[2];
	uint32_t len = request_raw(&r, sizeof(r), sizeof(resp), resp);

	CHECK(len == 2, "request %u on line %u: used length %u, not 2", type, line, len);
	if (out)
		*out = resp[1];
	return resp[0];
}

static void ok(uint16_t type, uint16_t line, uint32_t value)
{
	CHECK(request(type, line, value, NULL) == VIRTIO_GPIO_STATUS_OK,
	      "request %u on line %u (value %u) failed", type, line, value);
}

static uint8_t value_of(uint16_t line)
{
	uint8_t v;

	CHECK(request(VIRTIO_GPIO_MSG_GET_VALUE, line, 0, &v) == VIRTIO_GPIO_STATUS_OK,
	      "GET_VALUE %u", line);
	return v;
}

static void requests(void)
{
	struct virtio_gpio_config c;
	uint8_t names[1 + NAMES_SIZE], resp[16], v;

	fe_get_config(&fe, 0, sizeof(c), &c);
	CHECK(le16toh(c.ngpio) == 4 && le32toh(c.gpio_names_size) == NAMES_SIZE,
	      "config: ngpio %u, names %u", le16toh(c.ngpio), le32toh(c.gpio_names_size));
	struct virtio_gpio_request r = { htole16(VIRTIO_GPIO_MSG_GET_NAMES), 0, 0 };

	CHECK(request_raw(&r, sizeof(r), sizeof(names), names) == sizeof(names) &&
	      names[0] == VIRTIO_GPIO_STATUS_OK && !memcmp(names + 1, NAMES, NAMES_SIZE),
	      "GET_NAMES");
	CHECK(request_raw(&r, sizeof(r), sizeof(names) + 1, resp) == 2 &&
	      resp[0] == VIRTIO_GPIO_STATUS_ERR, "GET_NAMES into a buffer of the wrong size");
	OK("config: 4 lines, a names block of 6 bytes; GET_NAMES needs exactly 1 + 6 bytes");

	const uint8_t dirs[4] = { VIRTIO_GPIO_DIRECTION_OUT, VIRTIO_GPIO_DIRECTION_IN,
				  VIRTIO_GPIO_DIRECTION_IN, VIRTIO_GPIO_DIRECTION_IN };

	for (uint16_t i = 0; i < 4; i++) {
		CHECK(request(VIRTIO_GPIO_MSG_GET_DIRECTION, i, 0, &v) == VIRTIO_GPIO_STATUS_OK &&
		      v == dirs[i], "line %u: direction %u", i, v);
	}
	ok(VIRTIO_GPIO_MSG_SET_VALUE, 0, 1);
	CHECK(value_of(0) == 1 && value_of(1) == 1, "line 1 does not follow line 0 (1)");
	ok(VIRTIO_GPIO_MSG_SET_VALUE, 0, 0);
	CHECK(value_of(1) == 0, "line 1 does not follow line 0 (0)");
	/* A value set on an input is remembered for when it drives. */
	ok(VIRTIO_GPIO_MSG_SET_DIRECTION, 0, VIRTIO_GPIO_DIRECTION_NONE);
	ok(VIRTIO_GPIO_MSG_SET_VALUE, 0, 1);
	CHECK(value_of(1) == 0, "a deactivated line drives its wire");
	ok(VIRTIO_GPIO_MSG_SET_DIRECTION, 0, VIRTIO_GPIO_DIRECTION_NONE);
	ok(VIRTIO_GPIO_MSG_SET_DIRECTION, 2, VIRTIO_GPIO_DIRECTION_OUT);
	CHECK(request(VIRTIO_GPIO_MSG_GET_DIRECTION, 2, 0, &v) == 0 &&
	      v == VIRTIO_GPIO_DIRECTION_OUT, "line 2 did not become an output");
	ok(VIRTIO_GPIO_MSG_SET_VALUE, 0, 1);
	ok(VIRTIO_GPIO_MSG_SET_DIRECTION, 0, VIRTIO_GPIO_DIRECTION_OUT);
	CHECK(value_of(1) == 1, "SET_DIRECTION OUT does not drive the value set before");
	OK("directions, values, a wire; a value set before OUT is driven at OUT");

	const struct { uint16_t type, line; uint32_t value; } bad[] = {
		{ 0, 0, 0 }, { 7, 0, 0 }, { 0xffff, 1, 0 },
		{ VIRTIO_GPIO_MSG_GET_VALUE, 4, 0 }, { VIRTIO_GPIO_MSG_GET_VALUE, 0xffff, 0 },
		{ VIRTIO_GPIO_MSG_SET_DIRECTION, 1, 3 }, { VIRTIO_GPIO_MSG_SET_DIRECTION, 1, ~0u },
		{ VIRTIO_GPIO_MSG_SET_VALUE, 1, 2 }, { VIRTIO_GPIO_MSG_GET_DIRECTION, 1, 1 },
		{ VIRTIO_GPIO_MSG_IRQ_TYPE, 1, 5 }, { VIRTIO_GPIO_MSG_IRQ_TYPE, 1, 0x10 },
		{ VIRTIO_GPIO_MSG_IRQ_TYPE, 0, VIRTIO_GPIO_IRQ_TYPE_EDGE_BOTH },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(request(bad[i].type, bad[i].line, bad[i].value, NULL) ==
		      VIRTIO_GPIO_STATUS_ERR, "bad request %zu was not refused", i);
	CHECK(request_raw(&r, 7, 2, resp) == 2 && resp[0] == VIRTIO_GPIO_STATUS_ERR,
	      "a 7-byte request");
	CHECK(request_raw(&r, 1, 1, resp) == 0, "a 1-byte response buffer got a used length");
	OK("unknown types, lines, directions, values and triggers, short requests: ERR");
}

static uint64_t irq_buf[16];	/* the buffer each eventq head points at */

/* Queue line's interrupt buffer (at gpa); returns its head. */
static uint16_t unmask(uint16_t line, uint64_t gpa)
{
	struct fe_buf b[2] = { { gpa, 2, false }, { gpa + 2, 1, true } };
	uint16_t le = htole16(line), head;

	memcpy(fe_ptr(&fe, gpa), &le, 2);
	*(uint8_t *)fe_ptr(&fe, gpa + 2) = 0xaa;
	head = fe_add(&fe, 1, b, 2);
	irq_buf[head] = gpa;
	return head;
}

/* The next interrupt: its head and status; false if none within ms. */
static bool irq(int ms, uint16_t *head, uint8_t *status)
{
	uint32_t len;

	if (!fe_try_used(&fe, 1, ms, head, &len))
		return false;
	CHECK(len == 1, "eventq: used length %u, not 1", len);
	*status = *(uint8_t *)fe_ptr(&fe, irq_buf[*head] + 2);
	return true;
}

static void interrupts(void)
{
	uint64_t b1 = fe_alloc(&fe, 4), b2 = fe_alloc(&fe, 4);
	uint16_t h, head;
	uint8_t st;

	fe_start_queue(&fe, 1, 16);
	ok(VIRTIO_GPIO_MSG_SET_VALUE, 0, 0);
	ok(VIRTIO_GPIO_MSG_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_EDGE_RISING);
	h = unmask(1, b1);
	CHECK(!irq(200, &head, &st), "an interrupt without an edge");
	ok(VIRTIO_GPIO_MSG_SET_VALUE, 0, 1);
	CHECK(irq(FE_WAIT_MS, &head, &st) && head == h && st == VIRTIO_GPIO_IRQ_STATUS_VALID,
	      "no valid interrupt for the rising edge");
	/* Masked now: a falling edge does not count, a rising one is latched. */
	ok(VIRTIO_GPIO_MSG_SET_VALUE, 0, 0);
	ok(VIRTIO_GPIO_MSG_SET_VALUE, 0, 1);
	ok(VIRTIO_GPIO_MSG_SET_VALUE, 0, 0);
	h = unmask(1, b1);
	CHECK(irq(FE_WAIT_MS, &head, &st) && st == VIRTIO_GPIO_IRQ_STATUS_VALID,
	      "the edge latched while masked was not reported at unmask");
	h = unmask(1, b1);
	CHECK(!irq(200, &head, &st), "a latched edge was reported twice");
	OK("edges: held buffer fires on rising, a masked edge is latched and reported once");

	/* A second buffer for the same line goes back at once, invalid. */
	uint16_t h2 = unmask(1, b2);
	CHECK(irq(FE_WAIT_MS, &head, &st) && head == h2 &&
	      st == VIRTIO_GPIO_IRQ_STATUS_INVALID, "a second buffer for a line was kept");
	/* Turned off while held: the buffer comes back invalid. */
	ok(VIRTIO_GPIO_MSG_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_NONE);
	CHECK(irq(FE_WAIT_MS, &head, &st) && head == h &&
	      st == VIRTIO_GPIO_IRQ_STATUS_INVALID, "IRQ_TYPE NONE did not return the buffer");
	OK("a second buffer per line and a disabled line's buffer come back invalid");

	ok(VIRTIO_GPIO_MSG_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_LEVEL_HIGH);
	ok(VIRTIO_GPIO_MSG_SET_VALUE, 0, 1);
	for (int i = 0; i < 3; i++) {
		h = unmask(1, b1);
		CHECK(irq(FE_WAIT_MS, &head, &st) && st == VIRTIO_GPIO_IRQ_STATUS_VALID,
		      "level high: unmask %d did not fire while the line is high", i);
	}
	ok(VIRTIO_GPIO_MSG_SET_VALUE, 0, 0);
	h = unmask(1, b1);
	CHECK(!irq(200, &head, &st), "level high fired at level low");
	ok(VIRTIO_GPIO_MSG_SET_VALUE, 0, 1);
	CHECK(irq(FE_WAIT_MS, &head, &st) && st == VIRTIO_GPIO_IRQ_STATUS_VALID,
	      "level high did not fire when the line rose");
	/* A pulse while masked is a level that is gone: not latched. */
	ok(VIRTIO_GPIO_MSG_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_NONE);
	ok(VIRTIO_GPIO_MSG_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW);
	ok(VIRTIO_GPIO_MSG_SET_VALUE, 0, 0);
	ok(VIRTIO_GPIO_MSG_SET_VALUE, 0, 1);
	h = unmask(1, b1);
	CHECK(!irq(200, &head, &st), "a past level-low pulse was latched");
	ok(VIRTIO_GPIO_MSG_SET_VALUE, 0, 0);
	CHECK(irq(FE_WAIT_MS, &head, &st) && st == VIRTIO_GPIO_IRQ_STATUS_VALID,
	      "level low did not fire");
	ok(VIRTIO_GPIO_MSG_IRQ_TYPE, 1, VIRTIO_GPIO_IRQ_TYPE_NONE);
	OK("levels: fire at every unmask while they last, never latched");

	/* Deactivating the line turns its interrupt off too. */
	ok(VIRTIO_GPIO_MSG_IRQ_TYPE, 3, VIRTIO_GPIO_IRQ_TYPE_LEVEL_LOW);
	h = unmask(3, b2);
	CHECK(irq(FE_WAIT_MS, &head, &st) && st == VIRTIO_GPIO_IRQ_STATUS_VALID,
	      "line 3 (pulled down) did not fire level low");
	h = unmask(3, b2);
	CHECK(irq(FE_WAIT_MS, &head, &st) && st == VIRTIO_GPIO_IRQ_STATUS_VALID,
	      "line 3 did not fire again");
	ok(VIRTIO_GPIO_MSG_SET_DIRECTION, 3, VIRTIO_GPIO_DIRECTION_NONE);
	h = unmask(3, b2);
	CHECK(!irq(200, &head, &st), "a deactivated line kept its trigger");
	OK("SET_DIRECTION NONE forgets the line's trigger");
}

int main(void)
{
	const char *args[] = { "--lines", "4", "--names", "a,,c", "--wire", "0:1", NULL };

	log_init("lib_fe_gpio", false, 0);
	signal(SIGPIPE, SIG_IGN);
	fe_spawn(&fe, GPIO, args);
	fe_negotiate(&fe, ~0ull, ~0ull);
	CHECK(fe.features & (1ull << VIRTIO_GPIO_F_IRQ), "VIRTIO_GPIO_F_IRQ not offered");
	CHECK(fe.protocol & (1ull << VU_PROTOCOL_F_CONFIG), "no config space offered");
	req_gpa = fe_alloc(&fe, 16);
	resp_gpa = fe_alloc(&fe, 64);
	fe_start_queue(&fe, 0, 16);
	requests();
	interrupts();
	CHECK(fe_stop(&fe) == 0, "exit status on SIGTERM");
	OK("SIGTERM: exit 0");
	fe_cleanup(&fe);
	return 0;
}
