// SPDX-License-Identifier: MIT
/*
 * Unit test: the adapter's end of the vhost-user-gpu display channel
 * (adapter/gpu/chan.c, display.c, edid.c), driven over a socketpair as a
 * back-end would drive it. Replies (protocol features, display info, an
 * EDID), inline UPDATEs whole and in part, the DMABUF path with a memfd
 * standing in for a GBM buffer (the path virgl uses), the cursor, and
 * malformed requests, each of which fails the channel without touching
 * the surfaces.
 */
#include <endian.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "check.h"
#include "log.h"
#include "../../adapter/gpu/chan.h"
#include "../../adapter/gpu/edid.h"

static struct gpu_display display;
static struct gpu_chan chan;
static int be = -1;	/* the back-end's end */
static unsigned int changed;

static void info_cb(void *opaque, struct virtio_gpu_resp_display_info *info)
{
	info->pmodes[0].r.width = htole32(640);
	info->pmodes[0].r.height = htole32(480);
	info->pmodes[0].enabled = htole32(1);
}

static void edid_cb(void *opaque, uint32_t scanout, struct virtio_gpu_resp_edid *resp)
{
	edid_generate(resp->edid, 640, 480, scanout + 1);
	resp->size = htole32(EDID_BLOCK_SIZE);
}

static void changed_cb(void *opaque, uint32_t request)
{
	changed++;
}

static const struct gpu_chan_ops ops = {
	.display_info = info_cb, .edid = edid_cb, .changed = changed_cb,
};

static void reset(uint32_t nscanouts)
{
	int sv[2];

	if (chan.fd >= 0)
		gpu_chan_close(&chan);
	if (be >= 0)
		close(be);
	display_free(&display);
	display_init(&display, nscanouts);
	CHECK(!socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv), "pair");
	gpu_chan_init(&chan, sv[0], &display, &ops, NULL);
	be = sv[1];
}

/* Send a request (header, payload, optional fd) as the back-end. */
static void send_req(uint32_t request, const void *payload, uint32_t size, int fd)
{
	struct gpu_hdr h = { .request = request, .flags = 0xdead0000, .size = size };
	struct iovec iov[2] = { { &h, sizeof(h) }, { (void *)payload, size } };
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} ctl;
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = size ? 2 : 1 };

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
	CHECK(sendmsg(be, &mh, 0) == (ssize_t)(sizeof(h) + size), "send %u", request);
}

/* Read a reply: header checked, payload into out. */
static void recv_reply(uint32_t request, void *out, uint32_t size)
{
	struct gpu_hdr h;

	CHECK(read(be, &h, sizeof(h)) == sizeof(h), "reply header to %u", request);
	CHECK(h.request == request && h.flags == GPU_FLAG_REPLY && h.size == size,
	      "reply to %u: request %u flags %x size %u", request, h.request, h.flags, h.size);
	CHECK(!size || read(be, out, size) == (ssize_t)size, "reply payload");
}

static int pump(void)
{
	return gpu_chan_read(&chan);
}

static void expect_failure(const char *what, const char *why)
{
	CHECK(pump() == -1, "%s is refused", what);
	CHECK(strstr(chan.error, why), "%s: error '%s' lacks '%s'", what, chan.error, why);
}

static void send_update(uint32_t id, uint32_t x, uint32_t y, uint32_t w, uint32_t h,
			uint8_t value)
{
	size_t n = (size_t)w * h * 4;
	uint8_t *msg = malloc(sizeof(struct gpu_update) + n);
	struct gpu_update u = { id, x, y, w, h };

	memcpy(msg, &u, sizeof(u));
	memset(msg + sizeof(u), value, n);
	send_req(GPU_UPDATE, msg, (uint32_t)(sizeof(u) + n), -1);
	free(msg);
}

