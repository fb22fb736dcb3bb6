// SPDX-License-Identifier: MIT
#include "edid.h"

#include <string.h>

/* Reduced blanking (as CVT-RB): horizontal front porch, sync, back porch. */
#define H_FRONT 48
#define H_SYNC 32
#define H_BACK 80
#define V_FRONT 3
#define V_SYNC 6
#define V_BACK_MIN 6
#define MAX_CLOCK_10KHZ 65535u

/* Three letters, five bits each: "VLB". */
#define MANUFACTURER (('V' - '@') << 10 | ('L' - '@') << 5 | ('B' - '@'))

/* An 18-byte display descriptor with text (name) or the range limits. */
static void text_descriptor(uint8_t *p, uint8_t tag, const char *text)
{
	size_t len = strlen(text);

	memset(p, 0, 18);
	p[3] = tag;
	memset(p + 5, ' ', 13);
	memcpy(p + 5, text, len);
	if (len < 13)
		p[5 + len] = '\n';
}

static void timing_descriptor(uint8_t *p, uint32_t w, uint32_t h)
{
	uint32_t hblank = H_FRONT + H_SYNC + H_BACK, htotal = w + hblank;
	/* About 460 us of vertical blanking, as reduced blanking asks. */
	uint32_t vblank = V_FRONT + V_SYNC + V_BACK_MIN, vtotal, refresh = 60;

	uint32_t wmm = w * 254 / 960, hmm = h * 254 / 960;
	uint64_t clock;

	if (h * 60 * 46 / 100000 + 1 > vblank)
		vblank = h * 60 * 46 / 100000 + 1;
	vtotal = h + vblank;
	while (refresh > 1 && (uint64_t)htotal * vtotal * refresh / 10000 > MAX_CLOCK_10KHZ)
		refresh--;
	clock = (uint64_t)htotal * vtotal * refresh / 10000;
	p[0] = (uint8_t)clock;
	p[1] = (uint8_t)(clock >> 8);
	p[2] = (uint8_t)w;
	p[3] = (uint8_t)hblank;
	p[4] = (uint8_t)((w >> 8) << 4 | (hblank >> 8));
	p[5] = (uint8_t)h;
	p[6] = (uint8_t)vblank;
	p[7] = (uint8_t)((h >> 8) << 4 | (vblank >> 8));
	p[8] = H_FRONT;
	p[9] = H_SYNC;
	p[10] = (uint8_t)((V_FRONT & 0xf) << 4 | (V_SYNC & 0xf));
	p[11] = 0;	/* the high bits of the porches and syncs: all small */
	p[12] = (uint8_t)wmm;
	p[13] = (uint8_t)hmm;
	p[14] = (uint8_t)((wmm >> 8) << 4 | (hmm >> 8));
	p[15] = 0;
	p[16] = 0;
	/* Digital separate sync, +hsync -vsync (reduced blanking's). */
	p[17] = 0x18 | 0x02;
}

void edid_generate(uint8_t out[EDID_BLOCK_SIZE], uint32_t width, uint32_t height,
		   uint32_t serial)
{
	static const uint8_t header[8] = { 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00 };
	/* sRGB primaries and D65 white, 10-bit fractions: low bits, then high. */
	static const uint8_t chroma[10] = { 0xee, 0x91, 0xa3, 0x54, 0x4c, 0x99,
					    0x26, 0x0f, 0x50, 0x54 };
	uint8_t sum = 0;

	if (width < 1 || width > EDID_MAX_DIM)
		width = 1024;
	if (height < 1 || height > EDID_MAX_DIM)
		height = 768;
	memset(out, 0, EDID_BLOCK_SIZE);
	memcpy(out, header, sizeof(header));
	out[8] = MANUFACTURER >> 8;
	out[9] = MANUFACTURER & 0xff;
	out[10] = 0x01;		/* product code */
	for (int i = 0; i < 4; i++)
		out[12 + i] = (uint8_t)(serial >> (8 * i));
	out[16] = 1;		/* week */
	out[17] = 2026 - 1990;	/* year */
	out[18] = 1;		/* EDID 1.4 */
	out[19] = 4;
	out[20] = 0x80;		/* digital input */
	out[21] = (uint8_t)(width * 254 / 9600);	/* cm at 96 dpi */
	out[22] = (uint8_t)(height * 254 / 9600);
	out[23] = 120;		/* gamma 2.2 */
	out[24] = 0x06;		/* sRGB default; the first timing is preferred */
	memcpy(out + 25, chroma, sizeof(chroma));
	memset(out + 38, 0x01, 16);	/* no standard timings */
	timing_descriptor(out + 54, width, height);
	text_descriptor(out + 72, 0xfc, "virtio-lb");
	/* Range limits: 1-60 Hz vertical, 1-255 kHz horizontal, 650 MHz. */
	memset(out + 90, 0, 18);
	out[90 + 3] = 0xfd;
	out[90 + 5] = 1;
	out[90 + 6] = 60;
	out[90 + 7] = 1;
	out[90 + 8] = 255;
	out[90 + 9] = 65;
	out[90 + 10] = 0x01;	/* range limits only */
	out[90 + 11] = '\n';
	memset(out + 90 + 12, ' ', 6);
	text_descriptor(out + 108, 0x10, "");	/* dummy */
	out[126] = 0;		/* no extension blocks */
	for (int i = 0; i < EDID_BLOCK_SIZE - 1; i++)
		sum = (uint8_t)(sum + out[i]);
	out[127] = (uint8_t)(0x100 - sum);
}
