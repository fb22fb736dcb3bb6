// SPDX-License-Identifier: MIT
/*
 * virtio-gpu (device id 16) with an unmodified vhost-user-gpu back-end
 * (D11): the back-end owns the GPU model; the adapter is the display. At
 * DRIVER_OK it hands the back-end one end of a socketpair
 * (VHOST_USER_GPU_SET_SOCKET), reads what the back-end shows over it
 * (adapter/gpu/chan.c), keeps the scanouts (adapter/gpu/display.c) and
 * shows them in SDL windows and PNG screenshots.
 *
 * The front-end owns three config fields, as QEMU's vhost-user-gpu does:
 * num_scanouts (--outputs), events_read (VIRTIO_GPU_EVENT_DISPLAY when a
 * window is resized) and events_clear. The guest's GPU resources live in
 * the back-end, so a lost back-end cannot be replaced: the device is
 * removed then.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>
#include <linux/virtio_gpu.h>
#include <linux/virtio_loopback.h>

#include "../device.h"
#include "../gpu/chan.h"
#include "../gpu/edid.h"
#include "../gpu/png.h"
#include "../gpu/sdl.h"
#include "log.h"
#include "parse.h"
#include "types.h"

#define DEFAULT_WIDTH 1280
#define DEFAULT_HEIGHT 800
#define MIN_DIM 32
#define REFRESH_NS (16 * 1000 * 1000)	/* the SDL view, about 60 Hz */
#define MiB (1ull << 20)

enum gpu_display_kind { DISPLAY_AUTO, DISPLAY_HEADLESS, DISPLAY_SDL };

struct gpu_options {
	enum gpu_display_kind display;
	uint32_t width, height;	/* 0: the default */
	uint32_t outputs;	/* 0: one */
	char *screenshot;	/* FILE.png, or NULL */
	char path[4096];	/* storage for screenshot */
	char frame_log[4096];	/* --frame-log FILE, or "" */
};

struct gpu_state {
	struct vdevice *d;
	struct gpu_display display;
	struct gpu_chan chan;
	struct loop_watch chan_watch;
	bool chan_open;
	uint32_t width[GPU_MAX_SCANOUTS], height[GPU_MAX_SCANOUTS];
	uint32_t events_read;
	struct sdl_view *sdl;
	int timer_fd;
	struct loop_watch timer_watch;
	bool removing;		/* the last screenshot is taken */
	FILE *frame_log;	/* --frame-log */
	struct gpu_state *next;	/* in the list SIGUSR1 walks */
};

static const struct type_option gpu_options_list[] = {
	{ "display", "sdl|headless", "show the scanouts in windows, or not" },
	{ "resolution", "WxH", "each output's mode (default 1280x800)" },
	{ "outputs", "N", "scanouts, 1..16 (default 1)" },
	{ "screenshot", "FILE.png", "write the scanouts there on SIGUSR1 and at exit" },
	{ "frame-log", "FILE", "append a line per frame update there (timing)" },
	{ NULL, NULL, NULL },
};

static bool parse_resolution(const char *s, uint32_t *w, uint32_t *h)
{
	char buf[32], *x;
	uint64_t a, b;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	x = strchr(buf, 'x');
	if (!x)
		return false;
	*x = 0;
	if (!parse_u64(buf, MIN_DIM, EDID_MAX_DIM, &a) ||
	    !parse_u64(x + 1, MIN_DIM, EDID_MAX_DIM, &b))
		return false;
	*w = (uint32_t)a;
	*h = (uint32_t)b;
	return true;
}

static int gpu_set_option(struct device_spec *spec, const char *name, const char *value,
			  char *why, size_t why_size)
{
	struct gpu_options *o = device_type_opts(spec, sizeof(*o), why, why_size);
	uint64_t v;

	if (!o)
		return -1;
	if (!strcmp(name, "display")) {
		if (!strcmp(value, "sdl")) {
			o->display = DISPLAY_SDL;
		} else if (!strcmp(value, "headless")) {
			o->display = DISPLAY_HEADLESS;
		} else {
			snprintf(why, why_size, "sdl or headless");
			return -1;
		}
	} else if (!strcmp(name, "resolution")) {
		if (!parse_resolution(value, &o->width, &o->height)) {
			snprintf(why, why_size, "WIDTHxHEIGHT, each %d..%d", MIN_DIM, EDID_MAX_DIM);
			return -1;
		}
	} else if (!strcmp(name, "outputs")) {
		if (!parse_u64(value, 1, GPU_MAX_SCANOUTS, &v)) {
			snprintf(why, why_size, "1..%d", GPU_MAX_SCANOUTS);
			return -1;
		}
		o->outputs = (uint32_t)v;
	} else if (!strcmp(name, "frame-log")) {
		if (!*value || strlen(value) >= sizeof(o->frame_log)) {
			snprintf(why, why_size, "a file name");
			return -1;
		}
		strcpy(o->frame_log, value);
	} else {
		size_t len = strlen(value);

		if (len < 5 || len >= sizeof(o->path) - 16 || strcmp(value + len - 4, ".png")) {
			snprintf(why, why_size, "a file name ending in .png");
			return -1;
		}
		memcpy(o->path, value, len + 1);
		o->screenshot = o->path;
	}
	return 0;
}

