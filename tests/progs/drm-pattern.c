// SPDX-License-Identifier: MIT
/*
 * drm-pattern: draw known pictures on a DRM device through dumb buffers,
 * for the GPU tests, and write what should be seen next to them.
 *
 *   drm-pattern [-d CARD] [-o DIR]     (default /dev/dri/card0 and .)
 *
 * Commands come one per line on stdin; each is answered with one line,
 * "ok ..." or "error ...", on stdout:
 *   mode OUT WxH SEED      a new buffer on output OUT (the OUT-th connected
 *                          connector), filled with pattern SEED, shown in
 *                          mode WxH (SetCrtc); DIR/expect-OUT.ppm is the
 *                          picture that output should show now
 *   rect OUT X Y W H SEED  draw pattern SEED into a rectangle of that buffer
 *                          and flush only it (DirtyFB); updates the .ppm
 *   cursor OUT HX HY X Y   a 64x64 ARGB cursor with hot spot (HX, HY) at
 *                          (X, Y) on output OUT (CURSOR2); DIR/cursor.pam
 *                          is its image
 *   nocursor OUT           hide the cursor (CURSOR with no buffer)
 *   flips OUT N LOG        N (at most 127) full-frame updates of the
 *                          buffer, patterns 1..N, each flushed (DirtyFB)
 *                          once the one before reached the display: the
 *                          adapter's --frame-log file LOG has a line with
 *                          its first pixel (which no other of the N
 *                          patterns shares). DIR/flips.txt gets one line
 *                          per frame: DirtyFB-to-display microseconds
 *   preferred OUT          probe OUT's connector again (as the DRM master
 *                          may) and answer "ok preferred OUT WxH"
 *   quit
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <drm.h>
#include <drm_mode.h>

#define MAX_OUT 16
#define CURSOR 64
#define XR24 0x34325258u

struct output {
	uint32_t connector, crtc;
	struct drm_mode_modeinfo modes[64];
	uint32_t nmodes;
	/* the buffer shown */
	uint32_t fb, handle, width, height, pitch;
	uint8_t *map;
	size_t size;
	uint8_t *expect;	/* RGB, width * height * 3 */
};

static int card = -1;
static const char *dir = ".";
static struct output outs[MAX_OUT];
static unsigned int nouts;

static int xioctl(unsigned long req, void *arg)
{
	int ret;

	do {
		ret = ioctl(card, req, arg);
	} while (ret < 0 && errno == EINTR);
	return ret;
}

