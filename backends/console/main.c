// SPDX-License-Identifier: MIT
/*
 * vhost-user-console: command line. Ports come from --port (repeatable);
 * --backend, --tcp-port and --max-queue-size keep vhost-device-console's
 * names for its single-port setups.
 */
#include "cli.h"
#include "console.h"
#include "log.h"
#include "parse.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROG "vhost-user-console"

enum {
	OPT_PORT = VUB_OPT_BACKEND_FIRST,
	OPT_BACKEND = 'b',
	OPT_TCP_PORT = 'p',
	OPT_MAX_QUEUE_SIZE = 'q',
	OPT_SOCKET_COUNT = 'c',
};

static void usage(void)
{
	printf("Usage: " PROG " [OPTION]... --socket-path PATH\n"
	       "A vhost-user back-end for a multiport virtio console (virtio-console).\n"
	       "\n"
	       VUB_CLI_HELP
	       "      --port SPEC         add a port (repeatable; the first is port 0).\n"
	       "                          SPEC is KIND[,name=NAME][,console][,size=COLSxROWS]\n"
	       "                          with KIND one of\n"
	       "                            stdio        this process's stdin and stdout\n"
	       "                            pty[:LINK]   a new pty (LINK: symlink to it)\n"
	       "                            unix:PATH    a listening unix socket\n"
	       "                            tcp:PORT     a TCP listener on 127.0.0.1\n"
	       "                          name=NAME shows in the guest as the port's name,\n"
	       "                          console makes the port a guest console (hvc),\n"
	       "                          size= the console size the guest is told.\n"
	       "                          Default: --port stdio,console\n"
	       "  -b, --backend nested|network  vhost-device-console style: one console\n"
	       "                          port on stdio (nested) or on --tcp-port (network)\n"
	       "  -p, --tcp-port PORT     the TCP port for --backend network\n"
	       "  -q, --max-queue-size N  largest ring the front-end may use, a power of\n"
	       "                          two up to 1024 (default 1024)\n"
	       "\n"
	       "Example: " PROG " --socket-path /tmp/con.sock --port pty,console \\\n"
	       "             --port unix:/tmp/port1.sock,name=org.example.port1\n"
	       "See docs/backends/console.md.\n");
}

static bool parse_size_spec(const char *s, uint16_t *cols, uint16_t *rows)
{
	char buf[32], *x;
	uint64_t c, r;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	x = strchr(buf, 'x');
	if (!x)
		return false;
	*x = '\0';
	if (!parse_u64(buf, 1, UINT16_MAX, &c) || !parse_u64(x + 1, 1, UINT16_MAX, &r))
		return false;
	*cols = (uint16_t)c;
	*rows = (uint16_t)r;
	return true;
}

static bool valid_name(const char *n)
{
	if (!*n || strlen(n) > CONSOLE_NAME_MAX)
		return false;
	for (; *n; n++)
		if (!isgraph((unsigned char)*n))
			return false;
	return true;
}

/* Parse one --port SPEC into p; one line on stderr when it is wrong. */
static bool parse_port(const struct vub_cli *cli, char *spec, struct port *p)
{
	char *save = NULL, *kind = strtok_r(spec, ",", &save), *opt, *arg;
	uint64_t v;

	if (!kind) {
		vub_cli_error(cli, "--port needs a kind (stdio, pty, unix:PATH or tcp:PORT)");
		return false;
	}
	arg = strchr(kind, ':');
	if (arg)
		*arg++ = '\0';
	if (!strcmp(kind, "stdio") && !arg) {
		p->kind = PORT_STDIO;
	} else if (!strcmp(kind, "pty")) {
		p->kind = PORT_PTY;
		p->path = arg && *arg ? arg : NULL;
	} else if (!strcmp(kind, "unix") && arg && *arg) {
		p->kind = PORT_UNIX;
		p->path = arg;
	} else if (!strcmp(kind, "tcp") && arg && parse_u64(arg, 0, 65535, &v)) {
		p->kind = PORT_TCP;
		p->tcp_port = (uint16_t)v;
	} else {
		vub_cli_error(cli, "--port: '%s%s%s' is not stdio, pty[:LINK], unix:PATH or tcp:PORT",
			      kind, arg ? ":" : "", arg ? arg : "");
		return false;
	}
	while ((opt = strtok_r(NULL, ",", &save))) {
		if (!strcmp(opt, "console")) {
			p->is_console = true;
		} else if (!strncmp(opt, "name=", 5) && valid_name(opt + 5)) {
			strcpy(p->name, opt + 5);
		} else if (!strncmp(opt, "size=", 5) && parse_size_spec(opt + 5, &p->cols, &p->rows)) {
			continue;
		} else {
			vub_cli_error(cli, "--port: bad option '%s' (name=NAME, console or"
				      " size=COLSxROWS)", opt);
			return false;
		}
	}
	return true;
}

