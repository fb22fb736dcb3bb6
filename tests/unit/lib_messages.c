// SPDX-License-Identifier: MIT
/* Front-end message handling: every request is checked for payload size,
 * fd count and values; failures are acknowledged as failures (REPLY_ACK)
 * and leave no fd open; requests owed a reply get exactly one. */
#include "check.h"
#include "log.h"
#include "vub_private.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

static uint8_t config[16];
static int config_writes;

static void kick(struct vub_dev *dev, struct vub_queue *q)
{
}

static void get_config(struct vub_dev *dev, uint8_t *buf)
{
	memcpy(buf, config, sizeof(config));
}

static int set_config(struct vub_dev *dev, uint32_t off, const uint8_t *data, uint32_t len,
		      uint32_t flags)
{
	memcpy(config + off, data, len);
	config_writes++;
	return 0;
}

static const struct vub_device device = {
	.name = "test", .features = 1ull << 5, .num_queues = 2, .max_queue_size = 64,
	.config_size = sizeof(config), .get_config = get_config, .set_config = set_config,
	.queue_kick = kick,
};

static struct vub_dev *dev;
static int peer;	/* the front-end's end of the connection */

/* Hand msg to the library; returns its verdict. */
static int handle(uint32_t req, bool ack, const void *payload, uint32_t size, int fd)
{
	struct vu_msg m;

	vu_msg_init(&m, req, size);
	if (ack)
		m.hdr.flags |= VU_FLAG_NEED_REPLY;
	if (payload)
		memcpy(&m.payload, payload, size);
	if (fd >= 0) {
		m.fds[0] = fd;
		m.nfds = 1;
	}
	return vub_handle_message(dev, &m);
}

/* The one reply that must be waiting, or none at all. */
static bool reply(struct vu_msg *r)
{
	struct pollfd p = { .fd = peer, .events = POLLIN };

	if (poll(&p, 1, 0) != 1)
		return false;
	CHECK(vu_msg_recv(peer, r) == 0, "reading a reply");
	CHECK(r->hdr.flags & VU_FLAG_REPLY, "reply without the reply flag");
	return true;
}

static uint64_t ack(uint32_t req, const void *payload, uint32_t size, int fd)
{
	struct vu_msg r;

	CHECK(handle(req, true, payload, size, fd) == 0, "%s dropped the connection",
	      vu_request_name(req));
	CHECK(reply(&r) && r.hdr.size == 8, "%s: no ack", vu_request_name(req));
	CHECK(!reply(&r), "%s: more than one reply", vu_request_name(req));
	return r.payload.u64;
}

static uint64_t state_ack(uint32_t req, uint32_t index, uint32_t num)
{
	struct vu_vring_state s = { index, num };

	return ack(req, &s, sizeof(s), -1);
}

static bool fd_closed(int fd)
{
	return fcntl(fd, F_GETFD) < 0 && errno == EBADF;
}

