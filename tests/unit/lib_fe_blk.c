// SPDX-License-Identifier: MIT
/*
 * vhost-user-blk through the test front-end: the config space, reads
 * and writes that reach the image, flush, GET_ID, discard and
 * write-zeroes, requests out of range or malformed, the writeback
 * switch, a read-only export refusing every write itself, a resize
 * announced over the back-end channel after SIGHUP, and --mmap serving an
 * image in memory (and refusing one on disk).
 */
#include "frontend.h"
#include "log.h"

#include <linux/virtio_blk.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/wait.h>

#define BLK "build/bin/vhost-user-blk"
#define SECTORS 2048

static char img[128];

struct seg {
	uint64_t sector;
	uint32_t num, flags;
};

struct result {
	uint8_t status;
	uint32_t len;
};

/* One request: header, data (readable or writable), status byte. */
static struct result request(struct fe *fe, unsigned int qi, uint32_t type, uint64_t sector,
			     uint64_t data_gpa, uint32_t data_len, bool data_in)
{
	uint64_t hdr = fe_alloc(fe, 16), st = fe_alloc(fe, 1);
	struct virtio_blk_outhdr *h = fe_ptr(fe, hdr);
	struct fe_buf b[3];
	unsigned int n = 0;
	struct result r;

	h->type = htole32(type);
	h->ioprio = 0;
	h->sector = htole64(sector);
	b[n++] = (struct fe_buf){ hdr, 16, false };
	if (data_len)
		b[n++] = (struct fe_buf){ data_gpa, data_len, data_in };
	b[n++] = (struct fe_buf){ st, 1, true };
	*(uint8_t *)fe_ptr(fe, st) = 0xff;
	r.len = fe_wait_used(fe, qi, fe_add(fe, qi, b, n));
	r.status = *(uint8_t *)fe_ptr(fe, st);
	return r;
}

static void image_read(uint64_t off, void *buf, size_t len)
{
	int fd = open(img, O_RDONLY);

	CHECK(fd >= 0 && pread(fd, buf, len, (off_t)off) == (ssize_t)len, "read the image");
	close(fd);
}

static void make_image(void)
{
	int fd = open(img, O_CREAT | O_TRUNC | O_WRONLY, 0644);
	uint8_t block[512];

	CHECK(fd >= 0, "create %s", img);
	for (unsigned int s = 0; s < SECTORS; s++) {
		memset(block, (int)(s & 0xff), sizeof(block));
		CHECK(write(fd, block, sizeof(block)) == sizeof(block), "write the image");
	}
	close(fd);
}

/* Double the image, SIGHUP the back-end, and wait for its config-change
 * message on a back-end channel. */