static uint32_t outputs_of(const struct gpu_options *o)
{
	return o && o->outputs ? o->outputs : 1;
}

static void mode_of(const struct gpu_options *o, uint32_t *w, uint32_t *h)
{
	*w = o && o->width ? o->width : DEFAULT_WIDTH;
	*h = o && o->height ? o->height : DEFAULT_HEIGHT;
}

/*
 * Every output's framebuffers, double-buffered, plus the kernel's fbdev
 * console buffer, cursors and rings: the driver keeps each buffer mapped
 * in the pool for its whole life.
 */
static uint64_t gpu_default_shm_size(const struct device_spec *spec)
{
	const struct gpu_options *o = spec->type_opts;
	uint64_t size;
	uint32_t w, h;

	mode_of(o, &w, &h);
	size = (uint64_t)outputs_of(o) * 3 * w * h * 4 + 8 * MiB;
	if (size < 32 * MiB)
		size = 32 * MiB;
	return size > VLB_MAX_SHM_SIZE ? VLB_MAX_SHM_SIZE : size;
}

static struct gpu_state *state_of(struct vdevice *d)
{
	return d->type_state;
}

/* ---- screenshots ---------------------------------------------------------- */

static struct gpu_state *all_states;
static int sigusr1_fd = -1;
static struct loop_watch sigusr1_watch = { .fd = -1 };

/* FILE.png for scanout 0, FILE-N.png for scanout N, FILE-cursor.png. */
static void shot_name(char *out, size_t size, const char *base, const char *suffix)
{
	size_t stem = strlen(base) - 4;

	if (!suffix)
		snprintf(out, size, "%s", base);
	else
		snprintf(out, size, "%.*s-%s.png", (int)stem, base, suffix);
}

static void screenshot(struct gpu_state *g)
{
	const struct gpu_options *o = g->d->spec->type_opts;
	const struct gpu_cursor *c = &g->display.cursor;
	char path[4200], n[16];
	bool any = false;
	int ret;

	if (!o || !o->screenshot)
		return;
	for (uint32_t i = 0; i < g->display.nscanouts; i++) {
		const struct gpu_surface *s = &g->display.s[i];

		if (!s->width)
			continue;
		any = true;
		snprintf(n, sizeof(n), "%u", i);
		shot_name(path, sizeof(path), o->screenshot, i ? n : NULL);
		ret = png_write(path, s->pixels, s->width, s->height, (size_t)s->width * 4, false);
		if (ret)
			log_err("%s: cannot write %s: %s", g->d->name, path, strerror(-ret));
		else
			log_info("%s: screenshot of output %u (%ux%u, %llu updates): %s",
				 g->d->name, i, s->width, s->height,
				 (unsigned long long)s->updates, path);
	}
	if (!any)
		log_info("%s: no output has a picture yet (no mode set): no screenshot",
			 g->d->name);
	if (c->defined) {
		shot_name(path, sizeof(path), o->screenshot, "cursor");
		ret = png_write(path, (const uint8_t *)c->image, GPU_CURSOR_SIZE, GPU_CURSOR_SIZE,
				GPU_CURSOR_SIZE * 4, true);
		if (!ret)
			log_info("%s: cursor %s on output %u at (%u, %u), hot spot (%u, %u): %s",
				 g->d->name, c->visible ? "shown" : "hidden", c->scanout, c->x,
				 c->y, c->hot_x, c->hot_y, path);
	}
}

static void sigusr1_handler(void *opaque, uint32_t events)
{
	struct signalfd_siginfo si;

	while (read(sigusr1_fd, &si, sizeof(si)) == sizeof(si))
		for (struct gpu_state *g = all_states; g; g = g->next)
			screenshot(g);
}

static int watch_sigusr1(void)
{
	sigset_t set;

	if (sigusr1_fd >= 0)
		return 0;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	sigusr1_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sigusr1_fd < 0)
		return -errno;
	return loop_add(&sigusr1_watch, sigusr1_fd, EPOLLIN, sigusr1_handler, NULL);
}

/* ---- the display channel -------------------------------------------------- */

static void gpu_display_info(void *opaque, struct virtio_gpu_resp_display_info *info)
{
	struct gpu_state *g = opaque;

	for (uint32_t i = 0; i < g->display.nscanouts; i++) {
		info->pmodes[i].r.width = htole32(g->width[i]);
		info->pmodes[i].r.height = htole32(g->height[i]);
		info->pmodes[i].enabled = htole32(1);
	}
}

