// SPDX-License-Identifier: MIT
/* Descriptor chain walking: good chains (direct, indirect, split across
 * regions) and every way a driver can get one wrong. */
#include "chain.h"
#include "check.h"
#include "log.h"

#include <endian.h>
#include <string.h>

#define MEM 65536
#define NUM 8
#define F_NEXT VRING_DESC_F_NEXT
#define F_WRITE VRING_DESC_F_WRITE
#define F_IND VRING_DESC_F_INDIRECT

static uint8_t mem[MEM], mem2[4096];
static struct vring_desc *table = (struct vring_desc *)mem;	/* at gpa 0 */
static struct vring_desc itable[VUB_MAX_IOV];
static struct iovec iov[VUB_MAX_IOV];
static struct vub_mem m;

static void set(struct vring_desc *t, unsigned int i, uint64_t addr, uint32_t len,
		uint16_t flags, uint16_t next)
{
	t[i].addr = htole64(addr);
	t[i].len = htole32(len);
	t[i].flags = htole16(flags);
	t[i].next = htole16(next);
}

static int walk(unsigned int head, bool indirect, unsigned int max, struct vub_chain *c,
		const char **why)
{
	return vub_chain_walk(&m, table, NUM, head, indirect, itable, iov, max, c, why);
}

static void expect_bad(unsigned int head, bool indirect, const char *what, const char *label)
{
	struct vub_chain c;
	const char *why;

	CHECK(walk(head, indirect, VUB_MAX_IOV, &c, &why) != 0, "%s was accepted", label);
	CHECK(why && strstr(why, what), "%s: reason '%s', expected '%s'", label, why ? why : "",
	      what);
}

static void good_chains(void)
{
	struct vub_chain c;
	const char *why;
	struct vring_desc *ind = (struct vring_desc *)(mem + 0x3000);

	memset(mem, 0, sizeof(mem));
	set(table, 0, 0x1000, 16, F_NEXT, 5);
	set(table, 5, 0x1100, 100, F_NEXT | F_WRITE, 2);
	set(table, 2, 0x1200, 1, F_WRITE, 0);
	CHECK(walk(0, false, VUB_MAX_IOV, &c, &why) == 0, "direct chain: %s", why);
	CHECK(c.nout == 1 && c.nin == 2 && c.out_len == 16 && c.in_len == 101 && c.ndesc == 3,
	      "direct chain shape %u/%u %llu/%llu", c.nout, c.nin,
	      (unsigned long long)c.out_len, (unsigned long long)c.in_len);
	CHECK(iov[0].iov_base == mem + 0x1000 && iov[1].iov_base == mem + 0x1100 &&
	      iov[2].iov_base == mem + 0x1200 && iov[2].iov_len == 1, "direct chain iovecs");
	OK("direct chain: readable part then writable part, in order");

	set(ind, 0, 0x2000, 8, F_NEXT, 1);
	set(ind, 1, 0x2100, 32, F_NEXT | F_WRITE, 2);
	set(ind, 2, 0x2200, 0, F_WRITE, 0);
	set(table, 1, 0x3000, 3 * 16, F_IND, 0);
	CHECK(walk(1, true, VUB_MAX_IOV, &c, &why) == 0, "indirect chain: %s", why);
	CHECK(c.nout == 1 && c.nin == 1 && c.in_len == 32 && iov[1].iov_base == mem + 0x2100,
	      "indirect chain shape (zero-length buffers take no iovec)");
	set(table, 3, 0x1300, 4, F_NEXT, 4);
	set(table, 4, 0x3000, 3 * 16, F_IND | F_WRITE, 0);
	CHECK(walk(3, true, VUB_MAX_IOV, &c, &why) == 0, "direct then indirect: %s", why);
	CHECK(c.nout == 2 && c.nin == 1, "direct then indirect shape");
	OK("indirect tables, alone and after direct descriptors");

	CHECK(vub_mem_add_host(&m, MEM, sizeof(mem2), 0x900000, mem2) == 0, "second region");
	set(table, 6, MEM - 10, 20, 0, 0);
	CHECK(walk(6, false, VUB_MAX_IOV, &c, &why) == 0, "spanning buffer: %s", why);
	CHECK(c.nout == 2 && iov[0].iov_len == 10 && iov[1].iov_base == mem2, "spanning iovecs");
	OK("a buffer spanning two regions becomes two iovecs");
}

