// SPDX-License-Identifier: MIT
/* Guest memory table: validation, mapping and bounds-checked translation. */
#include "memory.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#define HUGETLBFS_MAGIC_NUMBER 0x958458f6

void vub_mem_init(struct vub_mem *m)
{
	memset(m, 0, sizeof(*m));
}

/* Last byte of [start, start+len), or false when len is 0 or it wraps. */
static bool range_last(uint64_t start, uint64_t len, uint64_t *last)
{
	if (len == 0 || len - 1 > UINT64_MAX - start)
		return false;
	*last = start + (len - 1);
	return true;
}

static bool ranges_overlap(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a <= b + (blen - 1) && b <= a + (alen - 1);
}

/* Check a new region against overflow and against the regions we have. */
static int check_region(const struct vub_mem *m, uint64_t gpa, uint64_t size, uint64_t uva)
{
	uint64_t last;

	if (!range_last(gpa, size, &last) || !range_last(uva, size, &last)) {
		log_err("memory region gpa 0x%" PRIx64 " uva 0x%" PRIx64 " size 0x%" PRIx64
			" is empty or wraps around", gpa, uva, size);
		return -EINVAL;
	}
	if (size > SIZE_MAX) {
		log_err("memory region of 0x%" PRIx64 " bytes is too large to map", size);
		return -EINVAL;
	}
	for (unsigned int i = 0; i < m->nregions; i++) {
		const struct vub_region *r = &m->regions[i];

		if (r->gpa == gpa && r->size == size && r->uva == uva)
			return -EEXIST;
		if (ranges_overlap(gpa, size, r->gpa, r->size) ||
		    ranges_overlap(uva, size, r->uva, r->size)) {
			log_err("memory region gpa 0x%" PRIx64 " uva 0x%" PRIx64 " size 0x%" PRIx64
				" overlaps region %u", gpa, uva, size, i);
			return -EINVAL;
		}
	}
	if (m->nregions >= VUB_MAX_MEM_SLOTS) {
		log_err("more than %d memory regions", VUB_MAX_MEM_SLOTS);
		return -ENOSPC;
	}
	return 0;
}

/* Memory must come from something mappable: a regular file (memfd, tmpfs,
 * hugetlbfs), a character device or an anonymous inode (the loopback
 * transport's pool). Only regular files have a size to check here; the
 * others' mmap handlers refuse ranges they do not have. */
static int check_fd(int fd, uint64_t offset, uint64_t size, uint64_t *align)
{
	struct stat st;
	struct statfs sfs;
	long page = sysconf(_SC_PAGESIZE);

	*align = page > 0 ? (uint64_t)page : 4096;
	if (fstat(fd, &st) < 0) {
		log_err("memory region fd: %s", strerror(errno));
		return -EBADF;
	}
	if (S_ISDIR(st.st_mode) || S_ISSOCK(st.st_mode) || S_ISFIFO(st.st_mode) ||
	    S_ISLNK(st.st_mode)) {
		log_err("memory region fd is not something to map");
		return -EINVAL;
	}
	if (!S_ISREG(st.st_mode))
		return 0;
	/* Touching a page past the end of the file would raise SIGBUS. */
	if (offset > UINT64_MAX - size || (uint64_t)st.st_size < offset + size) {
		log_err("memory region [0x%" PRIx64 ", +0x%" PRIx64 ") lies beyond the end of its file"
			" (0x%" PRIx64 " bytes)", offset, size, (uint64_t)st.st_size);
		return -EINVAL;
	}
	/* hugetlbfs maps in whole huge pages. */
	if (fstatfs(fd, &sfs) == 0 && (uint64_t)sfs.f_type == HUGETLBFS_MAGIC_NUMBER &&
	    st.st_blksize > 0 && ((uint64_t)st.st_blksize & ((uint64_t)st.st_blksize - 1)) == 0 &&
	    (uint64_t)st.st_blksize > *align)
		*align = (uint64_t)st.st_blksize;
	int seals = fcntl(fd, F_GET_SEALS);

	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		log_debug("memory region file is not sealed against shrinking");
	return 0;
}

