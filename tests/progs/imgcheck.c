// SPDX-License-Identifier: MIT
/*
 * imgcheck: look at pictures for the GPU tests. Reads PNG, PPM (P6), PAM
 * (P7, RGB or RGB_ALPHA) and X window dumps (xwd, 24/32-bit TrueColor).
 *
 *   imgcheck size FILE              print "WIDTH HEIGHT"
 *   imgcheck pixel FILE X Y         print the pixel as RRGGBB (RRGGBBAA
 *                                   when the picture has alpha)
 *   imgcheck compare FILE EXPECT [X Y]
 *                                   exit 0 if FILE holds EXPECT at (X, Y)
 *                                   (default 0 0) pixel for pixel, and,
 *                                   at (0, 0), is no larger; else print
 *                                   the first difference and exit 1
 *   imgcheck count FILE X Y W H RRGGBB [TOLERANCE]
 *                                   print how many pixels of the rectangle
 *                                   are that colour (each channel within
 *                                   TOLERANCE, default 0)
 *   imgcheck find FILE W H RRGGBB B
 *                                   print "X Y" of the first W x H rectangle
 *                                   whose outer frame, B pixels wide, is all
 *                                   that colour; exit 1 if there is none
 *   imgcheck colours FILE X Y W H   print how many different colours the
 *                                   rectangle holds
 * Exit status 2: bad usage or an unreadable file.
 */
#include <png.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct image {
	uint32_t w, h;
	unsigned int channels;	/* 3 or 4 */
	uint8_t *px;		/* RGB or RGBA rows */
};

static void fail(const char *file, const char *why)
{
	fprintf(stderr, "imgcheck: %s: %s\n", file, why);
	exit(2);
}

static void read_png(const char *file, FILE *f, struct image *im)
{
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
	png_infop info = png_create_info_struct(png);
	int type;

	if (setjmp(png_jmpbuf(png)))
		fail(file, "bad PNG");
	png_init_io(png, f);
	png_read_info(png, info);
	png_set_expand(png);
	png_set_strip_16(png);
	type = png_get_color_type(png, info);
	if (type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_GRAY_ALPHA)
		png_set_gray_to_rgb(png);
	png_read_update_info(png, info);
	im->w = png_get_image_width(png, info);
	im->h = png_get_image_height(png, info);
	im->channels = png_get_channels(png, info);
	if (im->channels != 3 && im->channels != 4)
		fail(file, "unexpected PNG channels");
	im->px = malloc((size_t)im->w * im->h * im->channels);
	if (!im->px)
		fail(file, "out of memory");
	for (uint32_t y = 0; y < im->h; y++)
		png_read_row(png, im->px + (size_t)y * im->w * im->channels, NULL);
	png_destroy_read_struct(&png, &info, NULL);
}

