// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the sound device's control requests and I/O messages.
 * The input is a program of operations on one card (two playback and one
 * capture stream, jacks, the null port): a control request of up to 64
 * bytes with a response buffer of fuzzed size, a tx or rx message with
 * fuzzed header, data and status sizes split over several iovecs, a
 * clock tick, a queue stop or a reset. Checked: no crash or leak, every
 * message completes once, within its writable bytes, in FIFO order per
 * stream, and none is left after the final reset.
 */
#include "log.h"
#include "sound.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct msg {
	struct vub_req req;
	struct iovec iov[4];
	uint8_t *bufs[4];
	uint64_t seq;		/* submission order */
	uint32_t stream;	/* from its xfer header */
	bool queued;		/* taken by the stream, not refused at once */
};

static struct snd_card card;
static unsigned long live;
static uint64_t next_seq, last_done[SND_MAX_STREAMS], completed_now;

static void complete(struct vub_req *req, uint32_t len)
{
	struct msg *m = (struct msg *)((char *)req - offsetof(struct msg, req));

	assert(len <= req->in_len);
	completed_now = m->seq;
	if (m->queued) {
		/* FIFO per stream: never an older message after a newer one. */
		assert(m->stream < card.nstreams && m->seq > last_done[m->stream]);
		last_done[m->stream] = m->seq;
	}
	for (int i = 0; i < 4; i++)
		free(m->bufs[i]);
	free(m);
	live--;
}

/* A message with nout readable and nin writable buffers of fuzzed sizes. */
static void submit(const uint8_t **p, const uint8_t *end, bool tx)
{
	struct msg *m = calloc(1, sizeof(*m));
	unsigned int nout, nin, i;
	uint32_t stream;
	uint64_t seq;

	if (end - *p < 6) {
		free(m);
		return;
	}
	nout = 1 + (*p)[0] % 2;
	nin = 1 + (*p)[1] % 2;
	memcpy(&stream, *p + 2, 4);
	*p += 6;
	for (i = 0; i < nout + nin && end - *p >= 1; i++) {
		size_t len = (size_t)(*(*p)++) * 4;

		m->bufs[i] = calloc(1, len + 1);
		if (i == 0 && len >= 4)
			memcpy(m->bufs[i], &stream, 4);
		m->iov[i] = (struct iovec){ m->bufs[i], len };
	}
	nin = i > nout ? i - nout : 0;
	nout = i < nout ? i : nout;
	m->req.out = m->iov;
	m->req.nout = nout;
	m->req.in = m->iov + nout;
	m->req.nin = nin;
	m->req.out_len = vub_iov_size(m->req.out, nout);
	m->req.in_len = vub_iov_size(m->req.in, nin);
	m->seq = ++next_seq;
	/* The stream the device will read from the header, wherever it lies. */
	if (vub_iov_to_buf(m->req.out, nout, 0, &m->stream, 4) < 4)
		m->stream = UINT32_MAX;
	live++;
	completed_now = 0;
	seq = m->seq;
	snd_io_submit(&card, &m->req, tx);
	if (completed_now != seq)
		m->queued = true;	/* still alive: the stream holds it */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct snd_card_config cfg = {
		.playback_streams = 2, .capture_streams = 1, .jacks = true,
		.ops = &snd_port_null,
	};
	static uint8_t resp[8192];
	const uint8_t *p = data, *end = data + size;
	static bool init;

	if (!init) {
		log_init("fuzz", false, -1);
		init = true;
	}
	if (snd_card_init(&card, &cfg))
		abort();
	card.complete = complete;
	memset(last_done, 0, sizeof(last_done));
	while (p < end) {
		uint8_t op = *p++;

		switch (op % 6) {
		case 0: {	/* control request */
			size_t len, cap;

			if (end - p < 2)
				break;
			len = p[0] % 65;
			cap = (size_t)p[1] * 32;
			p += 2;
			if (len > (size_t)(end - p))
				len = (size_t)(end - p);
			if (cap > sizeof(resp))
				cap = sizeof(resp);
			assert(snd_control(&card, p, len, resp, cap) <= cap);
			p += len;
			break;
		}
		case 1:
		case 2:
			submit(&p, end, op % 6 == 1);
			break;
		case 3:
			for (uint32_t i = 0; i < card.nstreams; i++)
				snd_stream_tick(&card.streams[i]);
			break;
		case 4:
			snd_card_abort_io(&card, op & 0x10 ? VIRTIO_SND_D_INPUT : VIRTIO_SND_D_OUTPUT);
			break;
		default:
			snd_card_reset(&card);
			break;
		}
	}
	snd_card_reset(&card);
	assert(live == 0);
	snd_card_fini(&card);
	return 0;
}
