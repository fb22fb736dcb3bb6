// SPDX-License-Identifier: MIT
/*
 * The file port. Playback: each playback stream writes a WAV file as the
 * guest plays, its header made final at RELEASE. Capture: each capture
 * stream reads a WAV file from its start at every PREPARE, then silence.
 * The first stream of a direction uses the file named on the command
 * line; the Nth after it the same name with "-N" before ".wav".
 * S24 (24 bits in the low bytes of 32) is stored in WAV's way, in the
 * high bytes, so other programs read it right.
 */
#include "sound.h"
#include "log.h"
#include "wav.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct file_port {
	int fd;
	char path[PATH_MAX];
	struct wav_format fmt;
	uint64_t data_bytes;	/* playback: written; capture: left to read */
	bool failed;		/* one error line per stream is enough */
};

static uint8_t chunk[65536];

/* Which stream of its direction s is: 0 for the first. */
static uint32_t index_in_direction(const struct snd_stream *s)
{
	return s->direction == VIRTIO_SND_D_OUTPUT ? s->id
		: s->id - s->card->cfg.playback_streams;
}

static int stream_path(const struct snd_stream *s, const char *base, char *out, size_t cap)
{
	uint32_t nth = index_in_direction(s);
	const char *dot = strrchr(base, '.');
	int len;

	if (nth == 0)
		len = snprintf(out, cap, "%s", base);
	else if (dot && strcmp(dot, ".wav") == 0)
		len = snprintf(out, cap, "%.*s-%u.wav", (int)(dot - base), base, nth);
	else
		len = snprintf(out, cap, "%s-%u", base, nth);
	return len < 0 || (size_t)len >= cap ? -1 : 0;
}

/* The WAV layout of the stream's current parameters. */
static void stream_format(const struct snd_stream *s, struct wav_format *f)
{
	uint32_t bits = snd_format_bytes(s->params.format) * 8;

	f->encoding = s->params.format == VIRTIO_SND_PCM_FMT_FLOAT ? WAV_PCM_FLOAT : WAV_PCM_INT;
	f->channels = s->params.channels;
	f->rate = s->rate;
	f->container_bits = (uint16_t)bits;
	f->valid_bits = s->params.format == VIRTIO_SND_PCM_FMT_S24 ? 24 : (uint16_t)bits;
}

static void describe(const struct wav_format *f, char *out, size_t cap)
{
	snprintf(out, cap, "%s %u-bit%s, %u Hz, %u channel(s)",
		 f->encoding == WAV_PCM_FLOAT ? "float" : "integer", f->valid_bits,
		 f->valid_bits != f->container_bits ? " in 32" : "", f->rate, f->channels);
}

/* S24 samples between the device's layout and WAV's. */
static void s24_convert(uint8_t *buf, size_t len, bool to_wav)
{
	size_t i;

	for (i = 0; i + 4 <= len; i += 4) {
		uint32_t v;

		memcpy(&v, buf + i, 4);
		v = le32toh(v);
		v = to_wav ? v << 8 : (uint32_t)((int32_t)v >> 8);
		v = htole32(v);
		memcpy(buf + i, &v, 4);
	}
}

static void port_error(struct snd_stream *s, struct file_port *fp, const char *what)
{
	if (!fp->failed)
		log_err("stream %u: %s %s: %s", s->id, what, fp->path, strerror(errno));
	fp->failed = true;
}

static int open_playback(struct snd_stream *s, struct file_port *fp)
{
	uint8_t hdr[WAV_HEADER_MAX];
	size_t len;

	fp->fd = open(fp->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fp->fd < 0) {
		log_err("stream %u: cannot create %s: %s", s->id, fp->path, strerror(errno));
		return -1;
	}
	len = wav_header(&fp->fmt, 0, hdr);
	if (write(fp->fd, hdr, len) != (ssize_t)len) {
		log_err("stream %u: cannot write %s: %s", s->id, fp->path, strerror(errno));
		return -1;
	}
	return 0;
}

