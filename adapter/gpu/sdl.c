// SPDX-License-Identifier: MIT
#include "sdl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef HAVE_SDL

struct sdl_view *sdl_view_open(const char *name, const struct sdl_view_ops *ops,
			       void *opaque, char *why, size_t why_size)
{
	snprintf(why, why_size, "this adapter was built without SDL2");
	return NULL;
}

void sdl_view_refresh(struct sdl_view *v, struct gpu_display *d)
{
}

void sdl_view_close(struct sdl_view *v)
{
}

#else

#include "log.h"
#include "sdl_lib.h"

struct sdl_window {
	SDL_Window *win;
	SDL_Renderer *ren;
	SDL_Texture *tex;
	uint32_t tex_w, tex_h;
	bool user_sized;	/* the user chose its size: scale into it */
	bool redraw;
};

struct sdl_view {
	const char *name;	/* the device's, which it names later */
	const struct sdl_view_ops *ops;
	void *opaque;
	struct sdl_window w[GPU_MAX_SCANOUTS];
	SDL_Texture *cursor[GPU_MAX_SCANOUTS];	/* per window's renderer */
	bool cursor_stale[GPU_MAX_SCANOUTS];
	uint32_t cursor_at[3];	/* x, y, and scanout + 1 when visible */
};

/* SDL's events are the process's: every view sees them all. */
#define MAX_VIEWS 8
static struct sdl_view *views[MAX_VIEWS];
static unsigned int nviews;
static const struct sdl_lib *sdl;	/* loaded by the first view */

static void drop_window(struct sdl_view *v, uint32_t i)
{
	struct sdl_window *w = &v->w[i];

	if (v->cursor[i])
		sdl->DestroyTexture(v->cursor[i]);
	if (w->tex)
		sdl->DestroyTexture(w->tex);
	if (w->ren)
		sdl->DestroyRenderer(w->ren);
	if (w->win)
		sdl->DestroyWindow(w->win);
	memset(w, 0, sizeof(*w));
	v->cursor[i] = NULL;
}

struct sdl_view *sdl_view_open(const char *name, const struct sdl_view_ops *ops,
			       void *opaque, char *why, size_t why_size)
{
	struct sdl_view *v;

	if (nviews == MAX_VIEWS) {
		snprintf(why, why_size, "at most %d SDL displays", MAX_VIEWS);
		return NULL;
	}
	if (!nviews) {
		sdl = sdl_lib_get(why, why_size);
		if (!sdl)
			return NULL;
		/*
		 * A window on the desktop the user is on: SDL would otherwise
		 * fall back to drivers that show nothing, or take over a DRM
		 * card (this very device's, perhaps). SDL_VIDEODRIVER, if
		 * set, is the user's own choice.
		 */
		if (!getenv("SDL_VIDEODRIVER")) {
			if (getenv("WAYLAND_DISPLAY")) {
				sdl->SetHint(SDL_HINT_VIDEODRIVER, "wayland,x11");
			} else if (getenv("DISPLAY")) {
				sdl->SetHint(SDL_HINT_VIDEODRIVER, "x11");
			} else {
				snprintf(why, why_size,
					 "SDL: no display (set DISPLAY or WAYLAND_DISPLAY, or SDL_VIDEODRIVER)");
				return NULL;
			}
		}
		/*
		 * A display server, not a GL stack: render in software, and
		 * keep SDL from putting the window's own framebuffer on GL
		 * too. A GL stack may block in its own threads (llvmpipe
		 * compiling), and this runs in the adapter's event loop.
		 */
		sdl->SetHint(SDL_HINT_RENDER_DRIVER, "software");
		sdl->SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
		sdl->SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
		if (sdl->InitSubSystem(SDL_INIT_VIDEO)) {
			snprintf(why, why_size, "SDL: %s", sdl->GetError());
			return NULL;
		}
	}
	v = calloc(1, sizeof(*v));
	if (!v) {
		snprintf(why, why_size, "out of memory");
		if (!nviews)
			sdl->QuitSubSystem(SDL_INIT_VIDEO);
		return NULL;
	}
	v->name = name;
	v->ops = ops;
	v->opaque = opaque;
	views[nviews++] = v;
	return v;
}

static int make_window(struct sdl_view *v, uint32_t i, const struct gpu_surface *s)
{
	struct sdl_window *w = &v->w[i];
	char title[80];

	snprintf(title, sizeof(title), "virtio-loopback %s output %u", v->name, i);
	w->win = sdl->CreateWindow(title, SDL_WINDOWPOS_UNDEFINED, SDL_WINDOWPOS_UNDEFINED,
				  (int)s->width, (int)s->height, SDL_WINDOW_RESIZABLE);
	w->ren = w->win ? sdl->CreateRenderer(w->win, -1, 0) : NULL;
	if (!w->ren) {
		log_warn("%s: cannot open a window for output %u: %s", v->name, i,
			 sdl->GetError());
		drop_window(v, i);
		return -1;
	}
	v->cursor_stale[i] = true;
	return 0;
}

/* The window's texture, the size of the surface. */
static int fit_texture(struct sdl_view *v, uint32_t i, const struct gpu_surface *s)
{
	struct sdl_window *w = &v->w[i];

	if (w->tex && w->tex_w == s->width && w->tex_h == s->height)
		return 0;
	if (w->tex)
		sdl->DestroyTexture(w->tex);
	w->tex = sdl->CreateTexture(w->ren, SDL_PIXELFORMAT_RGB888, SDL_TEXTUREACCESS_STREAMING,
				   (int)s->width, (int)s->height);
	if (!w->tex)
		return -1;
	w->tex_w = s->width;
	w->tex_h = s->height;
	if (!w->user_sized)
		sdl->SetWindowSize(w->win, (int)s->width, (int)s->height);
	return 0;
}

