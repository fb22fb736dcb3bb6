// SPDX-License-Identifier: MIT
/*
 * The ALSA port: each stream opens its host PCM (non-blocking) at
 * PREPARE, and the host device's own clock paces it. Its poll
 * descriptors join the library's event loop while the stream has
 * messages waiting; a message moves when the device has room for it
 * (playback) or has recorded enough (capture), and a playback message
 * completes once the device has played it. The host buffer is one and a
 * half guest periods, so little waits there; STOP drops it, and nothing
 * plays after.
 * Xruns are recovered, counted and logged.
 */
#include "sound.h"
#include "log.h"

#ifdef HAVE_ALSA
#include <alsa/asoundlib.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#define MAX_FDS 8

struct alsa_port {
	snd_pcm_t *pcm;
	struct pollfd fds[MAX_FDS];
	int nfds;
	bool watching;
	snd_pcm_uframes_t buffer_frames, period_frames;
	unsigned long xruns;
};

static uint8_t chunk[65536];

static snd_pcm_format_t alsa_format(uint8_t format)
{
	switch (format) {
	case VIRTIO_SND_PCM_FMT_U8:
		return SND_PCM_FORMAT_U8;
	case VIRTIO_SND_PCM_FMT_S16:
		return SND_PCM_FORMAT_S16_LE;
	case VIRTIO_SND_PCM_FMT_S24:
		return SND_PCM_FORMAT_S24_LE;
	case VIRTIO_SND_PCM_FMT_S32:
		return SND_PCM_FORMAT_S32_LE;
	default:
		return SND_PCM_FORMAT_FLOAT_LE;
	}
}

static const char *device_of(const struct snd_stream *s)
{
	const struct snd_card_config *c = &s->card->cfg;

	return s->direction == VIRTIO_SND_D_OUTPUT ? c->playback_device : c->capture_device;
}

static void alsa_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque);

static void watch(struct snd_stream *s, bool on)
{
	struct alsa_port *ap = s->port;

	if (ap->watching == on)
		return;
	for (int i = 0; i < ap->nfds; i++) {
		uint32_t ev = (ap->fds[i].events & POLLIN ? EPOLLIN : 0) |
			      (ap->fds[i].events & POLLOUT ? EPOLLOUT : 0);

		vub_watch_set_events(s->card->dev, ap->fds[i].fd, on ? ev : 0);
	}
	ap->watching = on;
}

/* Recover from an xrun or a suspend; false when the device is gone. */
static bool recover(struct snd_stream *s, int err)
{
	struct alsa_port *ap = s->port;

	if (err == -EPIPE) {
		ap->xruns++;
		log_warn("stream %u: %s on %s (xrun %lu)", s->id,
			 s->direction == VIRTIO_SND_D_OUTPUT ? "underrun" : "overrun",
			 device_of(s), ap->xruns);
	}
	err = snd_pcm_recover(ap->pcm, err, 1);
	if (err < 0) {
		log_err("stream %u: %s: %s", s->id, device_of(s), snd_strerror(err));
		return false;
	}
	if (s->direction == VIRTIO_SND_D_INPUT && s->state == PCM_RUNNING)
		snd_pcm_start(ap->pcm);
	return true;
}

/*
 * The host device gets half the guest's period, and a buffer of three of
 * them: one and a half guest periods is all that waits on the host side
 * (two halves were too few under emulation: the host device underran).
 */
