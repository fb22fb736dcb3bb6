/* SPDX-License-Identifier: MIT */
/*
 * virtio-sound device model (virtio 1.2 section 5.14, id 25): the card's
 * jacks, PCM streams and channel maps, the PCM state machine, and the
 * paced I/O of each stream. Queues: 0 control, 1 event, 2 tx, 3 rx.
 */
#ifndef SOUND_H
#define SOUND_H

#include "vub.h"

#include <linux/virtio_snd.h>
#include <stdbool.h>
#include <stdint.h>

#define SND_MAX_STREAMS 16
#define SND_MAX_CHANNELS 8
/* Largest I/O FIFO of one stream: the queue size bounds it anyway. */
#define SND_QUEUE_SIZE 1024

enum { SND_CTLQ, SND_EVENTQ, SND_TXQ, SND_RXQ, SND_NUM_QUEUES };

/* The PCM state machine of section 5.14.6.6.1, with an initial state. */
enum pcm_state {
	PCM_IDLE,		/* no parameters yet */
	PCM_PARAMS,		/* SET_PARAMS done */
	PCM_PREPARED,
	PCM_RUNNING,		/* START */
	PCM_STOPPED,		/* STOP: I/O held, not completed */
	PCM_RELEASED,
};

struct snd_stream;

/* The host side of a stream: where played bytes go, recorded bytes come from. */
struct snd_port_ops {
	const char *name;
	/* PREPARE with the stream's parameters: open what the stream needs.
	 * Returns 0, or -1 (one line logged): the driver then gets IO_ERR. */
	int (*prepare)(struct snd_stream *s);
	/* Playback: len bytes at iov (off bytes in) are due now. */
	void (*play)(struct snd_stream *s, const struct iovec *iov, unsigned int n,
		     size_t off, size_t len);
	/* Capture: fill len bytes at iov (off bytes in) with what is due. */
	void (*record)(struct snd_stream *s, const struct iovec *iov, unsigned int n,
		       size_t off, size_t len);
	/* RELEASE, reset or exit: close what prepare opened. */
	void (*release)(struct snd_stream *s);

	/* Ports with a clock of their own (a sound card) set these; the
	 * others are paced by the stream's timer. */
	/* Frames the port can take (playback) or give (capture) now, and
	 * the fewest worth moving (its period). The stream's timer wakes the
	 * stream when that many should be there, for devices whose poll
	 * wakes up late. */
	uint64_t (*room)(struct snd_stream *s);
	uint64_t (*quantum)(struct snd_stream *s);
	/* START and STOP: run the host device, or stop it and drop what it
	 * holds, so nothing stale plays after the guest's STOP. */
	void (*start)(struct snd_stream *s);
	void (*stop)(struct snd_stream *s);
	/* The stream has messages waiting (or none): watch the device's
	 * readiness, or stop watching it. */
	void (*want)(struct snd_stream *s, bool work);
	/* Frames given to the port and not yet heard (playback). */
	uint64_t (*delay)(struct snd_stream *s);
};

/* One I/O message waiting for its turn. */
struct snd_io {
	struct vub_req *req;
	uint32_t bytes;		/* payload: the data between xfer and status */
	uint64_t end;		/* self-clocked playback: frames written when its
				 * last one was, once it is written whole */
};

struct snd_stream {
	struct snd_card *card;
	uint32_t id;
	uint8_t direction;	/* VIRTIO_SND_D_OUTPUT or VIRTIO_SND_D_INPUT */
	enum pcm_state state;
	struct virtio_snd_pcm_set_params params;	/* as the driver set them */
	uint32_t frame_bytes;	/* of the current parameters */
	uint32_t rate;		/* in Hz */

	/* Pending I/O, oldest first; completed strictly in this order. */
	struct snd_io fifo[SND_QUEUE_SIZE];
	uint32_t fifo_head, fifo_len;
	/* Self-clocked ports: messages [0, moved) of the FIFO are written
	 * whole to the port (playback, waiting to be heard), and moved_bytes
	 * of the next one; frames_written counts what the port was given. */
	uint32_t moved, moved_bytes;
	uint64_t frames_written;