static void make_cursor(struct sdl_view *v, uint32_t i, const struct gpu_cursor *c)
{
	SDL_Texture *t;

	if (v->cursor[i])
		sdl->DestroyTexture(v->cursor[i]);
	v->cursor[i] = NULL;
	t = sdl->CreateTexture(v->w[i].ren, SDL_PIXELFORMAT_ARGB8888, SDL_TEXTUREACCESS_STATIC,
			      GPU_CURSOR_SIZE, GPU_CURSOR_SIZE);
	if (!t)
		return;
	sdl->SetTextureBlendMode(t, SDL_BLENDMODE_BLEND);
	sdl->UpdateTexture(t, NULL, c->image, GPU_CURSOR_SIZE * 4);
	v->cursor[i] = t;
}

static void present(struct sdl_view *v, uint32_t i, struct gpu_display *d)
{
	struct sdl_window *w = &v->w[i];
	const struct gpu_cursor *c = &d->cursor;
	int ww, wh;

	sdl->GetRendererOutputSize(w->ren, &ww, &wh);
	sdl->RenderClear(w->ren);
	sdl->RenderCopy(w->ren, w->tex, NULL, NULL);
	if (c->defined && c->visible && c->scanout == i && v->cursor[i] && w->tex_w && w->tex_h) {
		/*
		 * Guest coordinates, scaled like the picture. The guest gives
		 * the cursor plane's top-left corner (Linux 6.1 sends its
		 * crtc_x and crtc_y); the hot spot only matters to a pointer.
		 */
		SDL_Rect r = {
			.x = (int)((int64_t)c->x * ww / w->tex_w),
			.y = (int)((int64_t)c->y * wh / w->tex_h),
			.w = (int)(GPU_CURSOR_SIZE * (int64_t)ww / w->tex_w),
			.h = (int)(GPU_CURSOR_SIZE * (int64_t)wh / w->tex_h),
		};

		sdl->RenderCopy(w->ren, v->cursor[i], NULL, &r);
	}
	sdl->RenderPresent(w->ren);
	w->redraw = false;
}

static struct sdl_view *view_of(uint32_t window_id, uint32_t *index)
{
	for (unsigned int k = 0; k < nviews; k++)
		for (uint32_t i = 0; i < GPU_MAX_SCANOUTS; i++)
			if (views[k]->w[i].win &&
			    sdl->GetWindowID(views[k]->w[i].win) == window_id) {
				*index = i;
				return views[k];
			}
	return NULL;
}

static void handle_events(void)
{
	SDL_Event e;

	while (sdl->PollEvent(&e)) {
		struct sdl_view *v;
		uint32_t i;

		if (e.type != SDL_WINDOWEVENT)
			continue;
		v = view_of(e.window.windowID, &i);
		if (!v)
			continue;
		switch (e.window.event) {
		case SDL_WINDOWEVENT_RESIZED:
			/* The user's (or the window manager's) doing. */
			v->w[i].user_sized = true;
			v->w[i].redraw = true;
			if (e.window.data1 > 0 && e.window.data2 > 0 && v->ops->resized)
				v->ops->resized(v->opaque, i, (uint32_t)e.window.data1,
						(uint32_t)e.window.data2);
			break;
		case SDL_WINDOWEVENT_EXPOSED:
		case SDL_WINDOWEVENT_SIZE_CHANGED:
			v->w[i].redraw = true;
			break;
		}
	}
}

void sdl_view_refresh(struct sdl_view *v, struct gpu_display *d)
{
	struct gpu_cursor *c = &d->cursor;
	uint32_t at[3] = { c->x, c->y, c->visible ? c->scanout + 1 : 0 };
	bool cursor_moved = memcmp(at, v->cursor_at, sizeof(at));

	handle_events();
	memcpy(v->cursor_at, at, sizeof(at));
	if (c->image_changed)
		for (uint32_t i = 0; i < GPU_MAX_SCANOUTS; i++)
			v->cursor_stale[i] = true;
	c->image_changed = false;

	for (uint32_t i = 0; i < d->nscanouts; i++) {
		struct gpu_surface *s = &d->s[i];
		struct sdl_window *w = &v->w[i];

		if (!s->width) {
			if (w->win)
				drop_window(v, i);
			continue;
		}
		if (!w->win && make_window(v, i, s))
			continue;
		if (fit_texture(v, i, s))
			continue;
		if (s->dirty) {
			sdl->UpdateTexture(w->tex, NULL, s->pixels, (int)s->width * 4);
			s->dirty = false;
			w->redraw = true;
		}
		if (c->defined && v->cursor_stale[i]) {
			make_cursor(v, i, c);
			v->cursor_stale[i] = false;
			w->redraw = true;
		}
		/* Where it was and where it is, both: redraw every window. */
		if (cursor_moved)
			w->redraw = true;
		if (w->redraw)
			present(v, i, d);
	}
}

void sdl_view_close(struct sdl_view *v)
{
	unsigned int k;

	if (!v)
		return;
	for (uint32_t i = 0; i < GPU_MAX_SCANOUTS; i++)
		drop_window(v, i);
	for (k = 0; k < nviews && views[k] != v; k++)
		;
	if (k < nviews)
		views[k] = views[--nviews];
	free(v);
	if (!nviews)
		sdl->QuitSubSystem(SDL_INIT_VIDEO);
}

#endif
