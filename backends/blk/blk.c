// SPDX-License-Identifier: MIT
/*
 * The virtio-blk protocol: config space and requests. A request is a
 * 16-byte header (type, reserved, sector) in the readable part, data,
 * and a status byte at the very end of the writable part. A write is
 * acknowledged only after the kernel accepted it (so it survives our
 * crash); a flush is fdatasync, which makes it survive the host's.
 */
#include "blk.h"
#include "log.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <linux/virtio_blk.h>
#include <stddef.h>
#include <string.h>
#include <unistd.h>

struct blk_seg {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};

#define SEG_F_UNMAP 1u

static struct blk *blk_of(struct vub_dev *dev)
{
	return vub_dev_opaque(dev);
}

static void blk_get_config(struct vub_dev *dev, uint8_t *buf)
{
	struct blk *b = blk_of(dev);
	struct virtio_blk_config c;
	uint32_t sectors_per_block = b->img.logical_block / BLK_SECTOR;

	memset(&c, 0, sizeof(c));
	c.capacity = htole64(b->capacity);
	c.size_max = htole32(1u << 20);
	c.seg_max = htole32(b->queue_size - 2);
	c.blk_size = htole32(b->img.logical_block);
	c.wce = b->writeback;
	c.num_queues = htole16((uint16_t)b->num_queues);
	if (b->discard) {
		c.max_discard_sectors = htole32(BLK_MAX_DISCARD_SECTORS);
		c.max_discard_seg = htole32(BLK_MAX_SEGS);
		c.discard_sector_alignment = htole32(sectors_per_block);
	}
	c.max_write_zeroes_sectors = htole32(BLK_MAX_ZEROES_SECTORS);
	c.max_write_zeroes_seg = htole32(1);
	c.write_zeroes_may_unmap = b->discard;
	memcpy(buf, &c, offsetof(struct virtio_blk_config, max_secure_erase_sectors));
}

/* Only the writeback byte is the driver's to write. */
static int blk_set_config(struct vub_dev *dev, uint32_t offset, const uint8_t *data,
			  uint32_t len, uint32_t flags)
{
	struct blk *b = blk_of(dev);
	const uint32_t wce = offsetof(struct virtio_blk_config, wce);

	if (offset != wce || len != 1) {
		if (flags == 1)		/* migration: read-only fields restored */
			return 0;
		log_err("config write of bytes %u..%u; only wce (byte %u) is writable", offset,
			offset + len, wce);
		return -EPERM;
	}
	b->writeback = data[0] != 0;
	log_info("write cache %s", b->writeback ? "writeback" : "writethrough");
	return 0;
}

static void finish(struct blk_req *br, uint8_t status, uint32_t data_len)
{
	*br->status = status;
	vub_req_done(br->req, data_len + 1);
}

/* Advance iov past n bytes, in place (the iovecs are this request's). */
static void iov_advance(struct blk_req *br, size_t n)
{
	while (n && br->niov) {
		if (n < br->iov->iov_len) {
			br->iov->iov_base = (char *)br->iov->iov_base + n;
			br->iov->iov_len -= n;
			return;
		}
		n -= br->iov->iov_len;
		br->iov++;
		br->niov--;
	}
}

/* Zeroes for a store without a way to zero a range: written out. */
static int write_zeroes(struct blk *b, struct blk_req *br)
{
	static const char zeroes[65536];
	uint64_t done = 0;

	while (done < br->len) {
		size_t n = br->len - done < sizeof(zeroes) ? (size_t)(br->len - done) : sizeof(zeroes);
		ssize_t w = pwrite(b->img.fd, zeroes, n, (off_t)(br->offset + done));

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return w < 0 ? -errno : -EIO;
		done += (uint64_t)w;
	}
	return 0;
}

/* Is [sector, sector + bytes/512) inside the disk? */
static bool in_range(const struct blk *b, uint64_t sector, uint64_t bytes)
{
	uint64_t sectors = bytes / BLK_SECTOR;

	return sector <= b->capacity && sectors <= b->capacity - sector;
}

static bool next_segment(struct blk *b, struct blk_req *br, uint8_t *status);

