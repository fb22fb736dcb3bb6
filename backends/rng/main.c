// SPDX-License-Identifier: MIT
/* vhost-user-rng: command line. Option names follow vhost-device-rng. */
#include "cli.h"
#include "log.h"
#include "parse.h"
#include "rng.h"

#include <stdio.h>
#include <stdlib.h>

#define PROG "vhost-user-rng"
#define MAX_PERIOD_MS 65536

enum { OPT_FILENAME = 'f', OPT_PERIOD = 'p', OPT_MAX_BYTES = 'm' };

static void usage(void)
{
	printf("Usage: " PROG " [OPTION]... --socket-path PATH\n"
	       "A vhost-user back-end for a virtio entropy device (virtio-rng).\n"
	       "\n"
	       VUB_CLI_HELP
	       "  -f, --filename PATH     entropy source (default /dev/urandom); a regular\n"
	       "                          file is read from the start again at its end\n"
	       "  -p, --period MS         rate-limit period in milliseconds, 1..%d\n"
	       "                          (default 1000)\n"
	       "  -m, --max-bytes N       at most N bytes per period (default: no limit);\n"
	       "                          requests beyond it wait for the next period\n"
	       "\n"
	       "Example: " PROG " --socket-path /tmp/rng.sock --max-bytes 5000 --period 1000\n"
	       "See docs/backends/rng.md.\n", MAX_PERIOD_MS);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		VUB_CLI_OPTIONS,
		{ "filename", required_argument, NULL, OPT_FILENAME },
		{ "period", required_argument, NULL, OPT_PERIOD },
		{ "max-bytes", required_argument, NULL, OPT_MAX_BYTES },
		{ NULL, 0, NULL, 0 },
	};
	struct rng rng = { .path = "/dev/urandom", .period_ms = 1000, .src_fd = -1,
			   .timer_fd = -1 };
	struct vub_cli cli;
	struct vub_dev *dev;
	int opt, ret;

	vub_cli_init(&cli, PROG);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, VUB_CLI_SHORT "f:p:m:", opts, NULL)) != -1) {
		ret = vub_cli_option(&cli, opt, optarg);
		if (ret < 0)
			return 2;
		if (ret > 0)
			continue;
		switch (opt) {
		case OPT_FILENAME:
			rng.path = optarg;
			break;
		case OPT_PERIOD:
			if (!parse_u64(optarg, 1, MAX_PERIOD_MS, &rng.period_ms)) {
				vub_cli_error(&cli, "--period needs milliseconds from 1 to %d, not '%s'",
					      MAX_PERIOD_MS, optarg);
				return 2;
			}
			break;
		case OPT_MAX_BYTES:
			if (!parse_size(optarg, 1, UINT64_MAX, &rng.max_bytes)) {
				vub_cli_error(&cli, "--max-bytes needs a positive byte count, not '%s'",
					      optarg);
				return 2;
			}
			break;
		default:
			vub_cli_error(&cli, "unknown or incomplete option '%s' (see --help)",
				      argv[optind - 1]);
			return 2;
		}
	}
	ret = vub_cli_conclude(&cli, argc, argv, usage, "rng", NULL);
	if (ret >= 0)
		return ret;
	if (rng_open(&rng))
		return 1;
	dev = vub_dev_new(&rng_device, &rng);
	if (!dev || rng_attach(&rng, dev))
		return 1;
	ret = vub_cli_serve(dev, &cli);
	vub_dev_free(dev);
	return ret;
}
