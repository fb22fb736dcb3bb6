// SPDX-License-Identifier: MIT
/*
 * PCM streams: the state machine, and I/O paced in real time. Linux 6.1's
 * driver queues every period at START and re-queues each one as soon as
 * it completes, so a completion is its only clock: each message is held
 * until the moment its last frame would have been played (or recorded),
 * read (or filled) only then, and completed in FIFO order. STOP keeps
 * what is pending; RELEASE completes it, unplayed, before it is answered.
 */
#include "sound.h"
#include "log.h"

#include <endian.h>
#include <errno.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define NSEC 1000000000ull
/* Largest ring a driver may set up: 64 MiB is beyond any real one. */
#define MAX_BUFFER_BYTES (64u << 20)

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

/* When frame number `frames` after t0 is due. */
static uint64_t frame_time(const struct snd_stream *s, uint64_t frames)
{
	return s->t0_ns + frames / s->rate * NSEC + frames % s->rate * NSEC / s->rate;
}

static void arm(struct snd_stream *s, uint64_t at_ns)
{
	struct itimerspec its = {
		.it_value = { .tv_sec = (time_t)(at_ns / NSEC), .tv_nsec = (long)(at_ns % NSEC) },
	};

	/* 0 would disarm: a moment already past fires at once instead. */
	if (at_ns == 0)
		its.it_value.tv_nsec = 1;
	if (timerfd_settime(s->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		log_err("stream %u: cannot arm its timer: %s", s->id, strerror(errno));
}

static void disarm(struct snd_stream *s)
{
	struct itimerspec its = { 0 };

	timerfd_settime(s->timer_fd, 0, &its, NULL);
}

/* Complete a message: its status in the last 8 writable bytes. */
static void io_done(struct snd_card *card, struct vub_req *req, uint32_t status,
		    uint32_t data_bytes, uint32_t latency)
{
	struct virtio_snd_pcm_status st = { .status = htole32(status),
					    .latency_bytes = htole32(latency) };

	vub_iov_from_buf(req->in, req->nin, req->in_len - sizeof(st), &st, sizeof(st));
	card->complete(req, data_bytes + (uint32_t)sizeof(st));
}

static struct snd_io *fifo_at(struct snd_stream *s, uint32_t i)
{
	return &s->fifo[(s->fifo_head + i) % SND_QUEUE_SIZE];
}

static void fifo_pop(struct snd_stream *s)
{
	s->fifo_head = (s->fifo_head + 1) % SND_QUEUE_SIZE;
	s->fifo_len--;
}

/* Every pending message back, oldest first, with no data moved. */
static void flush(struct snd_stream *s, uint32_t status)
{
	while (s->fifo_len) {
		io_done(s->card, fifo_at(s, 0)->req, status, 0, 0);
		fifo_pop(s);
	}
	s->moved = 0;
	s->moved_bytes = 0;
}

static bool self_clocked(const struct snd_stream *s)
{
	return s->card->cfg.ops->room != NULL;
}

static void want(struct snd_stream *s, bool work)
{
	if (s->port && s->card->cfg.ops->want)
		s->card->cfg.ops->want(s, work);
}

static void close_port(struct snd_stream *s)
{
	if (s->port)
		s->card->cfg.ops->release(s);
	s->port = NULL;
}

uint32_t snd_stream_set_params(struct snd_stream *s, const struct virtio_snd_pcm_set_params *p)
{
	uint32_t sample = snd_format_bytes(p->format), rate = snd_rate_hz(p->rate);
	uint32_t buffer = le32toh(p->buffer_bytes), period = le32toh(p->period_bytes);
	uint32_t frame = sample * p->channels;

	if (s->state == PCM_RUNNING || s->state == PCM_STOPPED || s->fifo_len)
		return VIRTIO_SND_S_BAD_MSG;
	if (!sample || !rate || p->channels < 1 || p->channels > SND_MAX_CHANNELS ||
	    le32toh(p->features))
		return VIRTIO_SND_S_NOT_SUPP;
	if (!period || !buffer || buffer % period || period % frame || buffer > MAX_BUFFER_BYTES)
		return VIRTIO_SND_S_BAD_MSG;
	close_port(s);
	s->params = *p;
	s->frame_bytes = frame;
	s->rate = rate;
	s->state = PCM_PARAMS;
	return VIRTIO_SND_S_OK;
}

uint32_t snd_stream_prepare(struct snd_stream *s)
{
	switch (s->state) {
	case PCM_PREPARED:	/* sox prepares three times */
		return VIRTIO_SND_S_OK;
	case PCM_PARAMS:
	case PCM_RELEASED:
		break;
	default:
		return VIRTIO_SND_S_BAD_MSG;
	}
	if (!s->port && s->card->cfg.ops->prepare(s))
		return VIRTIO_SND_S_IO_ERR;
	s->frames_moved = 0;
	s->frames_written = 0;
	s->state = PCM_PREPARED;
	return VIRTIO_SND_S_OK;
}

uint32_t snd_stream_release(struct snd_stream *s)
{
	if (s->state != PCM_PREPARED && s->state != PCM_STOPPED)
		return VIRTIO_SND_S_BAD_MSG;
	flush(s, VIRTIO_SND_S_OK);
	disarm(s);
	want(s, false);
	log_debug("stream %u released after %llu frames", s->id,
		  (unsigned long long)s->frames_moved);
	close_port(s);
	s->state = PCM_RELEASED;
	return VIRTIO_SND_S_OK;
}

static void schedule(struct snd_stream *s)
{
	if (s->fifo_len)
		arm(s, frame_time(s, s->clock_frames + fifo_at(s, 0)->bytes / s->frame_bytes));
}

uint32_t snd_stream_start(struct snd_stream *s)
{
	if (s->state != PCM_PREPARED && s->state != PCM_STOPPED)
		return VIRTIO_SND_S_BAD_MSG;
	s->t0_ns = now_ns();
	s->clock_frames = 0;
	s->state = PCM_RUNNING;
	if (self_clocked(s)) {
		if (s->card->cfg.ops->start)
			s->card->cfg.ops->start(s);
		snd_stream_service(s);
	} else {
		schedule(s);
	}
	return VIRTIO_SND_S_OK;
}

static uint64_t heard(struct snd_stream *s);

/*
 * At STOP, a self-clocked playback port: complete what has been heard;
 * return how many bytes of the new head message were heard already.
 */
static uint32_t heard_so_far(struct snd_stream *s)
{
	uint64_t done = heard(s), start;
	struct snd_io *io;

	while (s->moved && fifo_at(s, 0)->end <= done) {
		io_done(s->card, fifo_at(s, 0)->req, VIRTIO_SND_S_OK, 0, 0);
		fifo_pop(s);
		s->moved--;
	}
	if (!s->moved)
		return 0;
	io = fifo_at(s, 0);
	start = io->end - io->bytes / s->frame_bytes;
	return done > start ? (uint32_t)((done - start) * s->frame_bytes) : 0;
}

uint32_t snd_stream_stop(struct snd_stream *s)
{
	if (s->state != PCM_RUNNING)
		return VIRTIO_SND_S_BAD_MSG;
	disarm(s);
	want(s, false);
	if (s->port && s->card->cfg.ops->stop) {
		uint32_t resume = 0;

		if (s->direction == VIRTIO_SND_D_OUTPUT)
			resume = heard_so_far(s);
		s->card->cfg.ops->stop(s);
		/* What the port dropped unheard is given again at START. */
		s->moved = 0;
		s->moved_bytes = resume;
		s->frames_written = 0;
	}
	s->state = PCM_STOPPED;
	return VIRTIO_SND_S_OK;
}

void snd_stream_tick(struct snd_stream *s)
{
	const struct snd_port_ops *ops = s->card->cfg.ops;
	uint64_t ticks, now;

	if (read(s->timer_fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		log_err("stream %u: reading its timer: %s", s->id, strerror(errno));
	if (s->state != PCM_RUNNING)
		return;
	if (self_clocked(s)) {
		snd_stream_service(s);
		return;
	}
	now = now_ns();
	while (s->fifo_len) {
		struct snd_io *io = fifo_at(s, 0);
		uint64_t frames = io->bytes / s->frame_bytes;
		struct vub_req *req = io->req;

		if (frame_time(s, s->clock_frames + frames) > now)
			break;
		if (s->direction == VIRTIO_SND_D_OUTPUT)
			ops->play(s, req->out, req->nout, sizeof(struct virtio_snd_pcm_xfer), io->bytes);
		else
			ops->record(s, req->in, req->nin, 0, io->bytes);
		s->clock_frames += frames;
		s->frames_moved += frames;
		fifo_pop(s);
		io_done(s->card, req, VIRTIO_SND_S_OK,
			s->direction == VIRTIO_SND_D_INPUT ? io->bytes : 0, 0);
	}
	schedule(s);
}

/* Frames of a playback stream's port that have been heard. */
static uint64_t heard(struct snd_stream *s)
{
	uint64_t delay = s->card->cfg.ops->delay(s);

	return delay < s->frames_written ? s->frames_written - delay : 0;
}

/*
 * Self-clocked ports: give the port what it has room for, message by
 * message (parts of one if need be); complete a playback message once
 * the port has played its last frame, a capture message once it is full.
 * Sleeps on the port's poll descriptors, and on the timer for the next
 * moment something is due, for devices whose poll wakes late.
 */
void snd_stream_service(struct snd_stream *s)
{
	const struct snd_port_ops *ops = s->card->cfg.ops;
	bool out = s->direction == VIRTIO_SND_D_OUTPUT;
	uint64_t wait = UINT64_MAX, quantum, done;

	if (s->state != PCM_RUNNING || !s->port)
		return;
	disarm(s);
	quantum = ops->quantum(s);
	/*
	 * What has been heard, once: giving the port more frames below adds
	 * as much to what it holds as to what it was given.
	 */
	done = out ? heard(s) : 0;
	/* Playback: complete what has been heard, oldest first. */
	while (out && s->moved) {
		uint64_t end = fifo_at(s, 0)->end;

		if (end > done) {
			wait = end - done;
			break;
		}
		/* latency_bytes: what the port holds, still to be heard. */
		io_done(s->card, fifo_at(s, 0)->req, VIRTIO_SND_S_OK, 0,
			(uint32_t)((s->frames_written - done) * s->frame_bytes));
		fifo_pop(s);
		s->moved--;
	}
	while (s->moved < s->fifo_len) {
		struct snd_io *io = fifo_at(s, s->moved);
		struct vub_req *req = io->req;
		uint32_t left = io->bytes - s->moved_bytes, n;
		uint64_t room = ops->room(s), need;

		if (s->state != PCM_RUNNING)
			return;	/* the port gave up on the device */
		need = left / s->frame_bytes;
		if (need > quantum)
			need = quantum;
		if (room < need) {
			if (need - room < wait)
				wait = need - room;
			break;
		}
		n = left;
		if (room * s->frame_bytes < n)
			n = (uint32_t)(room * s->frame_bytes);
		if (out)
			ops->play(s, req->out, req->nout,
				  sizeof(struct virtio_snd_pcm_xfer) + s->moved_bytes, n);
		else
			ops->record(s, req->in, req->nin, s->moved_bytes, n);
		s->moved_bytes += n;
		s->frames_written += n / s->frame_bytes;
		s->frames_moved += n / s->frame_bytes;
		if (s->moved_bytes < io->bytes)
			continue;
		s->moved_bytes = 0;
		if (out) {
			io->end = s->frames_written;
			s->moved++;
			if (s->moved == 1 && io->end - done < wait)
				wait = io->end - done;
		} else {
			fifo_pop(s);
			io_done(s->card, req, VIRTIO_SND_S_OK, io->bytes, 0);
		}
	}
	if (wait != UINT64_MAX)
		arm(s, now_ns() + wait * NSEC / s->rate + 1000000);
	want(s, s->moved < s->fifo_len);
}

void snd_io_submit(struct snd_card *card, struct vub_req *req, bool tx)
{
	struct virtio_snd_pcm_xfer xfer;
	struct snd_stream *s;
	uint32_t id, bytes;

	if (req->in_len < sizeof(struct virtio_snd_pcm_status)) {
		card->complete(req, 0);	/* nowhere to put a status */
		return;
	}
	/* Refusals below complete at once, ahead of what streams hold. */
	if (req->out_len < sizeof(xfer) ||
	    (tx && req->in_len != sizeof(struct virtio_snd_pcm_status)) ||
	    (!tx && req->out_len != sizeof(xfer)) ||
	    req->out_len - sizeof(xfer) > UINT32_MAX || req->in_len > UINT32_MAX) {
		io_done(card, req, VIRTIO_SND_S_BAD_MSG, 0, 0);
		return;
	}
	vub_iov_to_buf(req->out, req->nout, 0, &xfer, sizeof(xfer));
	id = le32toh(xfer.stream_id);
	if (id >= card->nstreams ||
	    card->streams[id].direction != (tx ? VIRTIO_SND_D_OUTPUT : VIRTIO_SND_D_INPUT)) {
		io_done(card, req, VIRTIO_SND_S_BAD_MSG, 0, 0);
		return;
	}
	s = &card->streams[id];
	bytes = (uint32_t)(tx ? req->out_len - sizeof(xfer)
			      : req->in_len - sizeof(struct virtio_snd_pcm_status));
	if ((s->state != PCM_PREPARED && s->state != PCM_RUNNING && s->state != PCM_STOPPED) ||
	    s->fifo_len == SND_QUEUE_SIZE || bytes % s->frame_bytes) {
		io_done(card, req, VIRTIO_SND_S_IO_ERR, 0, 0);
		return;
	}
	/* The stream ran dry: its clock starts again from now. */
	if (s->state == PCM_RUNNING && !s->fifo_len &&
	    frame_time(s, s->clock_frames) < now_ns()) {
		s->t0_ns = now_ns();
		s->clock_frames = 0;
	}
	*fifo_at(s, s->fifo_len) = (struct snd_io){ .req = req, .bytes = bytes };
	s->fifo_len++;
	if (s->state == PCM_RUNNING && self_clocked(s))
		snd_stream_service(s);
	else if (s->state == PCM_RUNNING && s->fifo_len == 1)
		schedule(s);
}

void snd_card_abort_io(struct snd_card *card, int direction)
{
	uint32_t i;

	for (i = 0; i < card->nstreams; i++) {
		struct snd_stream *s = &card->streams[i];

		if (direction >= 0 && s->direction != direction)
			continue;
		disarm(s);
		want(s, false);
		flush(s, VIRTIO_SND_S_IO_ERR);
	}
}

void snd_card_reset(struct snd_card *card)
{
	uint32_t i;

	snd_card_abort_io(card, -1);
	for (i = 0; i < card->nstreams; i++) {
		struct snd_stream *s = &card->streams[i];

		close_port(s);
		s->state = PCM_IDLE;
		memset(&s->params, 0, sizeof(s->params));
	}
}
