// SPDX-License-Identifier: MIT
/*
 * vhost-user-sound through the test front-end acting as the virtio-snd
 * driver: the card's config and info items, every control request and
 * its refusals, playback paced in real time and completed in order, STOP
 * holding what is pending and RELEASE completing it unplayed, the WAV
 * file holding exactly what was played, capture from a WAV file, and
 * malformed I/O messages refused.
 */
#include "frontend.h"
#include "wav.h"

#include <linux/virtio_snd.h>

#define SOUND "build/bin/vhost-user-sound"
#define CTLQ 0
#define TXQ 2
#define RXQ 3
#define PERIOD_FRAMES 480		/* 10 ms at 48 kHz */
#define PERIOD (PERIOD_FRAMES * 4)	/* S16 stereo */

static struct fe fe = { .fd = -1 };

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* One control request; returns the response's status, and the response
 * (resp_len bytes of room) in resp when it is not NULL. */
static uint32_t ctl(const void *req, size_t len, void *resp, size_t resp_len)
{
	uint64_t out = fe_alloc(&fe, len), in = fe_alloc(&fe, resp_len ? resp_len : 4);
	struct fe_buf b[2] = { { out, (uint32_t)len, false },
			       { in, resp_len ? (uint32_t)resp_len : 4, true } };
	struct virtio_snd_hdr h;

	memcpy(fe_ptr(&fe, out), req, len);
	fe_wait_used(&fe, CTLQ, fe_add(&fe, CTLQ, b, 2));
	memcpy(&h, fe_ptr(&fe, in), sizeof(h));
	if (resp)
		memcpy(resp, fe_ptr(&fe, in), resp_len);
	return le32toh(h.code);
}

static uint32_t pcm(uint32_t code, uint32_t stream)
{
	struct virtio_snd_pcm_hdr h = { { htole32(code) }, htole32(stream) };

	return ctl(&h, sizeof(h), NULL, 0);
}

static uint32_t set_params(uint32_t stream, uint32_t buffer, uint32_t period, uint8_t channels,
			   uint8_t format, uint8_t rate)
{
	struct virtio_snd_pcm_set_params p = {
		.hdr = { { htole32(VIRTIO_SND_R_PCM_SET_PARAMS) }, htole32(stream) },
		.buffer_bytes = htole32(buffer), .period_bytes = htole32(period),
		.channels = channels, .format = format, .rate = rate,
	};

	return ctl(&p, sizeof(p), NULL, 0);
}

static uint32_t query(uint32_t code, uint32_t start, uint32_t count, uint32_t size, void *items)
{
	struct virtio_snd_query_info q = { { htole32(code) }, htole32(start), htole32(count),
					   htole32(size) };
	uint8_t resp[4 + 8 * 64];
	uint32_t st = ctl(&q, sizeof(q), resp, 4 + (size_t)count * size);

	if (items)
		memcpy(items, resp + 4, (size_t)count * size);
	return st;
}

struct io {
	uint16_t head;
	uint64_t data, status;
};

/* A playback message: xfer, the data split in two descriptors, status. */
static struct io tx(uint32_t stream, const uint8_t *data, uint32_t len)
{
	struct io m = { 0 };
	uint64_t x = fe_alloc(&fe, 4);
	struct virtio_snd_pcm_xfer xf = { htole32(stream) };

	m.data = fe_alloc(&fe, len);
	m.status = fe_alloc(&fe, 8);
	memcpy(fe_ptr(&fe, x), &xf, 4);
	memcpy(fe_ptr(&fe, m.data), data, len);
	struct fe_buf b[4] = { { x, 4, false }, { m.data, len / 2, false },
			       { m.data + len / 2, len - len / 2, false }, { m.status, 8, true } };

	m.head = fe_add(&fe, TXQ, b, 4);
	return m;
}

static struct io rx(uint32_t stream, uint32_t len)
{
	struct io m = { 0 };
	uint64_t x = fe_alloc(&fe, 4);
	struct virtio_snd_pcm_xfer xf = { htole32(stream) };

