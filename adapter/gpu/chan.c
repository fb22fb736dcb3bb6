// SPDX-License-Identifier: MIT
#include "chan.h"

#include <endian.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"

/* Requests handled per call before the event loop gets a turn. */
#define READ_BUDGET 64
/* The largest UPDATE payload the header check lets through; the surface
 * it names bounds it exactly. */
#define MAX_UPDATE_PAYLOAD ((uint64_t)GPU_MAX_DIM * GPU_MAX_DIM * 4)

static int chan_fail(struct gpu_chan *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int chan_fail(struct gpu_chan *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->error, sizeof(c->error), fmt, ap);
	va_end(ap);
	return -1;
}

static void close_fds(struct gpu_chan *c)
{
	for (unsigned int i = 0; i < c->nfds; i++)
		close(c->fds[i]);
	c->nfds = 0;
}

void gpu_chan_init(struct gpu_chan *c, int fd, struct gpu_display *display,
		   const struct gpu_chan_ops *ops, void *opaque)
{
	memset(c, 0, sizeof(*c));
	c->fd = fd;
	c->display = display;
	c->ops = ops;
	c->opaque = opaque;
}

void gpu_chan_close(struct gpu_chan *c)
{
	close_fds(c);
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/*
 * Receive up to len bytes of the current request, and any fds that come
 * with them. Returns the byte count, 0 when nothing is waiting, or -1 on
 * hang-up or error (c->error set).
 */
static ssize_t chan_recv(struct gpu_chan *c, void *buf, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * GPU_CHAN_MAX_FDS)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	bool too_many = false;
	ssize_t n;

	do {
		n = recvmsg(c->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	if (n < 0)
		return chan_fail(c, "reading the display channel: %s", strerror(errno));
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
		size_t nfd;

		if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS)
			continue;
		nfd = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfd; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof(fd));
			if (c->nfds < GPU_CHAN_MAX_FDS) {
				c->fds[c->nfds++] = fd;
			} else {
				close(fd);
				too_many = true;
			}
		}
	}
	if (too_many || (mh.msg_flags & MSG_CTRUNC))
		return chan_fail(c, "%s came with too many fds", gpu_request_name(c->hdr.request));
	if (n == 0)
		return chan_fail(c, "the back-end closed the display channel");
	return n;
}

