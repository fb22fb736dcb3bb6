// SPDX-License-Identifier: MIT
/*
 * The card as a vhost-user device: config space, the four queues, and
 * each stream's timer in the library's event loop.
 */
#include "sound.h"
#include "log.h"

#include <endian.h>
#include <string.h>
#include <sys/epoll.h>

/* Largest request the device reads; every real one is 24 bytes or less. */
#define MAX_REQUEST 64
/* Largest response: a header and SND_MAX_STREAMS items of up to 4 KiB. */
#define MAX_RESPONSE (sizeof(struct virtio_snd_hdr) + SND_MAX_STREAMS * 4096)

static uint8_t response[MAX_RESPONSE];

static void snd_get_config(struct vub_dev *dev, uint8_t *buf)
{
	struct snd_card *card = vub_dev_opaque(dev);
	struct virtio_snd_config c = {
		.jacks = htole32(snd_card_jacks(card)),
		.streams = htole32(card->nstreams),
		.chmaps = htole32(snd_card_chmaps(card)),
	};

	memcpy(buf, &c, sizeof(c));
}

static void serve_control(struct snd_card *card, struct vub_queue *q)
{
	struct vub_req *req;

	while ((req = vub_queue_pop(q))) {
		uint8_t request[MAX_REQUEST];
		size_t len = vub_iov_to_buf(req->out, req->nout, 0, request, sizeof(request));
		size_t cap = req->in_len < sizeof(response) ? req->in_len : sizeof(response);
		size_t resp = snd_control(card, request, len, response, cap);

		vub_iov_from_buf(req->in, req->nin, 0, response, resp);
		vub_req_done(req, (uint32_t)resp);
	}
}

static void snd_kick(struct vub_dev *dev, struct vub_queue *q)
{
	struct snd_card *card = vub_dev_opaque(dev);
	struct vub_req *req;

	switch (vub_queue_index(q)) {
	case SND_CTLQ:
		serve_control(card, q);
		break;
	case SND_TXQ:
	case SND_RXQ:
		while ((req = vub_queue_pop(q)))
			snd_io_submit(card, req, vub_queue_index(q) == SND_TXQ);
		break;
	default:
		/* The event queue: the device has no events to send; its
		 * buffers stay with the driver's ring. */
		break;
	}
}

/* A stopping I/O queue takes its pending messages back now. */
static void snd_queue_stop(struct vub_dev *dev, struct vub_queue *q)
{
	struct snd_card *card = vub_dev_opaque(dev);

	if (vub_queue_index(q) == SND_TXQ)
		snd_card_abort_io(card, VIRTIO_SND_D_OUTPUT);
	else if (vub_queue_index(q) == SND_RXQ)
		snd_card_abort_io(card, VIRTIO_SND_D_INPUT);
}

static void snd_reset(struct vub_dev *dev)
{
	snd_card_reset(vub_dev_opaque(dev));
}

static void timer_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque)
{
	snd_stream_tick(opaque);
}

int snd_card_attach(struct snd_card *card, struct vub_dev *dev)
{
	uint32_t i;

	card->dev = dev;
	for (i = 0; i < card->nstreams; i++)
		if (vub_watch(dev, card->streams[i].timer_fd, EPOLLIN, timer_ready,
			      &card->streams[i]))
			return -1;
	return 0;
}

const struct vub_device snd_device = {
	.name = "sound",
	.num_queues = SND_NUM_QUEUES,
	.max_queue_size = SND_QUEUE_SIZE,
	.config_size = sizeof(struct virtio_snd_config),
	.get_config = snd_get_config,
	.queue_kick = snd_kick,
	.queue_stop = snd_queue_stop,
	.reset = snd_reset,
};
