/* SPDX-License-Identifier: MIT */
/*
 * WAV (RIFF WAVE) headers for the file back-end: the header a playback
 * file starts with, and the parse of a capture file's header. Pure
 * functions on byte buffers, so the parser can be fuzzed.
 */
#ifndef SOUND_WAV_H
#define SOUND_WAV_H

#include <stddef.h>
#include <stdint.h>

/* Sample encodings a WAV file can carry for the device's formats. */
enum wav_encoding {
	WAV_PCM_INT,		/* integer samples: U8, or signed 16/24/32 bits */
	WAV_PCM_FLOAT,		/* IEEE 754 binary32 */
};

struct wav_format {
	enum wav_encoding encoding;
	uint16_t channels;	/* 1..8 */
	uint32_t rate;		/* frames per second */
	uint16_t container_bits;	/* bits one sample takes in the file: 8, 16, 32 */
	uint16_t valid_bits;	/* significant bits: equal, or 24 in a 32-bit container */
};

/* Largest header wav_header() writes. */
#define WAV_HEADER_MAX 80

/*
 * Write the header of a file whose data chunk holds data_bytes bytes into
 * buf (WAV_HEADER_MAX bytes). WAVE_FORMAT_EXTENSIBLE is used where the
 * plain format is ambiguous (more than two channels, 24 valid bits in 32).
 * Returns the header's length.
 */
size_t wav_header(const struct wav_format *fmt, uint32_t data_bytes, uint8_t *buf);

/*
 * Parse a file's first len bytes. On success fills *fmt and the offset
 * and length of the data chunk (the length is cut to what the file claims;
 * the caller cuts it to the file's size) and returns 0; returns a
 * negative value for anything that is not a WAV file this back-end can
 * read, with a reason in *why.
 */
int wav_parse(const uint8_t *buf, size_t len, struct wav_format *fmt,
	      uint64_t *data_off, uint64_t *data_len, const char **why);

/* Bytes one frame takes in the file. */
static inline uint32_t wav_frame_bytes(const struct wav_format *fmt)
{
	return (uint32_t)fmt->channels * (fmt->container_bits / 8u);
}

#endif
