// SPDX-License-Identifier: MIT
/* Split-ring descriptor chain walking. */
#include "chain.h"

#include <endian.h>
#include <errno.h>
#include <string.h>

struct desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

/* One copy of the entry, so the driver cannot change it under us. */
static struct desc read_desc(const struct vring_desc *d)
{
	struct vring_desc raw;
	struct desc out;

	memcpy(&raw, d, sizeof(raw));
	out.addr = le64toh(raw.addr);
	out.len = le32toh(raw.len);
	out.flags = le16toh(raw.flags);
	out.next = le16toh(raw.next);
	return out;
}

static int fail(const char **why, const char *what)
{
	*why = what;
	return -EINVAL;
}

int vub_chain_walk(const struct vub_mem *mem, const struct vring_desc *table,
		   unsigned int num, unsigned int head, bool indirect_ok,
		   struct vring_desc *itable, struct iovec *iov, unsigned int max_iov,
		   struct vub_chain *chain, const char **why)
{
	const struct vring_desc *t = table;
	unsigned int tsize = num, budget = num, i = head;
	bool in_indirect = false;

	memset(chain, 0, sizeof(*chain));
	*why = NULL;
	if (head >= num)
		return fail(why, "head index out of range");
	for (;;) {
		struct desc d;
		int n;

		/* Each table can hold only tsize distinct entries. */
		if (budget == 0)
			return fail(why, "descriptor chain loops or is longer than its table");
		budget--;
		d = read_desc(&t[i]);
		chain->ndesc++;
		if (d.flags & VRING_DESC_F_INDIRECT) {
			if (!indirect_ok)
				return fail(why, "indirect descriptor without VIRTIO_RING_F_INDIRECT_DESC");
			if (in_indirect)
				return fail(why, "nested indirect descriptor");
			if (d.flags & VRING_DESC_F_NEXT)
				return fail(why, "indirect descriptor with the NEXT flag");
			if (d.len == 0 || d.len % sizeof(struct vring_desc))
				return fail(why, "indirect table size is not a multiple of 16");
			if (d.len / sizeof(struct vring_desc) > VUB_MAX_IOV)
				return fail(why, "indirect table too large");
			if (vub_mem_read(mem, d.addr, itable, d.len))
				return fail(why, "indirect table outside guest memory");
			t = itable;
			tsize = budget = d.len / sizeof(struct vring_desc);
			i = 0;
			in_indirect = true;
			continue;
		}
		if (!(d.flags & VRING_DESC_F_WRITE) && chain->nin)
			return fail(why, "device-readable descriptor after a writable one");
		n = vub_mem_gpa_iov(mem, d.addr, d.len, iov + chain->nout + chain->nin,
				    max_iov - chain->nout - chain->nin);
		if (n == -E2BIG)
			return fail(why, "too many buffer segments");
		if (n < 0)
			return fail(why, "buffer outside guest memory");
		if (d.flags & VRING_DESC_F_WRITE) {
			chain->nin += (unsigned int)n;
			chain->in_len += d.len;
		} else {
			chain->nout += (unsigned int)n;
			chain->out_len += d.len;
		}
		if (!(d.flags & VRING_DESC_F_NEXT))
			return 0;
		if (d.next >= tsize)
			return fail(why, "next descriptor index out of range");
		i = d.next;
	}
}