static int set_hw(struct snd_stream *s, snd_pcm_t *pcm, snd_pcm_uframes_t *buffer,
		  snd_pcm_uframes_t *host_period)
{
	snd_pcm_uframes_t period = le32toh(s->params.period_bytes) / s->frame_bytes / 2;
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	unsigned int rate = s->rate;
	int err;

	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);
	if (period == 0)
		period = 1;
	*buffer = 3 * period;
	if ((err = snd_pcm_hw_params_any(pcm, hw)) < 0 ||
	    (err = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED)) < 0 ||
	    (err = snd_pcm_hw_params_set_format(pcm, hw, alsa_format(s->params.format))) < 0 ||
	    (err = snd_pcm_hw_params_set_channels(pcm, hw, s->params.channels)) < 0 ||
	    (err = snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, NULL)) < 0 ||
	    (err = snd_pcm_hw_params_set_period_size_near(pcm, hw, &period, NULL)) < 0 ||
	    (err = snd_pcm_hw_params_set_buffer_size_near(pcm, hw, buffer)) < 0 ||
	    (err = snd_pcm_hw_params(pcm, hw)) < 0)
		return err;
	if (rate != s->rate)
		return -EINVAL;
	*host_period = period;
	if ((err = snd_pcm_sw_params_current(pcm, sw)) < 0 ||
	    (err = snd_pcm_sw_params_set_avail_min(pcm, sw, period)) < 0 ||
	    (err = snd_pcm_sw_params_set_start_threshold(pcm, sw, period)) < 0 ||
	    (err = snd_pcm_sw_params(pcm, sw)) < 0)
		return err;
	return 0;
}

static int alsa_prepare(struct snd_stream *s)
{
	bool out = s->direction == VIRTIO_SND_D_OUTPUT;
	struct alsa_port *ap = calloc(1, sizeof(*ap));
	int err, i;

	if (!ap) {
		log_err("out of memory");
		return -1;
	}
	err = snd_pcm_open(&ap->pcm, device_of(s),
			   out ? SND_PCM_STREAM_PLAYBACK : SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK);
	if (err < 0) {
		log_err("stream %u: cannot open %s: %s", s->id, device_of(s), snd_strerror(err));
		free(ap);
		return -1;
	}
	err = set_hw(s, ap->pcm, &ap->buffer_frames, &ap->period_frames);
	if (err < 0) {
		log_err("stream %u: %s cannot take %u Hz, %u channel(s) of format %u: %s",
			s->id, device_of(s), s->rate, s->params.channels, s->params.format,
			err == -EINVAL ? "not offered" : snd_strerror(err));
		snd_pcm_close(ap->pcm);
		free(ap);
		return -1;
	}
	ap->nfds = snd_pcm_poll_descriptors(ap->pcm, ap->fds, MAX_FDS);
	for (i = 0; i < ap->nfds; i++)
		if (vub_watch(s->card->dev, ap->fds[i].fd, 0, alsa_ready, s))
			break;
	if (ap->nfds <= 0 || i < ap->nfds) {
		log_err("stream %u: cannot poll %s", s->id, device_of(s));
		while (i-- > 0)
			vub_unwatch(s->card->dev, ap->fds[i].fd);
		snd_pcm_close(ap->pcm);
		free(ap);
		return -1;
	}
	s->port = ap;
	return 0;
}

static void alsa_release(struct snd_stream *s)
{
	struct alsa_port *ap = s->port;

	for (int i = 0; i < ap->nfds; i++)
		vub_unwatch(s->card->dev, ap->fds[i].fd);
	snd_pcm_drop(ap->pcm);
	snd_pcm_close(ap->pcm);
	if (ap->xruns)
		log_info("stream %u: %lu xrun(s) on %s", s->id, ap->xruns, device_of(s));
	free(ap);
	s->port = NULL;
}

static uint64_t alsa_room(struct snd_stream *s)
{
	struct alsa_port *ap = s->port;
	snd_pcm_sframes_t n = snd_pcm_avail_update(ap->pcm);

	if (n < 0) {
		if (!recover(s, (int)n))
			return 0;
		n = snd_pcm_avail_update(ap->pcm);
	}
	return n > 0 ? (uint64_t)n : 0;
}

static uint64_t alsa_quantum(struct snd_stream *s)
{
	return ((struct alsa_port *)s->port)->period_frames;
}

