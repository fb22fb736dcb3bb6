// SPDX-License-Identifier: MIT
#include "display.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/dma-buf.h>

#include "log.h"

#define BPP 4
/* DRM_FORMAT_MOD_LINEAR, and DRM_FORMAT_MOD_INVALID ("not said"). */
#define MOD_LINEAR 0ull
#define MOD_INVALID 0x00ffffffffffffffull

#define FAIL(...) \
	do { \
		snprintf(why, why_size, __VA_ARGS__); \
		return -1; \
	} while (0)

void display_init(struct gpu_display *d, uint32_t nscanouts)
{
	memset(d, 0, sizeof(*d));
	d->nscanouts = nscanouts;
	for (uint32_t i = 0; i < GPU_MAX_SCANOUTS; i++)
		d->s[i].dmabuf_fd = -1;
}

static void drop_dmabuf(struct gpu_surface *s)
{
	if (s->map)
		munmap((void *)s->map, s->map_size);
	if (s->dmabuf_fd >= 0)
		close(s->dmabuf_fd);
	s->map = NULL;
	s->map_size = 0;
	s->dmabuf_fd = -1;
}

/* A new, black surface of w x h (0 x 0: none). */
static int set_surface(struct gpu_surface *s, uint32_t w, uint32_t h, char *why,
		       size_t why_size)
{
	uint8_t *px = NULL;

	if (w && h) {
		px = calloc((size_t)w * h, BPP);
		if (!px)
			FAIL("no memory for a %ux%u surface", w, h);
	}
	drop_dmabuf(s);
	free(s->pixels);
	s->pixels = px;
	s->width = px ? w : 0;
	s->height = px ? h : 0;
	s->dirty = true;
	return 0;
}

void display_free(struct gpu_display *d)
{
	for (uint32_t i = 0; i < GPU_MAX_SCANOUTS; i++) {
		drop_dmabuf(&d->s[i]);
		free(d->s[i].pixels);
		d->s[i].pixels = NULL;
	}
}

static bool dims_ok(uint32_t w, uint32_t h)
{
	return (w == 0) == (h == 0) && w <= GPU_MAX_DIM && h <= GPU_MAX_DIM;
}

/* x, w within [0, limit), without overflow. */
static bool span_ok(uint32_t x, uint32_t w, uint32_t limit)
{
	return x <= limit && w <= limit - x;
}

int display_scanout(struct gpu_display *d, const struct gpu_scanout *m, char *why,
		    size_t why_size)
{
	struct gpu_surface *s;

	if (m->scanout_id >= d->nscanouts)
		FAIL("SCANOUT of scanout %u (the device has %u)", m->scanout_id, d->nscanouts);
	s = &d->s[m->scanout_id];
	if (!dims_ok(m->width, m->height))
		FAIL("SCANOUT of %ux%u", m->width, m->height);
	/*
	 * The same size again keeps the pixels: QEMU 7.2's back-end passes
	 * on every SET_SCANOUT, and Linux 6.1 sets a scanout again on the
	 * first page update after another output's modeset, then flushes
	 * only the damaged rectangle. A new surface would be black around it.
	 */
	if (s->pixels && s->dmabuf_fd < 0 && s->width == m->width && s->height == m->height) {
		s->dirty = true;
		return 0;
	}
	return set_surface(s, m->width, m->height, why, why_size);
}

/* The update's rectangle inside its surface. */
static struct gpu_surface *update_surface(struct gpu_display *d, const struct gpu_update *m,
					  char *why, size_t why_size)
{
	struct gpu_surface *s;

	if (m->scanout_id >= d->nscanouts) {
		snprintf(why, why_size, "update of scanout %u (the device has %u)", m->scanout_id,
			 d->nscanouts);
		return NULL;
	}
	s = &d->s[m->scanout_id];
	if (!span_ok(m->x, m->width, s->width) || !span_ok(m->y, m->height, s->height)) {
		snprintf(why, why_size, "update %ux%u+%u+%u outside scanout %u (%ux%u)",
			 m->width, m->height, m->x, m->y, m->scanout_id, s->width, s->height);
		return NULL;
	}
	return s;
}

uint8_t *display_update_target(struct gpu_display *d, const struct gpu_update *m,
			       uint64_t payload, size_t *stride, char *why, size_t why_size)
{
	struct gpu_surface *s = update_surface(d, m, why, why_size);

	if (!s)
		return NULL;
	if (s->dmabuf_fd >= 0 || s->map) {
		snprintf(why, why_size, "UPDATE of scanout %u, which shows a dma-buf",
			 m->scanout_id);
		return NULL;
	}
	/* Both factors are at most GPU_MAX_DIM: no overflow in 64 bits. */
	if ((uint64_t)m->width * m->height * BPP != payload) {
		snprintf(why, why_size, "UPDATE %ux%u with %llu bytes of pixels", m->width,
			 m->height, (unsigned long long)payload);
		return NULL;
	}
	*stride = (size_t)s->width * BPP;
	/* An empty update has no first row: any address inside will do. */
	if (!s->pixels)
		return (uint8_t *)d;
	return s->pixels + (size_t)m->y * *stride + (size_t)m->x * BPP;
}

void display_update_done(struct gpu_display *d, const struct gpu_update *m)
{
	struct gpu_surface *s = &d->s[m->scanout_id];

	s->updates++;
	if (m->width && m->height)
		s->dirty = true;
}

static off_t buffer_size(int fd)
{
	off_t size = lseek(fd, 0, SEEK_END);

	lseek(fd, 0, SEEK_SET);
	return size;
}

