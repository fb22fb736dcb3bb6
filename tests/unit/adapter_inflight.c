// SPDX-License-Identifier: MIT
/* Unit test: reading a dead back-end's inflight region (adapter/inflight.c). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../adapter/inflight.h"
#include "vhost_user.h"

#define QSIZE 8

static struct vu_inflight_queue *region(void)
{
	struct vu_inflight_queue *q = calloc(1, vu_inflight_queue_size(QSIZE));

	q->version = 1;
	q->desc_num = QSIZE;
	return q;
}

static void take(struct vu_inflight_queue *q, uint16_t head, uint64_t counter)
{
	q->desc[head].inflight = 1;
	q->desc[head].counter = counter;
}

int main(void)
{
	size_t size = vu_inflight_queue_size(QSIZE);
	struct vu_inflight_queue *q = region();
	uint16_t heads[QSIZE];
	int n;

	/* Nothing in flight. */
	n = inflight_heads(q, size, QSIZE, 0, heads, QSIZE);
	CHECK(n == 0, "n=%d", n);

	/* Three taken, reported oldest first by counter. */
	take(q, 5, 30);
	take(q, 1, 10);
	take(q, 3, 20);
	n = inflight_heads(q, size, QSIZE, 0, heads, QSIZE);
	CHECK(n == 3 && heads[0] == 1 && heads[1] == 3 && heads[2] == 5,
	      "n=%d heads %u %u %u", n, heads[0], heads[1], heads[2]);

	/* A batch of two (5 then 3) published in the used ring before the
	 * back-end died, flags not yet cleared: only head 1 is in flight. */
	q->last_batch_head = 5;
	q->desc[5].next = 3;
	q->desc[3].next = 0;
	q->used_idx = 4;
	n = inflight_heads(q, size, QSIZE, 6, heads, QSIZE);
	CHECK(n == 1 && heads[0] == 1, "n=%d head %u", n, heads[0]);

	/* The batch was complete in the region: nothing to subtract. */
	n = inflight_heads(q, size, QSIZE, 4, heads, QSIZE);
	CHECK(n == 3, "n=%d", n);

	/* The room given is respected. */
	n = inflight_heads(q, size, QSIZE, 4, heads, 2);
	CHECK(n == 2, "n=%d", n);

	/* A ring smaller than the region: heads beyond it never ran. */
	take(q, 7, 40);
	n = inflight_heads(q, size, 4, 4, heads, QSIZE);
	CHECK(n == 2 && heads[0] == 1 && heads[1] == 3, "n=%d", n);

	/* A batch list that loops or leaves the table stays bounded. */
	q->desc[5].next = 5;
	n = inflight_heads(q, size, QSIZE, (uint16_t)(4 + 1000), heads, QSIZE);
	CHECK(n >= 0 && n <= QSIZE, "n=%d", n);
	q->desc[5].next = 60000;
	n = inflight_heads(q, size, QSIZE, 6, heads, QSIZE);
	CHECK(n >= 0 && n <= QSIZE, "n=%d", n);

	/* Malformed: too small, or desc_num beyond the region. */
	CHECK(inflight_heads(q, 8, QSIZE, 0, heads, QSIZE) == -1, "short region");
	q->desc_num = 1000;
	CHECK(inflight_heads(q, size, QSIZE, 0, heads, QSIZE) == -1, "desc_num too big");
	q->desc_num = 0;
	CHECK(inflight_heads(q, size, QSIZE, 0, heads, QSIZE) == -1, "desc_num 0");

	/* An unused region (version 0) has nothing in flight. */
	memset(q, 0, size);
	CHECK(inflight_heads(q, size, QSIZE, 3, heads, QSIZE) == 0, "version 0");
	free(q);
	OK("%s", "all checks passed");
	return 0;
}