void blk_io_complete(struct blk *b, struct blk_req *br, int res)
{
	uint8_t status = VIRTIO_BLK_S_OK;

	if (res < 0 && br->op == BLK_OP_FALLOCATE && (res == -EOPNOTSUPP || res == -EINVAL)) {
		if (br->type == VIRTIO_BLK_T_DISCARD)
			res = 0;	/* discarding is a hint the store may ignore */
		else
			res = write_zeroes(b, br);
	}
	if (res < 0) {
		static const char *const names[] = { "read", "write", "flush", "fallocate" };

		log_err("%s at byte %llu: %s", names[br->op],
			(unsigned long long)(br->offset + br->done), strerror(-res));
		finish(br, VIRTIO_BLK_S_IOERR, 0);
		return;
	}
	if (br->op == BLK_OP_READ || br->op == BLK_OP_WRITE) {
		if (res == 0) {
			log_err("%s at byte %llu: unexpected end of %s",
				br->op == BLK_OP_READ ? "read" : "write",
				(unsigned long long)(br->offset + br->done), b->img.path);
			finish(br, VIRTIO_BLK_S_IOERR, 0);
			return;
		}
		br->done += (uint64_t)res;
		if (br->done < br->len) {
			iov_advance(br, (size_t)res);
			blk_io_start(b, br);
			return;
		}
		finish(br, VIRTIO_BLK_S_OK, br->op == BLK_OP_READ ? (uint32_t)br->len : 0);
		return;
	}
	if (br->op == BLK_OP_FALLOCATE) {
		br->seg++;
		if (next_segment(b, br, &status))
			return;
	}
	finish(br, status, 0);
}

/* Start the next discard / write-zeroes segment; false when there is
 * none left (or a bad one: *status then says so). */
static bool next_segment(struct blk *b, struct blk_req *br, uint8_t *status)
{
	struct blk_seg s;
	uint64_t sector;
	uint32_t num, flags;

	*status = VIRTIO_BLK_S_OK;
	if (br->seg >= br->nsegs)
		return false;
	vub_iov_to_buf(br->req->out, br->req->nout, 16 + br->seg * sizeof(s), &s, sizeof(s));
	sector = le64toh(s.sector);
	num = le32toh(s.num_sectors);
	flags = le32toh(s.flags);
	if (flags & ~SEG_F_UNMAP || (br->type == VIRTIO_BLK_T_DISCARD && (flags & SEG_F_UNMAP))) {
		*status = VIRTIO_BLK_S_UNSUPP;
		return false;
	}
	if (num > (br->type == VIRTIO_BLK_T_DISCARD ? BLK_MAX_DISCARD_SECTORS : BLK_MAX_ZEROES_SECTORS) ||
	    !in_range(b, sector, (uint64_t)num * BLK_SECTOR)) {
		*status = VIRTIO_BLK_S_IOERR;
		return false;
	}
	br->op = BLK_OP_FALLOCATE;
	br->offset = sector * BLK_SECTOR;
	br->len = (uint64_t)num * BLK_SECTOR;
	/* Without discard (--mmap keeps its memory), zeroes stay allocated. */
	if (br->type == VIRTIO_BLK_T_DISCARD || ((flags & SEG_F_UNMAP) && b->discard))
		br->falloc_mode = FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE;
	else
		br->falloc_mode = FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE;
	if (num == 0) {
		blk_io_complete(b, br, 0);
		return true;
	}
	blk_io_start(b, br);
	return true;
}

/* Point br->iov at the data bytes: after the header in the readable
 * part, or before the status byte in the writable part. */
static void data_iov(struct blk_req *br, bool writable)
{
	struct vub_req *r = br->req;

	if (writable) {
		br->iov = r->in;
		br->niov = r->nin;
		br->len = r->in_len - 1;
		/* Drop the status byte from the end. */
		r->in[r->nin - 1].iov_len--;
		if (r->in[r->nin - 1].iov_len == 0)
			br->niov--;
	} else {
		br->iov = r->out;
		br->niov = r->nout;
		br->len = r->out_len - 16;
		iov_advance(br, 16);
	}
}

