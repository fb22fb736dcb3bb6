// SPDX-License-Identifier: MIT
/*
 * vhost-user-gpio: command line. Two modes: simulated lines (--lines,
 * --names, --wire, --pull) or a host gpiochip (--chip).
 */
#include "cli.h"
#include "gpio.h"
#include "log.h"
#include "parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "vhost-user-gpio"
#define MAX_WIRES GPIO_MAX_LINES

enum {
	OPT_LINES = VUB_OPT_BACKEND_FIRST,
	OPT_NAMES,
	OPT_WIRE,
	OPT_PULL,
	OPT_CHIP,
};

static void usage(void)
{
	printf("Usage: " PROG " [OPTION]... --socket-path PATH (--lines N | --chip DEV)\n"
	       "A vhost-user back-end for a virtio GPIO controller (virtio-gpio), with\n"
	       "interrupts: simulated lines wired to each other, or the lines of a\n"
	       "host gpiochip.\n"
	       "\n"
	       VUB_CLI_HELP
	       "Simulated lines:\n"
	       "      --lines N           serve N lines (1 to %d)\n"
	       "      --names A,B,...     the lines' names, in order (unique, printable\n"
	       "                          ASCII, up to %d characters; an empty name or\n"
	       "                          a short list leaves lines unnamed)\n"
	       "      --wire OUT:IN       output line OUT drives input line IN: setting\n"
	       "                          OUT makes IN's edges and levels (repeatable;\n"
	       "                          one driver per input). OUT starts as an output\n"
	       "      --pull up|down      what an input reads when nothing drives it\n"
	       "                          (default: down)\n"
	       "A host gpiochip (through libgpiod%s):\n"
	       "      --chip DEV          serve the lines of DEV, e.g. /dev/gpiochip0:\n"
	       "                          names, directions, values and interrupts.\n"
	       "                          Lines are requested only while the driver uses\n"
	       "                          them; a line another consumer holds gets errors\n"
	       "\n"
	       "Example: " PROG " --socket-path /tmp/gpio.sock --lines 8 --wire 0:1\n"
	       "See docs/backends/gpio.md.\n",
	       GPIO_MAX_LINES, GPIO_NAME_MAX,
	       gpio_chip_supported() ? "" : "; not in this build");
}

/* Split list at commas into names[] (in place); checks each name. */
static int parse_names(struct vub_cli *cli, char *list, const char **names,
		       unsigned int *count)
{
	unsigned int n = 0;

	for (char *p = list, *next; p; p = next) {
		next = strchr(p, ',');
		if (next)
			*next++ = '\0';
		if (n == GPIO_MAX_LINES) {
			vub_cli_error(cli, "--names: more than %d names", GPIO_MAX_LINES);
			return -1;
		}
		if (strlen(p) > GPIO_NAME_MAX) {
			vub_cli_error(cli, "--names: '%s' is longer than %d characters", p,
				      GPIO_NAME_MAX);
			return -1;
		}
		for (const char *c = p; *c; c++)
			if (*c <= ' ' || *c > '~') {
				vub_cli_error(cli, "--names: '%s' is not printable ASCII without spaces",
					      p);
				return -1;
			}
		for (unsigned int i = 0; i < n; i++)
			if (*p && !strcmp(names[i], p)) {
				vub_cli_error(cli, "--names: '%s' appears twice", p);
				return -1;
			}
		names[n++] = p;
	}
	*count = n;
	return 0;
}

struct options {
	uint64_t lines;
	const char *names[GPIO_MAX_LINES];
	unsigned int nnames;
	unsigned int wires[MAX_WIRES][2];
	unsigned int nwires;
	int pull;		/* -1 unset, 0 down, 1 up */
	const char *chip;
};

static int parse_wire(struct vub_cli *cli, struct options *o, const char *arg)
{
	uint64_t out, in;
	char buf[32], *colon;

	snprintf(buf, sizeof(buf), "%s", arg);
	colon = strchr(buf, ':');
	if (!colon || strlen(arg) >= sizeof(buf)) {
		vub_cli_error(cli, "--wire: '%s' is not OUT:IN", arg);
		return -1;
	}
	*colon = '\0';
	if (!parse_u64(buf, 0, GPIO_MAX_LINES - 1, &out) ||
	    !parse_u64(colon + 1, 0, GPIO_MAX_LINES - 1, &in)) {
		vub_cli_error(cli, "--wire: '%s' is not two line numbers OUT:IN", arg);
		return -1;
	}
	if (out == in) {
		vub_cli_error(cli, "--wire: line %u cannot drive itself", (unsigned int)out);
		return -1;
	}
	if (o->nwires == MAX_WIRES) {
		vub_cli_error(cli, "--wire: more than %d wires", MAX_WIRES);
		return -1;
	}
	o->wires[o->nwires][0] = (unsigned int)out;
	o->wires[o->nwires][1] = (unsigned int)in;
	o->nwires++;
	return 0;
}