int vub_mem_map_region(struct vub_mem *m, const struct vu_mem_region *r, int fd)
{
	uint64_t align, skew, map_off, map_len;
	void *base;
	int ret;

	ret = check_region(m, r->guest_phys_addr, r->memory_size, r->userspace_addr);
	if (ret)
		return ret;
	ret = check_fd(fd, r->mmap_offset, r->memory_size, &align);
	if (ret)
		return ret;
	if (r->mmap_offset > UINT64_MAX - r->memory_size) {
		log_err("memory region mmap offset 0x%" PRIx64 " wraps around", r->mmap_offset);
		return -EINVAL;
	}
	/* mmap wants an aligned offset: map from the boundary below. */
	skew = r->mmap_offset & (align - 1);
	map_off = r->mmap_offset - skew;
	map_len = r->memory_size + skew;
	if (map_len < r->memory_size || map_len > SIZE_MAX || map_off > (uint64_t)INT64_MAX) {
		log_err("memory region is too large to map");
		return -EINVAL;
	}
	base = mmap(NULL, (size_t)map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE,
		    fd, (off_t)map_off);
	if (base == MAP_FAILED) {
		ret = -errno;
		log_err("cannot map memory region gpa 0x%" PRIx64 " size 0x%" PRIx64 ": %s",
			r->guest_phys_addr, r->memory_size, strerror(errno));
		return ret;
	}
	struct vub_region *nr = &m->regions[m->nregions++];

	nr->gpa = r->guest_phys_addr;
	nr->size = r->memory_size;
	nr->uva = r->userspace_addr;
	nr->host = (uint8_t *)base + skew;
	nr->map_base = base;
	nr->map_len = (size_t)map_len;
	log_debug("memory region %u: gpa 0x%" PRIx64 " uva 0x%" PRIx64 " size 0x%" PRIx64
		  " offset 0x%" PRIx64, m->nregions - 1, nr->gpa, nr->uva, nr->size, r->mmap_offset);
	return 0;
}

int vub_mem_add_host(struct vub_mem *m, uint64_t gpa, uint64_t size, uint64_t uva, void *host)
{
	int ret = check_region(m, gpa, size, uva);

	if (ret)
		return ret;
	struct vub_region *nr = &m->regions[m->nregions++];

	nr->gpa = gpa;
	nr->size = size;
	nr->uva = uva;
	nr->host = host;
	nr->map_base = NULL;
	nr->map_len = 0;
	return 0;
}

/* Unmap now, or later when requests may still point into the mapping. */
static void release_mapping(struct vub_mem *m, void *base, size_t len)
{
	if (!base)
		return;
	if (m->users == 0) {
		munmap(base, len);
		return;
	}
	if (m->nretired == m->retired_cap) {
		unsigned int cap = m->retired_cap ? m->retired_cap * 2 : 8;
		struct vub_mapping *n = realloc(m->retired, cap * sizeof(*n));

		if (!n) {
			/* Leaking the mapping is safe; unmapping it is not. */
			log_err("out of memory: keeping a dropped memory region mapped");
			return;
		}
		m->retired = n;
		m->retired_cap = cap;
	}
	m->retired[m->nretired].base = base;
	m->retired[m->nretired].len = len;
	m->nretired++;
}

int vub_mem_remove(struct vub_mem *m, uint64_t gpa, uint64_t size, uint64_t uva)
{
	for (unsigned int i = 0; i < m->nregions; i++) {
		struct vub_region *r = &m->regions[i];

		if (r->gpa != gpa || r->size != size || r->uva != uva)
			continue;
		release_mapping(m, r->map_base, r->map_len);
		m->regions[i] = m->regions[--m->nregions];
		return 0;
	}
	log_err("no memory region gpa 0x%" PRIx64 " uva 0x%" PRIx64 " size 0x%" PRIx64
		" to remove", gpa, uva, size);
	return -ENOENT;
}

