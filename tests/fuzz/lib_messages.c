// SPDX-License-Identifier: MIT
/*
 * Fuzz target: a byte stream is cut into vhost-user messages (12-byte
 * header, then hdr.size payload bytes) and handed to the library's
 * message handler, as from a connected front-end. Before them, the
 * input seeds guest memory (a 64 KiB region at guest address 0, user
 * address 0x10000000): its first byte says how many 4-byte words follow
 * for the start of memory, so rings set up by the messages have
 * descriptors to walk. The harness supplies the fds a request needs
 * (eventfds, a memfd, a socket) since a byte stream carries none; the
 * device takes every request and completes it at once.
 */
#include "log.h"
#include "vub_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdalign.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define MEM 65536
#define UVA 0x10000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static alignas(4096) uint8_t mem[MEM];
static struct vub_dev *dev;
static int peer, memfd;

static void kick(struct vub_dev *d, struct vub_queue *q)
{
	struct vub_req *r;

	for (int n = 0; n < 64 && (r = vub_queue_pop(q)); n++)
		vub_req_done(r, r->in_len ? 1 : 0);
}

static void get_config(struct vub_dev *d, uint8_t *buf)
{
	memset(buf, 0x5a, 64);
}

static int set_config(struct vub_dev *d, uint32_t off, const uint8_t *p, uint32_t len,
		      uint32_t flags)
{
	return 0;
}

static const struct vub_device device = {
	.name = "fuzz", .features = 0xffffff, .num_queues = 3, .max_queue_size = 256,
	.config_size = 64, .req_priv_size = 8, .get_config = get_config,
	.set_config = set_config, .queue_kick = kick,
};

static void setup(void)
{
	int sv[2];

	/* FUZZ_VERBOSE=1 shows what the library makes of an input. */
	log_init("fuzz", false, getenv("FUZZ_VERBOSE") != NULL);
	dev = vub_dev_new(&device, NULL);
	socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv);
	vub_set_connection(dev, sv[0]);
	peer = sv[1];
	fcntl(peer, F_SETFL, O_NONBLOCK);
	memfd = memfd_create("fuzz-mem", MFD_CLOEXEC);
	if (ftruncate(memfd, MEM) < 0)
		abort();
}

/* Throw away replies, closing any fds they carry. */
static void drain(void)
{
	for (;;) {
		char buf[4096];
		union {
			char b[CMSG_SPACE(8 * sizeof(int))];
			struct cmsghdr align;
		} c;
		struct iovec iov = { buf, sizeof(buf) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.b,
				     .msg_controllen = sizeof(c.b) };

		if (recvmsg(peer, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) <= 0)
			return;
		for (struct cmsghdr *h = CMSG_FIRSTHDR(&mh); h; h = CMSG_NXTHDR(&mh, h)) {
			int *fds = (int *)CMSG_DATA(h);

			for (size_t i = 0; i < (h->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++)
				close(fds[i]);
		}
	}
}

static void reset(void)
{
	vub_reset_connection_state(dev);
	vub_reap_watches(dev);
	vub_mem_add_host(&dev->mem, 0, MEM, UVA, mem);
}

/* The fds this request would have carried. */
static void give_fds(struct vu_msg *m)
{
	unsigned int n = 0;

	switch (m->hdr.request) {
	case VU_SET_VRING_KICK:
	case VU_SET_VRING_CALL:
	case VU_SET_VRING_ERR:
		if (m->hdr.size >= 8 && !(m->payload.u64 & VU_VRING_NOFD))
			m->fds[n++] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		break;
	case VU_SET_MEM_TABLE:
		for (uint32_t i = 0; i < m->payload.mem.nregions && i < VU_MAX_MEM_REGIONS; i++)
			m->fds[n++] = dup(memfd);
		break;
	case VU_ADD_MEM_REG:
	case VU_SET_INFLIGHT_FD:
		m->fds[n++] = dup(memfd);
		break;
	case VU_SET_BACKEND_REQ_FD: {
		int sv[2];

		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
			close(sv[0]);
			m->fds[n++] = sv[1];
		}
		break;
	}
	default:
		break;
	}
	m->nfds = n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t seed;

	if (size < 1)
		return 0;
	if (!dev)
		setup();
	seed = (size_t)data[0] * 4 < size - 1 ? (size_t)data[0] * 4 : size - 1;
	memset(mem, 0, sizeof(mem));
	memcpy(mem, data + 1, seed);
	reset();
	data += 1 + seed;
	size -= 1 + seed;
	while (size >= VU_HDR_SIZE) {
		struct vu_msg m;

		memcpy(&m.hdr, data, VU_HDR_SIZE);
		data += VU_HDR_SIZE;
		size -= VU_HDR_SIZE;
		/* What vu_msg_recv would refuse ends the connection. */
		if (m.hdr.size > sizeof(m.payload) || m.hdr.size > size)
			break;
		memset(&m.payload, 0, sizeof(m.payload));
		memcpy(&m.payload, data, m.hdr.size);
		data += m.hdr.size;
		size -= m.hdr.size;
		give_fds(&m);
		if (vub_handle_message(dev, &m) == -ECONNRESET)
			reset();
		vub_flush_notifications(dev);
		drain();
	}
	reset();
	return 0;
}
