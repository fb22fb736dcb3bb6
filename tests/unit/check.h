/* SPDX-License-Identifier: MIT */
/* A minimal check macro for the unit tests: count, report, keep going. */
#ifndef VLB_CHECK_H
#define VLB_CHECK_H

#include <stdio.h>

static int check_failures;
static int check_count;

#define CHECK(cond, ...)                                                 \
	do {                                                             \
		check_count++;                                           \
		if (!(cond)) {                                           \
			check_failures++;                                \
			printf("FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond); \
			printf(__VA_ARGS__);                             \
			printf("\n");                                    \
		}                                                        \
	} while (0)

/* The test's exit status; prints the tally. */
static inline int check_report(void)
{
	printf("%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}

#endif
