/* SPDX-License-Identifier: MIT */
/*
 * Walking one split-ring descriptor chain into iovecs. The walk trusts
 * nothing it reads from shared memory: indexes are range-checked, the
 * walk is bounded by the table size (so loops end), an indirect table
 * is copied out first (size a multiple of 16, not nested, bounded), and
 * every buffer must lie inside mapped memory.
 */
#ifndef VUB_CHAIN_H
#define VUB_CHAIN_H

#include "memory.h"

#include <linux/virtio_ring.h>
#include <stdbool.h>

struct vub_chain {
	unsigned int nout, nin;		/* iovecs: nout readable, then nin writable */
	uint64_t out_len, in_len;	/* bytes in each part */
	unsigned int ndesc;		/* descriptors visited */
};

/*
 * Walk the chain starting at head in table (num entries, in shared
 * memory). itable is scratch room for VUB_MAX_IOV descriptors. Returns 0,
 * or -EINVAL with *why naming what was wrong.
 */
int vub_chain_walk(const struct vub_mem *mem, const struct vring_desc *table,
		   unsigned int num, unsigned int head, bool indirect_ok,
		   struct vring_desc *itable, struct iovec *iov, unsigned int max_iov,
		   struct vub_chain *chain, const char **why);

#endif
