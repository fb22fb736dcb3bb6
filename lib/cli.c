// SPDX-License-Identifier: MIT
/* Shared command-line handling of the backends. */
#include "cli.h"
#include "log.h"
#include "parse.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void vub_cli_init(struct vub_cli *cli, const char *prog)
{
	memset(cli, 0, sizeof(*cli));
	cli->prog = prog;
	cli->fd = -1;
}

void vub_cli_error(const struct vub_cli *cli, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", cli->prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int vub_cli_option(struct vub_cli *cli, int opt, const char *arg)
{
	uint64_t v;

	switch (opt) {
	case 's':
		cli->socket_path = arg;
		return 1;
	case VUB_OPT_FD:
		if (!parse_u64(arg, 0, 0x7fffffff, &v)) {
			vub_cli_error(cli, "--fd needs a file descriptor number, not '%s'", arg);
			return -1;
		}
		cli->fd = (int)v;
		return 1;
	case VUB_OPT_PRINT_CAPABILITIES:
		cli->print_capabilities = true;
		return 1;
	case 'v':
		cli->verbose++;
		return 1;
	case 'h':
		cli->help = true;
		return 1;
	default:
		return 0;
	}
}

/* The socket options must name exactly one socket: 0, or -1 with one line. */
static int check_socket(struct vub_cli *cli)
{
	if (!cli->socket_path && cli->fd < 0) {
		vub_cli_error(cli, "--socket-path or --fd is required (see --help)");
		return -1;
	}
	if (cli->socket_path && cli->fd >= 0) {
		vub_cli_error(cli, "--socket-path and --fd exclude each other");
		return -1;
	}
	if (cli->socket_path && !*cli->socket_path) {
		vub_cli_error(cli, "--socket-path is empty");
		return -1;
	}
	return 0;
}

void vub_cli_print_capabilities(const char *type, const char *const *features)
{
	printf("{\n  \"type\": \"%s\"", type);
	if (features) {
		printf(",\n  \"features\": [");
		for (unsigned int i = 0; features[i]; i++)
			printf("%s\n    \"%s\"", i ? "," : "", features[i]);
		printf("\n  ]");
	}
	printf("\n}\n");
}

int vub_cli_conclude(struct vub_cli *cli, int argc, char *const argv[],
		     void (*usage)(void), const char *type, const char *const *features)
{
	log_init(cli->prog, false, cli->verbose);
	if (optind < argc) {
		vub_cli_error(cli, "unexpected argument '%s' (see --help)", argv[optind]);
		return 2;
	}
	if (cli->help) {
		usage();
		return 0;
	}
	if (cli->print_capabilities) {
		vub_cli_print_capabilities(type, features);
		return 0;
	}
	return check_socket(cli) ? 2 : -1;
}

int vub_cli_serve(struct vub_dev *dev, const struct vub_cli *cli)
{
	int ret;

	if (cli->socket_path)
		ret = vub_listen(dev, cli->socket_path);
	else
		ret = vub_adopt_fd(dev, cli->fd);
	if (ret) {
		if (cli->socket_path)
			log_err("cannot use %s: %s", cli->socket_path, strerror(-ret));
		else
			log_err("cannot use --fd %d: %s", cli->fd, strerror(-ret));
		return 1;
	}
	ret = vub_run(dev);
	return ret ? 1 : 0;
}