static void test_replies(void)
{
	struct virtio_gpu_resp_display_info info;
	struct virtio_gpu_resp_edid edid;
	struct gpu_edid_request er = { 0 };
	uint64_t pf = 0, set = GPU_PF_EDID;
	uint8_t sum = 0;

	reset(1);
	send_req(GPU_GET_PROTOCOL_FEATURES, NULL, 0, -1);
	CHECK(pump() == 0, "GET_PROTOCOL_FEATURES: %s", chan.error);
	recv_reply(GPU_GET_PROTOCOL_FEATURES, &pf, sizeof(pf));
	CHECK(pf == (GPU_PF_EDID | GPU_PF_DMABUF2), "offered 0x%llx", (unsigned long long)pf);

	/* GET_EDID is refused until the feature is agreed. */
	send_req(GPU_GET_EDID, &er, sizeof(er), -1);
	expect_failure("GET_EDID before SET_PROTOCOL_FEATURES", "protocol feature");

	reset(1);
	send_req(GPU_SET_PROTOCOL_FEATURES, &set, sizeof(set), -1);
	send_req(GPU_GET_DISPLAY_INFO, NULL, 0, -1);
	send_req(GPU_GET_EDID, &er, sizeof(er), -1);
	CHECK(pump() == 0 && chan.features == GPU_PF_EDID, "set features, then requests");
	recv_reply(GPU_GET_DISPLAY_INFO, &info, sizeof(info));
	CHECK(le32toh(info.hdr.type) == VIRTIO_GPU_RESP_OK_DISPLAY_INFO &&
	      le32toh(info.pmodes[0].r.width) == 640 && le32toh(info.pmodes[0].enabled) == 1,
	      "display info");
	recv_reply(GPU_GET_EDID, &edid, sizeof(edid));
	CHECK(le32toh(edid.hdr.type) == VIRTIO_GPU_RESP_OK_EDID && le32toh(edid.size) == 128,
	      "edid header");
	for (int i = 0; i < 128; i++)
		sum = (uint8_t)(sum + edid.edid[i]);
	CHECK(!sum && !memcmp(edid.edid, "\0\xff\xff\xff\xff\xff\xff\0", 8), "EDID checksum");
	/* The preferred timing: 640 x 480 in the first detailed descriptor. */
	CHECK((edid.edid[56] | (edid.edid[58] >> 4) << 8) == 640 &&
	      (edid.edid[59] | (edid.edid[61] >> 4) << 8) == 480, "EDID timing");
	er.scanout_id = 1;
	send_req(GPU_GET_EDID, &er, sizeof(er), -1);
	expect_failure("GET_EDID of a scanout the device lacks", "scanout 1");
}

static void test_updates(void)
{
	struct gpu_scanout sc = { 1, 64, 32 };
	struct gpu_surface *s = &display.s[1];

	reset(2);
	send_req(GPU_SCANOUT, &sc, sizeof(sc), -1);
	send_update(1, 0, 0, 64, 32, 0x11);	/* whole rows */
	send_update(1, 10, 5, 4, 3, 0x22);	/* a rectangle */
	CHECK(pump() == 0, "scanout and updates: %s", chan.error);
	CHECK(s->width == 64 && s->height == 32 && s->updates == 2, "surface %ux%u", s->width,
	      s->height);
	for (uint32_t y = 0; y < 32; y++)
		for (uint32_t x = 0; x < 64; x++) {
			bool in = x >= 10 && x < 14 && y >= 5 && y < 8;

			CHECK(s->pixels[(y * 64 + x) * 4] == (in ? 0x22 : 0x11), "pixel %u,%u", x, y);
		}

	/* The same size again keeps the pixels; another size starts black. */
	send_req(GPU_SCANOUT, &sc, sizeof(sc), -1);
	send_update(1, 0, 0, 1, 1, 0x44);
	CHECK(pump() == 0, "a second SCANOUT: %s", chan.error);
	CHECK(s->pixels[0] == 0x44 && s->pixels[(31 * 64 + 63) * 4] == 0x11,
	      "a SCANOUT of the same size lost the picture");
	sc.width = 32;
	send_req(GPU_SCANOUT, &sc, sizeof(sc), -1);
	CHECK(pump() == 0 && s->width == 32 && s->pixels[4] == 0, "a SCANOUT of a new size");
	sc.width = 64;

	/* Out of bounds, too short, too long, unknown: refused, surface kept. */
	send_update(1, 60, 0, 5, 1, 0x33);
	expect_failure("an UPDATE past the right edge", "outside");
	reset(2);
	send_req(GPU_SCANOUT, &sc, sizeof(sc), -1);
	CHECK(pump() == 0, "scanout");
	{
		struct gpu_update u = { 1, 0, 0, 2, 2 };
		uint8_t msg[sizeof(u) + 4] = { 0 };

		memcpy(msg, &u, sizeof(u));
		send_req(GPU_UPDATE, msg, sizeof(msg), -1);
		expect_failure("an UPDATE with too few pixels", "bytes of pixels");
	}
	reset(1);
	sc.scanout_id = 1;
	send_req(GPU_SCANOUT, &sc, sizeof(sc), -1);
	expect_failure("a SCANOUT of a scanout the device lacks", "scanout 1");
	reset(1);
	sc = (struct gpu_scanout){ 0, 9000, 10 };
	send_req(GPU_SCANOUT, &sc, sizeof(sc), -1);
	expect_failure("a SCANOUT too wide", "9000x10");
	reset(1);
	send_req(99, NULL, 0, -1);
	expect_failure("an unknown request", "unknown request 99");
	reset(1);
	send_req(GPU_SCANOUT, &sc, 8, -1);
	expect_failure("a short SCANOUT", "of 8 bytes");
	reset(1);
	sc = (struct gpu_scanout){ 0, 16, 16 };
	send_req(GPU_SCANOUT, &sc, sizeof(sc), memfd_create("x", MFD_CLOEXEC));
	expect_failure("a SCANOUT with an fd", "fd");
	reset(1);
	close(be);
	be = -1;
	expect_failure("a closed channel", "closed");
}