static void alsa_play(struct snd_stream *s, const struct iovec *iov, unsigned int n,
		      size_t off, size_t len)
{
	struct alsa_port *ap = s->port;
	size_t done = 0;

	while (done < len) {
		size_t want = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		size_t got = vub_iov_to_buf(iov, n, off + done, chunk, want);
		snd_pcm_sframes_t w;

		if (got < s->frame_bytes)
			return;
		w = snd_pcm_writei(ap->pcm, chunk, got / s->frame_bytes);
		if (w < 0 && recover(s, (int)w))
			w = snd_pcm_writei(ap->pcm, chunk, got / s->frame_bytes);
		if (w < 0) {
			log_warn("stream %u: %s refused %zu frames: %s", s->id, device_of(s),
				 got / s->frame_bytes, snd_strerror((int)w));
			return;
		}
		done += (size_t)w * s->frame_bytes;
		if ((size_t)w * s->frame_bytes < got) {
			log_warn("stream %u: %s took %ld of %zu frames", s->id, device_of(s),
				 (long)w, got / s->frame_bytes);
			return;
		}
	}
}

static void alsa_record(struct snd_stream *s, const struct iovec *iov, unsigned int n,
			size_t off, size_t len)
{
	struct alsa_port *ap = s->port;
	size_t done = 0;

	while (done < len) {
		size_t want = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		snd_pcm_sframes_t r = snd_pcm_readi(ap->pcm, chunk, want / s->frame_bytes);

		if (r < 0 && recover(s, (int)r))
			r = snd_pcm_readi(ap->pcm, chunk, want / s->frame_bytes);
		if (r <= 0)
			break;
		vub_iov_from_buf(iov, n, off + done, chunk, (size_t)r * s->frame_bytes);
		done += (size_t)r * s->frame_bytes;
	}
	snd_fill_silence(s, iov, n, off + done, len - done);
}

static void alsa_start(struct snd_stream *s)
{
	struct alsa_port *ap = s->port;

	if (snd_pcm_state(ap->pcm) != SND_PCM_STATE_PREPARED)
		snd_pcm_prepare(ap->pcm);
	if (s->direction == VIRTIO_SND_D_INPUT)
		snd_pcm_start(ap->pcm);
}

static void alsa_stop(struct snd_stream *s)
{
	struct alsa_port *ap = s->port;

	snd_pcm_drop(ap->pcm);
	snd_pcm_prepare(ap->pcm);
}

static void alsa_want(struct snd_stream *s, bool work)
{
	watch(s, work);
}

static uint64_t alsa_delay(struct snd_stream *s)
{
	struct alsa_port *ap = s->port;
	snd_pcm_sframes_t delay = 0;

	if (snd_pcm_delay(ap->pcm, &delay) < 0 || delay < 0)
		return 0;
	return (uint64_t)delay;
}

static void alsa_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque)
{
	struct snd_stream *s = opaque;
	struct alsa_port *ap = s->port;
	struct pollfd fds[MAX_FDS];
	unsigned short revents = 0;

	if (!ap)
		return;
	memcpy(fds, ap->fds, sizeof(fds));
	for (int i = 0; i < ap->nfds; i++)
		fds[i].revents = fds[i].fd == fd ?
			(short)((events & EPOLLIN ? POLLIN : 0) | (events & EPOLLOUT ? POLLOUT : 0) |
				(events & EPOLLERR ? POLLERR : 0)) : 0;
	if (snd_pcm_poll_descriptors_revents(ap->pcm, fds, (unsigned int)ap->nfds, &revents) < 0)
		return;
	if (revents & (POLLIN | POLLOUT | POLLERR))
		snd_stream_service(s);
}

const struct snd_port_ops snd_port_alsa = {
	.name = "alsa",
	.prepare = alsa_prepare,
	.play = alsa_play,
	.record = alsa_record,
	.release = alsa_release,
	.room = alsa_room,
	.quantum = alsa_quantum,
	.start = alsa_start,
	.stop = alsa_stop,
	.want = alsa_want,
	.delay = alsa_delay,
};
#endif
