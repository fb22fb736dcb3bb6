/* SPDX-License-Identifier: MIT */
/*
 * The front-end's shared memory as the back-end sees it: a table of
 * regions, each known by its guest address range, its front-end user
 * address range and where it is mapped here. Every translation checks
 * that the whole requested range lies inside one region (or, for
 * buffers, inside a run of regions), with no integer overflow.
 */
#ifndef VUB_MEMORY_H
#define VUB_MEMORY_H

#include "vhost_user.h"
#include "vub.h"

#include <stdint.h>
#include <sys/uio.h>

struct vub_region {
	uint64_t gpa;		/* first guest address */
	uint64_t size;		/* bytes, never 0 */
	uint64_t uva;		/* front-end user address of gpa */
	uint8_t *host;		/* our address of gpa */
	void *map_base;		/* what to munmap, NULL if not ours */
	size_t map_len;
};

struct vub_mapping {
	void *base;
	size_t len;
};

struct vub_mem {
	struct vub_region regions[VUB_MAX_MEM_SLOTS];
	unsigned int nregions;
	/* Mappings dropped from the table while requests still pointed into
	 * them; unmapped once no request is outstanding. */
	struct vub_mapping *retired;
	unsigned int nretired, retired_cap;
	unsigned int users;	/* requests popped and not yet done */
};

void vub_mem_init(struct vub_mem *m);
/* Validate one region from the front-end and map it from fd (which the
 * caller still owns). Returns 0 or -errno; logs why it refused. */
int vub_mem_map_region(struct vub_mem *m, const struct vu_mem_region *r, int fd);
/* Add a region that is already in our address space (tests, fuzzing). */
int vub_mem_add_host(struct vub_mem *m, uint64_t gpa, uint64_t size, uint64_t uva, void *host);
/* Remove the region with exactly these addresses and size. */
int vub_mem_remove(struct vub_mem *m, uint64_t gpa, uint64_t size, uint64_t uva);
/* Replace the table with the regions of staged (which is left empty). */
void vub_mem_replace(struct vub_mem *m, struct vub_mem *staged);
/* Drop every region (mappings in use by requests are retired). */
void vub_mem_clear(struct vub_mem *m);
/* Unmap retired mappings if no request is outstanding. */
void vub_mem_gc(struct vub_mem *m);

/* Our address of [uva, uva+len) if it lies in one region, else NULL. */
void *vub_mem_uva(const struct vub_mem *m, uint64_t uva, uint64_t len);
/* Our address of [gpa, gpa+len) if it lies in one region, else NULL. */
void *vub_mem_gpa(const struct vub_mem *m, uint64_t gpa, uint64_t len);
/* Describe [gpa, gpa+len) as at most max iovecs, following adjacent
 * regions. Returns the count, -EFAULT (unmapped) or -E2BIG (too many). */
int vub_mem_gpa_iov(const struct vub_mem *m, uint64_t gpa, uint64_t len,
		    struct iovec *iov, unsigned int max);
/* Copy [gpa, gpa+len) into buf. Returns 0 or -EFAULT. */
int vub_mem_read(const struct vub_mem *m, uint64_t gpa, void *buf, size_t len);

#endif
