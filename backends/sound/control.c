// SPDX-License-Identifier: MIT
/*
 * Control requests. Every request is checked for its length, its ids and
 * its place in the PCM state machine; what fails gets BAD_MSG (or
 * NOT_SUPP for a request the device does not know), never more.
 */
#include "sound.h"
#include "log.h"

#include <endian.h>
#include <string.h>

/* HDA pin default configuration (HDA specification 7.3.3.31) and pin
 * capabilities, as Linux reads them to name and type a jack. */
#define HDA_LOC_EXTERNAL_REAR	(0x01u << 24)
#define HDA_DEV_LINE_OUT	(0x0u << 20)
#define HDA_DEV_LINE_IN		(0x8u << 20)
#define HDA_CONN_MINIJACK	(0x1u << 16)
#define HDA_COLOR_GREEN		(0x4u << 12)
#define HDA_COLOR_BLUE		(0x3u << 12)
#define HDA_PINCAP_PRESENCE	(1u << 2)
#define HDA_PINCAP_OUT		(1u << 4)
#define HDA_PINCAP_IN		(1u << 5)

/* Channel positions of a stream's map: the usual layouts for up to 8. */
static const uint8_t layout8[SND_MAX_CHANNELS] = {
	VIRTIO_SND_CHMAP_FL, VIRTIO_SND_CHMAP_FR, VIRTIO_SND_CHMAP_RL, VIRTIO_SND_CHMAP_RR,
	VIRTIO_SND_CHMAP_FC, VIRTIO_SND_CHMAP_LFE, VIRTIO_SND_CHMAP_SL, VIRTIO_SND_CHMAP_SR,
};

static size_t status_only(uint8_t *resp, size_t cap, uint32_t status)
{
	struct virtio_snd_hdr h = { .code = htole32(status) };

	if (cap < sizeof(h))
		return 0;
	memcpy(resp, &h, sizeof(h));
	return sizeof(h);
}

static void jack_info(const struct snd_card *card, uint32_t id, struct virtio_snd_jack_info *ji)
{
	const struct snd_stream *s = &card->streams[id];
	bool out = s->direction == VIRTIO_SND_D_OUTPUT;
	uint32_t defconf = HDA_LOC_EXTERNAL_REAR | HDA_CONN_MINIJACK |
		(out ? HDA_DEV_LINE_OUT | HDA_COLOR_GREEN : HDA_DEV_LINE_IN | HDA_COLOR_BLUE) |
		(s->jack_association & 0xf) << 4 | (s->jack_sequence & 0xf);

	ji->hdr.hda_fn_nid = htole32(0);
	ji->features = htole32(1u << VIRTIO_SND_JACK_F_REMAP);
	ji->hda_reg_defconf = htole32(defconf);
	ji->hda_reg_caps = htole32(HDA_PINCAP_PRESENCE | (out ? HDA_PINCAP_OUT : HDA_PINCAP_IN));
	ji->connected = 1;
}

static void pcm_info(const struct snd_card *card, uint32_t id, struct virtio_snd_pcm_info *pi)
{
	pi->hdr.hda_fn_nid = htole32(0);
	pi->features = htole32(0);
	pi->formats = htole64(snd_formats);
	pi->rates = htole64(snd_rates);
	pi->direction = card->streams[id].direction;
	pi->channels_min = 1;
	pi->channels_max = SND_MAX_CHANNELS;
}

static void chmap_info(const struct snd_card *card, uint32_t id, struct virtio_snd_chmap_info *ci)
{
	ci->hdr.hda_fn_nid = htole32(0);
	ci->direction = card->streams[id].direction;
	ci->channels = SND_MAX_CHANNELS;
	memcpy(ci->positions, layout8, sizeof(layout8));
}

/* JACK_INFO, PCM_INFO, CHMAP_INFO: count items of the driver's size. */
static size_t query_info(struct snd_card *card, uint32_t code, const uint8_t *req,
			 size_t req_len, uint8_t *resp, size_t cap)
{
	struct virtio_snd_query_info q;
	uint32_t total, start, count, size, i;
	union {
		struct virtio_snd_jack_info jack;
		struct virtio_snd_pcm_info pcm;
		struct virtio_snd_chmap_info chmap;
	} item;
	size_t item_len;

	if (req_len < sizeof(q))
		return status_only(resp, cap, VIRTIO_SND_S_BAD_MSG);
	memcpy(&q, req, sizeof(q));
	start = le32toh(q.start_id);
	count = le32toh(q.count);
	size = le32toh(q.size);
	switch (code) {
	case VIRTIO_SND_R_JACK_INFO:
		total = snd_card_jacks(card);
		item_len = sizeof(item.jack);
		break;
	case VIRTIO_SND_R_PCM_INFO:
		total = card->nstreams;
		item_len = sizeof(item.pcm);
		break;
	default:
		total = snd_card_chmaps(card);
		item_len = sizeof(item.chmap);
		break;
	}
	if (start > total || count > total - start || size == 0 || size > 4096 ||
	    cap < sizeof(struct virtio_snd_hdr) + (uint64_t)count * size)
		return status_only(resp, cap, VIRTIO_SND_S_BAD_MSG);
	status_only(resp, cap, VIRTIO_SND_S_OK);
	for (i = 0; i < count; i++) {
		uint8_t *dst = resp + sizeof(struct virtio_snd_hdr) + (size_t)i * size;

		memset(&item, 0, sizeof(item));
		if (code == VIRTIO_SND_R_JACK_INFO)
			jack_info(card, start + i, &item.jack);
		else if (code == VIRTIO_SND_R_PCM_INFO)
			pcm_info(card, start + i, &item.pcm);
		else
			chmap_info(card, start + i, &item.chmap);
		/* A driver's item may be shorter or longer than ours. */
		memset(dst, 0, size);
		memcpy(dst, &item, size < item_len ? size : item_len);
	}
	return sizeof(struct virtio_snd_hdr) + (size_t)count * size;
}

