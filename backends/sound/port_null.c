// SPDX-License-Identifier: MIT
/* The null port: a sink that discards, a source of silence, both paced
 * by the stream's clock like every other port. */
#include "sound.h"

static int null_prepare(struct snd_stream *s)
{
	s->port = (void *)&snd_port_null;	/* open: nothing to hold */
	return 0;
}

static void null_play(struct snd_stream *s, const struct iovec *iov, unsigned int n,
		      size_t off, size_t len)
{
}

static void null_record(struct snd_stream *s, const struct iovec *iov, unsigned int n,
			size_t off, size_t len)
{
	snd_fill_silence(s, iov, n, off, len);
}

static void null_release(struct snd_stream *s)
{
}

const struct snd_port_ops snd_port_null = {
	.name = "null",
	.prepare = null_prepare,
	.play = null_play,
	.record = null_record,
	.release = null_release,
};