	/* The stream's clock: the head message's end is due at
	 * t0_ns + (clock_frames + its frames) / rate. */
	int timer_fd;
	uint64_t t0_ns;
	uint64_t clock_frames;

	/* Jack of this stream (when the card has jacks). */
	uint32_t jack_association, jack_sequence;

	void *port;		/* the port's own state */
	uint64_t frames_moved;	/* played or recorded, for the log */
};

struct snd_card_config {
	uint32_t playback_streams, capture_streams;
	bool jacks;		/* one jack per stream */
	const struct snd_port_ops *ops;
	const char *playback_file, *capture_file;	/* file port */
	const char *playback_device, *capture_device;	/* alsa port */
};

struct snd_card {
	struct snd_card_config cfg;
	uint32_t nstreams;
	struct snd_stream streams[SND_MAX_STREAMS];
	/* How a request goes back to the driver; vub_req_done, except in
	 * the fuzz target. */
	void (*complete)(struct vub_req *req, uint32_t len);
	struct vub_dev *dev;
};

/* ---- the card (card.c) ---- */
/* 0, or -1 with one line logged. */
int snd_card_init(struct snd_card *card, const struct snd_card_config *cfg);
void snd_card_fini(struct snd_card *card);
uint32_t snd_card_jacks(const struct snd_card *card);
uint32_t snd_card_chmaps(const struct snd_card *card);
/* Formats, rates and channel range every stream offers. */
extern const uint64_t snd_formats, snd_rates;
/* Bytes per sample of a virtio format the device offers, 0 for others. */
uint32_t snd_format_bytes(uint8_t format);
/* Silence for the stream's format into len bytes at iov, off bytes in. */
void snd_fill_silence(const struct snd_stream *s, const struct iovec *iov, unsigned int n,
		      size_t off, size_t len);
/* Hz of a virtio rate the device offers, 0 for others. */
uint32_t snd_rate_hz(uint8_t rate);

/* ---- control requests (control.c) ---- */
/*
 * Handle one control request of req_len bytes; write the response (at
 * most resp_cap bytes, at least a virtio_snd_hdr when resp_cap allows)
 * and return its length.
 */
size_t snd_control(struct snd_card *card, const uint8_t *req, size_t req_len,
		   uint8_t *resp, size_t resp_cap);

/* ---- streams and their I/O (stream.c) ---- */
/* Each returns a VIRTIO_SND_S_* status. */
uint32_t snd_stream_set_params(struct snd_stream *s, const struct virtio_snd_pcm_set_params *p);
uint32_t snd_stream_prepare(struct snd_stream *s);
uint32_t snd_stream_release(struct snd_stream *s);
uint32_t snd_stream_start(struct snd_stream *s);
uint32_t snd_stream_stop(struct snd_stream *s);
/* An I/O message from the tx (tx true) or rx queue. */
void snd_io_submit(struct snd_card *card, struct vub_req *req, bool tx);
/* The stream's timer fired: complete what is due, re-arm. */
void snd_stream_tick(struct snd_stream *s);
/* A self-clocked port is ready: move and complete what it has room for. */
void snd_stream_service(struct snd_stream *s);
/* Complete every pending message of the direction with IO_ERR, or of
 * all directions; back to the initial state when reset. */
void snd_card_abort_io(struct snd_card *card, int direction);
void snd_card_reset(struct snd_card *card);

/* ---- the vhost-user device (device.c) ---- */
extern const struct vub_device snd_device;
/* Put the streams' timers into dev's event loop. */
int snd_card_attach(struct snd_card *card, struct vub_dev *dev);

/* ---- ports (port_file.c, port_null.c) ---- */
extern const struct snd_port_ops snd_port_null, snd_port_file;
#ifdef HAVE_ALSA
extern const struct snd_port_ops snd_port_alsa;
#endif

#endif