static void bad_chains(void)
{
	struct vring_desc *ind = (struct vring_desc *)(mem + 0x3000);
	struct vub_chain c;
	const char *why;

	memset(mem, 0, sizeof(mem));
	expect_bad(NUM, false, "head index", "head past the table");
	set(table, 0, 0x1000, 1, F_NEXT, 1);
	set(table, 1, 0x1000, 1, F_NEXT, 0);
	expect_bad(0, false, "loops", "two-entry loop");
	set(table, 0, 0x1000, 1, F_NEXT, 0);
	expect_bad(0, false, "loops", "self loop");
	set(table, 0, 0x1000, 1, F_NEXT, NUM);
	expect_bad(0, false, "next descriptor index", "next past the table");
	set(table, 0, MEM + sizeof(mem2) - 4, 16, 0, 0);
	expect_bad(0, false, "outside guest memory", "buffer past the end of memory");
	set(table, 0, UINT64_MAX - 3, 16, 0, 0);
	expect_bad(0, false, "outside guest memory", "buffer wrapping around");
	set(table, 0, 0x1000, 4, F_NEXT | F_WRITE, 1);
	set(table, 1, 0x1000, 4, 0, 0);
	expect_bad(0, false, "readable descriptor after", "readable after writable");
	OK("loops, bad indexes, buffers outside memory and wrong order are refused");

	set(table, 0, 0x3000, 32, F_IND, 0);
	set(ind, 0, 0x1000, 4, 0, 0);
	expect_bad(0, false, "without VIRTIO_RING_F_INDIRECT_DESC", "indirect not negotiated");
	set(table, 0, 0x3000, 20, F_IND, 0);
	expect_bad(0, true, "multiple of 16", "indirect size not a multiple of 16");
	set(table, 0, 0x3000, 0, F_IND, 0);
	expect_bad(0, true, "multiple of 16", "empty indirect table");
	set(table, 0, 0x3000, 16 * (VUB_MAX_IOV + 1), F_IND, 0);
	expect_bad(0, true, "too large", "oversized indirect table");
	set(table, 0, MEM + sizeof(mem2) - 16, 32, F_IND, 0);
	expect_bad(0, true, "outside guest memory", "indirect table past memory");
	set(table, 0, 0x3000, 32, F_IND | F_NEXT, 1);
	expect_bad(0, true, "NEXT flag", "indirect with NEXT");
	set(table, 0, 0x3000, 32, F_IND, 0);
	set(ind, 0, 0x3000, 32, F_IND, 0);
	expect_bad(0, true, "nested", "nested indirect");
	set(ind, 0, 0x1000, 4, F_NEXT, 1);
	set(ind, 1, 0x1000, 4, F_NEXT, 0);
	expect_bad(0, true, "loops", "loop inside an indirect table");
	set(ind, 1, 0x1000, 4, F_NEXT, 2);
	expect_bad(0, true, "next descriptor index", "next past the indirect table");
	OK("indirect tables: feature, size, bounds, nesting, NEXT and loops checked");

	for (unsigned int i = 0; i < 3; i++)
		set(table, i, 0x1000, 4, i < 2 ? F_NEXT : 0, (uint16_t)(i + 1));
	CHECK(walk(0, false, 2, &c, &why) != 0 && strstr(why, "too many"), "iovec limit");
	OK("a chain needing more iovecs than allowed is refused");
}

int main(void)
{
	log_init("lib_chain", false, 0);
	vub_mem_init(&m);
	CHECK(vub_mem_add_host(&m, 0, MEM, 0x800000, mem) == 0, "memory");
	good_chains();
	vub_mem_clear(&m);
	CHECK(vub_mem_add_host(&m, 0, MEM, 0x800000, mem) == 0, "memory");
	CHECK(vub_mem_add_host(&m, MEM, sizeof(mem2), 0x900000, mem2) == 0, "second region");
	bad_chains();
	vub_mem_clear(&m);
	return 0;
}