/* PPM P6 or PAM P7 (the header words this project writes). */
static void read_pnm(const char *file, FILE *f, struct image *im, char kind)
{
	char word[32];
	unsigned int w = 0, h = 0, depth = 3, max = 0;

	if (kind == '6') {
		if (fscanf(f, "%u %u %u", &w, &h, &max) != 3 || fgetc(f) == EOF)
			fail(file, "bad PPM header");
	} else {
		while (fscanf(f, "%31s", word) == 1 && strcmp(word, "ENDHDR")) {
			if (!strcmp(word, "WIDTH") && fscanf(f, "%u", &w) != 1)
				fail(file, "bad PAM header");
			else if (!strcmp(word, "HEIGHT") && fscanf(f, "%u", &h) != 1)
				fail(file, "bad PAM header");
			else if (!strcmp(word, "DEPTH") && fscanf(f, "%u", &depth) != 1)
				fail(file, "bad PAM header");
			else if (!strcmp(word, "MAXVAL") && fscanf(f, "%u", &max) != 1)
				fail(file, "bad PAM header");
		}
		if (fgetc(f) == EOF)
			fail(file, "bad PAM header");
	}
	if (!w || !h || max != 255 || (depth != 3 && depth != 4) || w > 16384 || h > 16384)
		fail(file, "unsupported PPM/PAM");
	im->w = w;
	im->h = h;
	im->channels = depth;
	im->px = malloc((size_t)w * h * depth);
	if (!im->px || fread(im->px, depth, (size_t)w * h, f) != (size_t)w * h)
		fail(file, "short PPM/PAM");
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* xwd: a big-endian header of 25 words, the window name, the colour map,
 * then the pixels. Only TrueColor with 8-bit masks is read. */
static void read_xwd(const char *file, FILE *f, struct image *im)
{
	uint8_t hdr[100];
	uint32_t header_size, bpp, bpl, byte_order, ncolors, masks[3];
	int shift[3];

	if (fread(hdr, 1, sizeof(hdr), f) != sizeof(hdr))
		fail(file, "short xwd header");
	header_size = be32(hdr);
	im->w = be32(hdr + 16);
	im->h = be32(hdr + 20);
	byte_order = be32(hdr + 28);
	bpp = be32(hdr + 44);
	bpl = be32(hdr + 48);
	for (int i = 0; i < 3; i++) {
		masks[i] = be32(hdr + 56 + 4 * i);
		shift[i] = masks[i] ? __builtin_ctz(masks[i]) : 0;
		if (masks[i] >> shift[i] != 0xff)
			fail(file, "xwd colour masks are not 8-bit");
	}
	ncolors = be32(hdr + 76);
	if (be32(hdr + 4) != 7 || header_size < 100 || (bpp != 32 && bpp != 24) ||
	    bpl < im->w * (bpp / 8) || im->w > 16384 || im->h > 16384)
		fail(file, "unsupported xwd");
	if (fseek(f, (long)header_size + 12L * ncolors, SEEK_SET))
		fail(file, "short xwd");
	im->channels = 3;
	im->px = malloc((size_t)im->w * im->h * 3);
	uint8_t *row = malloc(bpl);

	if (!im->px || !row)
		fail(file, "out of memory");
	for (uint32_t y = 0; y < im->h; y++) {
		if (fread(row, 1, bpl, f) != bpl)
			fail(file, "short xwd pixels");
		for (uint32_t x = 0; x < im->w; x++) {
			const uint8_t *p = row + (size_t)x * (bpp / 8);
			uint32_t v = 0;

			for (uint32_t b = 0; b < bpp / 8; b++)
				v |= (uint32_t)p[byte_order ? b : bpp / 8 - 1 - b]
				     << (8 * (bpp / 8 - 1 - b));
			for (int c = 0; c < 3; c++)
				im->px[((size_t)y * im->w + x) * 3 + c] =
					(uint8_t)((v & masks[c]) >> shift[c]);
		}
	}
	free(row);
}

static void load(const char *file, struct image *im)
{
	FILE *f = fopen(file, "rb");
	uint8_t magic[8];

	if (!f)
		fail(file, "cannot open");
	if (fread(magic, 1, sizeof(magic), f) != sizeof(magic))
		fail(file, "too short");
	rewind(f);
	if (!memcmp(magic, "\x89PNG", 4))
		read_png(file, f, im);
	else if (magic[0] == 'P' && (magic[1] == '6' || magic[1] == '7')) {
		fseek(f, 2, SEEK_SET);
		read_pnm(file, f, im, (char)magic[1]);
	} else if (be32(magic + 4) == 7)
		read_xwd(file, f, im);
	else
		fail(file, "not a PNG, PPM, PAM or xwd file");
	fclose(f);
}

static const uint8_t *at(const struct image *im, uint32_t x, uint32_t y)
{
	return im->px + ((size_t)y * im->w + x) * im->channels;
}

static unsigned long num(const char *s)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (*end || !*s)
		fail(s, "not a number");
	return v;
}