static int open_capture(struct snd_stream *s, struct file_port *fp)
{
	struct wav_format have;
	char want_s[96], have_s[96];
	uint64_t off, len;
	const char *why = "";
	struct stat st;
	ssize_t got;

	fp->fd = open(fp->path, O_RDONLY | O_CLOEXEC);
	if (fp->fd < 0 || fstat(fp->fd, &st) < 0) {
		log_err("stream %u: cannot open %s: %s", s->id, fp->path, strerror(errno));
		return -1;
	}
	got = pread(fp->fd, chunk, sizeof(chunk), 0);
	if (got < 0 || wav_parse(chunk, (size_t)got, &have, &off, &len, &why)) {
		log_err("stream %u: cannot read %s: %s", s->id, fp->path,
			got < 0 ? strerror(errno) : why);
		return -1;
	}
	if (have.encoding != fp->fmt.encoding || have.channels != fp->fmt.channels ||
	    have.rate != fp->fmt.rate || have.container_bits != fp->fmt.container_bits ||
	    have.valid_bits != fp->fmt.valid_bits) {
		describe(&have, have_s, sizeof(have_s));
		describe(&fp->fmt, want_s, sizeof(want_s));
		log_err("stream %u: %s holds %s; the guest records %s", s->id, fp->path,
			have_s, want_s);
		return -1;
	}
	if ((uint64_t)st.st_size < off)
		len = 0;
	else if (len > (uint64_t)st.st_size - off)
		len = (uint64_t)st.st_size - off;
	fp->data_bytes = len - len % wav_frame_bytes(&have);
	if (lseek(fp->fd, (off_t)off, SEEK_SET) < 0) {
		log_err("stream %u: cannot seek in %s: %s", s->id, fp->path, strerror(errno));
		return -1;
	}
	return 0;
}

static int file_prepare(struct snd_stream *s)
{
	bool out = s->direction == VIRTIO_SND_D_OUTPUT;
	const char *base = out ? s->card->cfg.playback_file : s->card->cfg.capture_file;
	struct file_port *fp = calloc(1, sizeof(*fp));

	if (!fp) {
		log_err("out of memory");
		return -1;
	}
	fp->fd = -1;
	if (stream_path(s, base, fp->path, sizeof(fp->path))) {
		log_err("stream %u: the file name is too long", s->id);
		free(fp);
		return -1;
	}
	stream_format(s, &fp->fmt);
	if (out ? open_playback(s, fp) : open_capture(s, fp)) {
		if (fp->fd >= 0)
			close(fp->fd);
		free(fp);
		return -1;
	}
	s->port = fp;
	return 0;
}

static void file_play(struct snd_stream *s, const struct iovec *iov, unsigned int n,
		      size_t off, size_t len)
{
	struct file_port *fp = s->port;
	size_t done = 0;

	while (done < len) {
		size_t want = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		size_t got = vub_iov_to_buf(iov, n, off + done, chunk, want);

		if (got == 0)
			return;
		if (s->params.format == VIRTIO_SND_PCM_FMT_S24)
			s24_convert(chunk, got, true);
		if (write(fp->fd, chunk, got) != (ssize_t)got)
			port_error(s, fp, "cannot write");
		else
			fp->data_bytes += got;
		done += got;
	}
}

static void file_record(struct snd_stream *s, const struct iovec *iov, unsigned int n,
			size_t off, size_t len)
{
	struct file_port *fp = s->port;
	size_t done = 0;

	while (done < len && fp->data_bytes) {
		size_t want = len - done < sizeof(chunk) ? len - done : sizeof(chunk);
		ssize_t got;

		if (want > fp->data_bytes)
			want = (size_t)fp->data_bytes;
		got = read(fp->fd, chunk, want);
		if (got <= 0) {
			if (got < 0)
				port_error(s, fp, "cannot read");
			fp->data_bytes = 0;
			break;
		}
		if (s->params.format == VIRTIO_SND_PCM_FMT_S24)
			s24_convert(chunk, (size_t)got, false);
		vub_iov_from_buf(iov, n, off + done, chunk, (size_t)got);
		done += (size_t)got;
		fp->data_bytes -= (uint64_t)got;
	}
	/* After the file's end: silence. */
	snd_fill_silence(s, iov, n, off + done, len - done);
}

static void file_release(struct snd_stream *s)
{
	struct file_port *fp = s->port;
	uint8_t hdr[WAV_HEADER_MAX];

	if (s->direction == VIRTIO_SND_D_OUTPUT) {
		uint32_t bytes = fp->data_bytes > UINT32_MAX - 128 ? UINT32_MAX - 128
								   : (uint32_t)fp->data_bytes;
		size_t len = wav_header(&fp->fmt, bytes, hdr);

		if (pwrite(fp->fd, hdr, len, 0) != (ssize_t)len)
			port_error(s, fp, "cannot finish");
		else
			log_info("stream %u: %s: %llu bytes played", s->id, fp->path,
				 (unsigned long long)fp->data_bytes);
	}
	close(fp->fd);
	free(fp);
	s->port = NULL;
}

const struct snd_port_ops snd_port_file = {
	.name = "file",
	.prepare = file_prepare,
	.play = file_play,
	.record = file_record,
	.release = file_release,
};
