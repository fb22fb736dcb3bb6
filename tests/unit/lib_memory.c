// SPDX-License-Identifier: MIT
/* Guest memory table: region validation, translation bounds, mapping a
 * memfd at an unaligned offset, and keeping dropped mappings alive while
 * requests point into them. */
#include "check.h"
#include "log.h"
#include "memory.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static uint8_t a[4096], b[4096];

static void translation(void)
{
	struct vub_mem m;
	struct iovec iov[4];
	uint8_t out[32];

	vub_mem_init(&m);
	CHECK(vub_mem_add_host(&m, 0x1000, 4096, 0x7000, a) == 0, "add region a");
	CHECK(vub_mem_add_host(&m, 0x2000, 4096, 0x9000, b) == 0, "add region b");
	CHECK(vub_mem_gpa(&m, 0x1000, 4096) == a, "whole region a");
	CHECK(vub_mem_gpa(&m, 0x1fff, 1) == a + 4095, "last byte of a");
	CHECK(!vub_mem_gpa(&m, 0x1fff, 2), "a range crossing into b is not contiguous");
	CHECK(!vub_mem_gpa(&m, 0x0fff, 2), "a range starting before a");
	CHECK(!vub_mem_gpa(&m, 0x1000, 0), "an empty range");
	CHECK(!vub_mem_gpa(&m, UINT64_MAX, 2), "a range that wraps");
	CHECK(!vub_mem_gpa(&m, 0x3000, 1), "past the last region");
	CHECK(vub_mem_uva(&m, 0x7010, 0x20) == a + 0x10, "user address inside a");
	CHECK(!vub_mem_uva(&m, 0x7ff0, 0x20), "user range past the end of a");
	CHECK(!vub_mem_uva(&m, 0x1010, 0x20), "guest address used as a user address");
	OK("single-region translation checks both ends and wrap-around");

	CHECK(vub_mem_gpa_iov(&m, 0x1ff0, 0x20, iov, 4) == 2, "split across adjacent regions");
	CHECK(iov[0].iov_base == a + 0xff0 && iov[0].iov_len == 0x10, "first part");
	CHECK(iov[1].iov_base == b && iov[1].iov_len == 0x10, "second part");
	CHECK(vub_mem_gpa_iov(&m, 0x1ff0, 0x20, iov, 1) == -E2BIG, "too few iovecs");
	CHECK(vub_mem_gpa_iov(&m, 0x2ff0, 0x20, iov, 4) == -EFAULT, "running off the end");
	CHECK(vub_mem_gpa_iov(&m, UINT64_MAX - 1, 4, iov, 4) == -EFAULT, "wrapping range");
	CHECK(vub_mem_gpa_iov(&m, 0x5000, 0, iov, 4) == 0, "empty buffer needs no iovec");
	memset(a, 0xaa, sizeof(a));
	memset(b, 0xbb, sizeof(b));
	CHECK(vub_mem_read(&m, 0x1ff0, out, 32) == 0, "read across regions");
	CHECK(out[15] == 0xaa && out[16] == 0xbb, "read the right bytes");
	CHECK(vub_mem_read(&m, 0x2ff0, out, 32) == -EFAULT, "read past the end");
	OK("buffers spanning adjacent regions become several iovecs");
	vub_mem_clear(&m);
}