/* The simulated lines from the options, every cross-reference checked. */
static int setup_sim(struct vub_cli *cli, struct options *o, struct gpio *g)
{
	const char *names[GPIO_MAX_LINES] = { NULL };

	if (o->nnames > o->lines) {
		vub_cli_error(cli, "--names: %u names for %u lines", o->nnames,
			      (unsigned int)o->lines);
		return -1;
	}
	memcpy(names, o->names, o->nnames * sizeof(names[0]));
	if (gpio_init_lines(g, (unsigned int)o->lines, names)) {
		vub_cli_error(cli, "out of memory");
		return -1;
	}
	for (unsigned int i = 0; i < o->nwires; i++) {
		unsigned int out = o->wires[i][0], in = o->wires[i][1];

		if (out >= o->lines || in >= o->lines) {
			vub_cli_error(cli, "--wire %u:%u: there are only lines 0 to %u", out, in,
				      (unsigned int)o->lines - 1);
			return -1;
		}
		if (g->lines[in].driver >= 0) {
			vub_cli_error(cli, "--wire %u:%u: line %u is driven by line %d already",
				      out, in, in, g->lines[in].driver);
			return -1;
		}
		g->lines[in].driver = (int)out;
	}
	for (unsigned int i = 0; i < o->nwires; i++)
		if (g->lines[o->wires[i][0]].driver >= 0) {
			vub_cli_error(cli, "--wire: line %u is both driven and driving (no chains)",
				      o->wires[i][0]);
			return -1;
		}
	g->pull_up = o->pull == 1;
	gpio_sim_init(g);
	return 0;
}

static int parse(int argc, char **argv, struct vub_cli *cli, struct options *o)
{
	static const struct option opts[] = {
		VUB_CLI_OPTIONS,
		{ "lines", required_argument, NULL, OPT_LINES },
		{ "names", required_argument, NULL, OPT_NAMES },
		{ "wire", required_argument, NULL, OPT_WIRE },
		{ "pull", required_argument, NULL, OPT_PULL },
		{ "chip", required_argument, NULL, OPT_CHIP },
		{ NULL, 0, NULL, 0 },
	};
	int opt, ret;

	opterr = 0;
	while ((opt = getopt_long(argc, argv, VUB_CLI_SHORT, opts, NULL)) != -1) {
		ret = vub_cli_option(cli, opt, optarg);
		if (ret < 0)
			return -1;
		if (ret > 0)
			continue;
		switch (opt) {
		case OPT_LINES:
			if (!parse_u64(optarg, 1, GPIO_MAX_LINES, &o->lines)) {
				vub_cli_error(cli, "--lines: '%s' is not a count from 1 to %d",
					      optarg, GPIO_MAX_LINES);
				return -1;
			}
			break;
		case OPT_NAMES:
			if (parse_names(cli, optarg, o->names, &o->nnames))
				return -1;
			break;
		case OPT_WIRE:
			if (parse_wire(cli, o, optarg))
				return -1;
			break;
		case OPT_PULL:
			if (strcmp(optarg, "up") && strcmp(optarg, "down")) {
				vub_cli_error(cli, "--pull: '%s' is not up or down", optarg);
				return -1;
			}
			o->pull = !strcmp(optarg, "up");
			break;
		case OPT_CHIP:
			o->chip = optarg;
			break;
		default:
			vub_cli_error(cli, "unknown or incomplete option '%s' (see --help)",
				      argv[optind - 1]);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const caps[] = { "lines", "names", "wire", "pull", "chip", NULL };
	static struct options o = { .pull = -1 };
	static struct gpio g;
	struct vub_cli cli;
	struct vub_dev *dev;
	int ret;

	vub_cli_init(&cli, PROG);
	if (parse(argc, argv, &cli, &o))
		return 2;
	ret = vub_cli_conclude(&cli, argc, argv, usage, "gpio", caps);
	if (ret >= 0)
		return ret;
	if (o.chip && (o.lines || o.nnames || o.nwires || o.pull >= 0)) {
		vub_cli_error(&cli, "--chip serves a chip's own lines: no --lines, --names, "
			      "--wire or --pull with it");
		return 2;
	}
	if (!o.chip && !o.lines) {
		vub_cli_error(&cli, "--lines N or --chip DEV is required (see --help)");
		return 2;
	}
	if (o.chip) {
		if (!gpio_chip_supported()) {
			vub_cli_error(&cli, "--chip: this build has no libgpiod");
			return 2;
		}
		g.chip_path = o.chip;
		if (gpio_chip_open(&g))
			return 1;
	} else if (setup_sim(&cli, &o, &g)) {
		return 2;
	}
	log_info("%u %s lines%s", g.nlines, g.ops->name, g.names_size ? ", named" : "");
	dev = vub_dev_new(&gpio_device, &g);
	if (!dev || gpio_attach(&g, dev))
		return 1;
	ret = vub_cli_serve(dev, &cli);
	gpio_chip_close(&g);
	vub_dev_free(dev);
	return ret;
}
