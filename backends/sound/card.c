// SPDX-License-Identifier: MIT
/*
 * The card: its streams (playback ones first, then capture), what each
 * offers, and its jacks and channel maps, one of each per stream.
 */
#include "sound.h"
#include "log.h"

#include <errno.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define BIT(n) (1ull << (n))

const uint64_t snd_formats = BIT(VIRTIO_SND_PCM_FMT_U8) | BIT(VIRTIO_SND_PCM_FMT_S16) |
	BIT(VIRTIO_SND_PCM_FMT_S24) | BIT(VIRTIO_SND_PCM_FMT_S32) |
	BIT(VIRTIO_SND_PCM_FMT_FLOAT);

const uint64_t snd_rates = BIT(VIRTIO_SND_PCM_RATE_8000) | BIT(VIRTIO_SND_PCM_RATE_11025) |
	BIT(VIRTIO_SND_PCM_RATE_16000) | BIT(VIRTIO_SND_PCM_RATE_22050) |
	BIT(VIRTIO_SND_PCM_RATE_32000) | BIT(VIRTIO_SND_PCM_RATE_44100) |
	BIT(VIRTIO_SND_PCM_RATE_48000) | BIT(VIRTIO_SND_PCM_RATE_64000) |
	BIT(VIRTIO_SND_PCM_RATE_88200) | BIT(VIRTIO_SND_PCM_RATE_96000) |
	BIT(VIRTIO_SND_PCM_RATE_176400) | BIT(VIRTIO_SND_PCM_RATE_192000);

uint32_t snd_format_bytes(uint8_t format)
{
	if (format >= 64 || !(snd_formats & BIT(format)))
		return 0;
	switch (format) {
	case VIRTIO_SND_PCM_FMT_U8:
		return 1;
	case VIRTIO_SND_PCM_FMT_S16:
		return 2;
	default:		/* S24 (in 32 bits), S32, FLOAT */
		return 4;
	}
}

uint32_t snd_rate_hz(uint8_t rate)
{
	static const uint32_t hz[] = {
		[VIRTIO_SND_PCM_RATE_8000] = 8000, [VIRTIO_SND_PCM_RATE_11025] = 11025,
		[VIRTIO_SND_PCM_RATE_16000] = 16000, [VIRTIO_SND_PCM_RATE_22050] = 22050,
		[VIRTIO_SND_PCM_RATE_32000] = 32000, [VIRTIO_SND_PCM_RATE_44100] = 44100,
		[VIRTIO_SND_PCM_RATE_48000] = 48000, [VIRTIO_SND_PCM_RATE_64000] = 64000,
		[VIRTIO_SND_PCM_RATE_88200] = 88200, [VIRTIO_SND_PCM_RATE_96000] = 96000,
		[VIRTIO_SND_PCM_RATE_176400] = 176400, [VIRTIO_SND_PCM_RATE_192000] = 192000,
	};

	if (rate >= sizeof(hz) / sizeof(hz[0]) || !(snd_rates & BIT(rate)))
		return 0;
	return hz[rate];
}

void snd_fill_silence(const struct snd_stream *s, const struct iovec *iov, unsigned int n,
		      size_t off, size_t len)
{
	/* Unsigned 8-bit samples are silent at their midpoint. */
	static const uint8_t zero[4096];
	static uint8_t mid[4096];
	const uint8_t *fill = zero;
	size_t done = 0;

	if (s->params.format == VIRTIO_SND_PCM_FMT_U8) {
		if (!mid[0])
			memset(mid, 0x80, sizeof(mid));
		fill = mid;
	}
	while (done < len) {
		size_t chunk = len - done < sizeof(zero) ? len - done : sizeof(zero);

		if (vub_iov_from_buf(iov, n, off + done, fill, chunk) < chunk)
			return;
		done += chunk;
	}
}

uint32_t snd_card_jacks(const struct snd_card *card)
{
	return card->cfg.jacks ? card->nstreams : 0;
}

uint32_t snd_card_chmaps(const struct snd_card *card)
{
	return card->nstreams;
}

int snd_card_init(struct snd_card *card, const struct snd_card_config *cfg)
{
	uint32_t i;

	memset(card, 0, sizeof(*card));
	card->cfg = *cfg;
	card->nstreams = cfg->playback_streams + cfg->capture_streams;
	card->complete = vub_req_done;
	for (i = 0; i < SND_MAX_STREAMS; i++)
		card->streams[i].timer_fd = -1;
	if (card->nstreams == 0 || card->nstreams > SND_MAX_STREAMS) {
		log_err("a card has 1 to %d streams, not %u", SND_MAX_STREAMS, card->nstreams);
		return -1;
	}
	for (i = 0; i < card->nstreams; i++) {
		struct snd_stream *s = &card->streams[i];

		s->card = card;
		s->id = i;
		s->direction = i < cfg->playback_streams ? VIRTIO_SND_D_OUTPUT : VIRTIO_SND_D_INPUT;
		s->jack_association = 1;
		s->jack_sequence = i;
		s->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (s->timer_fd < 0) {
			log_err("timerfd_create: %s", strerror(errno));
			snd_card_fini(card);
			return -1;
		}
	}
	return 0;
}

void snd_card_fini(struct snd_card *card)
{
	uint32_t i;

	for (i = 0; i < card->nstreams; i++) {
		struct snd_stream *s = &card->streams[i];

		if (s->port)
			card->cfg.ops->release(s);
		if (s->timer_fd >= 0)
			close(s->timer_fd);
		s->timer_fd = -1;
	}
}