void vub_mem_replace(struct vub_mem *m, struct vub_mem *staged)
{
	for (unsigned int i = 0; i < m->nregions; i++)
		release_mapping(m, m->regions[i].map_base, m->regions[i].map_len);
	memcpy(m->regions, staged->regions, staged->nregions * sizeof(staged->regions[0]));
	m->nregions = staged->nregions;
	staged->nregions = 0;
	vub_mem_gc(m);
}

void vub_mem_clear(struct vub_mem *m)
{
	for (unsigned int i = 0; i < m->nregions; i++)
		release_mapping(m, m->regions[i].map_base, m->regions[i].map_len);
	m->nregions = 0;
	vub_mem_gc(m);
}

void vub_mem_gc(struct vub_mem *m)
{
	if (m->users)
		return;
	for (unsigned int i = 0; i < m->nretired; i++)
		munmap(m->retired[i].base, m->retired[i].len);
	m->nretired = 0;
	if (m->retired_cap > 8) {
		free(m->retired);
		m->retired = NULL;
		m->retired_cap = 0;
	}
}

static const struct vub_region *find_gpa(const struct vub_mem *m, uint64_t gpa)
{
	for (unsigned int i = 0; i < m->nregions; i++) {
		const struct vub_region *r = &m->regions[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size)
			return r;
	}
	return NULL;
}

void *vub_mem_uva(const struct vub_mem *m, uint64_t uva, uint64_t len)
{
	uint64_t last;

	if (!range_last(uva, len, &last))
		return NULL;
	for (unsigned int i = 0; i < m->nregions; i++) {
		const struct vub_region *r = &m->regions[i];

		if (uva >= r->uva && last - r->uva < r->size)
			return r->host + (uva - r->uva);
	}
	return NULL;
}

void *vub_mem_gpa(const struct vub_mem *m, uint64_t gpa, uint64_t len)
{
	uint64_t last;
	const struct vub_region *r;

	if (!range_last(gpa, len, &last))
		return NULL;
	r = find_gpa(m, gpa);
	if (!r || last - r->gpa >= r->size)
		return NULL;
	return r->host + (gpa - r->gpa);
}

int vub_mem_gpa_iov(const struct vub_mem *m, uint64_t gpa, uint64_t len,
		    struct iovec *iov, unsigned int max)
{
	unsigned int cnt = 0;
	uint64_t last;

	if (len == 0)
		return 0;
	if (!range_last(gpa, len, &last))
		return -EFAULT;
	while (len > 0) {
		const struct vub_region *r = find_gpa(m, gpa);
		uint64_t off, chunk;

		if (!r)
			return -EFAULT;
		if (cnt == max)
			return -E2BIG;
		off = gpa - r->gpa;
		chunk = r->size - off < len ? r->size - off : len;
		iov[cnt].iov_base = r->host + off;
		iov[cnt].iov_len = (size_t)chunk;
		cnt++;
		len -= chunk;
		gpa += chunk;	/* cannot wrap: last was checked above */
	}
	return (int)cnt;
}

int vub_mem_read(const struct vub_mem *m, uint64_t gpa, void *buf, size_t len)
{
	uint8_t *dst = buf;
	uint64_t last;

	if (len == 0)
		return 0;
	if (!range_last(gpa, len, &last))
		return -EFAULT;
	while (len > 0) {
		const struct vub_region *r = find_gpa(m, gpa);
		uint64_t off, chunk;

		if (!r)
			return -EFAULT;
		off = gpa - r->gpa;
		chunk = r->size - off < len ? r->size - off : len;
		memcpy(dst, r->host + off, (size_t)chunk);
		dst += chunk;
		len -= (size_t)chunk;
		gpa += chunk;
	}
	return 0;
}
