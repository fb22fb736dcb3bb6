// SPDX-License-Identifier: MIT
/*
 * snd-pause: play a WAV file to an ALSA device with a pause in the
 * middle, as a media player does, then drain.
 *
 *   snd-pause DEVICE FILE.wav AT_MS PAUSE_MS
 *
 * Plays the first AT_MS of FILE (S16, any rate and channel count), pauses
 * the stream (snd_pcm_pause) for PAUSE_MS, resumes, plays the rest and
 * drains. Prints what it did; exits 1 on any ALSA error, 2 on bad usage.
 */
#include "wav.h"

#include <alsa/asoundlib.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static uint8_t *load(const char *path, struct wav_format *f, uint64_t *bytes)
{
	FILE *fp = fopen(path, "rb");
	static uint8_t buf[64 << 20];
	const char *why = "";
	uint64_t off;
	size_t n;

	if (!fp)
		return NULL;
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	if (wav_parse(buf, n, f, &off, bytes, &why)) {
		fprintf(stderr, "snd-pause: %s: %s\n", path, why);
		return NULL;
	}
	if (*bytes > n - off)
		*bytes = n - off;
	return buf + off;
}

static int play(snd_pcm_t *pcm, const uint8_t *p, snd_pcm_uframes_t frames, uint32_t fb)
{
	while (frames) {
		snd_pcm_sframes_t w = snd_pcm_writei(pcm, p, frames);

		if (w < 0) {
			fprintf(stderr, "snd-pause: write: %s\n", snd_strerror((int)w));
			return -1;
		}
		p += (size_t)w * fb;
		frames -= (snd_pcm_uframes_t)w;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct wav_format f;
	uint64_t bytes, at;
	const uint8_t *data;
	snd_pcm_t *pcm;
	uint32_t fb;
	int err;
	struct timespec pause;

	if (argc != 5) {
		fprintf(stderr, "usage: snd-pause DEVICE FILE.wav AT_MS PAUSE_MS\n");
		return 2;
	}
	data = load(argv[2], &f, &bytes);
	if (!data || f.container_bits != 16 || f.encoding != WAV_PCM_INT) {
		fprintf(stderr, "snd-pause: %s is not a 16-bit WAV file\n", argv[2]);
		return 2;
	}
	fb = wav_frame_bytes(&f);
	at = (uint64_t)atoi(argv[3]) * f.rate / 1000;
	if (at * fb > bytes)
		at = bytes / fb;
	pause.tv_sec = atoi(argv[4]) / 1000;
	pause.tv_nsec = (long)(atoi(argv[4]) % 1000) * 1000000;
	err = snd_pcm_open(&pcm, argv[1], SND_PCM_STREAM_PLAYBACK, 0);
	if (err == 0)
		err = snd_pcm_set_params(pcm, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED,
					 f.channels, f.rate, 0, 200000);
	if (err < 0) {
		fprintf(stderr, "snd-pause: %s: %s\n", argv[1], snd_strerror(err));
		return 1;
	}
	if (play(pcm, data, at, fb))
		return 1;
	err = snd_pcm_pause(pcm, 1);
	if (err < 0) {
		fprintf(stderr, "snd-pause: pause: %s\n", snd_strerror(err));
		return 1;
	}
	nanosleep(&pause, NULL);
	err = snd_pcm_pause(pcm, 0);
	if (err < 0) {
		fprintf(stderr, "snd-pause: resume: %s\n", snd_strerror(err));
		return 1;
	}
	if (play(pcm, data + at * fb, bytes / fb - at, fb))
		return 1;
	err = snd_pcm_drain(pcm);
	if (err < 0) {
		fprintf(stderr, "snd-pause: drain: %s\n", snd_strerror(err));
		return 1;
	}
	snd_pcm_close(pcm);
	printf("played %llu frames, paused after %llu for %s ms, drained\n",
	       (unsigned long long)(bytes / fb), (unsigned long long)at, argv[4]);
	return 0;
}
