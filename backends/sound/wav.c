// SPDX-License-Identifier: MIT
/*
 * RIFF WAVE headers. Layout: "RIFF" size "WAVE", then chunks of a
 * four-byte id and a little-endian size, padded to even length; "fmt "
 * describes the samples and "data" holds them. WAVE_FORMAT_EXTENSIBLE
 * adds valid bits, a channel mask and a sub-format GUID.
 */
#include "wav.h"

#include <string.h>

#define FMT_PCM		1
#define FMT_FLOAT	3
#define FMT_EXTENSIBLE	0xfffe

/* The sub-format GUID's last 14 bytes, the same for PCM and float. */
static const uint8_t guid_tail[14] = {
	0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71
};

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

/* The usual speaker layouts for 1 to 8 channels (WAVE channel mask). */
static uint32_t channel_mask(uint16_t channels)
{
	static const uint32_t masks[9] = {
		0, 0x4, 0x3, 0x7, 0x33, 0x37, 0x3f, 0x13f, 0x63f,
	};

	return channels < 9 ? masks[channels] : 0;
}

size_t wav_header(const struct wav_format *fmt, uint32_t data_bytes, uint8_t *buf)
{
	int extensible = fmt->channels > 2 || fmt->valid_bits != fmt->container_bits;
	uint32_t fmt_len = extensible ? 40 : 16;
	uint32_t frame = wav_frame_bytes(fmt);
	uint16_t tag = fmt->encoding == WAV_PCM_FLOAT ? FMT_FLOAT : FMT_PCM;
	uint8_t *p = buf;

	memcpy(p, "RIFF", 4);
	put32(p + 4, 4 + 8 + fmt_len + 8 + data_bytes + (data_bytes & 1));
	memcpy(p + 8, "WAVEfmt ", 8);
	put32(p + 16, fmt_len);
	put16(p + 20, extensible ? FMT_EXTENSIBLE : tag);
	put16(p + 22, fmt->channels);
	put32(p + 24, fmt->rate);
	put32(p + 28, fmt->rate * frame);
	put16(p + 32, (uint16_t)frame);
	put16(p + 34, fmt->container_bits);
	p += 36;
	if (extensible) {
		put16(p, 22);
		put16(p + 2, fmt->valid_bits);
		put32(p + 4, channel_mask(fmt->channels));
		put16(p + 8, tag);
		memcpy(p + 10, guid_tail, sizeof(guid_tail));
		p += 24;
	}
	memcpy(p, "data", 4);
	put32(p + 4, data_bytes);
	return (size_t)(p + 8 - buf);
}

static int parse_fmt(const uint8_t *c, uint32_t len, struct wav_format *fmt, const char **why)
{
	uint16_t tag, block;

	if (len < 16) {
		*why = "its fmt chunk is short";
		return -1;
	}
	tag = get16(c);
	fmt->channels = get16(c + 2);
	fmt->rate = get32(c + 4);
	block = get16(c + 12);
	fmt->container_bits = get16(c + 14);
	fmt->valid_bits = fmt->container_bits;
	if (tag == FMT_EXTENSIBLE) {
		if (len < 40 || get16(c + 16) < 22) {
			*why = "its extensible fmt chunk is short";
			return -1;
		}
		fmt->valid_bits = get16(c + 18);
		if (memcmp(c + 26, guid_tail, sizeof(guid_tail)) != 0) {
			*why = "its sub-format is not PCM or float";
			return -1;
		}
		tag = get16(c + 24);
	}
	if (tag != FMT_PCM && tag != FMT_FLOAT) {
		*why = "it is compressed (neither PCM nor float)";
		return -1;
	}
	fmt->encoding = tag == FMT_FLOAT ? WAV_PCM_FLOAT : WAV_PCM_INT;
	if (fmt->channels < 1 || fmt->channels > 8 || fmt->rate == 0 ||
	    (fmt->container_bits != 8 && fmt->container_bits != 16 &&
	     fmt->container_bits != 32) ||
	    fmt->valid_bits == 0 || fmt->valid_bits > fmt->container_bits ||
	    (fmt->encoding == WAV_PCM_FLOAT && fmt->container_bits != 32) ||
	    block != wav_frame_bytes(fmt)) {
		*why = "its sample layout is not one the device has (1..8 channels of 8, 16, 24 or 32 bits)";
		return -1;
	}
	return 0;
}

int wav_parse(const uint8_t *buf, size_t len, struct wav_format *fmt,
	      uint64_t *data_off, uint64_t *data_len, const char **why)
{
	size_t off = 12;
	int have_fmt = 0;

	if (len < 12 || memcmp(buf, "RIFF", 4) != 0 || memcmp(buf + 8, "WAVE", 4) != 0) {
		*why = "it is not a RIFF WAVE file";
		return -1;
	}
	while (len - off >= 8) {
		uint32_t clen = get32(buf + off + 4);
		const uint8_t *c = buf + off + 8;

		if (memcmp(buf + off, "data", 4) == 0) {
			if (!have_fmt) {
				*why = "its data chunk comes before its fmt chunk";
				return -1;
			}
			*data_off = off + 8;
			*data_len = clen;
			return 0;
		}
		if (clen > len - off - 8) {
			*why = "a chunk before its data runs past the header read";
			return -1;
		}
		if (memcmp(buf + off, "fmt ", 4) == 0) {
			if (parse_fmt(c, clen, fmt, why))
				return -1;
			have_fmt = 1;
		}
		off += 8 + (size_t)clen + (clen & 1);
		if (off > len)
			break;
	}
	*why = "it has no data chunk in its first bytes";
	return -1;
}