	m.data = fe_alloc(&fe, len);
	m.status = fe_alloc(&fe, 8);
	memcpy(fe_ptr(&fe, x), &xf, 4);
	struct fe_buf b[3] = { { x, 4, false }, { m.data, len, true }, { m.status, 8, true } };

	m.head = fe_add(&fe, RXQ, b, 3);
	return m;
}

static uint32_t io_status(const struct io *m)
{
	struct virtio_snd_pcm_status st;

	memcpy(&st, fe_ptr(&fe, m->status), sizeof(st));
	return le32toh(st.status);
}

static void pattern(uint8_t *buf, size_t len, unsigned int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(i * 7 + seed * 31 + (i >> 8));
}

static void card_info(void)
{
	struct virtio_snd_config cfg;
	struct virtio_snd_pcm_info pi[2];
	struct virtio_snd_jack_info ji[2];
	struct virtio_snd_chmap_info ci[2];
	struct virtio_snd_jack_remap remap = {
		{ { htole32(VIRTIO_SND_R_JACK_REMAP) }, htole32(0) }, htole32(2), htole32(3),
	};

	fe_get_config(&fe, 0, sizeof(cfg), &cfg);
	CHECK(le32toh(cfg.jacks) == 2 && le32toh(cfg.streams) == 2 && le32toh(cfg.chmaps) == 2,
	      "config: %u jacks, %u streams, %u chmaps", le32toh(cfg.jacks),
	      le32toh(cfg.streams), le32toh(cfg.chmaps));
	CHECK(query(VIRTIO_SND_R_PCM_INFO, 0, 2, sizeof(pi[0]), pi) == VIRTIO_SND_S_OK, "PCM_INFO");
	CHECK(pi[0].direction == VIRTIO_SND_D_OUTPUT && pi[1].direction == VIRTIO_SND_D_INPUT &&
	      pi[0].channels_min == 1 && pi[0].channels_max == 8 &&
	      (le64toh(pi[1].formats) & (1ull << VIRTIO_SND_PCM_FMT_S16)) &&
	      (le64toh(pi[1].formats) & (1ull << VIRTIO_SND_PCM_FMT_FLOAT)) &&
	      (le64toh(pi[0].rates) & (1ull << VIRTIO_SND_PCM_RATE_48000)) &&
	      (le64toh(pi[0].rates) & (1ull << VIRTIO_SND_PCM_RATE_192000)) &&
	      !(le64toh(pi[0].rates) & (1ull << VIRTIO_SND_PCM_RATE_384000)),
	      "PCM_INFO items: directions %u %u, channels %u..%u", pi[0].direction,
	      pi[1].direction, pi[0].channels_min, pi[0].channels_max);
	CHECK(query(VIRTIO_SND_R_JACK_INFO, 0, 2, sizeof(ji[0]), ji) == VIRTIO_SND_S_OK, "JACK_INFO");
	CHECK(((le32toh(ji[0].hda_reg_defconf) >> 20) & 0xf) == 0x0 &&
	      ((le32toh(ji[1].hda_reg_defconf) >> 20) & 0xf) == 0x8 && ji[0].connected &&
	      (le32toh(ji[0].features) & (1u << VIRTIO_SND_JACK_F_REMAP)),
	      "JACK_INFO: defconf %08x %08x", le32toh(ji[0].hda_reg_defconf),
	      le32toh(ji[1].hda_reg_defconf));
	CHECK(ctl(&remap, sizeof(remap), NULL, 0) == VIRTIO_SND_S_OK, "JACK_REMAP");
	CHECK(query(VIRTIO_SND_R_JACK_INFO, 0, 1, sizeof(ji[0]), ji) == VIRTIO_SND_S_OK &&
	      (le32toh(ji[0].hda_reg_defconf) & 0xff) == 0x23, "JACK_REMAP not shown: %08x",
	      le32toh(ji[0].hda_reg_defconf));
	CHECK(query(VIRTIO_SND_R_CHMAP_INFO, 1, 1, sizeof(ci[0]), ci) == VIRTIO_SND_S_OK &&
	      ci[0].direction == VIRTIO_SND_D_INPUT && ci[0].channels == 8 &&
	      ci[0].positions[0] == VIRTIO_SND_CHMAP_FL && ci[0].positions[1] == VIRTIO_SND_CHMAP_FR,
	      "CHMAP_INFO");
	OK("config, PCM_INFO, JACK_INFO (remapped), CHMAP_INFO describe two streams");
}

