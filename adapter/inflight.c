// SPDX-License-Identifier: MIT
#include "inflight.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vhost_user.h"

struct candidate {
	uint64_t counter;
	uint16_t head;
};

static int by_counter(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	return (x->counter > y->counter) - (x->counter < y->counter);
}

int inflight_heads(const void *region, size_t size, uint32_t ring_num,
		   uint16_t used_idx, uint16_t *heads, uint32_t max)
{
	const struct vu_inflight_queue *q = region;
	struct candidate *c;
	bool *done;
	uint32_t n = 0, num;
	uint16_t batch, i;

	if (size < sizeof(*q))
		return -1;
	/* An unused region (version 0) has nothing in flight. */
	if (q->version == 0)
		return 0;
	num = q->desc_num;
	if (num == 0 || sizeof(*q) + (size_t)num * sizeof(q->desc[0]) > size)
		return -1;
	/* Heads beyond the ring (the kernel may have shrunk it) never ran. */
	if (num > ring_num)
		num = ring_num;
	c = calloc(num, sizeof(*c));
	done = calloc(num, sizeof(*done));
	if (!c || !done) {
		free(c);
		free(done);
		return -1;
	}
	/* A batch in the used ring whose flags were not cleared is complete. */
	batch = (uint16_t)(used_idx - q->used_idx);
	for (i = q->last_batch_head; batch && i < num; batch--) {
		if (done[i])
			break;
		done[i] = true;
		i = q->desc[i].next;
	}
	for (i = 0; i < num; i++) {
		if (q->desc[i].inflight != 1 || done[i])
			continue;
		c[n].counter = q->desc[i].counter;
		c[n].head = i;
		n++;
	}
	qsort(c, n, sizeof(*c), by_counter);
	if (n > max)
		n = max;
	for (i = 0; i < n; i++)
		heads[i] = c[i].head;
	free(c);
	free(done);
	return (int)n;
}
