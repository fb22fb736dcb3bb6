// SPDX-License-Identifier: MIT
/*
 * pcmcmp: compare the audio of two WAV files for the sound tests.
 *
 *   pcmcmp [--prefix] [--tail FRAMES] [--gap FRAMES] REF.wav OUT.wav
 *
 * Both must have the same sample layout. OUT must hold REF's frames
 * exactly, starting at some frame offset (found from the first frame
 * that is not silence), and nothing but silence around them. With
 * --prefix, OUT may end before REF does (a recording shorter than its
 * source), but REF must then start at OUT's first frame. With --tail,
 * up to FRAMES frames right after REF's end may hold anything (Linux
 * 6.1's virtio_snd keeps queueing periods past the end of a stream until
 * its STOP reaches the device). With --gap, runs of at least FRAMES
 * silent frames inside OUT (a pause) are left out before comparing, and
 * the longest such run is printed.
 * Prints "equal: N frames at offset K" and exits 0; else prints the
 * first difference and exits 1. Exit 2: bad usage or an unreadable file.
 */
#include "wav.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pcm {
	struct wav_format fmt;
	uint8_t *data;
	uint64_t bytes;
};

static int load(const char *path, struct pcm *p)
{
	FILE *f = fopen(path, "rb");
	const char *why = "";
	uint64_t off, len;
	uint8_t *buf;
	long size;

	if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "pcmcmp: cannot read %s\n", path);
		return -1;
	}
	buf = malloc((size_t)size + 1);
	if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "pcmcmp: cannot read %s\n", path);
		return -1;
	}
	fclose(f);
	if (wav_parse(buf, (size_t)size, &p->fmt, &off, &len, &why)) {
		fprintf(stderr, "pcmcmp: %s: %s\n", path, why);
		return -1;
	}
	if (len > (uint64_t)size - off)
		len = (uint64_t)size - off;
	p->data = buf + off;
	p->bytes = len - len % wav_frame_bytes(&p->fmt);
	return 0;
}

static bool silent(const struct pcm *p, uint64_t frame)
{
	uint32_t fb = wav_frame_bytes(&p->fmt);
	uint8_t quiet = p->fmt.container_bits == 8 ? 0x80 : 0;

	for (uint32_t i = 0; i < fb; i++)
		if (p->data[frame * fb + i] != quiet)
			return false;
	return true;
}

/*
 * Leave out of p the runs of at least min silent frames that have sound
 * on both sides; print the longest.
 */
static int drop_gaps(struct pcm *p, uint64_t min)
{
	uint32_t fb = wav_frame_bytes(&p->fmt);
	uint64_t frames = p->bytes / fb, i = 0, kept = 0, longest = 0, n = 0;
	uint8_t *dst = malloc(p->bytes + 1);

	if (!dst)
		return -1;
	while (i < frames) {
		uint64_t run = 0;

		while (i + run < frames && silent(p, i + run))
			run++;
		if (run >= min && kept > 0 && i + run < frames) {
			if (run > longest)
				longest = run;
			n++;
		} else {
			memcpy(dst + kept * fb, p->data + i * fb, run * fb);
			kept += run;
		}
		i += run;
		while (i < frames && !silent(p, i)) {
			memcpy(dst + kept * fb, p->data + i * fb, fb);
			kept++;
			i++;
		}
	}
	printf("gaps: %llu, the longest %llu frames\n", (unsigned long long)n,
	       (unsigned long long)longest);
	p->data = dst;
	p->bytes = kept * fb;
	return 0;
}

static uint64_t first_sound(const struct pcm *p, uint64_t frames)
{
	uint64_t i;

	for (i = 0; i < frames && silent(p, i); i++)
		;
	return i;
}

int main(int argc, char **argv)
{
	bool prefix = false;
	unsigned long tail = 0, gap = 0;
	struct pcm ref, out;
	uint64_t rf, of, r0, o0, off, i, fb;
	int a = 1;

	for (; a < argc && argv[a][0] == '-'; a++) {
		if (strcmp(argv[a], "--prefix") == 0)
			prefix = true;
		else if (strcmp(argv[a], "--tail") == 0 && a + 1 < argc)
			tail = strtoul(argv[++a], NULL, 10);
		else if (strcmp(argv[a], "--gap") == 0 && a + 1 < argc)
			gap = strtoul(argv[++a], NULL, 10);
		else
			break;
	}
	if (argc - a != 2) {
		fprintf(stderr, "usage: pcmcmp [--prefix] [--tail FRAMES] [--gap FRAMES] REF.wav OUT.wav\n");
		return 2;
	}
	if (load(argv[a], &ref) || load(argv[a + 1], &out))
		return 2;
	if (memcmp(&ref.fmt, &out.fmt, sizeof(ref.fmt)) != 0) {
		printf("differ: the sample layouts differ (%u/%u Hz, %u/%u channels, %u/%u bits)\n",
		       ref.fmt.rate, out.fmt.rate, ref.fmt.channels, out.fmt.channels,
		       ref.fmt.valid_bits, out.fmt.valid_bits);
		return 1;
	}
	fb = wav_frame_bytes(&ref.fmt);
	if (gap && drop_gaps(&out, gap))
		return 2;
	rf = ref.bytes / fb;
	of = out.bytes / fb;
	r0 = first_sound(&ref, rf);
	o0 = first_sound(&out, of);
	if (r0 == rf) {
		printf("differ: the reference is all silence\n");
		return 1;
	}
	if (o0 == of || o0 < r0) {
		printf("differ: %s\n", o0 == of ? "the output is all silence"
						: "the output's sound starts before the reference's");
		return 1;
	}
	off = prefix ? 0 : o0 - r0;
	if (prefix && o0 != r0) {
		printf("differ: the recording does not start with the source (offset %llu frames)\n",
		       (unsigned long long)(o0 - r0));
		return 1;
	}
	if (!prefix && off + rf > of) {
		printf("differ: the output holds %llu of the reference's %llu frames\n",
		       (unsigned long long)(of - off), (unsigned long long)rf);
		return 1;
	}
	for (i = 0; i < rf && off + i < of; i++) {
		if (memcmp(ref.data + i * fb, out.data + (off + i) * fb, fb) != 0) {
			printf("differ: frame %llu of the reference (output frame %llu)\n",
			       (unsigned long long)i, (unsigned long long)(off + i));
			return 1;
		}
	}
	for (i = off + rf + tail; i < of; i++) {
		if (!silent(&out, i)) {
			printf("differ: output frame %llu, after the reference, is not silence\n",
			       (unsigned long long)i);
			return 1;
		}
	}
	printf("equal: %llu frames at offset %llu\n",
	       (unsigned long long)(off + rf > of ? of - off : rf), (unsigned long long)off);
	return 0;
}