/* A memfd as the back-end's GBM buffer: 32 x 16 shown out of 40 x 20. */
static int make_buffer(uint32_t stride, uint32_t rows)
{
	int fd = memfd_create("buffer", MFD_CLOEXEC);
	uint8_t *p;

	CHECK(fd >= 0 && !ftruncate(fd, (off_t)stride * rows), "memfd");
	p = mmap(NULL, (size_t)stride * rows, PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(p != MAP_FAILED, "map");
	for (uint32_t i = 0; i < stride * rows; i++)
		p[i] = (uint8_t)(i * 7);
	munmap(p, (size_t)stride * rows);
	return fd;
}

static void test_dmabuf(void)
{
	struct gpu_dmabuf_scanout ds = {
		.scanout_id = 0, .x = 4, .y = 2, .width = 32, .height = 16,
		.fd_width = 40, .fd_height = 20, .fd_stride = 192,
		.fd_drm_fourcc = (int32_t)GPU_FOURCC_XR24,
	};
	struct gpu_update u = { 0, 8, 4, 10, 5 };
	struct gpu_dmabuf_scanout2 ds2 = { .base = ds, .modifier = 0 };
	struct gpu_surface *s = &display.s[0];
	uint64_t set = GPU_PF_DMABUF2;

	reset(1);
	send_req(GPU_DMABUF_SCANOUT, &ds, sizeof(ds), make_buffer(192, 20));
	send_req(GPU_DMABUF_UPDATE, &u, sizeof(u), -1);
	CHECK(pump() == 0, "dmabuf scanout and update: %s", chan.error);
	recv_reply(GPU_DMABUF_UPDATE, NULL, 0);
	CHECK(s->width == 32 && s->height == 16 && s->map && s->updates == 1, "dmabuf surface");
	for (uint32_t y = 0; y < 16; y++)
		for (uint32_t x = 0; x < 32; x++) {
			bool in = x >= 8 && x < 18 && y >= 4 && y < 9;
			uint32_t src = (y + 2) * 192 + (x + 4) * 4;

			CHECK(s->pixels[(y * 32 + x) * 4] == (in ? (uint8_t)(src * 7) : 0),
			      "dmabuf pixel %u,%u", x, y);
		}
	/* An UPDATE to a dma-buf scanout, and a DMABUF_UPDATE out of it. */
	u.width = 30;
	send_req(GPU_DMABUF_UPDATE, &u, sizeof(u), -1);
	expect_failure("a DMABUF_UPDATE outside the scanout", "outside");

	/* DMABUF_SCANOUT2 with the feature; a tiled buffer cannot be shown,
	 * yet every DMABUF_UPDATE is still answered. */
	reset(1);
	send_req(GPU_SET_PROTOCOL_FEATURES, &set, sizeof(set), -1);
	ds2.modifier = 0x0100000000000001ull;
	send_req(GPU_DMABUF_SCANOUT2, &ds2, sizeof(ds2), make_buffer(192, 20));
	u.width = 10;
	send_req(GPU_DMABUF_UPDATE, &u, sizeof(u), -1);
	CHECK(pump() == 0, "a tiled buffer: %s", chan.error);
	recv_reply(GPU_DMABUF_UPDATE, NULL, 0);
	CHECK(!s->map && display.dmabuf_unusable, "a tiled buffer is not mapped");

	/* A buffer smaller than stride x height; a bad format; no fd. */
	reset(1);
	send_req(GPU_DMABUF_SCANOUT, &ds, sizeof(ds), make_buffer(192, 10));
	CHECK(pump() == 0 && !s->map, "a short buffer is not mapped");
	reset(1);
	ds.fd_drm_fourcc = 0x34325241;	/* AR24 is fine */
	send_req(GPU_DMABUF_SCANOUT, &ds, sizeof(ds), make_buffer(192, 20));
	CHECK(pump() == 0 && s->map, "AR24");
	ds.fd_drm_fourcc = 0x36314752;	/* RG16 is not */
	send_req(GPU_DMABUF_SCANOUT, &ds, sizeof(ds), make_buffer(192, 20));
	expect_failure("a 16-bit buffer", "format");
	reset(1);
	ds.fd_drm_fourcc = (int32_t)GPU_FOURCC_XR24;
	send_req(GPU_DMABUF_SCANOUT, &ds, sizeof(ds), -1);
	expect_failure("DMABUF_SCANOUT without its buffer", "without a buffer");
	reset(1);
	ds.fd_stride = 100;
	send_req(GPU_DMABUF_SCANOUT, &ds, sizeof(ds), make_buffer(192, 20));
	expect_failure("a stride below the width", "stride 100");
	reset(1);
	send_req(GPU_DMABUF_SCANOUT2, &ds2, sizeof(ds2), make_buffer(192, 20));
	expect_failure("DMABUF_SCANOUT2 without its feature", "protocol feature");
	/* Disabling: no fd, no size. */
	reset(1);
	ds = (struct gpu_dmabuf_scanout){ 0 };
	send_req(GPU_DMABUF_SCANOUT, &ds, sizeof(ds), -1);
	CHECK(pump() == 0 && !s->width, "a dma-buf scanout turned off");
}

static void test_cursor(void)
{
	static struct gpu_cursor_update cu = { .pos = { 0, 100, 50 }, .hot_x = 3, .hot_y = 4 };
	struct gpu_cursor_pos pos = { 0, 7, 8 };

	reset(1);
	cu.data[65] = 0x80ff0000;
	send_req(GPU_CURSOR_UPDATE, &cu, sizeof(cu), -1);
	send_req(GPU_CURSOR_POS, &pos, sizeof(pos), -1);
	CHECK(pump() == 0, "cursor: %s", chan.error);
	CHECK(display.cursor.defined && display.cursor.visible && display.cursor.x == 7 &&
	      display.cursor.hot_y == 4 && display.cursor.image[65] == 0x80ff0000, "cursor state");
	send_req(GPU_CURSOR_POS_HIDE, &pos, sizeof(pos), -1);
	CHECK(pump() == 0 && !display.cursor.visible, "cursor hidden");
	cu.hot_x = 64;
	send_req(GPU_CURSOR_UPDATE, &cu, sizeof(cu), -1);
	expect_failure("a hot spot outside the cursor", "hot spot");
}

int main(void)
{
	log_init("adapter_gpu_chan", false, 0);
	chan.fd = -1;
	test_replies();
	test_updates();
	test_dmabuf();
	test_cursor();
	CHECK(changed > 0, "the changed callback ran");
	gpu_chan_close(&chan);
	display_free(&display);
	if (be >= 0)
		close(be);
	OK("%s", "all checks passed");
	return 0;
}
