/* SPDX-License-Identifier: MIT */
/*
 * vhost-user-blk: a virtio block device backed by a file or a block
 * device. image.c opens the backing store, io.c runs the I/O (io_uring,
 * or plain system calls where io_uring is unavailable), map.c serves an
 * image in memory from a mapping (--mmap), blk.c speaks the virtio-blk
 * request protocol and config space.
 */
#ifndef BLK_H
#define BLK_H

#include "vub.h"

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>

#define BLK_SECTOR 512u
#define BLK_MAX_SEGS 32u		/* discard / write-zeroes segments */
#define BLK_MAX_DISCARD_SECTORS (1u << 22)	/* 2 GiB per segment */
#define BLK_MAX_ZEROES_SECTORS (1u << 16)	/* 32 MiB: may be written out */

struct blk_image {
	const char *path;
	int fd;
	bool read_only;
	bool is_blockdev;
	uint64_t size;			/* bytes */
	uint32_t logical_block;		/* bytes */
	uint32_t physical_block;
};

enum blk_op { BLK_OP_READ, BLK_OP_WRITE, BLK_OP_FSYNC, BLK_OP_FALLOCATE };

/* Per-request state, kept in vub_req.priv. */
struct blk_req {
	struct vub_req *req;
	uint32_t type;
	uint8_t *status;		/* last byte of the writable part */
	/* The current operation. */
	enum blk_op op;
	struct iovec *iov;		/* points into req's own iovecs */
	unsigned int niov;
	uint64_t offset;
	uint64_t len, done;
	int falloc_mode;
	int rw_flags;
	/* Discard and write-zeroes walk their segments one by one. */
	unsigned int nsegs, seg;
};

struct blk_io {
	bool use_uring;
	struct io_uring ring;
	int efd;			/* completions are signalled here */
	bool need_submit;
	uint8_t *map;			/* --mmap: the image, or NULL */
	uint64_t map_len;
};

struct blk {
	struct vub_dev *dev;
	struct blk_image img;
	const char *serial;
	unsigned int num_queues;
	unsigned int queue_size;
	bool discard;			/* offer VIRTIO_BLK_F_DISCARD */
	bool writeback;			/* the config's wce byte */
	uint64_t capacity;		/* 512-byte sectors */
	struct blk_io io;
	struct vub_device desc;
};

int blk_image_open(struct blk_image *img);
/* Size and block sizes again (after a resize). */
int blk_image_probe(struct blk_image *img);

int blk_io_init(struct blk *b, bool allow_uring);
void blk_io_fini(struct blk *b);
/* Start br's current operation; blk_io_complete() follows, now or later. */
void blk_io_start(struct blk *b, struct blk_req *br);
/* Hand queued operations to the kernel. */
void blk_io_flush(struct blk *b);
/* Wait until no request popped from q is left. */
void blk_io_drain(struct blk *b, struct vub_queue *q);

/* map.c: --mmap. blk_map_rw returns bytes copied, or -ERANGE outside
 * the mapping. */
int blk_map_init(struct blk *b);
void blk_map_fini(struct blk *b);
void blk_map_resize(struct blk *b);
int blk_map_rw(struct blk *b, struct blk_req *br);

/* blk.c: an operation finished with res (bytes, or -errno). */
void blk_io_complete(struct blk *b, struct blk_req *br, int res);
void blk_setup_device(struct blk *b);
/* SIGHUP: re-read the size and tell the front-end. */
void blk_resize(struct blk *b);

#endif
