// SPDX-License-Identifier: MIT
/*
 * evio: read or write evdev events, for the input tests.
 *   evio read NODE N SECS   print up to N events ("type code value", SYN
 *                           reports left out), give up after SECS seconds
 *   evio write NODE TYPE CODE VALUE   write one event (and a SYN_REPORT)
 *   evio name NODE          print the device's name
 *   evio absmax NODE CODE   print an absolute axis' maximum
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int open_node(const char *node, int flags)
{
	int fd = open(node, flags | O_CLOEXEC);

	if (fd < 0) {
		fprintf(stderr, "evio: %s: %s\n", node, strerror(errno));
		exit(1);
	}
	return fd;
}

int main(int argc, char **argv)
{
	if (argc == 5 && !strcmp(argv[1], "read")) {
		int fd = open_node(argv[2], O_RDONLY), n = atoi(argv[3]);
		time_t end = time(NULL) + atoi(argv[4]);

		while (n > 0 && time(NULL) < end) {
			struct pollfd p = { .fd = fd, .events = POLLIN };
			struct input_event ev;

			if (poll(&p, 1, 200) <= 0)
				continue;
			if (read(fd, &ev, sizeof(ev)) != sizeof(ev))
				return 1;
			if (ev.type == EV_SYN)
				continue;
			printf("%u %u %d\n", ev.type, ev.code, ev.value);
			fflush(stdout);
			n--;
		}
		return n > 0;
	}
	if (argc == 6 && !strcmp(argv[1], "write")) {
		int fd = open_node(argv[2], O_WRONLY);
		struct input_event ev[2] = {
			{ .type = atoi(argv[3]), .code = atoi(argv[4]), .value = atoi(argv[5]) },
			{ .type = EV_SYN, .code = SYN_REPORT },
		};

		return write(fd, ev, sizeof(ev)) != sizeof(ev);
	}
	if (argc == 3 && !strcmp(argv[1], "name")) {
		char name[256] = "";

		if (ioctl(open_node(argv[2], O_RDONLY), EVIOCGNAME(sizeof(name)), name) < 0)
			return 1;
		printf("%s\n", name);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "absmax")) {
		struct input_absinfo ai;

		if (ioctl(open_node(argv[2], O_RDONLY), EVIOCGABS(atoi(argv[3])), &ai) < 0)
			return 1;
		printf("%d\n", ai.maximum);
		return 0;
	}
	fprintf(stderr, "usage: evio read NODE N SECS | write NODE TYPE CODE VALUE | name NODE | absmax NODE CODE\n");
	return 2;
}
