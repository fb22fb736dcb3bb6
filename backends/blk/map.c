// SPDX-License-Identifier: MIT
/*
 * --mmap: reads and writes as memcpy on a shared mapping of the image,
 * for an image that lives in memory (tmpfs, hugetlbfs, ramfs). Such a
 * store has nothing for io_uring to wait for, so a system call per
 * request would be pure overhead. A mapped page can fault only if the
 * file has no memory behind it, so the whole file is allocated up front:
 * a full tmpfs then fails at start, not with SIGBUS under a write.
 */
#include "blk.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/vfs.h>

static bool in_memory(int fd)
{
	struct statfs fs;

	if (fstatfs(fd, &fs) < 0)
		return false;
	return fs.f_type == TMPFS_MAGIC || fs.f_type == HUGETLBFS_MAGIC ||
	       fs.f_type == RAMFS_MAGIC;
}

static int map_image(struct blk *b)
{
	struct blk_image *img = &b->img;
	int prot = img->read_only ? PROT_READ : PROT_READ | PROT_WRITE;
	int err;
	void *p;

	if (!img->read_only) {
		err = posix_fallocate(img->fd, 0, (off_t)img->size);
		if (err) {
			log_err("--mmap: cannot allocate the %llu bytes of %s: %s",
				(unsigned long long)img->size, img->path, strerror(err));
			return -1;
		}
	}
	p = mmap(NULL, img->size, prot, MAP_SHARED, img->fd, 0);
	if (p == MAP_FAILED) {
		log_err("--mmap: cannot map %s: %s", img->path, strerror(errno));
		return -1;
	}
	b->io.map = p;
	b->io.map_len = img->size;
	return 0;
}

int blk_map_init(struct blk *b)
{
	if (b->img.is_blockdev || !in_memory(b->img.fd)) {
		log_err("--mmap needs an image in memory (a file on tmpfs, hugetlbfs or ramfs): %s is not",
			b->img.path);
		return -1;
	}
	return map_image(b);
}

void blk_map_fini(struct blk *b)
{
	if (b->io.map)
		munmap(b->io.map, b->io.map_len);
	b->io.map = NULL;
	b->io.map_len = 0;
}

/* After a resize: map the new size, or carry on with system calls. */
void blk_map_resize(struct blk *b)
{
	if (!b->io.map || b->io.map_len == b->img.size)
		return;
	blk_map_fini(b);
	if (map_image(b))
		log_warn("--mmap: %s is served with system calls from now on", b->img.path);
}

/*
 * Copy br's current operation between the mapping and its buffers.
 * Returns the bytes copied, or -ERANGE when the mapping does not cover
 * the range (the caller then uses a system call).
 */
int blk_map_rw(struct blk *b, struct blk_req *br)
{
	uint64_t off = br->offset + br->done, left = br->len - br->done;
	uint8_t *at = b->io.map + off;
	size_t copied = 0;
	unsigned int i;

	if (off > b->io.map_len || left > b->io.map_len - off || left > INT32_MAX)
		return -ERANGE;
	for (i = 0; i < br->niov && copied < left; i++) {
		size_t n = br->iov[i].iov_len;

		if (n > left - copied)
			n = (size_t)(left - copied);
		if (br->op == BLK_OP_READ)
			memcpy(br->iov[i].iov_base, at + copied, n);
		else
			memcpy(at + copied, br->iov[i].iov_base, n);
		copied += n;
	}
	return (int)copied;
}
