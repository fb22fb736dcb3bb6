// SPDX-License-Identifier: MIT
/* vhost-user-sound: command line. Option names follow vhost-device-sound
 * where it has them (--backend). */
#include "cli.h"
#include "log.h"
#include "parse.h"
#include "sound.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "vhost-user-sound"

enum {
	OPT_BACKEND = VUB_OPT_BACKEND_FIRST,
	OPT_PLAYBACK_STREAMS,
	OPT_CAPTURE_STREAMS,
	OPT_JACKS,
	OPT_PLAYBACK_FILE,
	OPT_CAPTURE_FILE,
	OPT_PLAYBACK_DEVICE,
	OPT_CAPTURE_DEVICE,
};

#ifdef HAVE_ALSA
#define BACKENDS "alsa, file or null"
#else
#define BACKENDS "file or null (built without ALSA)"
#endif

static void usage(void)
{
	printf("Usage: " PROG " [OPTION]... --backend alsa|file|null --socket-path PATH\n"
	       "A vhost-user back-end for a virtio sound card (virtio-snd), paced in real\n"
	       "time: a buffer completes when its last frame would have been played.\n"
	       "\n"
	       VUB_CLI_HELP
	       "      --backend NAME      where the audio goes and comes from:\n"
	       "                            alsa  ALSA devices, paced by their clock%s\n"
	       "                            file  WAV files (--playback-file, --capture-file)\n"
	       "                            null  played audio is dropped, capture is silence\n"
	       "      --playback-streams N  playback streams, 0..%d (default 1)\n"
	       "      --capture-streams N   capture streams, 0..%d (default 1)\n"
	       "      --jacks             one jack per stream (default: none)\n"
	       "      --playback-file OUT.wav  file back-end: written as the guest plays;\n"
	       "                          more playback streams use OUT-1.wav, OUT-2.wav...\n"
	       "      --capture-file IN.wav    file back-end: what the guest records, read\n"
	       "                          from its start at each PREPARE, then silence\n"
	       "      --playback-device DEV  alsa back-end: the ALSA device played to\n"
	       "                          (default \"default\", so PipeWire and PulseAudio\n"
	       "                          work through their ALSA plugins)\n"
	       "      --capture-device DEV   alsa back-end: the ALSA device recorded from\n"
	       "                          (default \"default\")\n"
	       "\n"
	       "Streams offer U8, S16, S24, S32 and FLOAT, 8000 to 192000 Hz, 1 to 8 channels.\n"
	       "Example: " PROG " --socket-path /tmp/snd.sock --backend file \\\n"
	       "           --playback-file /tmp/out.wav --capture-file /tmp/in.wav\n"
	       "See docs/backends/sound.md.\n",
#ifdef HAVE_ALSA
	       "",
#else
	       " (not in this build)",
#endif
	       SND_MAX_STREAMS, SND_MAX_STREAMS);
}

