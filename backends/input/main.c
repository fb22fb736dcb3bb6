// SPDX-License-Identifier: MIT
/*
 * vhost-user-input: command line. --evdev-path and --no-grab follow the
 * vhost-user.rst back-end conventions; --event-list is vhost-device-
 * input's name for the same thing (one device per back-end here).
 */
#include "cli.h"
#include "input.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

#define PROG "vhost-user-input"

enum {
	OPT_EVDEV_PATH = 'e',
	OPT_NO_GRAB = VUB_OPT_BACKEND_FIRST,
};

static void usage(void)
{
	printf("Usage: " PROG " [OPTION]... --evdev-path PATH --socket-path PATH\n"
	       "A vhost-user back-end for a virtio input device (virtio-input) that\n"
	       "passes one host evdev device through: its name, ids, event types and\n"
	       "axes, its events to the driver, and LED/sound events back.\n"
	       "\n"
	       VUB_CLI_HELP
	       "  -e, --evdev-path PATH   the evdev device, e.g. /dev/input/event3\n"
	       "                          (--event-list PATH is accepted as well)\n"
	       "      --no-grab           do not take the device exclusively (EVIOCGRAB);\n"
	       "                          the host keeps seeing its events too\n"
	       "\n"
	       "Example: " PROG " --evdev-path /dev/input/event3 --socket-path /tmp/in.sock\n"
	       "See docs/backends/input.md.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		VUB_CLI_OPTIONS,
		{ "evdev-path", required_argument, NULL, OPT_EVDEV_PATH },
		{ "event-list", required_argument, NULL, OPT_EVDEV_PATH },
		{ "no-grab", no_argument, NULL, OPT_NO_GRAB },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const caps[] = { "evdev-path", "no-grab", NULL };
	static struct input in = { .grab = true, .fd = -1 };
	struct vub_cli cli;
	struct vub_dev *dev;
	int opt, ret;

	vub_cli_init(&cli, PROG);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, VUB_CLI_SHORT "e:", opts, NULL)) != -1) {
		ret = vub_cli_option(&cli, opt, optarg);
		if (ret < 0)
			return 2;
		if (ret > 0)
			continue;
		switch (opt) {
		case OPT_EVDEV_PATH:
			if (strchr(optarg, ',')) {
				vub_cli_error(&cli, "one evdev device per back-end, not '%s'", optarg);
				return 2;
			}
			in.path = optarg;
			break;
		case OPT_NO_GRAB:
			in.grab = false;
			break;
		default:
			vub_cli_error(&cli, "unknown or incomplete option '%s' (see --help)",
				      argv[optind - 1]);
			return 2;
		}
	}
	ret = vub_cli_conclude(&cli, argc, argv, usage, "input", caps);
	if (ret >= 0)
		return ret;
	if (!in.path) {
		vub_cli_error(&cli, "--evdev-path is required (see --help)");
		return 2;
	}
	if (evdev_open(&in))
		return 1;
	dev = vub_dev_new(&input_device, &in);
	if (!dev || input_attach(&in, dev))
		return 1;
	ret = vub_cli_serve(dev, &cli);
	vub_dev_free(dev);
	return in.failed ? 1 : ret;
}