static void refusals(void)
{
	uint32_t unknown = htole32(0x999), half = htole32(VIRTIO_SND_R_PCM_START);
	struct virtio_snd_jack_remap remap = {
		{ { htole32(VIRTIO_SND_R_JACK_REMAP) }, htole32(5) }, 0, 0,
	};

	CHECK(pcm(VIRTIO_SND_R_PCM_START, 0) == VIRTIO_SND_S_BAD_MSG, "START before SET_PARAMS");
	CHECK(pcm(VIRTIO_SND_R_PCM_PREPARE, 0) == VIRTIO_SND_S_BAD_MSG, "PREPARE before SET_PARAMS");
	CHECK(pcm(VIRTIO_SND_R_PCM_STOP, 2) == VIRTIO_SND_S_BAD_MSG, "stream 2 does not exist");
	CHECK(ctl(&unknown, 4, NULL, 0) == VIRTIO_SND_S_NOT_SUPP, "an unknown request");
	CHECK(ctl(&half, 4, NULL, 0) == VIRTIO_SND_S_BAD_MSG, "a request cut short");
	CHECK(ctl(&remap, sizeof(remap), NULL, 0) == VIRTIO_SND_S_BAD_MSG, "JACK_REMAP of jack 5");
	CHECK(query(VIRTIO_SND_R_PCM_INFO, 1, 2, 32, NULL) == VIRTIO_SND_S_BAD_MSG,
	      "PCM_INFO past the last stream");
	CHECK(set_params(0, 4 * PERIOD, PERIOD, 2, VIRTIO_SND_PCM_FMT_S16,
			 VIRTIO_SND_PCM_RATE_384000) == VIRTIO_SND_S_NOT_SUPP, "a rate not offered");
	CHECK(set_params(0, 4 * PERIOD, PERIOD, 9, VIRTIO_SND_PCM_FMT_S16,
			 VIRTIO_SND_PCM_RATE_48000) == VIRTIO_SND_S_NOT_SUPP, "9 channels");
	CHECK(set_params(0, 4 * PERIOD + 4, PERIOD, 2, VIRTIO_SND_PCM_FMT_S16,
			 VIRTIO_SND_PCM_RATE_48000) == VIRTIO_SND_S_BAD_MSG,
	      "a buffer that is not whole periods");
	OK("bad transitions, ids, lengths and parameters get BAD_MSG or NOT_SUPP");
}