static int streams_option(struct vub_cli *cli, const char *name, const char *arg,
			  uint32_t *out)
{
	uint64_t v;

	if (!parse_u64(arg, 0, SND_MAX_STREAMS, &v)) {
		vub_cli_error(cli, "%s needs a count from 0 to %d, not '%s'", name,
			      SND_MAX_STREAMS, arg);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* The options that only make sense together. */
static int check_config(struct vub_cli *cli, const struct snd_card_config *c, const char *backend)
{
	if (!backend) {
		vub_cli_error(cli, "--backend is required: " BACKENDS);
		return -1;
	}
	if (c->playback_streams + c->capture_streams == 0 ||
	    c->playback_streams + c->capture_streams > SND_MAX_STREAMS) {
		vub_cli_error(cli, "a card has 1 to %d streams in all, not %u", SND_MAX_STREAMS,
			      c->playback_streams + c->capture_streams);
		return -1;
	}
	if (c->ops == &snd_port_file) {
		if (c->playback_streams && !c->playback_file) {
			vub_cli_error(cli, "--backend file needs --playback-file for its playback streams");
			return -1;
		}
		if (c->capture_streams && !c->capture_file) {
			vub_cli_error(cli, "--backend file needs --capture-file for its capture streams");
			return -1;
		}
	} else if (c->playback_file || c->capture_file) {
		vub_cli_error(cli, "--playback-file and --capture-file belong to --backend file");
		return -1;
	}
	if (strcmp(backend, "alsa") != 0 && (c->playback_device || c->capture_device)) {
		vub_cli_error(cli, "--playback-device and --capture-device belong to --backend alsa");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		VUB_CLI_OPTIONS,
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "playback-streams", required_argument, NULL, OPT_PLAYBACK_STREAMS },
		{ "capture-streams", required_argument, NULL, OPT_CAPTURE_STREAMS },
		{ "jacks", no_argument, NULL, OPT_JACKS },
		{ "playback-file", required_argument, NULL, OPT_PLAYBACK_FILE },
		{ "capture-file", required_argument, NULL, OPT_CAPTURE_FILE },
		{ "playback-device", required_argument, NULL, OPT_PLAYBACK_DEVICE },
		{ "capture-device", required_argument, NULL, OPT_CAPTURE_DEVICE },
		{ NULL, 0, NULL, 0 },
	};
	static struct snd_card card;
	struct snd_card_config cfg = { .playback_streams = 1, .capture_streams = 1 };
	const char *backend = NULL;
	struct vub_cli cli;
	struct vub_dev *dev;
	int opt, ret;

	vub_cli_init(&cli, PROG);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, VUB_CLI_SHORT, opts, NULL)) != -1) {
		ret = vub_cli_option(&cli, opt, optarg);
		if (ret < 0)
			return 2;
		if (ret > 0)
			continue;
		switch (opt) {
		case OPT_BACKEND:
			backend = optarg;
			if (strcmp(optarg, "alsa") == 0) {
#ifdef HAVE_ALSA
				cfg.ops = &snd_port_alsa;
#else
				vub_cli_error(&cli, "--backend alsa: this build has no ALSA");
				return 2;
#endif
			} else if (strcmp(optarg, "file") == 0) {
				cfg.ops = &snd_port_file;
			} else if (strcmp(optarg, "null") == 0) {
				cfg.ops = &snd_port_null;
			} else {
				vub_cli_error(&cli, "--backend is " BACKENDS ", not '%s'", optarg);
				return 2;
			}
			break;
		case OPT_PLAYBACK_STREAMS:
			if (streams_option(&cli, "--playback-streams", optarg, &cfg.playback_streams))
				return 2;
			break;
		case OPT_CAPTURE_STREAMS:
			if (streams_option(&cli, "--capture-streams", optarg, &cfg.capture_streams))
				return 2;
			break;
		case OPT_JACKS:
			cfg.jacks = true;
			break;
		case OPT_PLAYBACK_FILE:
			cfg.playback_file = optarg;
			break;
		case OPT_CAPTURE_FILE:
			cfg.capture_file = optarg;
			break;
		case OPT_PLAYBACK_DEVICE:
			cfg.playback_device = optarg;
			break;
		case OPT_CAPTURE_DEVICE:
			cfg.capture_device = optarg;
			break;
		default:
			vub_cli_error(&cli, "unknown or incomplete option '%s' (see --help)",
				      argv[optind - 1]);
			return 2;
		}
	}
	ret = vub_cli_conclude(&cli, argc, argv, usage, "sound", NULL);
	if (ret >= 0)
		return ret;
	if (check_config(&cli, &cfg, backend))
		return 2;
	if (!cfg.playback_device)
		cfg.playback_device = "default";
	if (!cfg.capture_device)
		cfg.capture_device = "default";
	if (snd_card_init(&card, &cfg))
		return 1;
	dev = vub_dev_new(&snd_device, &card);
	if (!dev || snd_card_attach(&card, dev))
		return 1;
	ret = vub_cli_serve(dev, &cli);
	vub_dev_free(dev);
	snd_card_fini(&card);
	return ret;
}