int main(int argc, char **argv)
{
	struct image a, b;

	if (argc == 3 && !strcmp(argv[1], "size")) {
		load(argv[2], &a);
		printf("%u %u\n", a.w, a.h);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "pixel")) {
		unsigned long x = num(argv[3]), y = num(argv[4]);
		const uint8_t *p;

		load(argv[2], &a);
		if (x >= a.w || y >= a.h)
			fail(argv[2], "no such pixel");
		p = at(&a, (uint32_t)x, (uint32_t)y);
		if (a.channels == 4)
			printf("%02x%02x%02x%02x\n", p[0], p[1], p[2], p[3]);
		else
			printf("%02x%02x%02x\n", p[0], p[1], p[2]);
		return 0;
	}
	if ((argc == 4 || argc == 6) && !strcmp(argv[1], "compare")) {
		unsigned long ox = argc == 6 ? num(argv[4]) : 0, oy = argc == 6 ? num(argv[5]) : 0;

		load(argv[2], &a);
		load(argv[3], &b);
		if (ox + b.w > a.w || oy + b.h > a.h || (argc == 4 && (a.w != b.w || a.h != b.h))) {
			printf("%s is %ux%u; %s is %ux%u at (%lu, %lu)\n", argv[2], a.w, a.h, argv[3],
			       b.w, b.h, ox, oy);
			return 1;
		}
		for (uint32_t y = 0; y < b.h; y++) {
			for (uint32_t x = 0; x < b.w; x++) {
				const uint8_t *p = at(&a, (uint32_t)ox + x, (uint32_t)oy + y);
				const uint8_t *q = at(&b, x, y);
				unsigned int n = a.channels < b.channels ? a.channels : b.channels;

				if (memcmp(p, q, n)) {
					printf("differs at (%u, %u): %02x%02x%02x, expected %02x%02x%02x\n",
					       x, y, p[0], p[1], p[2], q[0], q[1], q[2]);
					return 1;
				}
			}
		}
		return 0;
	}
	if ((argc == 8 || argc == 9) && !strcmp(argv[1], "count")) {
		unsigned long x0 = num(argv[3]), y0 = num(argv[4]), w = num(argv[5]), h = num(argv[6]);
		unsigned long rgb = strtoul(argv[7], NULL, 16), tol = argc == 9 ? num(argv[8]) : 0;
		unsigned long n = 0;

		load(argv[2], &a);
		if (x0 + w > a.w || y0 + h > a.h)
			fail(argv[2], "rectangle outside the picture");
		for (uint32_t y = (uint32_t)y0; y < y0 + h; y++) {
			for (uint32_t x = (uint32_t)x0; x < x0 + w; x++) {
				const uint8_t *p = at(&a, x, y);
				bool ok = true;

				for (int c = 0; c < 3; c++) {
					int want = (int)(rgb >> (16 - 8 * c)) & 0xff;

					if (abs(p[c] - want) > (int)tol)
						ok = false;
				}
				n += ok;
			}
		}
		printf("%lu\n", n);
		return 0;
	}
	if (argc == 7 && !strcmp(argv[1], "find")) {
		unsigned long w = num(argv[3]), h = num(argv[4]), border = num(argv[6]);
		unsigned long rgb = strtoul(argv[5], NULL, 16);
		uint8_t want[3] = { (uint8_t)(rgb >> 16), (uint8_t)(rgb >> 8), (uint8_t)rgb };

		load(argv[2], &a);
		for (uint32_t y = 0; w <= a.w && h <= a.h && y + h <= a.h; y++) {
			for (uint32_t x = 0; x + w <= a.w; x++) {
				bool frame = true;

				for (uint32_t fy = 0; frame && fy < h; fy++) {
					bool edge = fy < border || fy >= h - border;

					for (uint32_t fx = 0; frame && fx < w; fx++) {
						if (!edge && fx >= border && fx < w - border)
							fx = (uint32_t)(w - border);
						frame = !memcmp(at(&a, x + fx, y + fy), want, 3);
					}
				}
				if (frame) {
					printf("%u %u\n", x, y);
					return 0;
				}
			}
		}
		return 1;
	}
	if (argc == 7 && !strcmp(argv[1], "colours")) {
		unsigned long x0 = num(argv[3]), y0 = num(argv[4]), w = num(argv[5]), h = num(argv[6]);
		uint8_t *seen = calloc(1u << 21, 1);	/* a bit per 24-bit colour */
		unsigned long n = 0;

		load(argv[2], &a);
		if (!seen || x0 + w > a.w || y0 + h > a.h)
			fail(argv[2], "rectangle outside the picture");
		for (uint32_t y = (uint32_t)y0; y < y0 + h; y++) {
			for (uint32_t x = (uint32_t)x0; x < x0 + w; x++) {
				const uint8_t *p = at(&a, x, y);
				uint32_t c = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];

				if (!(seen[c >> 3] & (1u << (c & 7)))) {
					seen[c >> 3] |= (uint8_t)(1u << (c & 7));
					n++;
				}
			}
		}
		printf("%lu\n", n);
		return 0;
	}
	fprintf(stderr, "usage: imgcheck size|pixel|compare|count|find|colours ... (see the source)\n");
	return 2;
}