static uint32_t jack_remap(struct snd_card *card, const uint8_t *req, size_t req_len)
{
	struct virtio_snd_jack_remap r;
	uint32_t id;

	if (req_len < sizeof(r))
		return VIRTIO_SND_S_BAD_MSG;
	memcpy(&r, req, sizeof(r));
	id = le32toh(r.hdr.jack_id);
	if (id >= snd_card_jacks(card) || le32toh(r.association) > 0xf ||
	    le32toh(r.sequence) > 0xf)
		return VIRTIO_SND_S_BAD_MSG;
	card->streams[id].jack_association = le32toh(r.association);
	card->streams[id].jack_sequence = le32toh(r.sequence);
	return VIRTIO_SND_S_OK;
}

/* The PCM requests that name one stream. */
static uint32_t pcm_request(struct snd_card *card, uint32_t code, const uint8_t *req,
			    size_t req_len)
{
	struct virtio_snd_pcm_set_params p;
	struct virtio_snd_pcm_hdr h;
	struct snd_stream *s;
	uint32_t id;

	if (req_len < sizeof(h))
		return VIRTIO_SND_S_BAD_MSG;
	memcpy(&h, req, sizeof(h));
	id = le32toh(h.stream_id);
	if (id >= card->nstreams)
		return VIRTIO_SND_S_BAD_MSG;
	s = &card->streams[id];
	switch (code) {
	case VIRTIO_SND_R_PCM_SET_PARAMS:
		if (req_len < sizeof(p))
			return VIRTIO_SND_S_BAD_MSG;
		memcpy(&p, req, sizeof(p));
		return snd_stream_set_params(s, &p);
	case VIRTIO_SND_R_PCM_PREPARE:
		return snd_stream_prepare(s);
	case VIRTIO_SND_R_PCM_RELEASE:
		return snd_stream_release(s);
	case VIRTIO_SND_R_PCM_START:
		return snd_stream_start(s);
	default:
		return snd_stream_stop(s);
	}
}

static const char *code_name(uint32_t code)
{
	switch (code) {
	case VIRTIO_SND_R_JACK_INFO: return "JACK_INFO";
	case VIRTIO_SND_R_JACK_REMAP: return "JACK_REMAP";
	case VIRTIO_SND_R_PCM_INFO: return "PCM_INFO";
	case VIRTIO_SND_R_PCM_SET_PARAMS: return "SET_PARAMS";
	case VIRTIO_SND_R_PCM_PREPARE: return "PREPARE";
	case VIRTIO_SND_R_PCM_RELEASE: return "RELEASE";
	case VIRTIO_SND_R_PCM_START: return "START";
	case VIRTIO_SND_R_PCM_STOP: return "STOP";
	case VIRTIO_SND_R_CHMAP_INFO: return "CHMAP_INFO";
	default: return "unknown";
	}
}

size_t snd_control(struct snd_card *card, const uint8_t *req, size_t req_len,
		   uint8_t *resp, size_t resp_cap)
{
	struct virtio_snd_hdr h;
	uint32_t code, status;

	if (req_len < sizeof(h))
		return status_only(resp, resp_cap, VIRTIO_SND_S_BAD_MSG);
	memcpy(&h, req, sizeof(h));
	code = le32toh(h.code);
	switch (code) {
	case VIRTIO_SND_R_JACK_INFO:
	case VIRTIO_SND_R_PCM_INFO:
	case VIRTIO_SND_R_CHMAP_INFO:
		return query_info(card, code, req, req_len, resp, resp_cap);
	case VIRTIO_SND_R_JACK_REMAP:
		status = jack_remap(card, req, req_len);
		break;
	case VIRTIO_SND_R_PCM_SET_PARAMS:
	case VIRTIO_SND_R_PCM_PREPARE:
	case VIRTIO_SND_R_PCM_RELEASE:
	case VIRTIO_SND_R_PCM_START:
	case VIRTIO_SND_R_PCM_STOP:
		status = pcm_request(card, code, req, req_len);
		break;
	default:
		status = VIRTIO_SND_S_NOT_SUPP;
		break;
	}
	log_debug("%s (0x%x)%s answered 0x%x", code_name(code), code,
		  req_len >= sizeof(struct virtio_snd_pcm_hdr) && code >= VIRTIO_SND_R_PCM_SET_PARAMS &&
		  code <= VIRTIO_SND_R_PCM_STOP ? " of a stream" : "", status);
	return status_only(resp, resp_cap, status);
}