static void features(void)
{
	struct vu_msg r;
	uint64_t f, bad = 1ull << 7, four = 0;

	CHECK(handle(VU_GET_FEATURES, true, NULL, 0, -1) == 0 && reply(&r), "GET_FEATURES");
	CHECK(!reply(&r), "need_reply added a second reply to GET_FEATURES");
	f = r.payload.u64;
	CHECK(f & (1ull << 32) && f & (1ull << 28) && f & (1ull << 29) && f & (1ull << 30) &&
	      f & (1ull << 5), "offered features 0x%llx", (unsigned long long)f);
	CHECK(ack(VU_SET_FEATURES, &bad, 8, -1) != 0, "a feature never offered was accepted");
	CHECK(ack(VU_SET_FEATURES, &four, 4, -1) != 0, "a 4-byte SET_FEATURES was accepted");
	CHECK(ack(VU_SET_FEATURES, &f, 8, -1) == 0 && dev->features == f, "SET_FEATURES");
	CHECK(handle(VU_GET_PROTOCOL_FEATURES, false, NULL, 0, -1) == 0 && reply(&r), "GET_PF");
	f = r.payload.u64;
	CHECK(f & (1ull << VU_PROTOCOL_F_CONFIG) && f & (1ull << VU_PROTOCOL_F_MQ) &&
	      f & (1ull << VU_PROTOCOL_F_REPLY_ACK) && f & (1ull << VU_PROTOCOL_F_INFLIGHT_SHMFD) &&
	      !(f & (1ull << VU_PROTOCOL_F_LOG_SHMFD)), "protocol features 0x%llx",
	      (unsigned long long)f);
	bad = 1ull << VU_PROTOCOL_F_PAGEFAULT;
	CHECK(ack(VU_SET_PROTOCOL_FEATURES, &bad, 8, -1) != 0, "postcopy accepted");
	CHECK(ack(VU_SET_PROTOCOL_FEATURES, &f, 8, -1) == 0, "SET_PROTOCOL_FEATURES");
	CHECK(handle(VU_GET_QUEUE_NUM, false, NULL, 0, -1) == 0 && reply(&r) &&
	      r.payload.u64 == 2, "GET_QUEUE_NUM");
	CHECK(handle(VU_GET_MAX_MEM_SLOTS, false, NULL, 0, -1) == 0 && reply(&r) &&
	      r.payload.u64 == VUB_MAX_MEM_SLOTS, "GET_MAX_MEM_SLOTS");
	OK("features: offered set, unoffered bits and wrong sizes refused, one reply each");
}

static void rings(void)
{
	struct vu_msg r;
	uint64_t v;
	int efd = eventfd(0, EFD_CLOEXEC), file = memfd_create("x", MFD_CLOEXEC);

	CHECK(state_ack(VU_SET_VRING_NUM, 2, 8) != 0, "queue index 2 of 2 accepted");
	CHECK(state_ack(VU_SET_VRING_NUM, 0, 0) != 0, "ring size 0 accepted");
	CHECK(state_ack(VU_SET_VRING_NUM, 0, 128) != 0, "ring larger than the maximum");
	CHECK(state_ack(VU_SET_VRING_NUM, 0, 8) == 0, "ring size 8");
	CHECK(state_ack(VU_SET_VRING_BASE, 0, 0x10000) != 0, "base beyond 16 bits accepted");
	CHECK(state_ack(VU_SET_VRING_ENABLE, 0, 2) != 0, "enable 2 accepted");
	v = 0 | VU_VRING_NOFD;
	CHECK(ack(VU_SET_VRING_KICK, &v, 8, -1) != 0, "polling (kick without fd) accepted");
	v = 0x200;
	CHECK(ack(VU_SET_VRING_KICK, &v, 8, dup(efd)) != 0, "reserved bits accepted");
	v = 0;
	int dupfile = dup(file);

	CHECK(ack(VU_SET_VRING_KICK, &v, 8, dupfile) != 0, "a file as kick fd accepted");
	CHECK(fd_closed(dupfile), "the refused fd was left open");
	int dupefd = dup(efd);

	CHECK(ack(VU_SET_VRING_KICK, &v, 8, dupefd) != 0, "kick before the ring addresses");
	CHECK(fd_closed(dupefd), "the refused kick fd was left open");
	v = 1 | VU_VRING_NOFD;
	CHECK(ack(VU_SET_VRING_CALL, &v, 8, -1) == 0, "call without fd (front-end polls)");
	v = 1;
	CHECK(ack(VU_SET_VRING_CALL, &v, 8, -1) != 0, "call without fd and without NOFD");
	CHECK(ack(VU_SET_VRING_CALL, &v, 8, dup(efd)) == 0, "SET_VRING_CALL");
	struct vu_vring_state s = { 7, 0 };

	CHECK(handle(VU_GET_VRING_BASE, false, &s, sizeof(s), -1) == -ECONNRESET,
	      "GET_VRING_BASE of a queue that does not exist must drop the connection");
	s.index = 0;
	CHECK(handle(VU_GET_VRING_BASE, true, &s, sizeof(s), -1) == 0 && reply(&r) &&
	      r.hdr.size == sizeof(s) && r.payload.state.num == 0 && !reply(&r),
	      "GET_VRING_BASE reply");
	close(efd);
	close(file);
	OK("ring set-up: indexes, sizes, bases, notifier fds (type and flags) checked");
}

