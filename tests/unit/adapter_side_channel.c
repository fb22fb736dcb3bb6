// SPDX-License-Identifier: MIT
/*
 * Unit test: a device's side channel (device_add_watch) is served while the
 * adapter waits for a vhost-user reply. The back-end here does what QEMU's
 * vhost-user-gpu does: before it answers a request it asks something on
 * its side socket and waits for the answer. Without the side watch the
 * request times out; with it, it succeeds.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "../../adapter/device.h"

struct backend {
	int vu, side;
	bool answered;	/* the side question got its answer */
};

/* Take one request; ask on the side socket; reply once answered (or after
 * 1 s without an answer, so the test never hangs). */
static void *backend_thread(void *arg)
{
	struct backend *b = arg;
	struct pollfd pfd = { .fd = b->side, .events = POLLIN };
	struct vu_msg req, reply;
	char buf[8] = "";

	if (vu_msg_recv(b->vu, &req))
		return NULL;
	if (write(b->side, "ping", 4) != 4)
		return NULL;
	b->answered = poll(&pfd, 1, 1000) == 1 && read(b->side, buf, sizeof(buf)) == 4 &&
		      !memcmp(buf, "pong", 4);
	vu_msg_init(&reply, req.hdr.request, sizeof(uint64_t));
	reply.hdr.flags |= VU_FLAG_REPLY;
	reply.payload.u64 = 0x1234;
	vu_msg_send(b->vu, &reply);
	return NULL;
}

static int side_calls;

static void side_handler(void *opaque, uint32_t events)
{
	int *fd = opaque;
	char buf[8];

	side_calls++;
	if (read(*fd, buf, sizeof(buf)) == 4 && !memcmp(buf, "ping", 4))
		CHECK(write(*fd, "pong", 4) == 4, "answer on the side socket");
}

/* One GET_FEATURES against a fresh back-end thread; returns its result. */
static int one_request(struct vdevice *d, struct backend *b, uint64_t *v)
{
	pthread_t t;
	int ret;

	CHECK(!pthread_create(&t, NULL, backend_thread, b), "thread");
	ret = vuc_get_u64(&d->vu, VU_GET_FEATURES, v);
	pthread_join(t, NULL);
	return ret;
}

int main(void)
{
	struct device_spec spec = { .type = device_type_lookup("gpu") };
	struct loop_watch w = { .fd = -1 };
	struct vdevice d = { .spec = &spec };
	struct backend b = { 0 };
	int vu[2], side[2];
	uint64_t v = 0;

	log_init("adapter_side_channel", false, 0);
	CHECK(!loop_init(), "loop");
	CHECK(!socketpair(AF_UNIX, SOCK_STREAM, 0, vu) && !socketpair(AF_UNIX, SOCK_STREAM, 0, side),
	      "socketpairs");
	d.vu.sock = vu[0];
	d.vu.path = "test";
	b.vu = vu[1];
	b.side = side[1];

	/* Without the watch the back-end waits for its answer, we for ours. */
	d.vu.timeout_ms = 300;
	CHECK(one_request(&d, &b, &v) == -ETIMEDOUT && !b.answered,
	      "without the side watch the request times out");
	/* Drop the late reply and the unanswered question. */
	CHECK(vu_msg_recv(vu[0], &(struct vu_msg){ 0 }) == 0, "late reply");
	CHECK(read(side[0], (char[8]){ 0 }, 8) == 4, "unanswered question");

	d.vu.timeout_ms = 3000;
	CHECK(!device_add_watch(&d, &w, side[0], EPOLLIN, side_handler, &side[0]), "add watch");
	CHECK(one_request(&d, &b, &v) == 0 && v == 0x1234 && b.answered && side_calls == 1,
	      "with the side watch the back-end gets its answer and we ours (calls %d)",
	      side_calls);

	device_del_watch(&d, &w);
	CHECK(d.vu.nside == 0 && w.fd == -1, "watch removed");
	loop_fini();
	close(vu[0]);
	close(vu[1]);
	close(side[0]);
	close(side[1]);
	OK("%s", "all checks passed");
	return 0;
}
