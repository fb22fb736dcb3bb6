// SPDX-License-Identifier: MIT
/*
 * frame-copy: how long one memcpy of a frame takes here, the unit the GPU
 * benchmark measures a page flip in.
 *   frame-copy BYTES [ROUNDS]   print the median nanoseconds of ROUNDS
 *                               (default 50) copies of BYTES, after one
 *                               copy that touches both buffers
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int main(int argc, char **argv)
{
	unsigned long bytes = argc > 1 ? strtoul(argv[1], NULL, 0) : 0;
	unsigned long rounds = argc > 2 ? strtoul(argv[2], NULL, 0) : 50;
	uint64_t *t;
	char *src, *dst;

	if (argc < 2 || argc > 3 || !bytes || !rounds || rounds > 100000) {
		fprintf(stderr, "usage: frame-copy BYTES [ROUNDS]\n");
		return 2;
	}
	src = malloc(bytes);
	dst = malloc(bytes);
	t = calloc(rounds, sizeof(*t));
	if (!src || !dst || !t) {
		fprintf(stderr, "frame-copy: out of memory\n");
		return 1;
	}
	memset(src, 0x5a, bytes);
	memcpy(dst, src, bytes);
	for (unsigned long i = 0; i < rounds; i++) {
		uint64_t t0 = now_ns();

		memcpy(dst, src, bytes);
		/* Keep the copy from being optimised away. */
		__asm__ volatile("" : : "r"(dst) : "memory");
		t[i] = now_ns() - t0;
	}
	qsort(t, rounds, sizeof(*t), cmp);
	printf("%llu\n", (unsigned long long)t[rounds / 2]);
	return 0;
}