static void die(const char *what)
{
	fprintf(stderr, "drm-pattern: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Pattern SEED: every pixel tells its place and the seed. */
static void pattern(uint32_t x, uint32_t y, uint32_t seed, uint8_t rgb[3])
{
	rgb[0] = (uint8_t)(x * 3 + seed * 50);
	rgb[1] = (uint8_t)(y * 5 + seed * 30);
	rgb[2] = (uint8_t)((x ^ y) + seed * 70);
}

static void find_outputs(void)
{
	struct drm_mode_card_res res = { 0 };
	uint32_t conns[MAX_OUT], crtcs[MAX_OUT];

	if (xioctl(DRM_IOCTL_MODE_GETRESOURCES, &res))
		die("GETRESOURCES");
	if (res.count_connectors > MAX_OUT || res.count_crtcs > MAX_OUT) {
		fprintf(stderr, "drm-pattern: too many connectors\n");
		exit(1);
	}
	res.connector_id_ptr = (uintptr_t)conns;
	res.crtc_id_ptr = (uintptr_t)crtcs;
	res.count_fbs = res.count_encoders = 0;
	if (xioctl(DRM_IOCTL_MODE_GETRESOURCES, &res))
		die("GETRESOURCES");
	for (uint32_t i = 0; i < res.count_connectors; i++) {
		struct drm_mode_get_connector c = { .connector_id = conns[i] };
		struct drm_mode_get_encoder e = { 0 };
		struct output *o = &outs[nouts];
		uint32_t enc;

		if (xioctl(DRM_IOCTL_MODE_GETCONNECTOR, &c))
			die("GETCONNECTOR");
		if (c.connection != 1 || !c.count_modes || !c.count_encoders)
			continue;
		if (c.count_modes > 64)
			c.count_modes = 64;
		o->nmodes = c.count_modes;
		c.modes_ptr = (uintptr_t)o->modes;
		c.encoders_ptr = (uintptr_t)&enc;
		c.count_encoders = 1;
		c.count_props = 0;
		if (xioctl(DRM_IOCTL_MODE_GETCONNECTOR, &c))
			die("GETCONNECTOR");
		e.encoder_id = enc;
		if (xioctl(DRM_IOCTL_MODE_GETENCODER, &e))
			die("GETENCODER");
		for (uint32_t k = 0; k < res.count_crtcs; k++) {
			if (e.possible_crtcs & (1u << k)) {
				o->crtc = crtcs[k];
				break;
			}
		}
		o->connector = conns[i];
		nouts++;
	}
}

static void write_expect(unsigned int n)
{
	struct output *o = &outs[n];
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/expect-%u.ppm", dir, n);
	f = fopen(path, "w");
	if (!f || fprintf(f, "P6\n%u %u\n255\n", o->width, o->height) < 0 ||
	    fwrite(o->expect, 3, (size_t)o->width * o->height, f) !=
	    (size_t)o->width * o->height || fclose(f))
		die(path);
}

/* Draw pattern seed into the rectangle, in the buffer and the expectation. */
static void draw(struct output *o, uint32_t x0, uint32_t y0, uint32_t w, uint32_t h,
		 uint32_t seed)
{
	for (uint32_t y = y0; y < y0 + h; y++) {
		for (uint32_t x = x0; x < x0 + w; x++) {
			uint8_t *px = o->map + (size_t)y * o->pitch + (size_t)x * 4;
			uint8_t *e = o->expect + ((size_t)y * o->width + x) * 3;

			pattern(x, y, seed, e);
			/* XRGB8888, little-endian: B, G, R, X */
			px[0] = e[2];
			px[1] = e[1];
			px[2] = e[0];
			px[3] = 0xff;
		}
	}
}

/* A dumb buffer of w x h at 32 bits per pixel, mapped. */
static int dumb(uint32_t w, uint32_t h, uint32_t *handle, uint32_t *pitch, uint8_t **map,
		size_t *size)
{
	struct drm_mode_create_dumb c = { .width = w, .height = h, .bpp = 32 };
	struct drm_mode_map_dumb m = { 0 };
	void *p;

	if (xioctl(DRM_IOCTL_MODE_CREATE_DUMB, &c))
		return -1;
	m.handle = c.handle;
	if (xioctl(DRM_IOCTL_MODE_MAP_DUMB, &m))
		return -1;
	p = mmap(NULL, c.size, PROT_READ | PROT_WRITE, MAP_SHARED, card, (off_t)m.offset);
	if (p == MAP_FAILED)
		return -1;
	*handle = c.handle;
	*pitch = c.pitch;
	*map = p;
	*size = c.size;
	return 0;
}

static void drop_buffer(struct output *o)
{
	struct drm_mode_destroy_dumb d = { .handle = o->handle };

	if (!o->map)
		return;
	munmap(o->map, o->size);
	xioctl(DRM_IOCTL_MODE_RMFB, &o->fb);
	xioctl(DRM_IOCTL_MODE_DESTROY_DUMB, &d);
	free(o->expect);
	o->map = NULL;
	o->expect = NULL;
}

static const char *cmd_mode(unsigned int n, uint32_t w, uint32_t h, uint32_t seed)
{
	struct output *o = &outs[n], next = *o;
	struct drm_mode_fb_cmd2 fb = { .width = w, .height = h, .pixel_format = XR24 };
	struct drm_mode_crtc crtc = { 0 };
	struct drm_mode_modeinfo *mode = NULL;

	for (uint32_t i = 0; i < o->nmodes; i++)
		if (o->modes[i].hdisplay == w && o->modes[i].vdisplay == h) {
			mode = &o->modes[i];
			break;
		}
	if (!mode)
		return "no such mode";
	next.width = w;
	next.height = h;
	if (dumb(w, h, &next.handle, &next.pitch, &next.map, &next.size))
		return strerror(errno);
	next.expect = malloc((size_t)w * h * 3);
	if (!next.expect)
		return "out of memory";
	draw(&next, 0, 0, w, h, seed);
	fb.handles[0] = next.handle;
	fb.pitches[0] = next.pitch;
	if (xioctl(DRM_IOCTL_MODE_ADDFB2, &fb))
		return strerror(errno);
	next.fb = fb.fb_id;
	crtc.crtc_id = o->crtc;
	crtc.fb_id = next.fb;
	crtc.set_connectors_ptr = (uintptr_t)&o->connector;
	crtc.count_connectors = 1;
	crtc.mode = *mode;
	crtc.mode_valid = 1;
	if (xioctl(DRM_IOCTL_MODE_SETCRTC, &crtc))
		return strerror(errno);
	drop_buffer(o);
	*o = next;
	write_expect(n);
	return NULL;
}

static const char *cmd_rect(unsigned int n, uint32_t x, uint32_t y, uint32_t w, uint32_t h,
			    uint32_t seed)
{
	struct output *o = &outs[n];
	struct drm_clip_rect clip = {
		.x1 = (unsigned short)x, .y1 = (unsigned short)y,
		.x2 = (unsigned short)(x + w), .y2 = (unsigned short)(y + h),
	};
	struct drm_mode_fb_dirty_cmd dirty = {
		.fb_id = o->fb, .num_clips = 1, .clips_ptr = (uintptr_t)&clip,
	};

	if (!o->map)
		return "no mode set";
	if (x + w > o->width || y + h > o->height || !w || !h)
		return "outside the buffer";
	draw(o, x, y, w, h, seed);
	if (xioctl(DRM_IOCTL_MODE_DIRTYFB, &dirty))
		return strerror(errno);
	write_expect(n);
	return NULL;
}

static const char *cmd_cursor(unsigned int n, uint32_t hx, uint32_t hy, int32_t x, int32_t y)
{
	struct output *o = &outs[n];
	struct drm_mode_cursor2 c = {
		.flags = DRM_MODE_CURSOR_BO | DRM_MODE_CURSOR_MOVE, .crtc_id = o->crtc,
		.x = x, .y = y, .width = CURSOR, .height = CURSOR,
		.hot_x = (int32_t)hx, .hot_y = (int32_t)hy,
	};
	uint32_t pitch;
	uint8_t *map;
	size_t size;
	char path[4096];
	FILE *f;

	if (dumb(CURSOR, CURSOR, &c.handle, &pitch, &map, &size))
		return strerror(errno);
	snprintf(path, sizeof(path), "%s/cursor.pam", dir);
	f = fopen(path, "w");
	if (!f)
		return strerror(errno);
	fprintf(f, "P7\nWIDTH %d\nHEIGHT %d\nDEPTH 4\nMAXVAL 255\nTUPLTYPE RGB_ALPHA\nENDHDR\n",
		CURSOR, CURSOR);
	for (uint32_t py = 0; py < CURSOR; py++) {
		for (uint32_t px = 0; px < CURSOR; px++) {
			uint8_t *p = map + (size_t)py * pitch + (size_t)px * 4;
			/* An opaque arrow-ish triangle; the rest clear. */
			uint8_t a = px <= py ? 0xff : 0, rgb[3];

			pattern(px, py, 7, rgb);
			if (!a)
				rgb[0] = rgb[1] = rgb[2] = 0;
			p[0] = rgb[2];
			p[1] = rgb[1];
			p[2] = rgb[0];
			p[3] = a;
			fputc(rgb[0], f);
			fputc(rgb[1], f);
			fputc(rgb[2], f);
			fputc(a, f);
		}
	}
	if (fclose(f))
		return strerror(errno);
	munmap(map, size);
	if (xioctl(DRM_IOCTL_MODE_CURSOR2, &c))
		return strerror(errno);
	return NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * The adapter's frame log: wait (up to 10 s) for a full-width update of
 * width w showing pixel, applied after since, and return when (ns), or 0.
 * (An update already under way when the frame was drawn may carry it.)
 */
static uint64_t wait_frame(FILE *log, uint32_t w, const char *pixel, uint64_t since)
{
	uint64_t end = now_ns() + 10000000000ull;
	char line[128], pix[16];
	unsigned long long ns;
	unsigned int lw;

	while (now_ns() < end) {
		if (!fgets(line, sizeof(line), log)) {
			clearerr(log);
			usleep(200);
			continue;
		}
		if (sscanf(line, "%llu %*u %*u %*u %u %*u %15s", &ns, &lw, pix) == 3 && lw == w &&
		    !strcmp(pix, pixel) && ns >= since)
			return ns;
	}
	return 0;
}

static const char *cmd_flips(unsigned int n, uint32_t count, const char *log_path)
{
	struct output *o = &outs[n];
	struct drm_clip_rect clip;
	struct drm_mode_fb_dirty_cmd dirty = { .num_clips = 1, .clips_ptr = (uintptr_t)&clip };
	char path[4096], pixel[8];
	FILE *f, *log;

	if (!o->map)
		return "no mode set";
	/* Patterns repeat their first pixel every 128 seeds. */
	if (!count || count > 127)
		return "1..127 flips";
	log = fopen(log_path, "r");
	if (!log)
		return strerror(errno);
	fseek(log, 0, SEEK_END);
	clip = (struct drm_clip_rect){ 0, 0, (unsigned short)o->width,
				       (unsigned short)o->height };
	dirty.fb_id = o->fb;
	snprintf(path, sizeof(path), "%s/flips.txt", dir);
	f = fopen(path, "w");
	if (!f) {
		fclose(log);
		return strerror(errno);
	}
	for (uint32_t i = 0; i < count; i++) {
		uint64_t t, seen;

		draw(o, 0, 0, o->width, o->height, 1 + i);
		snprintf(pixel, sizeof(pixel), "%02x%02x%02x", o->map[2], o->map[1], o->map[0]);
		t = now_ns();
		if (xioctl(DRM_IOCTL_MODE_DIRTYFB, &dirty)) {
			fclose(f);
			fclose(log);
			return strerror(errno);
		}
		seen = wait_frame(log, o->width, pixel, t);
		if (!seen) {
			fclose(f);
			fclose(log);
			return "a frame never reached the display";
		}
		fprintf(f, "%.1f\n", (double)(seen - t) / 1000.0);
	}
	fclose(log);
	if (fclose(f))
		return strerror(errno);
	write_expect(n);
	return NULL;
}

/* Probe again, as only the DRM master may; reply with the preferred mode. */
static const char *cmd_preferred(unsigned int n, char *reply, size_t size)
{
	struct output *o = &outs[n];
	struct drm_mode_get_connector c = { .connector_id = o->connector };

	if (xioctl(DRM_IOCTL_MODE_GETCONNECTOR, &c))
		return strerror(errno);
	if (c.count_modes > 64)
		c.count_modes = 64;
	o->nmodes = c.count_modes;
	c.modes_ptr = (uintptr_t)o->modes;
	c.count_encoders = c.count_props = 0;
	if (xioctl(DRM_IOCTL_MODE_GETCONNECTOR, &c))
		return strerror(errno);
	for (uint32_t i = 0; i < o->nmodes; i++) {
		if (o->modes[i].type & DRM_MODE_TYPE_PREFERRED) {
			snprintf(reply, size, " %ux%u", o->modes[i].hdisplay, o->modes[i].vdisplay);
			return NULL;
		}
	}
	return "no preferred mode";
}

static const char *run(char *line, char *reply, size_t size)
{
	unsigned int n, w, h, x, y, seed;
	char cmd[16], path[256];
	int cx, cy;

	if (sscanf(line, "%15s %u", cmd, &n) < 1)
		return "empty line";
	if (!strcmp(cmd, "quit"))
		return NULL;
	if (n >= nouts)
		return "no such output";
	if (!strcmp(cmd, "mode") && sscanf(line, "%*s %*u %ux%u %u", &w, &h, &seed) == 3)
		return cmd_mode(n, w, h, seed);
	if (!strcmp(cmd, "rect") &&
	    sscanf(line, "%*s %*u %u %u %u %u %u", &x, &y, &w, &h, &seed) == 5)
		return cmd_rect(n, x, y, w, h, seed);
	if (!strcmp(cmd, "cursor") && sscanf(line, "%*s %*u %u %u %d %d", &x, &y, &cx, &cy) == 4)
		return cmd_cursor(n, x, y, cx, cy);
	if (!strcmp(cmd, "flips") && sscanf(line, "%*s %*u %u %255s", &w, path) == 2)
		return cmd_flips(n, w, path);
	if (!strcmp(cmd, "nocursor")) {
		struct drm_mode_cursor2 c = { .flags = DRM_MODE_CURSOR_BO, .crtc_id = outs[n].crtc };

		return xioctl(DRM_IOCTL_MODE_CURSOR2, &c) ? strerror(errno) : NULL;
	}
	if (!strcmp(cmd, "preferred"))
		return cmd_preferred(n, reply, size);
	return "unknown command";
}

int main(int argc, char **argv)
{
	const char *path = "/dev/dri/card0";
	char line[256];
	int opt;

	while ((opt = getopt(argc, argv, "d:o:h")) != -1) {
		switch (opt) {
		case 'd':
			path = optarg;
			break;
		case 'o':
			dir = optarg;
			break;
		default:
			fprintf(stderr, "usage: drm-pattern [-d CARD] [-o DIR] (commands on stdin)\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	card = open(path, O_RDWR | O_CLOEXEC);
	if (card < 0)
		die(path);
	find_outputs();
	printf("ok %u output(s)\n", nouts);
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		char reply[64] = "";
		const char *err;

		line[strcspn(line, "\n")] = 0;
		err = run(line, reply, sizeof(reply));
		if (err)
			printf("error %s: %s\n", line, err);
		else
			printf("ok %s%s\n", line, reply);
		fflush(stdout);
		if (!strncmp(line, "quit", 4))
			break;
	}
	for (unsigned int i = 0; i < nouts; i++)
		drop_buffer(&outs[i]);
	return 0;
}
