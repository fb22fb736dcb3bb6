// SPDX-License-Identifier: MIT
/*
 * Block I/O: io_uring with its completion eventfd in the library's event
 * loop, so one thread serves every queue without blocking on the disk.
 * Where io_uring is unavailable (old kernel, seccomp), the same
 * operations run as plain system calls and complete at once; so do all
 * but reads and writes with --mmap, whose reads and writes are copies.
 */
#include "blk.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/uio.h>
#include <unistd.h>

static void reap(struct blk *b)
{
	struct io_uring_cqe *cqe;

	while (io_uring_peek_cqe(&b->io.ring, &cqe) == 0) {
		struct blk_req *br = io_uring_cqe_get_data(cqe);
		int res = cqe->res;

		io_uring_cqe_seen(&b->io.ring, cqe);
		blk_io_complete(b, br, res);
	}
	blk_io_flush(b);
}

static void completions_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque)
{
	uint64_t n;

	if (read(fd, &n, sizeof(n)) < 0 && errno == EAGAIN)
		return;
	reap(opaque);
}

int blk_io_init(struct blk *b, bool allow_uring)
{
	struct blk_io *io = &b->io;
	/* Room for one operation per ring entry of every queue. */
	unsigned int entries = b->num_queues * b->queue_size;
	int ret;

	io->efd = -1;
	if (entries > 4096)
		entries = 4096;
	if (!allow_uring) {
		log_info(b->io.map ? "--mmap: reads and writes are copies, the rest system calls"
				   : "io_uring disabled: using synchronous I/O");
		return 0;
	}
	ret = io_uring_queue_init(entries, &io->ring, 0);
	if (ret < 0) {
		log_warn("io_uring unavailable (%s): using synchronous I/O", strerror(-ret));
		return 0;
	}
	io->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (io->efd < 0 || io_uring_register_eventfd(&io->ring, io->efd) < 0 ||
	    vub_watch(b->dev, io->efd, EPOLLIN, completions_ready, b) < 0) {
		log_err("cannot set up io_uring completions");
		return -1;
	}
	io->use_uring = true;
	return 0;
}

void blk_io_fini(struct blk *b)
{
	if (!b->io.use_uring)
		return;
	vub_unwatch(b->dev, b->io.efd);
	io_uring_queue_exit(&b->io.ring);
	close(b->io.efd);
	b->io.use_uring = false;
}

static int run_sync(struct blk *b, struct blk_req *br)
{
	ssize_t n;

	switch (br->op) {
	case BLK_OP_READ:
		n = preadv(b->img.fd, br->iov, (int)br->niov, (off_t)(br->offset + br->done));
		break;
	case BLK_OP_WRITE:
		n = pwritev2(b->img.fd, br->iov, (int)br->niov, (off_t)(br->offset + br->done),
			     br->rw_flags);
		break;
	case BLK_OP_FSYNC:
		n = fdatasync(b->img.fd);
		break;
	case BLK_OP_FALLOCATE:
		n = fallocate(b->img.fd, br->falloc_mode, (off_t)br->offset, (off_t)br->len);
		break;
	default:
		return -EINVAL;
	}
	return n < 0 ? -errno : (int)n;
}

void blk_io_start(struct blk *b, struct blk_req *br)
{
	struct io_uring_sqe *sqe;

	if (b->io.map && (br->op == BLK_OP_READ || br->op == BLK_OP_WRITE)) {
		int res = blk_map_rw(b, br);

		if (res != -ERANGE) {
			blk_io_complete(b, br, res);
			return;
		}
	}
	if (!b->io.use_uring) {
		blk_io_complete(b, br, run_sync(b, br));
		return;
	}
	sqe = io_uring_get_sqe(&b->io.ring);
	if (!sqe) {
		io_uring_submit(&b->io.ring);
		sqe = io_uring_get_sqe(&b->io.ring);
	}
	if (!sqe) {
		/* Cannot happen while the ring has one entry per buffer. */
		blk_io_complete(b, br, run_sync(b, br));
		return;
	}
	switch (br->op) {
	case BLK_OP_READ:
		io_uring_prep_readv(sqe, b->img.fd, br->iov, br->niov, br->offset + br->done);
		break;
	case BLK_OP_WRITE:
		io_uring_prep_writev2(sqe, b->img.fd, br->iov, br->niov, br->offset + br->done,
				      br->rw_flags);
		break;
	case BLK_OP_FSYNC:
		io_uring_prep_fsync(sqe, b->img.fd, IORING_FSYNC_DATASYNC);
		break;
	case BLK_OP_FALLOCATE:
		io_uring_prep_fallocate(sqe, b->img.fd, br->falloc_mode, br->offset, br->len);
		break;
	}
	io_uring_sqe_set_data(sqe, br);
	b->io.need_submit = true;
}

void blk_io_flush(struct blk *b)
{
	if (!b->io.use_uring || !b->io.need_submit)
		return;
	b->io.need_submit = false;
	int ret = io_uring_submit(&b->io.ring);

	if (ret < 0)
		log_err("io_uring_submit: %s", strerror(-ret));
}

void blk_io_drain(struct blk *b, struct vub_queue *q)
{
	if (!b->io.use_uring)
		return;
	blk_io_flush(b);
	while (vub_queue_outstanding(q)) {
		struct io_uring_cqe *cqe;
		int ret = io_uring_wait_cqe(&b->io.ring, &cqe);

		if (ret == -EINTR)
			continue;
		if (ret < 0) {
			log_err("waiting for I/O: %s", strerror(-ret));
			return;
		}
		reap(b);
	}
}
