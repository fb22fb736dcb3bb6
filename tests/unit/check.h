/* SPDX-License-Identifier: MIT */
/* Assertions for the unit tests: a failed check prints where and why, and
 * ends the test with status 1. */
#ifndef TEST_CHECK_H
#define TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define FAIL(...) \
	do { \
		fflush(stdout); \
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__); \
		fputc('\n', stderr); \
		exit(1); \
	} while (0)

#define CHECK(cond, ...) \
	do { \
		if (!(cond)) \
			FAIL(__VA_ARGS__); \
	} while (0)

#define OK(...) \
	do { \
		printf("ok: " __VA_ARGS__); \
		putchar('\n'); \
		fflush(stdout); \
	} while (0)

#endif
