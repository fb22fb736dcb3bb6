// SPDX-License-Identifier: MIT
/*
 * vhost-user-blk: command line. --blk-file and --read-only follow the
 * vhost-user.rst back-end conventions; --num-queues, --queue-size and
 * --serial follow QEMU's vhost-user-blk device properties.
 */
#include "blk.h"
#include "cli.h"
#include "log.h"
#include "parse.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#define PROG "vhost-user-blk"

enum {
	OPT_BLK_FILE = 'b',
	OPT_READ_ONLY = 'r',
	OPT_NUM_QUEUES = VUB_OPT_BACKEND_FIRST,
	OPT_QUEUE_SIZE,
	OPT_SERIAL,
	OPT_NO_DISCARD,
	OPT_NO_IO_URING,
	OPT_POLL_US,
	OPT_MMAP,
};

static void usage(void)
{
	printf("Usage: " PROG " [OPTION]... --blk-file PATH --socket-path PATH\n"
	       "A vhost-user back-end for a virtio block device (virtio-blk), backed by\n"
	       "a regular file or a block device. I/O goes through io_uring.\n"
	       "\n"
	       VUB_CLI_HELP
	       "  -b, --blk-file PATH     the disk image or block device (required)\n"
	       "  -r, --read-only         export read-only: writes fail with an I/O error\n"
	       "      --num-queues N      request queues, 1..%d (default 1)\n"
	       "      --queue-size N      largest ring the front-end may use, 4..1024\n"
	       "                          (default 256)\n"
	       "      --serial TEXT       the disk's serial number, up to 20 bytes\n"
	       "      --no-discard        do not offer discard\n"
	       "      --no-io-uring       use plain system calls instead of io_uring\n"
	       "      --mmap              serve reads and writes by copying to and from a\n"
	       "                          mapping of the image, which must be in memory\n"
	       "                          (tmpfs, hugetlbfs, ramfs); allocates the whole\n"
	       "                          image at start and offers no discard\n"
	       "      --poll-us N         after each request, poll the rings for N µs\n"
	       "                          (0..1000000) with the driver's kicks off:\n"
	       "                          lower latency for a CPU kept busy (default 0)\n"
	       "\n"
	       "SIGHUP re-reads the size of the image (after it grew or shrank) and\n"
	       "tells the front-end that the capacity changed.\n"
	       "Example: " PROG " --blk-file disk.img --socket-path /tmp/blk.sock\n"
	       "See docs/backends/blk.md.\n", VUB_MAX_QUEUES);
}

static void sighup_ready(struct vub_dev *dev, int fd, uint32_t events, void *opaque)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
		blk_resize(opaque);
}

static int watch_sighup(struct blk *b)
{
	sigset_t set;
	int fd;

	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (fd < 0)
		return -1;
	return vub_watch(b->dev, fd, EPOLLIN, sighup_ready, b);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		VUB_CLI_OPTIONS,
		{ "blk-file", required_argument, NULL, OPT_BLK_FILE },
		{ "read-only", no_argument, NULL, OPT_READ_ONLY },
		{ "num-queues", required_argument, NULL, OPT_NUM_QUEUES },
		{ "queue-size", required_argument, NULL, OPT_QUEUE_SIZE },
		{ "serial", required_argument, NULL, OPT_SERIAL },
		{ "no-discard", no_argument, NULL, OPT_NO_DISCARD },
		{ "no-io-uring", no_argument, NULL, OPT_NO_IO_URING },
		{ "poll-us", required_argument, NULL, OPT_POLL_US },
		{ "mmap", no_argument, NULL, OPT_MMAP },
		{ NULL, 0, NULL, 0 },
	};
	static const char *const caps[] = { "read-only", "blk-file", NULL };
	struct blk b = { .num_queues = 1, .queue_size = 256, .discard = true };
	bool uring = true, map = false;
	unsigned int poll_us = 0;
	struct vub_cli cli;
	uint64_t v;
	int opt, ret;

	vub_cli_init(&cli, PROG);
	opterr = 0;
	while ((opt = getopt_long(argc, argv, VUB_CLI_SHORT "b:r", opts, NULL)) != -1) {
		ret = vub_cli_option(&cli, opt, optarg);
		if (ret < 0)
			return 2;
		if (ret > 0)
			continue;
		switch (opt) {
		case OPT_BLK_FILE:
			b.img.path = optarg;
			break;
		case OPT_READ_ONLY:
			b.img.read_only = true;
			break;
		case OPT_NUM_QUEUES:
			if (!parse_u64(optarg, 1, VUB_MAX_QUEUES, &v)) {
				vub_cli_error(&cli, "--num-queues needs 1 to %d, not '%s'",
					      VUB_MAX_QUEUES, optarg);
				return 2;
			}
			b.num_queues = (unsigned int)v;
			break;
		case OPT_QUEUE_SIZE:
			if (!parse_u64(optarg, 4, 1024, &v)) {
				vub_cli_error(&cli, "--queue-size needs 4 to 1024, not '%s'", optarg);
				return 2;
			}
			b.queue_size = (unsigned int)v;
			break;
		case OPT_SERIAL:
			if (strlen(optarg) > 20) {
				vub_cli_error(&cli, "--serial is longer than 20 bytes: '%s'", optarg);
				return 2;
			}
			b.serial = optarg;
			break;
		case OPT_NO_DISCARD:
			b.discard = false;
			break;
		case OPT_NO_IO_URING:
			uring = false;
			break;
		case OPT_MMAP:
			map = true;
			break;
		case OPT_POLL_US:
			if (!parse_u64(optarg, 0, 1000000, &v)) {
				vub_cli_error(&cli, "--poll-us needs 0 to 1000000, not '%s'", optarg);
				return 2;
			}
			poll_us = (unsigned int)v;
			break;
		default:
			vub_cli_error(&cli, "unknown or incomplete option '%s' (see --help)",
				      argv[optind - 1]);
			return 2;
		}
	}
	ret = vub_cli_conclude(&cli, argc, argv, usage, "block", caps);
	if (ret >= 0)
		return ret;
	if (!b.img.path) {
		vub_cli_error(&cli, "--blk-file is required (see --help)");
		return 2;
	}
	if (b.img.read_only || map)
		b.discard = false;
	if (blk_image_open(&b.img) || (map && blk_map_init(&b)))
		return 1;
	blk_setup_device(&b);
	b.dev = vub_dev_new(&b.desc, &b);
	if (!b.dev || vub_set_poll(b.dev, poll_us) || blk_io_init(&b, uring && !map) ||
	    watch_sighup(&b) < 0)
		return 1;
	log_info("%s: %llu sectors%s, %u queue%s", b.img.path,
		 (unsigned long long)b.capacity, b.img.read_only ? ", read-only" : "",
		 b.num_queues, b.num_queues > 1 ? "s" : "");
	ret = vub_cli_serve(b.dev, &cli);
	blk_io_fini(&b);
	blk_map_fini(&b);
	vub_dev_free(b.dev);
	close(b.img.fd);
	return ret;
}