static void playback(void)
{
	static uint8_t data[6][PERIOD];
	struct io m[6];
	uint64_t t0, done_at[4];
	uint16_t head;
	uint32_t len;

	CHECK(set_params(0, 4 * PERIOD, PERIOD, 2, VIRTIO_SND_PCM_FMT_S16,
			 VIRTIO_SND_PCM_RATE_48000) == VIRTIO_SND_S_OK, "SET_PARAMS");
	for (int i = 0; i < 3; i++)
		CHECK(pcm(VIRTIO_SND_R_PCM_PREPARE, 0) == VIRTIO_SND_S_OK, "PREPARE %d", i);
	for (int i = 0; i < 6; i++)
		pattern(data[i], PERIOD, (unsigned int)i);
	for (int i = 0; i < 4; i++)
		m[i] = tx(0, data[i], PERIOD);
	CHECK(!fe_try_used(&fe, TXQ, 50, &head, &len), "a message completed before START");
	t0 = now_ms();
	CHECK(pcm(VIRTIO_SND_R_PCM_START, 0) == VIRTIO_SND_S_OK, "START");
	for (int i = 0; i < 4; i++) {
		CHECK(fe_try_used(&fe, TXQ, FE_WAIT_MS, &head, &len), "period %d never completed", i);
		done_at[i] = now_ms() - t0;
		CHECK(head == m[i].head && len == 8 && io_status(&m[i]) == VIRTIO_SND_S_OK,
		      "period %d: head %u (expected %u), length %u, status %x", i, head, m[i].head,
		      len, io_status(&m[i]));
		CHECK(done_at[i] + 1 >= (uint64_t)(i + 1) * 10,
		      "period %d completed after %llu ms, before its time", i,
		      (unsigned long long)done_at[i]);
	}
	CHECK(done_at[3] < 40 + 200, "four 10 ms periods took %llu ms",
	      (unsigned long long)done_at[3]);
	OK("4 periods of 10 ms completed in order, in real time (the last after %llu ms)",
	   (unsigned long long)done_at[3]);

	/* STOP holds what is pending; RELEASE completes it unplayed. */
	m[4] = tx(0, data[4], PERIOD);
	m[5] = tx(0, data[5], PERIOD);
	CHECK(fe_try_used(&fe, TXQ, FE_WAIT_MS, &head, &len) && head == m[4].head, "period 4");
	CHECK(pcm(VIRTIO_SND_R_PCM_STOP, 0) == VIRTIO_SND_S_OK, "STOP");
	CHECK(!fe_try_used(&fe, TXQ, 60, &head, &len), "a message completed while stopped");
	CHECK(pcm(VIRTIO_SND_R_PCM_STOP, 0) == VIRTIO_SND_S_BAD_MSG, "STOP twice");
	CHECK(pcm(VIRTIO_SND_R_PCM_RELEASE, 0) == VIRTIO_SND_S_OK, "RELEASE");
	CHECK(fe_try_used(&fe, TXQ, 0, &head, &len) && head == m[5].head &&
	      io_status(&m[5]) == VIRTIO_SND_S_OK, "RELEASE answered before the pending message");
	OK("STOP holds the pending message; RELEASE completes it before its answer");

	/* The file: exactly the five periods played, the sixth not. */
	char path[160];
	static uint8_t file[8 * PERIOD];
	struct wav_format f;
	uint64_t off, dlen;
	const char *why = "";
	FILE *fp;
	size_t got;

	snprintf(path, sizeof(path), "%s/out.wav", fe.dir);
	fp = fopen(path, "rb");
	CHECK(fp, "no %s", path);
	got = fread(file, 1, sizeof(file), fp);
	fclose(fp);
	CHECK(wav_parse(file, got, &f, &off, &dlen, &why) == 0, "out.wav: %s", why);
	CHECK(f.channels == 2 && f.rate == 48000 && f.valid_bits == 16 && dlen == 5 * PERIOD &&
	      got == off + dlen, "out.wav: %u ch, %u Hz, %u bits, %llu data bytes of %zu",
	      f.channels, f.rate, f.valid_bits, (unsigned long long)dlen, got);
	for (int i = 0; i < 5; i++)
		CHECK(!memcmp(file + off + (size_t)i * PERIOD, data[i], PERIOD),
		      "out.wav: period %d differs", i);
	OK("out.wav holds the five periods played, byte for byte, and not the released one");
}