static void grow_and_hup(struct fe *fe)
{
	struct vu_msg m;
	int sv[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
	CHECK(fe_call(fe, VU_SET_BACKEND_REQ_FD, NULL, 0, &sv[1], 1) == 0, "back-end channel");
	close(sv[1]);
	CHECK(truncate(img, 2 * SECTORS * 512) == 0, "grow the image");
	kill(fe->pid, SIGHUP);
	struct pollfd p = { .fd = sv[0], .events = POLLIN };

	CHECK(poll(&p, 1, FE_WAIT_MS) == 1 && vu_msg_recv(sv[0], &m) == 0 &&
	      m.hdr.request == VU_BACKEND_CONFIG_CHANGE_MSG, "config change notice");
	close(sv[0]);
}

static void read_write(void)
{
	struct fe fe = { .fd = -1 };
	const char *args[] = { "--blk-file", "@/disk.img", "--serial", "unit-serial",
			       "--num-queues", "2", NULL };
	struct virtio_blk_config c;
	uint64_t data;
	struct result r;
	uint8_t buf[4096];

	fe_mkdir(&fe);
	snprintf(img, sizeof(img), "%s/disk.img", fe.dir);
	make_image();
	fe_spawn(&fe, BLK, args);
	fe_negotiate(&fe, ~0ull, ~0ull);
	CHECK(!(fe.features & (1ull << VIRTIO_BLK_F_RO)) &&
	      fe.features & (1ull << VIRTIO_BLK_F_FLUSH) &&
	      fe.features & (1ull << VIRTIO_BLK_F_DISCARD) &&
	      fe.features & (1ull << VIRTIO_BLK_F_WRITE_ZEROES) &&
	      fe.features & (1ull << VIRTIO_BLK_F_MQ), "features 0x%llx",
	      (unsigned long long)fe.features);
	fe_get_config(&fe, 0, offsetof(struct virtio_blk_config, max_secure_erase_sectors), &c);
	CHECK(le64toh(c.capacity) == SECTORS && le16toh(c.num_queues) == 2 &&
	      le32toh(c.blk_size) == 512 && c.wce == 1 && le32toh(c.seg_max) > 0,
	      "config: capacity %llu queues %u", (unsigned long long)le64toh(c.capacity),
	      le16toh(c.num_queues));
	OK("features and config space describe a writable 1 MiB disk with two queues");

	fe_start_queue(&fe, 0, 64);
	fe_start_queue(&fe, 1, 64);
	data = fe_alloc(&fe, 4096);
	r = request(&fe, 0, VIRTIO_BLK_T_IN, 10, data, 4096, true);
	CHECK(r.status == VIRTIO_BLK_S_OK && r.len == 4097, "read: status %u len %u", r.status,
	      r.len);
	for (int s = 0; s < 8; s++)
		CHECK(((uint8_t *)fe_ptr(&fe, data))[s * 512] == 10 + s, "sector %d content", 10 + s);
	memset(fe_ptr(&fe, data), 0xa5, 4096);
	r = request(&fe, 1, VIRTIO_BLK_T_OUT, 100, data, 4096, false);
	CHECK(r.status == VIRTIO_BLK_S_OK && r.len == 1, "write on queue 1: status %u", r.status);
	image_read(100 * 512, buf, sizeof(buf));
	CHECK(buf[0] == 0xa5 && buf[4095] == 0xa5, "the write reached the image");
	r = request(&fe, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false);
	CHECK(r.status == VIRTIO_BLK_S_OK, "flush");
	r = request(&fe, 0, VIRTIO_BLK_T_GET_ID, 0, data, VIRTIO_BLK_ID_BYTES, true);
	CHECK(r.status == VIRTIO_BLK_S_OK && !memcmp(fe_ptr(&fe, data), "unit-serial", 12),
	      "GET_ID");
	OK("read, write (on the second queue), flush and GET_ID");

	uint64_t seg = fe_alloc(&fe, 16);
	struct seg *s = fe_ptr(&fe, seg);

	*s = (struct seg){ htole64(200), htole32(16), 0 };
	r = request(&fe, 0, VIRTIO_BLK_T_WRITE_ZEROES, 0, seg, 16, false);
	image_read(200 * 512, buf, sizeof(buf));
	CHECK(r.status == VIRTIO_BLK_S_OK && buf[0] == 0 && buf[4095] == 0 &&
	      !memcmp(buf, buf + 1, 4095), "write-zeroes: status %u", r.status);
	*s = (struct seg){ htole64(300), htole32(8), 0 };
	CHECK(request(&fe, 0, VIRTIO_BLK_T_DISCARD, 0, seg, 16, false).status == VIRTIO_BLK_S_OK,
	      "discard");
	*s = (struct seg){ htole64(300), htole32(8), htole32(1) };
	CHECK(request(&fe, 0, VIRTIO_BLK_T_DISCARD, 0, seg, 16, false).status ==
	      VIRTIO_BLK_S_UNSUPP, "discard with the unmap flag");
	*s = (struct seg){ htole64(SECTORS - 4), htole32(8), 0 };
	CHECK(request(&fe, 0, VIRTIO_BLK_T_WRITE_ZEROES, 0, seg, 16, false).status ==
	      VIRTIO_BLK_S_IOERR, "write-zeroes past the end");
	OK("write-zeroes zeroes the image; discard; bad segments refused");

	CHECK(request(&fe, 0, VIRTIO_BLK_T_IN, SECTORS - 1, data, 1024, true).status ==
	      VIRTIO_BLK_S_IOERR, "read past the end");
	CHECK(request(&fe, 0, VIRTIO_BLK_T_IN, UINT64_MAX, data, 512, true).status ==
	      VIRTIO_BLK_S_IOERR, "read at a wrapping sector");
	CHECK(request(&fe, 0, VIRTIO_BLK_T_IN, 0, data, 100, true).status == VIRTIO_BLK_S_IOERR,
	      "read of a partial sector");
	CHECK(request(&fe, 0, 99, 0, 0, 0, false).status == VIRTIO_BLK_S_UNSUPP, "unknown type");
	struct fe_buf only = { data, 16, false };

	CHECK(fe_wait_used(&fe, 0, fe_add(&fe, 0, &only, 1)) == 0, "request without status");
	CHECK(request(&fe, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false).status == VIRTIO_BLK_S_OK,
	      "still serving after a malformed request");
	OK("out-of-range, partial, unknown and malformed requests get errors, not crashes");

	uint8_t off = 0;

	CHECK(fe_set_config(&fe, offsetof(struct virtio_blk_config, wce), 1, &off) == 0,
	      "switching to writethrough");
	fe_get_config(&fe, offsetof(struct virtio_blk_config, wce), 1, &off);
	CHECK(off == 0, "wce reads back 0");
	CHECK(fe_set_config(&fe, 0, 8, &c) != 0, "capacity written by the driver");
	memset(fe_ptr(&fe, data), 0x3c, 512);
	CHECK(request(&fe, 0, VIRTIO_BLK_T_OUT, 5, data, 512, false).status == VIRTIO_BLK_S_OK,
	      "writethrough write");
	OK("the writeback byte is writable, the rest of the config is not");

	/* Resize: grow the image, SIGHUP, the front-end hears about it. */
	grow_and_hup(&fe);
	fe_get_config(&fe, 0, 8, &c);
	CHECK(le64toh(c.capacity) == 2 * SECTORS, "capacity after growing");
	OK("SIGHUP: the back-end re-reads the size and sends CONFIG_CHANGE_MSG");
	CHECK(fe_stop(&fe) == 0, "exit status");
	fe_cleanup(&fe);
}

static void read_only(void)
{
	struct fe fe = { .fd = -1 };
	const char *args[] = { "--blk-file", "@/disk.img", "--read-only", NULL };
	uint8_t before[512], after[512];
	uint64_t data, seg;

	fe_mkdir(&fe);
	snprintf(img, sizeof(img), "%s/disk.img", fe.dir);
	make_image();
	fe_spawn(&fe, BLK, args);
	fe_negotiate(&fe, ~0ull, ~0ull);
	CHECK(fe.features & (1ull << VIRTIO_BLK_F_RO) &&
	      !(fe.features & (1ull << VIRTIO_BLK_F_DISCARD)) &&
	      !(fe.features & (1ull << VIRTIO_BLK_F_WRITE_ZEROES)), "read-only features");
	fe_start_queue(&fe, 0, 16);
	data = fe_alloc(&fe, 512);
	seg = fe_alloc(&fe, 16);
	image_read(512 * 7, before, 512);
	memset(fe_ptr(&fe, data), 0xee, 512);
	CHECK(request(&fe, 0, VIRTIO_BLK_T_OUT, 7, data, 512, false).status == VIRTIO_BLK_S_IOERR,
	      "write to a read-only export");
	*(uint64_t *)fe_ptr(&fe, seg) = htole64(7);
	*(uint32_t *)((uint8_t *)fe_ptr(&fe, seg) + 8) = htole32(1);
	CHECK(request(&fe, 0, VIRTIO_BLK_T_WRITE_ZEROES, 0, seg, 16, false).status ==
	      VIRTIO_BLK_S_IOERR, "write-zeroes to a read-only export");
	CHECK(request(&fe, 0, VIRTIO_BLK_T_IN, 7, data, 512, true).status == VIRTIO_BLK_S_OK,
	      "read from a read-only export");
	image_read(512 * 7, after, 512);
	CHECK(!memcmp(before, after, 512) && ((uint8_t *)fe_ptr(&fe, data))[0] == 7,
	      "the image is unchanged and readable");
	OK("read-only export: the back-end itself refuses writes, reads still work");
	CHECK(fe_stop(&fe) == 0, "exit status");
	fe_cleanup(&fe);
}

/* The driver's kick threshold, avail_event (EVENT_IDX). */
static uint16_t avail_event(struct fe *fe, unsigned int qi)
{
	struct fe_vq *q = &fe->vq[qi];

	return le16toh(__atomic_load_n((uint16_t *)&q->used->ring[q->num], __ATOMIC_ACQUIRE));
}

/* --poll-us: while the back-end polls, it asks for no kicks and serves a
 * request that comes without one; idle for its window, it asks again. */
static void polled(void)
{
	struct fe fe = { .fd = -1 };
	const char *args[] = { "--blk-file", "@/disk.img", "--poll-us", "500000", NULL };
	uint64_t hdr, st, data;
	struct fe_buf b[3];
	uint16_t head, ev;
	struct result r;

	fe_mkdir(&fe);
	snprintf(img, sizeof(img), "%s/disk.img", fe.dir);
	make_image();
	fe_spawn(&fe, BLK, args);
	fe_negotiate(&fe, ~0ull, ~0ull);
	CHECK(fe.features & (1ull << VIRTIO_RING_F_EVENT_IDX), "EVENT_IDX not offered");
	fe_start_queue(&fe, 0, 64);
	data = fe_alloc(&fe, 512);
	r = request(&fe, 0, VIRTIO_BLK_T_IN, 7, data, 512, true);
	CHECK(r.status == VIRTIO_BLK_S_OK && ((uint8_t *)fe_ptr(&fe, data))[0] == 7,
	      "read with a kick: status %u", r.status);
	/* (The back-end may signal the read before it starts polling.) */
	for (int i = 0; i < 250 && (uint16_t)(avail_event(&fe, 0) - fe.vq[0].avail_idx) < 0x4000;
	     i++)
		usleep(1000);
	ev = avail_event(&fe, 0);
	CHECK((uint16_t)(ev - fe.vq[0].avail_idx) >= 0x4000,
	      "polling: avail_event %u with avail at %u asks for kicks", ev, fe.vq[0].avail_idx);

	hdr = fe_alloc(&fe, 16);
	st = fe_alloc(&fe, 1);
	*(struct virtio_blk_outhdr *)fe_ptr(&fe, hdr) =
		(struct virtio_blk_outhdr){ htole32(VIRTIO_BLK_T_IN), 0, htole64(9) };
	*(uint8_t *)fe_ptr(&fe, st) = 0xff;
	b[0] = (struct fe_buf){ hdr, 16, false };
	b[1] = (struct fe_buf){ data, 512, true };
	b[2] = (struct fe_buf){ st, 1, true };
	head = fe_add_quiet(&fe, 0, b, 3);
	CHECK(fe_wait_used(&fe, 0, head) == 513 && *(uint8_t *)fe_ptr(&fe, st) == 0 &&
	      ((uint8_t *)fe_ptr(&fe, data))[0] == 9, "the request added without a kick");
	OK("--poll-us: no kicks asked for while polling; a request without a kick is served");

	/* Idle for a whole window (0.5 s): kicks are asked for again. */
	for (int i = 0; i < 200 && avail_event(&fe, 0) != fe.vq[0].avail_idx; i++)
		usleep(10000);
	CHECK(avail_event(&fe, 0) == fe.vq[0].avail_idx, "idle: avail_event %u, avail at %u",
	      avail_event(&fe, 0), fe.vq[0].avail_idx);
	r = request(&fe, 0, VIRTIO_BLK_T_IN, 11, data, 512, true);
	CHECK(r.status == VIRTIO_BLK_S_OK && ((uint8_t *)fe_ptr(&fe, data))[0] == 11,
	      "read with a kick after the window");
	CHECK(fe_stop(&fe) == 0, "vhost-user-blk --poll-us exited badly");
	fe_cleanup(&fe);
	OK("--poll-us: idle for its window, the back-end asks for kicks again and is woken");
}

/* Exit status and first line of stderr of vhost-user-blk ARGS. */
static int run_blk(const char *args, char *err, size_t len)
{
	char cmd[512];
	FILE *f;
	int st;

	snprintf(cmd, sizeof(cmd), BLK " %s 2>&1 >/dev/null", args);
	f = popen(cmd, "r");
	CHECK(f, "popen");
	if (!fgets(err, (int)len, f))
		err[0] = 0;
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* --mmap: reads, writes, write-zeroes (its blocks kept) and a resize on an
 * image in /dev/shm; an image on disk is refused at start. */
static void mapped(void)
{
	struct fe fe = { .fd = -1 };
	const char *args[] = { "--blk-file", "@/disk.img", "--mmap", NULL };
	uint8_t buf[4096];
	uint64_t data, seg;
	struct stat st0, st1;
	struct seg *s;
	struct result r;
	char err[256];

	strcpy(fe.dir, "/dev/shm/vub-test.XXXXXX");
	CHECK(mkdtemp(fe.dir), "mkdtemp in /dev/shm: %s", strerror(errno));
	snprintf(img, sizeof(img), "%s/disk.img", fe.dir);
	make_image();
	fe_spawn(&fe, BLK, args);
	fe_negotiate(&fe, ~0ull, ~0ull);
	CHECK(!(fe.features & (1ull << VIRTIO_BLK_F_DISCARD)) &&
	      fe.features & (1ull << VIRTIO_BLK_F_WRITE_ZEROES), "--mmap features 0x%llx",
	      (unsigned long long)fe.features);
	fe_start_queue(&fe, 0, 64);
	data = fe_alloc(&fe, 4096);
	r = request(&fe, 0, VIRTIO_BLK_T_IN, 20, data, 4096, true);
	CHECK(r.status == VIRTIO_BLK_S_OK && r.len == 4097, "mapped read: status %u", r.status);
	for (int i = 0; i < 8; i++)
		CHECK(((uint8_t *)fe_ptr(&fe, data))[i * 512 + 511] == 20 + i, "sector %d", 20 + i);
	memset(fe_ptr(&fe, data), 0x5a, 4096);
	r = request(&fe, 0, VIRTIO_BLK_T_OUT, 64, data, 4096, false);
	image_read(64 * 512, buf, sizeof(buf));
	CHECK(r.status == VIRTIO_BLK_S_OK && buf[0] == 0x5a && buf[4095] == 0x5a,
	      "mapped write: status %u, image byte 0x%x", r.status, buf[0]);
	CHECK(request(&fe, 0, VIRTIO_BLK_T_IN, SECTORS - 1, data, 1024, true).status ==
	      VIRTIO_BLK_S_IOERR, "mapped read past the end");
	CHECK(request(&fe, 0, VIRTIO_BLK_T_FLUSH, 0, 0, 0, false).status == VIRTIO_BLK_S_OK,
	      "mapped flush");
	OK("--mmap: reads and writes reach the image in /dev/shm; no discard offered");

	/* Write-zeroes, even asking to unmap, keeps the image's memory. */
	CHECK(stat(img, &st0) == 0, "stat");
	seg = fe_alloc(&fe, 16);
	s = fe_ptr(&fe, seg);
	*s = (struct seg){ htole64(64), htole32(8), htole32(1) };
	r = request(&fe, 0, VIRTIO_BLK_T_WRITE_ZEROES, 0, seg, 16, false);
	image_read(64 * 512, buf, sizeof(buf));
	CHECK(stat(img, &st1) == 0 && r.status == VIRTIO_BLK_S_OK && buf[0] == 0 &&
	      !memcmp(buf, buf + 1, sizeof(buf) - 1), "mapped write-zeroes: status %u", r.status);
	CHECK(st1.st_blocks == st0.st_blocks, "write-zeroes freed blocks: %lld -> %lld",
	      (long long)st0.st_blocks, (long long)st1.st_blocks);
	CHECK(request(&fe, 0, VIRTIO_BLK_T_DISCARD, 0, seg, 16, false).status ==
	      VIRTIO_BLK_S_UNSUPP, "discard without the feature");
	OK("--mmap: write-zeroes with the unmap flag zeroes and keeps the memory");

	/* Grown and SIGHUPed, the new part is served too. */
	grow_and_hup(&fe);
	memset(fe_ptr(&fe, data), 0xc3, 4096);
	r = request(&fe, 0, VIRTIO_BLK_T_OUT, 2 * SECTORS - 8, data, 4096, false);
	image_read((2 * SECTORS - 8) * 512ull, buf, sizeof(buf));
	CHECK(r.status == VIRTIO_BLK_S_OK && buf[0] == 0xc3 && buf[4095] == 0xc3,
	      "write to the grown part: status %u", r.status);
	r = request(&fe, 0, VIRTIO_BLK_T_IN, 30, data, 512, true);
	CHECK(r.status == VIRTIO_BLK_S_OK && ((uint8_t *)fe_ptr(&fe, data))[0] == 30,
	      "read after the resize");
	CHECK(fe_stop(&fe) == 0, "vhost-user-blk --mmap exited badly");
	fe_cleanup(&fe);
	OK("--mmap: after growing and SIGHUP, the new part is read and written");

	/* An image on disk (the build directory) is refused, in one line. */
	int fd = open("build/mmap-refused.img", O_CREAT | O_TRUNC | O_WRONLY, 0644);

	CHECK(fd >= 0 && ftruncate(fd, 1 << 20) == 0, "create build/mmap-refused.img");
	close(fd);
	int rc = run_blk("--mmap --blk-file build/mmap-refused.img --socket-path build/none.sock",
			 err, sizeof(err));

	unlink("build/mmap-refused.img");
	CHECK(rc == 1 && strstr(err, "--mmap needs an image in memory"),
	      "--mmap on disk: exit %d, '%s'", rc, err);
	OK("--mmap: an image on disk is refused with exit 1 and a one-line error");
}

int main(void)
{
	log_init("lib_fe_blk", false, 0);
	signal(SIGPIPE, SIG_IGN);
	read_write();
	read_only();
	polled();
	mapped();
	return 0;
}
