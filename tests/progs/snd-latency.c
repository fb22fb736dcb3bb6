// SPDX-License-Identifier: MIT
/*
 * snd-latency: how long an impulse takes from a player's write to a
 * recorder, for the sound benchmark.
 *
 *   snd-latency PLAY-DEVICE CAPTURE-DEVICE PERIOD_MS SECONDS
 *
 * Plays S16 48 kHz stereo silence to PLAY-DEVICE in periods of PERIOD_MS
 * (a buffer of four), with a full-scale impulse starting every
 * 25th period, while a second thread records CAPTURE-DEVICE with the same
 * period. For each impulse it prints the microseconds from the start of
 * the write that held it to the moment its first frame reached the
 * recorder (an impulse lost to an xrun is skipped), after a line
 * "buffer playback|capture PERIOD BUFFER" (frames) per device, then "xruns N"
 * (underruns and overruns the player and the recorder recovered).
 * Exit 1 on an ALSA error, 2 on bad usage.
 */
#include <alsa/asoundlib.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define RATE 48000
#define EVERY 25
#define MAX_IMPULSES 4096

static snd_pcm_uframes_t period;
static unsigned int seconds;
static uint64_t written_at[MAX_IMPULSES];
static volatile unsigned int nwritten;
static volatile int done;
static unsigned long xruns;

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static snd_pcm_t *open_pcm(const char *dev, snd_pcm_stream_t dir)
{
	snd_pcm_uframes_t p = period, b = 4 * period;
	snd_pcm_hw_params_t *hw;
	snd_pcm_t *pcm;
	int err;

	snd_pcm_hw_params_alloca(&hw);
	err = snd_pcm_open(&pcm, dev, dir, 0);
	if (err == 0 && (err = snd_pcm_hw_params_any(pcm, hw)) >= 0 &&
	    (err = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) >= 0 &&
	    (err = snd_pcm_hw_params_set_format(pcm, hw, SND_PCM_FORMAT_S16_LE)) >= 0 &&
	    (err = snd_pcm_hw_params_set_channels(pcm, hw, 2)) >= 0 &&
	    (err = snd_pcm_hw_params_set_rate(pcm, hw, RATE, 0)) >= 0 &&
	    (err = snd_pcm_hw_params_set_period_size(pcm, hw, p, 0)) >= 0 &&
	    (err = snd_pcm_hw_params_set_buffer_size_near(pcm, hw, &b)) >= 0)
		err = snd_pcm_hw_params(pcm, hw);
	if (err < 0) {
		fprintf(stderr, "snd-latency: %s: %s\n", dev, snd_strerror(err));
		exit(1);
	}
	snd_pcm_hw_params_get_period_size(hw, &p, NULL);
	snd_pcm_hw_params_get_buffer_size(hw, &b);
	printf("buffer %s %lu %lu\n", dir == SND_PCM_STREAM_PLAYBACK ? "playback" : "capture",
	       (unsigned long)p, (unsigned long)b);
	return pcm;
}

static void *record(void *arg)
{
	snd_pcm_t *pcm = arg;
	int16_t *buf = calloc(period * 2, sizeof(*buf));
	unsigned int seen = 0;
	int armed = 1;

	while (!done || seen < nwritten) {
		snd_pcm_sframes_t r = snd_pcm_readi(pcm, buf, period);
		uint64_t t = now_us();

		if (r < 0) {
			if (done)
				break;
			xruns++;
			if (snd_pcm_recover(pcm, (int)r, 1) < 0)
				break;
			continue;
		}
		for (snd_pcm_sframes_t i = 0; i < r; i++) {
			if (armed && buf[2 * i] > 0x4000 && nwritten) {
				uint64_t at = t - (uint64_t)(r - i) * 1000000 / RATE;
				unsigned int n = nwritten;

				/* The impulse written last before it arrived: one
				 * lost to an xrun must not shift the others. */
				while (n > 1 && written_at[n - 1] > at)
					n--;
				printf("%lld\n", (long long)(at - written_at[n - 1]));
				seen++;
				armed = 0;
			} else if (buf[2 * i] < 0x100) {
				armed = 1;
			}
		}
		if (done && seen >= nwritten)
			break;
	}
	free(buf);
	return NULL;
}

int main(int argc, char **argv)
{
	snd_pcm_t *play, *cap;
	pthread_t rec;
	int16_t *buf;
	unsigned long k, periods;

	if (argc != 5 || atoi(argv[3]) <= 0 || atoi(argv[4]) <= 0) {
		fprintf(stderr, "usage: snd-latency PLAY-DEVICE CAPTURE-DEVICE PERIOD_MS SECONDS\n");
		return 2;
	}
	period = (snd_pcm_uframes_t)atoi(argv[3]) * RATE / 1000;
	seconds = (unsigned int)atoi(argv[4]);
	cap = open_pcm(argv[2], SND_PCM_STREAM_CAPTURE);
	play = open_pcm(argv[1], SND_PCM_STREAM_PLAYBACK);
	buf = calloc(period * 2, sizeof(*buf));
	snd_pcm_start(cap);
	pthread_create(&rec, NULL, record, cap);
	periods = (unsigned long)seconds * RATE / period;
	for (k = 0; k < periods; k++) {
		snd_pcm_sframes_t w;

		buf[0] = buf[1] = 0;
		if (k % EVERY == EVERY / 2 && nwritten < MAX_IMPULSES) {
			buf[0] = buf[1] = 0x7fff;
			written_at[nwritten] = now_us();
			nwritten++;
		}
		w = snd_pcm_writei(play, buf, period);
		if (w < 0) {
			xruns++;
			if (snd_pcm_recover(play, (int)w, 1) < 0) {
				fprintf(stderr, "snd-latency: write: %s\n", snd_strerror((int)w));
				return 1;
			}
		}
	}
	snd_pcm_drain(play);
	done = 1;
	/* A lost impulse must not keep the recorder waiting. */
	{
		struct timespec ts = { 1, 0 };

		nanosleep(&ts, NULL);
	}
	snd_pcm_drop(cap);
	pthread_cancel(rec);
	pthread_join(rec, NULL);
	printf("xruns %lu\n", xruns);
	snd_pcm_close(play);
	snd_pcm_close(cap);
	return 0;
}