static void validation(void)
{
	static uint8_t big[VUB_MAX_MEM_SLOTS + 1];
	struct vub_mem m;

	vub_mem_init(&m);
	CHECK(vub_mem_add_host(&m, 0x1000, 4096, 0x7000, a) == 0, "add a");
	CHECK(vub_mem_add_host(&m, 0x1800, 4096, 0x20000, b) == -EINVAL, "guest overlap refused");
	CHECK(vub_mem_add_host(&m, 0x8000, 4096, 0x7800, b) == -EINVAL, "user overlap refused");
	CHECK(vub_mem_add_host(&m, 0x1000, 4096, 0x7000, a) == -EEXIST, "duplicate reported");
	CHECK(vub_mem_add_host(&m, 0x9000, 0, 0x9000, b) == -EINVAL, "empty region refused");
	CHECK(vub_mem_add_host(&m, UINT64_MAX, 2, 0x9000, b) == -EINVAL, "wrapping guest range");
	CHECK(vub_mem_add_host(&m, 0x9000, 2, UINT64_MAX, b) == -EINVAL, "wrapping user range");
	CHECK(vub_mem_remove(&m, 0x1000, 4095, 0x7000) == -ENOENT, "remove needs the exact size");
	CHECK(vub_mem_remove(&m, 0x1000, 4096, 0x7000) == 0, "remove");
	CHECK(!vub_mem_gpa(&m, 0x1000, 1), "removed region no longer translates");
	for (unsigned int i = 0; i < VUB_MAX_MEM_SLOTS; i++)
		CHECK(vub_mem_add_host(&m, 0x100000 * (i + 1), 1, 0x100000 * (i + 1), big + i) == 0,
		      "slot %u", i);
	CHECK(vub_mem_add_host(&m, 0x10000000, 1, 0x10000000, big) == -ENOSPC, "slot limit");
	vub_mem_clear(&m);
	OK("overlaps, duplicates, empty and wrapping regions and the slot limit are refused");
}

static void mapping(void)
{
	long page = sysconf(_SC_PAGESIZE);
	int fd = memfd_create("t", MFD_CLOEXEC), dirfd = open("/", O_RDONLY | O_DIRECTORY);
	struct vu_mem_region r = { .guest_phys_addr = 0x40000, .memory_size = 1000,
				   .userspace_addr = 0x500000, .mmap_offset = page + 100 };
	struct vub_mem m;
	uint8_t *p;
	char got[6] = { 0 };

	CHECK(fd >= 0 && ftruncate(fd, 3 * page) == 0, "memfd");
	CHECK(pwrite(fd, "hello", 5, page + 100) == 5, "seed the file");
	vub_mem_init(&m);
	CHECK(vub_mem_map_region(&m, &r, fd) == 0, "map at an unaligned offset");
	p = vub_mem_gpa(&m, 0x40000, 5);
	CHECK(p && memcmp(p, "hello", 5) == 0, "the mapping starts at the file offset");
	memcpy(p, "HELLO", 5);
	CHECK(pread(fd, got, 5, page + 100) == 5 && !strcmp(got, "HELLO"), "writes reach the file");
	CHECK(!vub_mem_gpa(&m, 0x40000, 1001), "bounded by the region size, not the mapping");
	OK("memfd region mapped at an unaligned offset, shared both ways, bounded");

	r.guest_phys_addr = 0x80000;
	r.userspace_addr = 0x900000;
	r.mmap_offset = 2 * page;
	r.memory_size = 2 * page;
	CHECK(vub_mem_map_region(&m, &r, fd) == -EINVAL, "region beyond the end of the file");
	r.mmap_offset = UINT64_MAX - 10;
	CHECK(vub_mem_map_region(&m, &r, fd) == -EINVAL, "wrapping file offset");
	r.mmap_offset = 0;
	CHECK(vub_mem_map_region(&m, &r, dirfd) == -EINVAL, "a directory is not memory");
	OK("regions past the end of their file (SIGBUS) and non-memory fds are refused");

	/* A request still points into the region: removing it must not unmap. */
	m.users = 1;
	CHECK(vub_mem_remove(&m, 0x40000, 1000, 0x500000) == 0, "remove while in use");
	CHECK(m.nretired == 1 && memcmp(p, "HELLO", 5) == 0, "mapping kept while in use");
	m.users = 0;
	vub_mem_gc(&m);
	CHECK(m.nretired == 0, "mapping released once unused");
	OK("a removed region stays mapped until the last request using it is done");
	vub_mem_clear(&m);
	free(m.retired);
	close(fd);
	close(dirfd);
}

int main(void)
{
	log_init("lib_memory", false, 0);
	translation();
	validation();
	mapping();
	return 0;
}
