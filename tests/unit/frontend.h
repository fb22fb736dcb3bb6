/* SPDX-License-Identifier: MIT */
/*
 * A small vhost-user front-end and virtio driver for the tests: starts a
 * back-end program, shares one memfd as guest memory (guest addresses
 * are offsets, as the loopback adapter does), sets up split rings, adds
 * buffers and waits for them to come back. Header-only (static inline)
 * so each test binary takes what it uses.
 */
#ifndef TEST_FRONTEND_H
#define TEST_FRONTEND_H

#include "check.h"
#include "vhost_user.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/virtio_ring.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FE_MEM_SIZE (16u << 20)
#define FE_MAX_QUEUES 16
#define FE_WAIT_MS 5000

struct fe_vq {
	unsigned int num;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	int kick, call;
	uint16_t avail_idx, last_used;
	uint16_t free_head, nfree;
	uint16_t chain_len[1024];
};

struct fe {
	pid_t pid;
	char dir[64];
	char sock[128];
	int fd;
	int memfd;
	uint8_t *mem;
	uint64_t bump;
	uint64_t features, protocol;
	struct fe_vq vq[FE_MAX_QUEUES];
};

/* One buffer of a request: len bytes at gpa, device-writable or not. */
struct fe_buf {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

static inline void *fe_ptr(struct fe *fe, uint64_t gpa)
{
	return fe->mem + gpa;
}

/* Bump allocation in guest memory, 64-byte aligned; never freed. */
static inline uint64_t fe_alloc(struct fe *fe, size_t len)
{
	uint64_t gpa = fe->bump;

	fe->bump = (fe->bump + len + 63) & ~63ull;
	CHECK(fe->bump <= FE_MEM_SIZE, "test guest memory exhausted");
	memset(fe->mem + gpa, 0, len);
	return gpa;
}

static inline void fe_mkdir(struct fe *fe)
{
	strcpy(fe->dir, "/tmp/vub-test.XXXXXX");
	CHECK(mkdtemp(fe->dir), "mkdtemp: %s", strerror(errno));
}

/* Start PROG --socket-path DIR/sock ARGS... and connect to it. args ends
 * with NULL; "@" in an argument is replaced by fe->dir. */
static inline void fe_spawn(struct fe *fe, const char *prog, const char *const *args)
{
	char *argv[32], *owned[32];
	unsigned int n = 0, nowned = 0;
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	if (!fe->dir[0])
		fe_mkdir(fe);
	snprintf(fe->sock, sizeof(fe->sock), "%s/sock", fe->dir);
	CHECK(access(prog, X_OK) == 0, "%s is missing: run make programs first", prog);
	argv[n++] = (char *)prog;
	argv[n++] = (char *)"--socket-path";
	argv[n++] = fe->sock;
	for (; *args && n < 30; args++) {
		const char *at = strchr(*args, '@');

		if (at) {
			char *s = malloc(strlen(*args) + strlen(fe->dir) + 1);

			sprintf(s, "%.*s%s%s", (int)(at - *args), *args, fe->dir, at + 1);
			argv[n++] = owned[nowned++] = s;
		} else {
			argv[n++] = (char *)*args;
		}
	}
	argv[n] = NULL;
	fe->pid = fork();
	CHECK(fe->pid >= 0, "fork: %s", strerror(errno));
	if (fe->pid == 0) {
		execv(prog, argv);
		_exit(127);
	}
	while (nowned)
		free(owned[--nowned]);
	strcpy(sa.sun_path, fe->sock);
	for (int i = 0; i < 500; i++) {
		fe->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (connect(fe->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return;
		close(fe->fd);
		fe->fd = -1;
		CHECK(waitpid(fe->pid, NULL, WNOHANG) == 0, "%s exited at start", prog);
		usleep(10000);
	}
	FAIL("cannot connect to %s", fe->sock);
}

static inline void fe_reconnect(struct fe *fe)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	strcpy(sa.sun_path, fe->sock);
	fe->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	for (int i = 0; i < 500; i++) {
		if (connect(fe->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return;
		usleep(10000);
	}
	FAIL("cannot reconnect to %s", fe->sock);
}

/* Send a request; if want_reply, read the reply into *reply. */
static inline void fe_send(struct fe *fe, uint32_t req, const void *payload, uint32_t size,
			   const int *fds, unsigned int nfds, bool need_ack)
{
	struct vu_msg m;

	vu_msg_init(&m, req, size);
	if (need_ack)
		m.hdr.flags |= VU_FLAG_NEED_REPLY;
	if (size)
		memcpy(&m.payload, payload, size);
	for (unsigned int i = 0; i < nfds; i++)
		m.fds[i] = fds[i];
	m.nfds = nfds;
	CHECK(vu_msg_send(fe->fd, &m) == 0, "sending %s", vu_request_name(req));
}

static inline void fe_recv(struct fe *fe, uint32_t req, struct vu_msg *reply)
{
	struct pollfd p = { .fd = fe->fd, .events = POLLIN };

	CHECK(poll(&p, 1, FE_WAIT_MS) == 1, "no reply to %s", vu_request_name(req));
	CHECK(vu_msg_recv(fe->fd, reply) == 0, "reading the reply to %s", vu_request_name(req));
	CHECK(reply->hdr.request == req && (reply->hdr.flags & VU_FLAG_REPLY),
	      "reply to %s is %u flags 0x%x", vu_request_name(req), reply->hdr.request,
	      reply->hdr.flags);
}

/* A request that gets a REPLY_ACK; returns the ack value (0 = success). */
static inline uint64_t fe_call(struct fe *fe, uint32_t req, const void *payload, uint32_t size,
			       const int *fds, unsigned int nfds)
{
	struct vu_msg r;

	fe_send(fe, req, payload, size, fds, nfds, true);
	fe_recv(fe, req, &r);
	CHECK(r.hdr.size == 8, "ack of %s has %u bytes", vu_request_name(req), r.hdr.size);
	vu_msg_close_fds(&r);
	return r.payload.u64;
}

static inline uint64_t fe_get_u64(struct fe *fe, uint32_t req)
{
	struct vu_msg r;

	fe_send(fe, req, NULL, 0, NULL, 0, false);
	fe_recv(fe, req, &r);
	CHECK(r.hdr.size == 8, "reply to %s has %u bytes", vu_request_name(req), r.hdr.size);
	return r.payload.u64;
}

static inline void fe_set_u64(struct fe *fe, uint32_t req, uint64_t v)
{
	CHECK(fe_call(fe, req, &v, sizeof(v), NULL, 0) == 0, "%s 0x%llx refused",
	      vu_request_name(req), (unsigned long long)v);
}

static inline void fe_state(struct fe *fe, uint32_t req, unsigned int index, unsigned int num)
{
	struct vu_vring_state s = { .index = index, .num = num };

	CHECK(fe_call(fe, req, &s, sizeof(s), NULL, 0) == 0, "%s(%u, %u) refused",
	      vu_request_name(req), index, num);
}

static inline void fe_get_config(struct fe *fe, uint32_t off, uint32_t len, void *buf)
{
	struct vu_config c = { .offset = off, .size = len };
	struct vu_msg r;

	fe_send(fe, VU_GET_CONFIG, &c, VU_CONFIG_HDR_SIZE + len, NULL, 0, false);
	fe_recv(fe, VU_GET_CONFIG, &r);
	CHECK(r.hdr.size == VU_CONFIG_HDR_SIZE + len, "GET_CONFIG reply of %u bytes", r.hdr.size);
	memcpy(buf, r.payload.config.payload, len);
}

static inline uint64_t fe_set_config(struct fe *fe, uint32_t off, uint32_t len, const void *buf)
{
	struct vu_config c = { .offset = off, .size = len };

	memcpy(c.payload, buf, len);
	return fe_call(fe, VU_SET_CONFIG, &c, VU_CONFIG_HDR_SIZE + len, NULL, 0);
}

/* Guest memory: one memfd region, guest address 0, like the adapter. */
static inline void fe_share_memory(struct fe *fe)
{
	struct vu_mem_table t = { .nregions = 1 };

	if (!fe->mem) {
		fe->memfd = memfd_create("fe-mem", MFD_CLOEXEC);
		CHECK(fe->memfd >= 0 && ftruncate(fe->memfd, FE_MEM_SIZE) == 0, "memfd");
		fe->mem = mmap(NULL, FE_MEM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fe->memfd, 0);
		CHECK(fe->mem != MAP_FAILED, "mmap");
		fe->bump = 4096;
	}
	t.regions[0].guest_phys_addr = 0;
	t.regions[0].memory_size = FE_MEM_SIZE;
	t.regions[0].userspace_addr = (uint64_t)(uintptr_t)fe->mem;
	t.regions[0].mmap_offset = 0;
	CHECK(fe_call(fe, VU_SET_MEM_TABLE, &t,
		      offsetof(struct vu_mem_table, regions) + sizeof(t.regions[0]),
		      &fe->memfd, 1) == 0, "SET_MEM_TABLE refused");
}

/* Negotiate: the back-end's features masked by want, protocol features
 * masked by want_protocol (REPLY_ACK is always asked for). */
static inline void fe_negotiate(struct fe *fe, uint64_t want, uint64_t want_protocol)
{
	uint64_t f = fe_get_u64(fe, VU_GET_FEATURES);

	CHECK(f & (1ull << VU_F_PROTOCOL_FEATURES), "no protocol features offered");
	fe->protocol = fe_get_u64(fe, VU_GET_PROTOCOL_FEATURES) &
		       (want_protocol | (1ull << VU_PROTOCOL_F_REPLY_ACK));
	fe_set_u64(fe, VU_SET_PROTOCOL_FEATURES, fe->protocol);
	fe_send(fe, VU_SET_OWNER, NULL, 0, NULL, 0, false);
	fe->features = f & want;
	fe_set_u64(fe, VU_SET_FEATURES, fe->features);
	fe_share_memory(fe);
}

/* Lay out and hand over queue index with num entries, then enable it. */
static inline void fe_start_queue(struct fe *fe, unsigned int index, unsigned int num)
{
	struct fe_vq *q = &fe->vq[index];
	struct vu_vring_addr a = { .index = index };
	uint64_t v;

	if (!q->desc) {
		q->num = num;
		q->desc_gpa = fe_alloc(fe, 16 * num);
		q->avail_gpa = fe_alloc(fe, 6 + 2 * num);
		q->used_gpa = fe_alloc(fe, 6 + 8 * num);
		q->desc = fe_ptr(fe, q->desc_gpa);
		q->avail = fe_ptr(fe, q->avail_gpa);
		q->used = fe_ptr(fe, q->used_gpa);
		for (unsigned int i = 0; i < num; i++)
			q->desc[i].next = htole16((uint16_t)((i + 1) % num));
		q->free_head = 0;
		q->nfree = (uint16_t)num;
		q->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		q->call = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	}
	fe_state(fe, VU_SET_VRING_NUM, index, q->num);
	fe_state(fe, VU_SET_VRING_BASE, index, q->avail_idx);
	a.desc_user_addr = (uint64_t)(uintptr_t)q->desc;
	a.avail_user_addr = (uint64_t)(uintptr_t)q->avail;
	a.used_user_addr = (uint64_t)(uintptr_t)q->used;
	CHECK(fe_call(fe, VU_SET_VRING_ADDR, &a, sizeof(a), NULL, 0) == 0, "SET_VRING_ADDR");
	v = index;
	CHECK(fe_call(fe, VU_SET_VRING_CALL, &v, sizeof(v), &q->call, 1) == 0, "SET_VRING_CALL");
	CHECK(fe_call(fe, VU_SET_VRING_KICK, &v, sizeof(v), &q->kick, 1) == 0, "SET_VRING_KICK");
	fe_state(fe, VU_SET_VRING_ENABLE, index, 1);
}

/* Add one request made of bufs, without a kick. Returns its head. */
static inline uint16_t fe_add_quiet(struct fe *fe, unsigned int index, const struct fe_buf *bufs,
				    unsigned int n)
{
	struct fe_vq *q = &fe->vq[index];
	uint16_t head = q->free_head, i = head, last = head;

	CHECK(n && n <= q->nfree, "queue %u: no room for %u descriptors", index, n);
	for (unsigned int k = 0; k < n; k++) {
		struct vring_desc *d = &q->desc[i];

		d->addr = htole64(bufs[k].gpa);
		d->len = htole32(bufs[k].len);
		d->flags = htole16((bufs[k].write ? VRING_DESC_F_WRITE : 0) |
				   (k + 1 < n ? VRING_DESC_F_NEXT : 0));
		last = i;
		i = le16toh(d->next);
	}
	q->free_head = le16toh(q->desc[last].next);
	q->nfree -= (uint16_t)n;
	q->chain_len[head] = (uint16_t)n;
	q->avail->ring[q->avail_idx % q->num] = htole16(head);
	__atomic_store_n(&q->avail->idx, htole16((uint16_t)(q->avail_idx + 1)), __ATOMIC_RELEASE);
	q->avail_idx++;
	return head;
}

/* Add one request made of bufs and kick. Returns its head. */
static inline uint16_t fe_add(struct fe *fe, unsigned int index, const struct fe_buf *bufs,
			      unsigned int n)
{
	uint16_t head = fe_add_quiet(fe, index, bufs, n);
	uint64_t one = 1;

	CHECK(write(fe->vq[index].kick, &one, sizeof(one)) == sizeof(one), "kick");
	return head;
}

/* Wait for the next used entry of queue index; false on timeout. */
static inline bool fe_try_used(struct fe *fe, unsigned int index, int timeout_ms,
			       uint16_t *head, uint32_t *len)
{
	struct fe_vq *q = &fe->vq[index];
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		uint16_t used;

		/* EVENT_IDX: ask for an interrupt when anything new is used. */
		__atomic_store_n((uint16_t *)&q->avail->ring[q->num], htole16(q->last_used),
				 __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		used = le16toh(__atomic_load_n(&q->used->idx, __ATOMIC_ACQUIRE));

		if (used != q->last_used) {
			struct vring_used_elem e = q->used->ring[q->last_used % q->num];
			uint16_t h = (uint16_t)le32toh(e.id), last = h;

			CHECK(h < q->num && q->chain_len[h], "queue %u: bad used id %u", index, h);
			for (unsigned int k = 1; k < q->chain_len[h]; k++)
				last = le16toh(q->desc[last].next);
			q->desc[last].next = htole16(q->free_head);
			q->free_head = h;
			q->nfree += q->chain_len[h];
			q->chain_len[h] = 0;
			q->last_used++;
			*head = h;
			*len = le32toh(e.len);
			return true;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		long ms = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;

		if (ms >= timeout_ms)
			return false;
		struct pollfd p = { .fd = q->call, .events = POLLIN };
		uint64_t cnt;

		if (poll(&p, 1, (int)(timeout_ms - ms)) == 1)
			CHECK(read(q->call, &cnt, sizeof(cnt)) == sizeof(cnt), "call fd");
		else
			fprintf(stderr, "note: queue %u: no interrupt for %d ms (used %u, last seen %u)\n",
				index, timeout_ms, le16toh(q->used->idx), q->last_used);
	}
}

static inline uint32_t fe_wait_used(struct fe *fe, unsigned int index, uint16_t head)
{
	uint16_t h;
	uint32_t len;

	CHECK(fe_try_used(fe, index, FE_WAIT_MS, &h, &len), "queue %u: no used buffer", index);
	CHECK(h == head, "queue %u: used %u, expected %u", index, h, head);
	return len;
}

/* SIGTERM the back-end; returns its exit status (-1 if killed). */
static inline int fe_stop(struct fe *fe)
{
	int st;

	if (fe->fd >= 0)
		close(fe->fd);
	fe->fd = -1;
	kill(fe->pid, SIGTERM);
	CHECK(waitpid(fe->pid, &st, 0) == fe->pid, "waitpid");
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static inline void fe_cleanup(struct fe *fe)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fe->dir);
	if (fe->dir[0] && system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", fe->dir);
}

#endif