static void memory(void)
{
	struct vu_mem_table t = { .nregions = 1 };
	struct vu_single_region one = { 0 };
	int fd = memfd_create("mem", MFD_CLOEXEC);
	uint32_t size = offsetof(struct vu_mem_table, regions) + sizeof(t.regions[0]);

	CHECK(fd >= 0 && ftruncate(fd, 1 << 20) == 0, "memfd");
	t.regions[0] = (struct vu_mem_region){ 0, 1 << 20, 0x10000000, 0 };
	CHECK(ack(VU_SET_MEM_TABLE, &t, size, -1) != 0, "a region without its fd");
	t.nregions = 9;
	CHECK(ack(VU_SET_MEM_TABLE, &t, sizeof(t), dup(fd)) != 0, "nine regions");
	t.nregions = 1;
	CHECK(ack(VU_SET_MEM_TABLE, &t, size - 8, dup(fd)) != 0, "truncated region");
	t.regions[0].memory_size = 2 << 20;
	CHECK(ack(VU_SET_MEM_TABLE, &t, size, dup(fd)) != 0, "region larger than its file");
	t.regions[0].memory_size = 1 << 20;
	CHECK(ack(VU_SET_MEM_TABLE, &t, size, dup(fd)) == 0, "SET_MEM_TABLE");
	CHECK(dev->mem.nregions == 1, "one region mapped");
	one.region = t.regions[0];
	CHECK(ack(VU_ADD_MEM_REG, &one, sizeof(one), dup(fd)) == 0, "the same region again is fine");
	one.region.guest_phys_addr = 0x80000;
	one.region.userspace_addr = 0x20000000;
	CHECK(ack(VU_ADD_MEM_REG, &one, sizeof(one), dup(fd)) != 0, "overlapping region");
	one.region.guest_phys_addr = 0x100000;
	one.region.memory_size = 4096;
	CHECK(ack(VU_ADD_MEM_REG, &one, sizeof(one), dup(fd)) == 0, "ADD_MEM_REG");
	CHECK(ack(VU_REM_MEM_REG, &one, sizeof(one), -1) == 0 && dev->mem.nregions == 1,
	      "REM_MEM_REG");
	CHECK(ack(VU_REM_MEM_REG, &one, sizeof(one), -1) != 0, "removing it twice");
	close(fd);
	OK("memory tables: fd count, sizes, file bounds, overlaps and removal checked");
}

static void config_space(void)
{
	struct vu_config c = { .offset = 2, .size = 4 };
	struct vu_msg r;

	memcpy(config, "0123456789abcdef", 16);
	CHECK(handle(VU_GET_CONFIG, false, &c, VU_CONFIG_HDR_SIZE + 4, -1) == 0 && reply(&r) &&
	      r.hdr.size == VU_CONFIG_HDR_SIZE + 4 && !memcmp(r.payload.config.payload, "2345", 4),
	      "GET_CONFIG of bytes 2..5");
	CHECK(handle(VU_GET_CONFIG, false, &c, VU_CONFIG_HDR_SIZE + 5, -1) == 0 && reply(&r) &&
	      r.hdr.size == 0, "size disagreeing with the message: empty (failed) reply");
	c.offset = 250;
	c.size = 10;
	CHECK(handle(VU_GET_CONFIG, false, &c, VU_CONFIG_HDR_SIZE + 10, -1) == 0 && reply(&r) &&
	      r.hdr.size == 0, "offset + size past 256: empty reply");
	CHECK(handle(VU_GET_CONFIG, false, &c, 4, -1) == 0 && reply(&r) && r.hdr.size == 0,
	      "a GET_CONFIG too short to read: empty reply, connection kept");
	c.offset = 14;
	c.size = 4;
	CHECK(handle(VU_GET_CONFIG, false, &c, VU_CONFIG_HDR_SIZE + 4, -1) == 0 && reply(&r) &&
	      !memcmp(r.payload.config.payload, "ef\0\0", 4), "bytes past the space read as 0");
	memcpy(c.payload, "XYZW", 4);
	CHECK(ack(VU_SET_CONFIG, &c, VU_CONFIG_HDR_SIZE + 4, -1) != 0, "write past the space");
	c.offset = 4;
	c.flags = 7;
	CHECK(ack(VU_SET_CONFIG, &c, VU_CONFIG_HDR_SIZE + 4, -1) != 0, "unknown flags");
	c.flags = 0;
	CHECK(ack(VU_SET_CONFIG, &c, VU_CONFIG_HDR_SIZE + 4, -1) == 0 &&
	      !memcmp(config + 4, "XYZW", 4) && config_writes == 1, "SET_CONFIG reached the device");
	OK("config space: bounds checked, failures answered with an empty reply");
}

