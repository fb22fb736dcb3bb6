// SPDX-License-Identifier: MIT
/*
 * gpio-toggle: drive a GPIO line and check, or time, what comes back.
 *
 *   gpio-toggle follow CHIP OUT IN N
 *     Holds line OUT of CHIP as an output and waits until line IN is in
 *     use (by gpiomon) and its first edge comes through (gpiomon takes
 *     the line before it turns its interrupt on). Then it toggles OUT N
 *     times (0->1->0). After each change it waits for the matching event on stdin, where
 *     `gpiomon -F %e` writes 1 for a rising and 0 for a falling edge. Fails
 *     on a wrong or missing event, or on any event after the last one.
 *
 *   gpio-toggle bench CHIP OUT IN ROUNDS
 *     Holds OUT as an output and IN for both edges' events (OUT wired to
 *     IN), then measures set(OUT)+get(IN) round trips per second, and the
 *     time from a set of OUT to the event on IN (p50, p99). Prints
 *     key=value lines.
 */
#include <errno.h>
#include <gpiod.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EVENT_WAIT_MS 5000
#define QUIET_MS 500

static void die(const char *fmt, const char *arg)
{
	fprintf(stderr, "gpio-toggle: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\n");
	exit(1);
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static unsigned long number(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end)
		die("'%s' is not a number", s);
	return v;
}

static struct gpiod_line *take(struct gpiod_chip *chip, const char *offset, int type)
{
	struct gpiod_line_request_config cfg = { .consumer = "gpio-toggle", .request_type = type };
	struct gpiod_line *line = gpiod_chip_get_line(chip, (unsigned int)number(offset));

	if (!line || gpiod_line_request(line, &cfg, 0) < 0)
		die("cannot request line %s", offset);
	return line;
}

/* The next event character on stdin ('0' or '1'), -1 after ms, -2 at
 * the end of the input. */
static int next_event(int ms)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	char c;

	for (;;) {
		if (poll(&p, 1, ms) <= 0)
			return -1;
		if (read(0, &c, 1) != 1)
			return -2;
		if (c == '0' || c == '1')
			return c;
	}
}

static int follow(struct gpiod_chip *chip, const char *out, const char *in, unsigned long n)
{
	struct gpiod_line *watched = gpiod_chip_get_line(chip, (unsigned int)number(in));
	struct gpiod_line *line = take(chip, out, GPIOD_LINE_REQUEST_DIRECTION_OUTPUT);
	unsigned long rising = 0, falling = 0;

	for (int tries = 0; !watched || gpiod_line_update(watched) < 0 ||
	     !gpiod_line_is_used(watched); tries++) {
		if (tries == 1000)
			die("line %s is not in use after 10 s", in);
		usleep(10000);
	}
	/* Until a rising edge comes back; what came before does not count. */
	for (int tries = 0;; tries++) {
		if (tries == 20)
			die("no edge on line %s within 10 s", in);
		if (gpiod_line_set_value(line, 0) < 0)
			die("set: %s", strerror(errno));
		while (next_event(50) >= 0)
			;
		if (gpiod_line_set_value(line, 1) < 0)
			die("set: %s", strerror(errno));
		if (next_event(500) == '1')
			break;
	}
	if (gpiod_line_set_value(line, 0) < 0 || next_event(EVENT_WAIT_MS) != '0')
		die("no falling edge after the first rising one%s", "");

	for (unsigned long i = 0; i < 2 * n; i++) {
		int want = i % 2 ? '0' : '1', got;

		if (gpiod_line_set_value(line, want - '0') < 0)
			die("set: %s", strerror(errno));
		got = next_event(EVENT_WAIT_MS);
		if (got != want) {
			fprintf(stderr, "gpio-toggle: change %lu: %s\n", i + 1,
				got == -1 ? "no event within 5 s" :
				got == -2 ? "the events' input ended" : "the wrong edge");
			return 1;
		}
		*(want == '1' ? &rising : &falling) += 1;
	}
	if (next_event(QUIET_MS) != -1) {
		fprintf(stderr, "gpio-toggle: an event after the last change\n");
		return 1;
	}
	printf("toggles=%lu rising=%lu falling=%lu extra=0\n", n, rising, falling);
	return 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int bench(struct gpiod_chip *chip, const char *out, const char *in, unsigned long rounds)
{
	struct gpiod_line *o = take(chip, out, GPIOD_LINE_REQUEST_DIRECTION_OUTPUT);
	struct gpiod_line *i = take(chip, in, GPIOD_LINE_REQUEST_EVENT_BOTH_EDGES);
	struct pollfd p = { .fd = gpiod_line_event_get_fd(i), .events = POLLIN };
	double *lat = calloc(rounds, sizeof(*lat)), t0;
	struct gpiod_line_event ev;

	if (!lat || !rounds)
		die("%s rounds", "no");
	/* Round trips: the events they make are drained afterwards. */
	t0 = now_us();
	for (unsigned long r = 0; r < rounds; r++) {
		if (gpiod_line_set_value(o, (int)(r % 2 == 0)) < 0 || gpiod_line_get_value(i) < 0)
			die("round trip: %s", strerror(errno));
	}
	printf("set_get_per_s=%.1f\n", rounds / ((now_us() - t0) / 1e6));
	if (gpiod_line_set_value(o, 0) < 0)
		die("set: %s", strerror(errno));
	while (poll(&p, 1, QUIET_MS) > 0)
		if (gpiod_line_event_read(i, &ev) < 0)
			die("event: %s", strerror(errno));
	for (unsigned long r = 0; r < rounds; r++) {
		t0 = now_us();
		if (gpiod_line_set_value(o, (int)(r % 2 == 0)) < 0)
			die("set: %s", strerror(errno));
		if (poll(&p, 1, EVENT_WAIT_MS) <= 0 || gpiod_line_event_read(i, &ev) < 0)
			die("no edge within 5 s%s", "");
		lat[r] = now_us() - t0;
	}
	qsort(lat, rounds, sizeof(*lat), cmp_double);
	printf("edge_p50_us=%.1f\nedge_p99_us=%.1f\n", lat[rounds / 2],
	       lat[(rounds * 99) / 100 < rounds ? (rounds * 99) / 100 : rounds - 1]);
	free(lat);
	return 0;
}

int main(int argc, char **argv)
{
	struct gpiod_chip *chip;

	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("Usage: gpio-toggle follow CHIP OUT IN N\n"
		       "       gpio-toggle bench CHIP OUT IN ROUNDS\n");
		return 0;
	}
	if (argc < 3 || !(chip = gpiod_chip_open_lookup(argv[2])))
		die("usage: gpio-toggle follow CHIP OUT IN N | bench CHIP OUT IN ROUNDS%s", "");
	if (!strcmp(argv[1], "follow") && argc == 6)
		return follow(chip, argv[3], argv[4], number(argv[5]));
	if (!strcmp(argv[1], "bench") && argc == 6)
		return bench(chip, argv[3], argv[4], number(argv[5]));
	die("usage: gpio-toggle follow CHIP OUT IN N | bench CHIP OUT IN ROUNDS%s", "");
	return 2;
}
