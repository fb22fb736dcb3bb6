// SPDX-License-Identifier: MIT
/*
 * vhost-user-can: command line, the host interface, and SIGUSR1 for the
 * counters.
 */
#include "can.h"
#include "cli.h"
#include "log.h"

#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define PROG "vhost-user-can"

enum {
	OPT_CAN_DEVICE = VUB_OPT_BACKEND_FIRST,
	OPT_NO_FD,
	OPT_NO_RTR,
};

static void usage(void)
{
	printf("Usage: " PROG " [OPTION]... --socket-path PATH --can-device IFNAME\n"
	       "A vhost-user back-end for a virtio CAN controller (virtio-can): the\n"
	       "driver's frames go out on a host SocketCAN interface, and the\n"
	       "interface's frames come in to the driver.\n"
	       "\n"
	       VUB_CLI_HELP
	       "      --can-device IFNAME  the host CAN interface, e.g. can0 or vcan0\n"
	       "                          (required). CAN FD is offered only when its\n"
	       "                          MTU is 72 (CAN FD capable). The driver's\n"
	       "                          frames reach the host's other CAN sockets\n"
	       "                          (candump), never the driver itself\n"
	       "      --no-fd             do not offer CAN FD frames\n"
	       "      --no-rtr            do not offer remote (RTR) frames\n"
	       "\n"
	       "SIGUSR1 logs the frame counters (also logged at STOP and reset).\n"
	       "Example: " PROG " --socket-path /tmp/can.sock --can-device vcan0\n"
	       "See docs/can.md.\n");
}

static void sigusr1_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		can_log_stats(opaque);
}

static int watch_sigusr1(struct can *c, struct vub_dev *dev)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return -1;
	return vub_watch(dev, fd, EPOLLIN, sigusr1_ready, c);
}

static int parse(int argc, char **argv, struct vub_cli *cli, struct can *c)
{
	static const struct option opts[] = {
		VUB_CLI_OPTIONS,
		{ "can-device", required_argument, NULL, OPT_CAN_DEVICE },
		{ "no-fd", no_argument, NULL, OPT_NO_FD },
		{ "no-rtr", no_argument, NULL, OPT_NO_RTR },
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
		case OPT_CAN_DEVICE:
			if (!*optarg || strlen(optarg) >= IFNAMSIZ || strchr(optarg, '/')) {
				vub_cli_error(cli, "--can-device: '%s' is not an interface name "
					      "(1 to %d characters)", optarg, IFNAMSIZ - 1);
				return -1;
			}
			c->ifname = optarg;
			break;
		case OPT_NO_FD:
			c->offer_fd = false;
			break;
		case OPT_NO_RTR:
			c->offer_rtr = false;
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
	static const char *const caps[] = { "can-device", NULL };
	static struct vub_device desc;
	static struct can c;
	struct vub_cli cli;
	struct vub_dev *dev;
	int ret;

	can_init(&c);
	vub_cli_init(&cli, PROG);
	if (parse(argc, argv, &cli, &c))
		return 2;
	ret = vub_cli_conclude(&cli, argc, argv, usage, "can", caps);
	if (ret >= 0)
		return ret;
	if (!c.ifname) {
		vub_cli_error(&cli, "--can-device IFNAME is required (see --help)");
		return 2;
	}
	if (can_socket_open(&c))
		return 1;
	desc = can_device;
	desc.features = can_offered_features(&c);
	log_info("%s: MTU %d, CAN FD %s, RTR frames %s", c.ifname, c.mtu,
		 c.offer_fd ? "offered" : "off", c.offer_rtr ? "offered" : "off");
	dev = vub_dev_new(&desc, &c);
	if (!dev || can_attach(&c, dev) || watch_sigusr1(&c, dev)) {
		can_socket_close(&c);
		return 1;
	}
	ret = vub_cli_serve(dev, &cli);
	can_socket_close(&c);
	vub_dev_free(dev);
	return ret;
}