static void capture(void)
{
	static uint8_t src[3 * PERIOD];
	struct wav_format f = { WAV_PCM_INT, 2, 48000, 16, 16 };
	uint8_t hdr[WAV_HEADER_MAX];
	char path[160];
	struct io m[3];
	uint16_t head;
	uint32_t len;
	size_t hl;
	FILE *fp;

	pattern(src, 2 * PERIOD, 9);
	snprintf(path, sizeof(path), "%s/in.wav", fe.dir);
	fp = fopen(path, "wb");
	hl = wav_header(&f, 2 * PERIOD, hdr);
	CHECK(fp && fwrite(hdr, 1, hl, fp) == hl && fwrite(src, 1, 2 * PERIOD, fp) == 2 * PERIOD,
	      "writing in.wav");
	fclose(fp);
	CHECK(set_params(1, 4 * PERIOD, PERIOD, 2, VIRTIO_SND_PCM_FMT_S16,
			 VIRTIO_SND_PCM_RATE_48000) == VIRTIO_SND_S_OK, "capture SET_PARAMS");
	CHECK(pcm(VIRTIO_SND_R_PCM_PREPARE, 1) == VIRTIO_SND_S_OK, "capture PREPARE");
	for (int i = 0; i < 3; i++)
		m[i] = rx(1, PERIOD);
	CHECK(pcm(VIRTIO_SND_R_PCM_START, 1) == VIRTIO_SND_S_OK, "capture START");
	for (int i = 0; i < 3; i++) {
		CHECK(fe_try_used(&fe, RXQ, FE_WAIT_MS, &head, &len), "capture period %d", i);
		CHECK(head == m[i].head && len == PERIOD + 8 && io_status(&m[i]) == VIRTIO_SND_S_OK,
		      "capture period %d: head %u, length %u", i, head, len);
		/* The file's two periods, then silence. */
		CHECK(!memcmp(fe_ptr(&fe, m[i].data), src + (size_t)i * PERIOD, PERIOD),
		      "capture period %d differs from the file", i);
	}
	CHECK(pcm(VIRTIO_SND_R_PCM_STOP, 1) == VIRTIO_SND_S_OK &&
	      pcm(VIRTIO_SND_R_PCM_RELEASE, 1) == VIRTIO_SND_S_OK, "capture STOP, RELEASE");
	OK("capture: the file's periods in order, then silence");

	/* A format the file does not have: PREPARE fails with IO_ERR. */
	CHECK(set_params(1, 4 * 960, 960, 1, VIRTIO_SND_PCM_FMT_S16,
			 VIRTIO_SND_PCM_RATE_48000) == VIRTIO_SND_S_OK, "mono SET_PARAMS");
	CHECK(pcm(VIRTIO_SND_R_PCM_PREPARE, 1) == VIRTIO_SND_S_IO_ERR,
	      "a stereo file prepared for a mono stream");
	OK("capture from a file of another layout: PREPARE answers IO_ERR");
}

static void malformed_io(void)
{
	uint64_t x = fe_alloc(&fe, 8), st = fe_alloc(&fe, 8);
	struct virtio_snd_pcm_xfer xf = { htole32(1) };
	uint16_t head;
	uint32_t len;

	/* No room for a status. */
	struct fe_buf b1[2] = { { x, 4, false }, { st, 4, true } };

	fe_add(&fe, TXQ, b1, 2);
	CHECK(fe_try_used(&fe, TXQ, FE_WAIT_MS, &head, &len) && len == 0, "no status room: %u", len);
	/* A playback message for the capture stream. */
	memcpy(fe_ptr(&fe, x), &xf, 4);
	struct fe_buf b2[2] = { { x, 4, false }, { st, 8, true } };

	fe_add(&fe, TXQ, b2, 2);
	CHECK(fe_try_used(&fe, TXQ, FE_WAIT_MS, &head, &len) && len == 8, "wrong direction");
	CHECK(le32toh(*(uint32_t *)fe_ptr(&fe, st)) == VIRTIO_SND_S_BAD_MSG,
	      "wrong direction: status %x", le32toh(*(uint32_t *)fe_ptr(&fe, st)));
	/* A message for a released stream. */
	xf.stream_id = htole32(0);
	memcpy(fe_ptr(&fe, x), &xf, 4);
	struct fe_buf b3[2] = { { x, 8, false }, { st, 8, true } };

	fe_add(&fe, TXQ, b3, 2);
	CHECK(fe_try_used(&fe, TXQ, FE_WAIT_MS, &head, &len) && len == 8 &&
	      le32toh(*(uint32_t *)fe_ptr(&fe, st)) == VIRTIO_SND_S_IO_ERR, "released stream");
	OK("malformed or misdirected I/O messages are refused, the queue goes on");
}

int main(void)
{
	static const char *const args[] = { "--backend", "file", "--jacks", "--playback-file",
					    "@/out.wav", "--capture-file", "@/in.wav", NULL };

	fe_spawn(&fe, SOUND, args);
	fe_negotiate(&fe, ~0ull, ~0ull);
	for (unsigned int q = 0; q < 4; q++)
		fe_start_queue(&fe, q, 64);
	card_info();
	refusals();
	playback();
	capture();
	malformed_io();
	CHECK(fe_stop(&fe) == 0, "vhost-user-sound did not exit 0 on SIGTERM");
	OK("SIGTERM: exit 0");
	fe_cleanup(&fe);
	return 0;
}