static bool check_ports(const struct vub_cli *cli, const struct console *con)
{
	unsigned int stdio = 0;

	for (unsigned int i = 0; i < con->nports; i++) {
		stdio += con->ports[i].kind == PORT_STDIO;
		for (unsigned int j = 0; j < i; j++) {
			const struct port *a = &con->ports[i], *b = &con->ports[j];

			if (a->name[0] && !strcmp(a->name, b->name)) {
				vub_cli_error(cli, "two ports are named '%s'", a->name);
				return false;
			}
		}
	}
	if (stdio > 1) {
		vub_cli_error(cli, "only one port can use stdio");
		return false;
	}
	return true;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		VUB_CLI_OPTIONS,
		{ "port", required_argument, NULL, OPT_PORT },
		{ "backend", required_argument, NULL, OPT_BACKEND },
		{ "tcp-port", required_argument, NULL, OPT_TCP_PORT },
		{ "max-queue-size", required_argument, NULL, OPT_MAX_QUEUE_SIZE },
		{ "socket-count", required_argument, NULL, OPT_SOCKET_COUNT },
		{ NULL, 0, NULL, 0 },
	};
	static struct console con = { .max_queue_size = 1024 };
	const char *backend = NULL;
	int tcp_port = -1;
	struct vub_cli cli;
	struct vub_dev *dev;
	uint64_t v;
	int opt, ret;

	vub_cli_init(&cli, PROG);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, VUB_CLI_SHORT "b:p:q:c:", opts, NULL)) != -1) {
		ret = vub_cli_option(&cli, opt, optarg);
		if (ret < 0)
			return 2;
		if (ret > 0)
			continue;
		switch (opt) {
		case OPT_PORT:
			if (con.nports == CONSOLE_MAX_PORTS) {
				vub_cli_error(&cli, "at most %d ports", CONSOLE_MAX_PORTS);
				return 2;
			}
			con.ports[con.nports].id = con.nports;
			con.ports[con.nports].con = &con;
			if (!parse_port(&cli, optarg, &con.ports[con.nports]))
				return 2;
			con.nports++;
			break;
		case OPT_BACKEND:
			if (strcmp(optarg, "nested") && strcmp(optarg, "network")) {
				vub_cli_error(&cli, "--backend is nested or network, not '%s'", optarg);
				return 2;
			}
			backend = optarg;
			break;
		case OPT_TCP_PORT:
			if (!parse_u64(optarg, 0, 65535, &v)) {
				vub_cli_error(&cli, "--tcp-port needs a port number, not '%s'", optarg);
				return 2;
			}
			tcp_port = (int)v;
			break;
		case OPT_MAX_QUEUE_SIZE:
			if (!parse_u64(optarg, 1, 1024, &v) || (v & (v - 1))) {
				vub_cli_error(&cli, "--max-queue-size needs a power of two up to 1024,"
					      " not '%s'", optarg);
				return 2;
			}
			con.max_queue_size = (unsigned int)v;
			break;
		case OPT_SOCKET_COUNT:
			if (strcmp(optarg, "1")) {
				vub_cli_error(&cli, "one front-end per back-end: --socket-count 1 only");
				return 2;
			}
			break;
		default:
			vub_cli_error(&cli, "unknown or incomplete option '%s' (see --help)",
				      argv[optind - 1]);
			return 2;
		}
	}
	ret = vub_cli_conclude(&cli, argc, argv, usage, "console", NULL);
	if (ret >= 0)
		return ret;
	if (backend && con.nports) {
		vub_cli_error(&cli, "--backend and --port exclude each other");
		return 2;
	}
	if (backend && !strcmp(backend, "network") && tcp_port < 0) {
		vub_cli_error(&cli, "--backend network needs --tcp-port");
		return 2;
	}
	if (con.nports == 0) {
		struct port *p = &con.ports[0];

		p->con = &con;
		p->is_console = true;
		p->kind = backend && !strcmp(backend, "network") ? PORT_TCP : PORT_STDIO;
		p->tcp_port = (uint16_t)(tcp_port < 0 ? 0 : tcp_port);
		con.nports = 1;
	}
	if (!check_ports(&cli, &con))
		return 2;
	for (unsigned int i = 0; i < con.nports; i++)
		if (port_open(&con.ports[i]))
			return 1;
	console_setup_device(&con);
	dev = vub_dev_new(&con.desc, &con);
	if (!dev || console_attach(&con, dev))
		return 1;
	ret = vub_cli_serve(dev, &cli);
	for (unsigned int i = 0; i < con.nports; i++)
		port_close(&con.ports[i]);
	vub_dev_free(dev);
	return ret;
}