static int reply(struct gpu_chan *c, const void *payload, uint32_t size)
{
	struct gpu_hdr h = { .request = c->hdr.request, .flags = GPU_FLAG_REPLY, .size = size };
	struct iovec iov[2] = {
		{ .iov_base = &h, .iov_len = sizeof(h) },
		{ .iov_base = (void *)payload, .iov_len = size },
	};
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = size ? 2 : 1 };
	ssize_t n;

	do {
		n = sendmsg(c->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	/* The back-end waits for this reply: there is room for it. */
	if (n != (ssize_t)(sizeof(h) + size))
		return chan_fail(c, "cannot send the reply to %s: %s",
				 gpu_request_name(c->hdr.request),
				 n < 0 ? strerror(errno) : "short write");
	return 0;
}

static int reply_display_info(struct gpu_chan *c)
{
	struct virtio_gpu_resp_display_info info;

	memset(&info, 0, sizeof(info));
	info.hdr.type = htole32(VIRTIO_GPU_RESP_OK_DISPLAY_INFO);
	c->ops->display_info(c->opaque, &info);
	return reply(c, &info, sizeof(info));
}

static int reply_edid(struct gpu_chan *c)
{
	struct virtio_gpu_resp_edid resp;

	if (c->fixed.edid.scanout_id >= c->display->nscanouts)
		return chan_fail(c, "GET_EDID of scanout %u (the device has %u)",
				 c->fixed.edid.scanout_id, c->display->nscanouts);
	memset(&resp, 0, sizeof(resp));
	resp.hdr.type = htole32(VIRTIO_GPU_RESP_OK_EDID);
	c->ops->edid(c->opaque, c->fixed.edid.scanout_id, &resp);
	return reply(c, &resp, sizeof(resp));
}

/* One whole request has arrived: apply it, answer it. */
static int dispatch(struct gpu_chan *c)
{
	struct gpu_display *d = c->display;
	uint64_t offered = GPU_PF_ALL;
	char why[160] = "";
	int fd = -1, ret = 0;

	if (c->nfds > (gpu_request_takes_fd(c->hdr.request) ? 1u : 0u))
		return chan_fail(c, "%s came with %u fd(s)", gpu_request_name(c->hdr.request),
				 c->nfds);
	if (c->nfds) {
		fd = c->fds[0];
		c->nfds = 0;
	}
	switch (c->hdr.request) {
	case GPU_GET_PROTOCOL_FEATURES:
		ret = reply(c, &offered, sizeof(offered));
		break;
	case GPU_SET_PROTOCOL_FEATURES:
		c->features = c->fixed.u64 & GPU_PF_ALL;
		log_debug("display channel: protocol features 0x%llx",
			  (unsigned long long)c->features);
		break;
	case GPU_GET_DISPLAY_INFO:
		ret = reply_display_info(c);
		break;
	case GPU_GET_EDID:
		ret = reply_edid(c);
		break;
	case GPU_CURSOR_POS:
	case GPU_CURSOR_POS_HIDE:
		ret = display_cursor_pos(d, &c->fixed.cursor_pos,
					 c->hdr.request == GPU_CURSOR_POS, why, sizeof(why));
		break;
	case GPU_CURSOR_UPDATE:
		ret = display_cursor_update(d, &c->fixed.cursor_update, why, sizeof(why));
		break;
	case GPU_SCANOUT:
		ret = display_scanout(d, &c->fixed.scanout, why, sizeof(why));
		break;
	case GPU_UPDATE:
		display_update_done(d, &c->fixed.update);
		break;
	case GPU_DMABUF_SCANOUT:
		ret = display_dmabuf_scanout(d, &c->fixed.dmabuf_scanout, 0, fd, why, sizeof(why));
		break;
	case GPU_DMABUF_SCANOUT2:
		ret = display_dmabuf_scanout(d, &c->fixed.dmabuf_scanout2.base,
					     c->fixed.dmabuf_scanout2.modifier, fd, why,
					     sizeof(why));
		break;
	case GPU_DMABUF_UPDATE:
		ret = display_dmabuf_update(d, &c->fixed.update, why, sizeof(why));
		if (!ret)
			ret = reply(c, NULL, 0);
		break;
	}
	if (ret && !c->error[0])
		chan_fail(c, "%s", why);
	if (ret)
		return -1;
	c->messages++;
	if (c->ops->changed)
		c->ops->changed(c->opaque, c->hdr.request);
	return 0;
}

/* Read the next part of the current request. 1: progress; 0: wait. */
static int read_some(struct gpu_chan *c)
{
	size_t fixed;
	ssize_t n;

	if (c->hdr_got < sizeof(c->hdr)) {
		n = chan_recv(c, (uint8_t *)&c->hdr + c->hdr_got, sizeof(c->hdr) - c->hdr_got);
		if (n <= 0)
			return (int)n;
		c->hdr_got += (size_t)n;
		if (c->hdr_got < sizeof(c->hdr))
			return 1;
		if (!gpu_check_header(&c->hdr, c->features, MAX_UPDATE_PAYLOAD, c->error,
				      sizeof(c->error)))
			return -1;
		c->fixed_got = 0;
		c->dst = NULL;
		c->pix_total = c->pix_got = 0;
	}
	fixed = gpu_fixed_size(c->hdr.request);
	if (c->fixed_got < fixed) {
		n = chan_recv(c, c->fixed.raw + c->fixed_got, fixed - c->fixed_got);
		if (n <= 0)
			return (int)n;
		c->fixed_got += (size_t)n;
		if (c->fixed_got < fixed)
			return 1;
	}
	if (c->hdr.request == GPU_UPDATE && !c->dst) {
		c->pix_total = c->hdr.size - fixed;
		c->dst = display_update_target(c->display, &c->fixed.update, c->pix_total,
					       &c->dst_stride, c->error, sizeof(c->error));
		if (!c->dst)
			return -1;
		c->row_bytes = (size_t)c->fixed.update.width * 4;
		/* Whole rows of the surface: one run of bytes. */
		if (c->row_bytes == c->dst_stride)
			c->row_bytes = c->pix_total;
	}
	if (c->pix_got < c->pix_total) {
		size_t row = c->pix_got / c->row_bytes, off = c->pix_got % c->row_bytes;

		n = chan_recv(c, c->dst + row * c->dst_stride + off, c->row_bytes - off);
		if (n <= 0)
			return (int)n;
		c->pix_got += (size_t)n;
		if (c->pix_got < c->pix_total)
			return 1;
	}
	c->hdr_got = 0;
	return dispatch(c) ? -1 : 1;
}

int gpu_chan_read(struct gpu_chan *c)
{
	if (c->fd < 0)
		return chan_fail(c, "the display channel is closed");
	for (int budget = READ_BUDGET; budget > 0; budget--) {
		int ret = read_some(c);

		if (ret <= 0) {
			if (ret < 0)
				close_fds(c);
			return ret;
		}
	}
	return 0;
}
