// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the adapter's end of the vhost-user-gpu display channel
 * (adapter/gpu/chan.c and display.c), fed what a hostile back-end sends.
 * The first byte picks the scanout count (low four bits, plus one) and
 * whether a memfd rides along with the first request (bit 4), as a
 * dma-buf would; the second sets that memfd's size in 4 KiB pages. The
 * rest is the byte stream, ending in EOF. Whatever it holds: no crash, no
 * access outside a surface or the mapping, no leaked fd, and the channel
 * ends in failure at EOF.
 */
#include <assert.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "../../adapter/gpu/chan.h"
#include "../../adapter/gpu/edid.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_INPUT 65536

static void info_cb(void *opaque, struct virtio_gpu_resp_display_info *info)
{
	info->pmodes[0].r.width = 640;
	info->pmodes[0].r.height = 480;
	info->pmodes[0].enabled = 1;
}

static void edid_cb(void *opaque, uint32_t scanout, struct virtio_gpu_resp_edid *resp)
{
	edid_generate(resp->edid, 640, 480, scanout);
	resp->size = EDID_BLOCK_SIZE;
}

static const struct gpu_chan_ops ops = { .display_info = info_cb, .edid = edid_cb };

static int fds_open(void)
{
	int n = 0;

	for (int fd = 0; fd < 256; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

/* Send bytes, with fd (if any) on the first of them. */
static void send_with_fd(int sock, const uint8_t *p, size_t n, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { (void *)p, n };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *cm;

		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	if (sendmsg(sock, &mh, 0) != (ssize_t)n)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool started;
	struct gpu_display display;
	struct gpu_chan chan;
	int sv[2], before, memfd = -1, ret = 0;
	size_t stream = size > 2 ? size - 2 : 0;

	if (!started) {
		log_init("fuzz", false, getenv("FUZZ_VERBOSE") != NULL);
		started = true;
	}
	if (size < 3 || size > MAX_INPUT)
		return 0;
	before = fds_open();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	/* Room for the whole stream at once, whatever the system default. */
	setsockopt(sv[1], SOL_SOCKET, SO_SNDBUF, &(int){ 4 * MAX_INPUT }, sizeof(int));
	if (data[0] & 0x10) {
		memfd = memfd_create("fuzz-dmabuf", MFD_CLOEXEC);
		if (memfd < 0 || ftruncate(memfd, (off_t)data[1] * 4096))
			abort();
	}
	/* The fd rides on the first request's header only. */
	send_with_fd(sv[1], data + 2, stream < 12 ? stream : 12, memfd);
	if (stream > 12)
		send_with_fd(sv[1], data + 14, stream - 12, -1);
	if (memfd >= 0)
		close(memfd);
	shutdown(sv[1], SHUT_WR);
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	display_init(&display, (data[0] & 0x0f) + 1u);
	gpu_chan_init(&chan, sv[0], &display, &ops, NULL);
	/* Each call handles a bounded amount; EOF must end it in failure. */
	for (int i = 0; i < 100000 && ret == 0; i++)
		ret = gpu_chan_read(&chan);
	assert(ret == -1 && chan.error[0]);
	gpu_chan_close(&chan);
	display_free(&display);
	close(sv[1]);
	if (fds_open() != before)
		abort();
	return 0;
}
