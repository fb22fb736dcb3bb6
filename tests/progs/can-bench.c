// SPDX-License-Identifier: MIT
/*
 * can-bench: CAN frames from interface FROM to interface TO, timed on
 * one host (both ends share CLOCK_MONOTONIC, so one-way times are real).
 *
 *   can-bench latency FROM TO N [fd]      one frame in flight at a time:
 *       one-way latency p50 and p99 over N frames
 *   can-bench throughput FROM TO N W [fd] at most W frames in flight:
 *       frames per second over N frames, and none may be lost
 *
 * Frames are 8 bytes (classic) or 64 (fd), id 0x5A5, with a sequence
 * number in their first 4 bytes; TO's socket sees only that id. Prints
 * key=value lines; exits 1 on a lost, duplicated or reordered frame.
 */
#include <errno.h>
#include <linux/can.h>
#include <linux/can/raw.h>
#include <net/if.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "parse.h"

#define BENCH_ID 0x5A5
#define TIMEOUT_MS 5000

static void die(const char *what)
{
	fprintf(stderr, "can-bench: %s: %s\n", what, strerror(errno));
	exit(2);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int open_can(const char *ifname, bool fd, bool receiver)
{
	struct sockaddr_can addr = { .can_family = AF_CAN };
	struct can_filter filter = { .can_id = BENCH_ID, .can_mask = CAN_SFF_MASK | CAN_EFF_FLAG };
	int on = 1, s = socket(PF_CAN, SOCK_RAW, CAN_RAW);

	if (s < 0)
		die("socket");
	addr.can_ifindex = (int)if_nametoindex(ifname);
	if (!addr.can_ifindex) {
		fprintf(stderr, "can-bench: no interface %s\n", ifname);
		exit(2);
	}
	if (fd && setsockopt(s, SOL_CAN_RAW, CAN_RAW_FD_FRAMES, &on, sizeof(on)))
		die("CAN_RAW_FD_FRAMES");
	/* The sender hears nothing; the receiver only the benchmark's id. */
	if (setsockopt(s, SOL_CAN_RAW, CAN_RAW_FILTER, receiver ? &filter : NULL,
		       receiver ? sizeof(filter) : 0))
		die("CAN_RAW_FILTER");
	if (bind(s, (struct sockaddr *)&addr, sizeof(addr)))
		die(ifname);
	return s;
}

struct bench {
	int tx, rx;
	bool fd;
	uint32_t sent, got;
};

/* Send frame number seq; false when the interface wants us to wait. */
static bool send_frame(struct bench *b, uint32_t seq)
{
	struct canfd_frame f = { .can_id = BENCH_ID, .len = b->fd ? 64 : 8 };
	size_t size = b->fd ? CANFD_MTU : CAN_MTU;

	memcpy(f.data, &seq, sizeof(seq));
	if (write(b->tx, &f, size) == (ssize_t)size)
		return true;
	if (errno != ENOBUFS && errno != EAGAIN)
		die("write");
	return false;
}

/* Wait up to ms for fd to be ready for events; false on timeout. */
static bool wait_fd(int fd, short events, int ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n = poll(&p, 1, ms);

	if (n < 0 && errno != EINTR)
		die("poll");
	return n > 0;
}

/* Receive the next frame: it must be number b->got. */
static void receive_frame(struct bench *b)
{
	struct canfd_frame f;
	uint32_t seq;

	if (!wait_fd(b->rx, POLLIN, TIMEOUT_MS)) {
		fprintf(stderr, "can-bench: frame %u never came (%u sent)\n", b->got, b->sent);
		exit(1);
	}
	if (read(b->rx, &f, sizeof(f)) < 0)
		die("read");
	memcpy(&seq, f.data, sizeof(seq));
	if (seq != b->got || f.len != (b->fd ? 64 : 8)) {
		fprintf(stderr, "can-bench: frame %u came as number %u, %u bytes\n", b->got, seq,
			f.len);
		exit(1);
	}
	b->got++;
}

static void send_or_wait(struct bench *b)
{
	while (!send_frame(b, b->sent))
		wait_fd(b->tx, POLLOUT, 1);
	b->sent++;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void latency(struct bench *b, uint32_t n)
{
	uint64_t *us = calloc(n, sizeof(*us));

	if (!us)
		die("calloc");
	for (uint32_t i = 0; i < n; i++) {
		uint64_t t0 = now_ns();

		send_or_wait(b);
		receive_frame(b);
		us[i] = (now_ns() - t0) / 1000;
	}
	qsort(us, n, sizeof(*us), cmp_u64);
	printf("frames=%u\np50_us=%llu\np99_us=%llu\nlost=0\n", n,
	       (unsigned long long)us[n / 2], (unsigned long long)us[(uint64_t)n * 99 / 100]);
	free(us);
}

static void throughput(struct bench *b, uint32_t n, uint32_t window)
{
	uint64_t t0 = now_ns(), ns;

	while (b->got < n) {
		if (b->sent < n && b->sent - b->got < window && send_frame(b, b->sent)) {
			b->sent++;
			continue;
		}
		if (b->sent - b->got == 0) {
			wait_fd(b->tx, POLLOUT, 1);
			continue;
		}
		receive_frame(b);
	}
	ns = now_ns() - t0;
	printf("frames=%u\nwindow=%u\nframes_per_s=%.0f\nlost=0\n", n, window,
	       (double)n * 1e9 / (double)ns);
}

static uint32_t number(const char *s, const char *what)
{
	uint64_t v;

	if (!parse_u64(s, 1, 10000000, &v)) {
		fprintf(stderr, "can-bench: %s: '%s' is not a number from 1 to 10000000\n", what, s);
		exit(2);
	}
	return (uint32_t)v;
}

static void usage(FILE *f)
{
	fprintf(f, "Usage: can-bench latency FROM TO N [fd]\n"
		   "       can-bench throughput FROM TO N WINDOW [fd]\n"
		   "One-way latency (p50, p99) or frames per second from CAN interface\n"
		   "FROM to TO, 8-byte frames or 64-byte FD frames.\n");
}

int main(int argc, char **argv)
{
	struct bench b = { 0 };
	bool thr;
	int nargs;

	if (argc == 2 && !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	thr = argc > 1 && !strcmp(argv[1], "throughput");
	nargs = thr ? 6 : 5;
	if (argc < 2 || (!thr && strcmp(argv[1], "latency")) || argc < nargs ||
	    argc > nargs + 1 || (argc == nargs + 1 && strcmp(argv[nargs], "fd"))) {
		usage(stderr);
		return 2;
	}
	b.fd = argc == nargs + 1;
	b.tx = open_can(argv[2], b.fd, false);
	b.rx = open_can(argv[3], b.fd, true);
	if (thr)
		throughput(&b, number(argv[4], "N"), number(argv[5], "WINDOW"));
	else
		latency(&b, number(argv[4], "N"));
	return 0;
}