static void gpu_edid(void *opaque, uint32_t scanout, struct virtio_gpu_resp_edid *resp)
{
	struct gpu_state *g = opaque;

	edid_generate(resp->edid, g->width[scanout], g->height[scanout], scanout + 1);
	resp->size = htole32(EDID_BLOCK_SIZE);
}

/*
 * --frame-log: when each frame update was applied (CLOCK_MONOTONIC ns),
 * where, and its first pixel (RRGGBB), which tells frames apart.
 */
static void log_frame(struct gpu_state *g, const struct gpu_update *u)
{
	const struct gpu_surface *s = &g->display.s[u->scanout_id];
	const uint8_t *p = s->pixels + ((size_t)u->y * s->width + u->x) * 4;
	struct timespec ts;

	if (!u->width || !u->height)
		return;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	fprintf(g->frame_log, "%lld %u %u %u %u %u %02x%02x%02x\n",
		(long long)ts.tv_sec * 1000000000ll + ts.tv_nsec, u->scanout_id, u->x, u->y,
		u->width, u->height, p[2], p[1], p[0]);
	fflush(g->frame_log);
}

static void gpu_changed(void *opaque, uint32_t request)
{
	struct gpu_state *g = opaque;

	log_debug("%s: display channel: %s", g->d->name, gpu_request_name(request));
	if (g->frame_log && (request == GPU_UPDATE || request == GPU_DMABUF_UPDATE))
		log_frame(g, &g->chan.fixed.update);
}

static const struct gpu_chan_ops chan_ops = {
	.display_info = gpu_display_info,
	.edid = gpu_edid,
	.changed = gpu_changed,
};

static void close_chan(struct gpu_state *g)
{
	if (!g->chan_open)
		return;
	device_del_watch(g->d, &g->chan_watch);
	gpu_chan_close(&g->chan);
	g->chan_open = false;
}

static void chan_handler(void *opaque, uint32_t events)
{
	struct gpu_state *g = opaque;

	if (gpu_chan_read(&g->chan) == 0)
		return;
	log_err("%s: display channel: %s", g->d->name, g->chan.error);
	close_chan(g);
	device_lose_backend(g->d, "the GPU display channel failed");
}

/* DRIVER_OK: the display channel first, as QEMU does, then the rings. */
static int gpu_driver_ok(struct vdevice *d)
{
	struct gpu_state *g = state_of(d);
	int sv[2], ret;

	close_chan(g);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		return -errno;
	fcntl(sv[0], F_SETFL, O_NONBLOCK);
	gpu_chan_init(&g->chan, sv[0], &g->display, &chan_ops, g);
	ret = device_add_watch(d, &g->chan_watch, sv[0], EPOLLIN, chan_handler, g);
	if (ret) {
		gpu_chan_close(&g->chan);
		close(sv[1]);
		return ret;
	}
	g->chan_open = true;
	ret = vuc_send_fd(&d->vu, VU_GPU_SET_SOCKET, sv[1]);
	close(sv[1]);
	if (ret) {
		log_err("%s: cannot hand the display channel to the back-end: %s", d->name,
			strerror(-ret));
		close_chan(g);
	}
	return ret;
}

/* ---- the SDL view ------------------------------------------------------------ */

static void set_mode(struct gpu_state *g, uint32_t scanout, uint32_t w, uint32_t h)
{
	if (w < MIN_DIM || h < MIN_DIM || w > EDID_MAX_DIM || h > EDID_MAX_DIM ||
	    (g->width[scanout] == w && g->height[scanout] == h))
		return;
	log_info("%s: output %u is now %ux%u", g->d->name, scanout, w, h);
	g->width[scanout] = w;
	g->height[scanout] = h;
	g->events_read |= VIRTIO_GPU_EVENT_DISPLAY;
	backend_refresh_config(g->d, true);
}

static void sdl_resized(void *opaque, uint32_t scanout, uint32_t w, uint32_t h)
{
	set_mode(opaque, scanout, w, h);
}

static const struct sdl_view_ops sdl_ops = { .resized = sdl_resized };

static void timer_handler(void *opaque, uint32_t events)
{
	struct gpu_state *g = opaque;
	uint64_t ticks;

	if (read(g->timer_fd, &ticks, sizeof(ticks)) < 0)
		return;
	sdl_view_refresh(g->sdl, &g->display);
}

static int open_sdl(struct gpu_state *g)
{
	struct itimerspec every = { { 0, REFRESH_NS }, { 0, REFRESH_NS } };
	char why[160];

	g->sdl = sdl_view_open(g->d->name, &sdl_ops, g, why, sizeof(why));
	if (!g->sdl) {
		log_err("%s: --display sdl: %s", g->d->spec->socket, why);
		return -ENODEV;
	}
	g->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (g->timer_fd < 0 || timerfd_settime(g->timer_fd, 0, &every, NULL) ||
	    loop_add(&g->timer_watch, g->timer_fd, EPOLLIN, timer_handler, g))
		return -errno;
	return 0;
}