static void misc(void)
{
	struct vu_inflight in = { .mmap_size = 1, .num_queues = 1, .queue_size = 8 };
	struct vu_msg r;
	uint64_t v = 0x1ff;
	int sv[2], fd = memfd_create("x", MFD_CLOEXEC), extra = dup(fd);

	CHECK(handle(99, true, NULL, 0, -1) == 0 && reply(&r) && r.payload.u64 != 0,
	      "unknown request acknowledged as failed");
	CHECK(handle(99, false, NULL, 0, -1) == 0 && !reply(&r), "unknown request ignored");
	CHECK(ack(VU_SET_OWNER, NULL, 0, extra) != 0 && fd_closed(extra),
	      "an fd nobody expects is refused and closed");
	CHECK(handle(VU_IOTLB_MSG, false, NULL, 0, -1) == 0 && reply(&r) && r.payload.u64 != 0,
	      "IOTLB_MSG gets its (failure) reply");
	CHECK(ack(VU_SET_STATUS, &v, 8, -1) != 0, "status beyond 8 bits");
	v = 0xf;
	CHECK(ack(VU_SET_STATUS, &v, 8, -1) == 0 && dev->status == 0xf, "SET_STATUS");
	CHECK(ack(VU_SET_INFLIGHT_FD, &in, sizeof(in), dup(fd)) != 0, "tiny inflight region");
	in.mmap_size = 0;
	CHECK(handle(VU_GET_INFLIGHT_FD, false, &in, sizeof(in), -1) == 0 && reply(&r) &&
	      r.nfds == 1 && r.payload.inflight.mmap_size >= vu_inflight_queue_size(8),
	      "GET_INFLIGHT_FD gives a region");
	vu_msg_close_fds(&r);
	CHECK(ack(VU_SET_BACKEND_REQ_FD, NULL, 0, dup(fd)) != 0, "a file as back-end channel");
	CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "socketpair");
	CHECK(ack(VU_SET_BACKEND_REQ_FD, NULL, 0, sv[1]) == 0, "SET_BACKEND_REQ_FD");
	CHECK(vub_config_changed(dev) == 0, "config change notice");
	CHECK(vu_msg_recv(sv[0], &r) == 0 && r.hdr.request == VU_BACKEND_CONFIG_CHANGE_MSG &&
	      !(r.hdr.flags & VU_FLAG_NEED_REPLY), "CONFIG_CHANGE_MSG arrives, asking no reply");
	CHECK(ack(VU_RESET_DEVICE, NULL, 0, -1) == 0 && dev->features == 0 && dev->status == 0,
	      "RESET_DEVICE");
	close(sv[0]);
	close(fd);
	OK("unknown requests, stray fds, status, inflight and back-end channel handled");
}

int main(void)
{
	int sv[2];

	log_init("lib_messages", false, 0);
	setvbuf(stdout, NULL, _IOLBF, 0);
	dev = vub_dev_new(&device, NULL);
	CHECK(dev && socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0, "setup");
	vub_set_connection(dev, sv[0]);
	peer = sv[1];
	features();
	rings();
	memory();
	config_space();
	misc();
	vub_dev_free(dev);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