int display_dmabuf_scanout(struct gpu_display *d, const struct gpu_dmabuf_scanout *m,
			   uint64_t modifier, int fd, char *why, size_t why_size)
{
	struct gpu_surface *s;
	uint64_t need;
	off_t have;
	void *map;
	int ret;

	ret = -1;
	if (m->scanout_id >= d->nscanouts) {
		snprintf(why, why_size, "DMABUF_SCANOUT of scanout %u (the device has %u)",
			 m->scanout_id, d->nscanouts);
		goto out;
	}
	s = &d->s[m->scanout_id];
	if (!m->width && !m->height && fd < 0) {
		ret = set_surface(s, 0, 0, why, why_size);
		goto out;
	}
	if (fd < 0) {
		snprintf(why, why_size, "DMABUF_SCANOUT without a buffer");
		goto out;
	}
	if (!m->width || !dims_ok(m->width, m->height) ||
	    !dims_ok(m->fd_width, m->fd_height) ||
	    !span_ok(m->x, m->width, m->fd_width) || !span_ok(m->y, m->height, m->fd_height) ||
	    m->fd_stride < (uint64_t)m->fd_width * BPP) {
		snprintf(why, why_size,
			 "DMABUF_SCANOUT %ux%u+%u+%u of a %ux%u buffer, stride %u",
			 m->width, m->height, m->x, m->y, m->fd_width, m->fd_height, m->fd_stride);
		goto out;
	}
	if ((uint32_t)m->fd_drm_fourcc != GPU_FOURCC_XR24 &&
	    (uint32_t)m->fd_drm_fourcc != GPU_FOURCC_AR24) {
		snprintf(why, why_size, "DMABUF_SCANOUT in format 0x%08x (XR24 or AR24 only)",
			 (uint32_t)m->fd_drm_fourcc);
		goto out;
	}
	if (set_surface(s, m->width, m->height, why, why_size))
		goto out;
	ret = 0;
	s->dmabuf_fd = fd;
	s->buf_x = m->x;
	s->buf_y = m->y;
	s->stride = m->fd_stride;
	fd = -1;
	/* What cannot be mapped cannot be shown; the back-end still runs. */
	need = (uint64_t)m->fd_stride * m->fd_height;
	have = buffer_size(s->dmabuf_fd);
	if (modifier != MOD_LINEAR && modifier != MOD_INVALID) {
		snprintf(why, why_size, "a tiled dma-buf (modifier 0x%llx)",
			 (unsigned long long)modifier);
	} else if (have < 0 || (uint64_t)have < need) {
		snprintf(why, why_size, "a dma-buf of %lld bytes, %llu needed", (long long)have,
			 (unsigned long long)need);
	} else {
		map = mmap(NULL, need, PROT_READ, MAP_SHARED, s->dmabuf_fd, 0);
		if (map != MAP_FAILED) {
			s->map = map;
			s->map_size = need;
			return 0;
		}
		snprintf(why, why_size, "mmap of the dma-buf failed: %s", strerror(errno));
	}
	if (!d->dmabuf_unusable)
		log_warn("the GPU back-end shares its frames as dma-bufs that cannot be shown (%s): "
			 "it found a render node; start it with no /dev/dri visible (see docs/gpu.md)",
			 why);
	d->dmabuf_unusable = true;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

static void dmabuf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync sync = { .flags = flags | DMA_BUF_SYNC_READ };

	/* Not a dma-buf (a memfd): nothing to synchronise. */
	if (ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) && errno != ENOTTY && errno != EINVAL)
		log_debug("DMA_BUF_IOCTL_SYNC: %s", strerror(errno));
}

int display_dmabuf_update(struct gpu_display *d, const struct gpu_update *m, char *why,
			  size_t why_size)
{
	struct gpu_surface *s = update_surface(d, m, why, why_size);
	size_t row = (size_t)m->width * BPP;

	if (!s)
		return -1;
	if (s->dmabuf_fd < 0)
		FAIL("DMABUF_UPDATE of scanout %u, which shows no dma-buf", m->scanout_id);
	s->updates++;
	if (!s->map || !m->width || !m->height)
		return 0;
	dmabuf_sync(s->dmabuf_fd, DMA_BUF_SYNC_START);
	for (uint32_t r = 0; r < m->height; r++) {
		const uint8_t *src = s->map + (size_t)(s->buf_y + m->y + r) * s->stride +
				     (size_t)(s->buf_x + m->x) * BPP;

		memcpy(s->pixels + ((size_t)(m->y + r) * s->width + m->x) * BPP, src, row);
	}
	dmabuf_sync(s->dmabuf_fd, DMA_BUF_SYNC_END);
	s->dirty = true;
	return 0;
}

int display_cursor_pos(struct gpu_display *d, const struct gpu_cursor_pos *m, bool visible,
		       char *why, size_t why_size)
{
	if (m->scanout_id >= d->nscanouts)
		FAIL("cursor on scanout %u (the device has %u)", m->scanout_id, d->nscanouts);
	d->cursor.scanout = m->scanout_id;
	d->cursor.x = m->x;
	d->cursor.y = m->y;
	d->cursor.visible = visible;
	return 0;
}

int display_cursor_update(struct gpu_display *d, const struct gpu_cursor_update *m,
			  char *why, size_t why_size)
{
	if (m->hot_x >= GPU_CURSOR_SIZE || m->hot_y >= GPU_CURSOR_SIZE)
		FAIL("cursor hot spot (%u, %u) outside its %dx%d image", m->hot_x, m->hot_y,
		     GPU_CURSOR_SIZE, GPU_CURSOR_SIZE);
	if (display_cursor_pos(d, &m->pos, true, why, why_size))
		return -1;
	d->cursor.hot_x = m->hot_x;
	d->cursor.hot_y = m->hot_y;
	memcpy(d->cursor.image, m->data, sizeof(d->cursor.image));
	d->cursor.defined = true;
	d->cursor.image_changed = true;
	return 0;
}