static void handle_request(struct blk *b, struct vub_req *r)
{
	struct blk_req *br = r->priv;
	struct virtio_blk_outhdr hdr;
	uint64_t sector;
	uint8_t status;

	br->req = r;
	if (r->in_len < 1 || r->out_len < sizeof(hdr)) {
		log_err("request without a header or a status byte");
		/* Nowhere to put a status: return it untouched. */
		vub_req_done(r, 0);
		return;
	}
	br->status = (uint8_t *)r->in[r->nin - 1].iov_base + r->in[r->nin - 1].iov_len - 1;
	vub_iov_to_buf(r->out, r->nout, 0, &hdr, sizeof(hdr));
	br->type = le32toh(hdr.type);
	sector = le64toh(hdr.sector);
	switch (br->type) {
	case VIRTIO_BLK_T_IN:
	case VIRTIO_BLK_T_OUT:
		if (br->type == VIRTIO_BLK_T_OUT && b->img.read_only) {
			finish(br, VIRTIO_BLK_S_IOERR, 0);
			return;
		}
		data_iov(br, br->type == VIRTIO_BLK_T_IN);
		if (br->len % BLK_SECTOR || !in_range(b, sector, br->len)) {
			finish(br, VIRTIO_BLK_S_IOERR, 0);
			return;
		}
		br->op = br->type == VIRTIO_BLK_T_IN ? BLK_OP_READ : BLK_OP_WRITE;
		br->offset = sector * BLK_SECTOR;
		br->done = 0;
		/* Writethrough: the write is durable when acknowledged. */
		br->rw_flags = br->op == BLK_OP_WRITE && !b->writeback ? RWF_DSYNC : 0;
		if (br->len == 0) {
			finish(br, VIRTIO_BLK_S_OK, 0);
			return;
		}
		blk_io_start(b, br);
		return;
	case VIRTIO_BLK_T_FLUSH:
		if (b->img.read_only) {
			finish(br, VIRTIO_BLK_S_OK, 0);
			return;
		}
		br->op = BLK_OP_FSYNC;
		blk_io_start(b, br);
		return;
	case VIRTIO_BLK_T_GET_ID: {
		char id[VIRTIO_BLK_ID_BYTES] = { 0 };
		size_t n;

		data_iov(br, true);
		strncpy(id, b->serial ? b->serial : "", sizeof(id));
		n = vub_iov_from_buf(br->iov, br->niov, 0, id,
				     br->len < sizeof(id) ? (size_t)br->len : sizeof(id));
		finish(br, VIRTIO_BLK_S_OK, (uint32_t)n);
		return;
	}
	case VIRTIO_BLK_T_DISCARD:
	case VIRTIO_BLK_T_WRITE_ZEROES:
		if (b->img.read_only || (br->type == VIRTIO_BLK_T_DISCARD && !b->discard)) {
			finish(br, b->img.read_only ? VIRTIO_BLK_S_IOERR : VIRTIO_BLK_S_UNSUPP, 0);
			return;
		}
		br->nsegs = (unsigned int)((r->out_len - sizeof(hdr)) / sizeof(struct blk_seg));
		if (br->nsegs == 0 || (r->out_len - sizeof(hdr)) % sizeof(struct blk_seg) ||
		    br->nsegs > (br->type == VIRTIO_BLK_T_DISCARD ? BLK_MAX_SEGS : 1u)) {
			finish(br, VIRTIO_BLK_S_UNSUPP, 0);
			return;
		}
		br->seg = 0;
		if (!next_segment(b, br, &status))
			finish(br, status, 0);
		return;
	default:
		finish(br, VIRTIO_BLK_S_UNSUPP, 0);
		return;
	}
}

static void blk_kick(struct vub_dev *dev, struct vub_queue *q)
{
	struct blk *b = blk_of(dev);
	struct vub_req *r;

	while ((r = vub_queue_pop(q)))
		handle_request(b, r);
	blk_io_flush(b);
}

static void blk_queue_stop(struct vub_dev *dev, struct vub_queue *q)
{
	blk_io_drain(blk_of(dev), q);
}

static void blk_reset(struct vub_dev *dev)
{
	blk_of(dev)->writeback = true;
}

void blk_setup_device(struct blk *b)
{
	uint64_t f = (1ull << VIRTIO_BLK_F_SIZE_MAX) | (1ull << VIRTIO_BLK_F_SEG_MAX) |
		     (1ull << VIRTIO_BLK_F_BLK_SIZE) | (1ull << VIRTIO_BLK_F_FLUSH) |
		     (1ull << VIRTIO_BLK_F_CONFIG_WCE) | (1ull << VIRTIO_BLK_F_MQ);

	if (b->img.read_only)
		f |= 1ull << VIRTIO_BLK_F_RO;
	else
		f |= 1ull << VIRTIO_BLK_F_WRITE_ZEROES;
	if (b->discard)
		f |= 1ull << VIRTIO_BLK_F_DISCARD;
	b->capacity = b->img.size / b->img.logical_block * (b->img.logical_block / BLK_SECTOR);
	b->writeback = true;
	b->desc = (struct vub_device){
		.name = "blk",
		.features = f,
		.num_queues = b->num_queues,
		.max_queue_size = b->queue_size,
		.config_size = offsetof(struct virtio_blk_config, max_secure_erase_sectors),
		.req_priv_size = sizeof(struct blk_req),
		.get_config = blk_get_config,
		.set_config = blk_set_config,
		.queue_kick = blk_kick,
		.queue_stop = blk_queue_stop,
		.reset = blk_reset,
	};
}

void blk_resize(struct blk *b)
{
	uint64_t old = b->capacity;

	if (blk_image_probe(&b->img))
		return;
	blk_map_resize(b);
	b->capacity = b->img.size / b->img.logical_block * (b->img.logical_block / BLK_SECTOR);
	if (b->capacity == old) {
		log_info("size unchanged: %llu sectors", (unsigned long long)old);
		return;
	}
	log_info("capacity %llu -> %llu sectors", (unsigned long long)old,
		 (unsigned long long)b->capacity);
	if (vub_dev_connected(b->dev) && vub_config_changed(b->dev))
		log_warn("the front-end could not be told about the new size");
}
