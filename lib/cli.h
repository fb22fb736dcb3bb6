/* SPDX-License-Identifier: MIT */
/*
 * Command-line conventions every backend shares (vhost-user.rst, "Backend
 * program conventions"): --socket-path or --fd, --print-capabilities,
 * --verbose, --help. A backend merges VUB_CLI_OPTIONS into its own
 * getopt_long table and passes unknown results to vub_cli_option().
 */
#ifndef VUB_CLI_H
#define VUB_CLI_H

#include "vub.h"

#include <getopt.h>
#include <stdbool.h>

enum {
	VUB_OPT_FD = 0x1000,
	VUB_OPT_PRINT_CAPABILITIES,
	VUB_OPT_BACKEND_FIRST = 0x1100,	/* backends number their options from here */
};

#define VUB_CLI_OPTIONS \
	{ "socket-path", required_argument, NULL, 's' }, \
	{ "fd", required_argument, NULL, VUB_OPT_FD }, \
	{ "print-capabilities", no_argument, NULL, VUB_OPT_PRINT_CAPABILITIES }, \
	{ "verbose", no_argument, NULL, 'v' }, \
	{ "help", no_argument, NULL, 'h' }
#define VUB_CLI_SHORT "s:vh"

#define VUB_CLI_HELP \
	"  -s, --socket-path PATH  listen for the front-end on the unix socket PATH\n" \
	"      --fd N              use the inherited socket fd N instead (listening,\n" \
	"                          or already connected to the front-end)\n" \
	"      --print-capabilities  print the back-end's capabilities (JSON), exit\n" \
	"  -v, --verbose           log every protocol message (debug lines)\n" \
	"  -h, --help              show this help and exit\n"

struct vub_cli {
	const char *prog;
	const char *socket_path;
	int fd;
	int verbose;
	bool print_capabilities;
	bool help;
};

void vub_cli_init(struct vub_cli *cli, const char *prog);
/* 1: a shared option, handled; 0: not a shared option; -1: bad value
 * (one line already printed). */
int vub_cli_option(struct vub_cli *cli, int opt, const char *arg);
/*
 * After getopt_long: no operand may follow the options, the socket options
 * must name exactly one socket, and --help (usage()) or
 * --print-capabilities (TYPE and FEATURES, see below) are answered. Also
 * starts logging. Returns -1 when the program goes on, else the status to
 * exit with: 0 after --help or --print-capabilities, 2 on a usage error
 * (one line printed).
 */
int vub_cli_conclude(struct vub_cli *cli, int argc, char *const argv[],
		     void (*usage)(void), const char *type, const char *const *features);
/* Print {"type": TYPE, "features": [...]} and a newline; features may
 * be NULL (no list) and ends with a NULL entry. */
void vub_cli_print_capabilities(const char *type, const char *const *features);
/* Set up the socket and serve; returns the process exit status. */
int vub_cli_serve(struct vub_dev *dev, const struct vub_cli *cli);
/* One line "PROG: MESSAGE" on stderr (usage errors before logging). */
void vub_cli_error(const struct vub_cli *cli, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
