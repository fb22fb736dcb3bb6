// SPDX-License-Identifier: MIT
#include "png.h"

#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* libpng reports errors by longjmp; keep what it needs out of registers. */
static int write_rows(FILE *f, const uint8_t *pixels, uint32_t width, uint32_t height,
		      size_t stride, bool alpha)
{
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	size_t channels = alpha ? 4 : 3;
	uint8_t *volatile row = malloc((size_t)width * channels);

	if (!png || !info || !row) {
		png_destroy_write_struct(&png, &info);
		free(row);
		return -ENOMEM;
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		free(row);
		return -EIO;
	}
	png_init_io(png, f);
	/* Screenshots are written often and read by tests: speed over size. */
	png_set_compression_level(png, 1);
	png_set_IHDR(png, info, width, height, 8, alpha ? PNG_COLOR_TYPE_RGBA : PNG_COLOR_TYPE_RGB,
		     PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (uint32_t y = 0; y < height; y++) {
		const uint8_t *src = pixels + y * stride;

		for (uint32_t x = 0; x < width; x++) {
			row[x * channels + 0] = src[4 * x + 2];
			row[x * channels + 1] = src[4 * x + 1];
			row[x * channels + 2] = src[4 * x + 0];
			if (alpha)
				row[x * channels + 3] = src[4 * x + 3];
		}
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(row);
	return 0;
}

int png_write(const char *path, const uint8_t *pixels, uint32_t width, uint32_t height,
	      size_t stride, bool alpha)
{
	char tmp[4096];
	FILE *f;
	int ret;

	if (!width || !height)
		return -EINVAL;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%d", path, (int)getpid()) >= sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "wbe");
	if (!f)
		return -errno;
	ret = write_rows(f, pixels, width, height, stride, alpha);
	if (fclose(f) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	return ret;
}