/* ---- the device ---------------------------------------------------------------- */

static int gpu_open(struct vdevice *d)
{
	const struct gpu_options *o = d->spec->type_opts;
	enum gpu_display_kind kind = o ? o->display : DISPLAY_AUTO;
	struct gpu_state *g;
	uint32_t w, h;
	int ret;

	if (d->nq < 2) {
		log_err("%s: virtio-gpu needs 2 queues (control and cursor), not %u",
			d->spec->socket, d->nq);
		return -EINVAL;
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return -ENOMEM;
	d->type_state = g;
	g->d = d;
	g->timer_fd = -1;
	g->chan.fd = -1;
	g->timer_watch.fd = g->chan_watch.fd = -1;
	display_init(&g->display, outputs_of(o));
	mode_of(o, &w, &h);
	for (uint32_t i = 0; i < GPU_MAX_SCANOUTS; i++) {
		g->width[i] = w;
		g->height[i] = h;
	}
	g->next = all_states;
	all_states = g;
	if (o && o->frame_log[0]) {
		g->frame_log = fopen(o->frame_log, "ae");
		if (!g->frame_log) {
			ret = -errno;
			log_err("%s: cannot open %s: %s", d->spec->socket, o->frame_log,
				strerror(-ret));
			return ret;
		}
	}
	ret = watch_sigusr1();
	if (ret)
		return ret;
	if (kind == DISPLAY_AUTO)
		kind = getenv("DISPLAY") || getenv("WAYLAND_DISPLAY") ? DISPLAY_SDL :
		       DISPLAY_HEADLESS;
	if (kind == DISPLAY_SDL)
		return open_sdl(g);
	return 0;
}

static void gpu_removing(struct vdevice *d)
{
	struct gpu_state *g = state_of(d);

	/* The last picture, before the driver lets go and blanks it. */
	if (g && !g->removing) {
		g->removing = true;
		screenshot(g);
	}
}

static void gpu_close(struct vdevice *d)
{
	struct gpu_state *g = state_of(d);
	struct gpu_state **p;

	if (!g)
		return;
	gpu_removing(d);
	close_chan(g);
	if (g->timer_fd >= 0) {
		loop_del(&g->timer_watch);
		close(g->timer_fd);
	}
	sdl_view_close(g->sdl);
	display_free(&g->display);
	if (g->frame_log)
		fclose(g->frame_log);
	for (p = &all_states; *p && *p != g; p = &(*p)->next)
		;
	if (*p)
		*p = g->next;
	free(g);
	d->type_state = NULL;
}

static void gpu_config_fixup(struct vdevice *d, uint8_t *config, uint32_t size)
{
	struct gpu_state *g = state_of(d);
	struct virtio_gpu_config c;

	if (size < sizeof(c))
		return;
	memcpy(&c, config, sizeof(c));
	c.events_read = htole32(g ? g->events_read : 0);
	c.events_clear = 0;
	c.num_scanouts = htole32(outputs_of(d->spec->type_opts));
	memcpy(config, &c, sizeof(c));
}

/* The driver acknowledges events by writing them to events_clear. */
static void gpu_config_write(struct vdevice *d, uint32_t offset, uint32_t len)
{
	struct gpu_state *g = state_of(d);
	uint32_t clear;

	if (!g || offset > offsetof(struct virtio_gpu_config, events_clear) ||
	    offset + len < offsetof(struct virtio_gpu_config, events_clear) + sizeof(clear))
		return;
	memcpy(&clear, d->config + offsetof(struct virtio_gpu_config, events_clear),
	       sizeof(clear));
	g->events_read &= ~le32toh(clear);
}

static void gpu_reset(struct vdevice *d)
{
	close_chan(state_of(d));
}

/* Every GPU resource of the guest lived in the back-end: nothing to
 * reconnect to. */
static void gpu_backend_lost(struct vdevice *d)
{
	close_chan(state_of(d));
	log_warn("%s: the guest's GPU resources were in the back-end; removing the device",
		 d->name);
	device_request_remove(d);
}

const struct device_type_ops gpu_type_ops = {
	.options = gpu_options_list,
	.set_option = gpu_set_option,
	.default_shm_size = gpu_default_shm_size,
	.open = gpu_open,
	.close = gpu_close,
	.removing = gpu_removing,
	.config_fixup = gpu_config_fixup,
	.owns_config = true,
	.config_write = gpu_config_write,
	.driver_ok = gpu_driver_ok,
	.reset = gpu_reset,
	.backend_lost = gpu_backend_lost,
};
