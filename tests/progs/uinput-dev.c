// SPDX-License-Identifier: MIT
/*
 * uinput-dev: a fake keyboard for the input tests. It creates a uinput
 * device with a few keys, an absolute axis and the caps-lock LED, writes the
 * path of its event node to PATHFILE, then obeys one-line commands on
 * stdin: "key CODE" (press and release), "abs VALUE" (ABS_X). Every LED
 * event the kernel sends back to the device is printed on stdout as
 * "led CODE VALUE". It exits at end of input.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/uinput.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void die(const char *what)
{
	fprintf(stderr, "uinput-dev: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void emit(int fd, int type, int code, int value)
{
	struct input_event ev = { .type = type, .code = code, .value = value };

	if (write(fd, &ev, sizeof(ev)) != sizeof(ev))
		die("write event");
}

/* The event node of the device: /sys/devices/virtual/input/inputN/eventM. */
static void event_node(int fd, char *out, size_t len)
{
	char sys[64], dir[128 + sizeof(sys)];
	struct dirent *e;
	DIR *d;

	if (ioctl(fd, UI_GET_SYSNAME(sizeof(sys)), sys) < 0)
		die("UI_GET_SYSNAME");
	snprintf(dir, sizeof(dir), "/sys/devices/virtual/input/%s", sys);
	d = opendir(dir);
	if (!d)
		die(dir);
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "event", 5)) {
			snprintf(out, len, "/dev/input/%s", e->d_name);
			closedir(d);
			return;
		}
	closedir(d);
	errno = ENOENT;
	die("no event node");
}

int main(int argc, char **argv)
{
	struct uinput_setup setup = { .id = { BUS_USB, 0x1234, 0x5678, 1 } };
	struct uinput_abs_setup abs = { .code = ABS_X, .absinfo = { .minimum = 0, .maximum = 1000 } };
	static const int keys[] = { KEY_A, KEY_B, KEY_ENTER, KEY_CAPSLOCK };
	char node[300], line[64];
	FILE *pf;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: uinput-dev PATHFILE\n");
		return 2;
	}
	fd = open("/dev/uinput", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		die("/dev/uinput");
	ioctl(fd, UI_SET_EVBIT, EV_KEY);
	ioctl(fd, UI_SET_EVBIT, EV_ABS);
	ioctl(fd, UI_SET_EVBIT, EV_LED);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		ioctl(fd, UI_SET_KEYBIT, keys[i]);
	ioctl(fd, UI_SET_ABSBIT, ABS_X);
	ioctl(fd, UI_SET_LEDBIT, LED_CAPSL);
	snprintf(setup.name, sizeof(setup.name), "vlb test keyboard");
	if (ioctl(fd, UI_ABS_SETUP, &abs) < 0 || ioctl(fd, UI_DEV_SETUP, &setup) < 0 ||
	    ioctl(fd, UI_DEV_CREATE) < 0)
		die("create the uinput device");
	event_node(fd, node, sizeof(node));
	pf = fopen(argv[1], "w");
	if (!pf || fprintf(pf, "%s\n", node) < 0 || fclose(pf))
		die(argv[1]);
	/* poll() sees what stdio has not buffered yet: read byte by byte. */
	setvbuf(stdin, NULL, _IONBF, 0);

	for (;;) {
		struct pollfd p[2] = { { .fd = 0, .events = POLLIN }, { .fd = fd, .events = POLLIN } };

		if (poll(p, 2, -1) < 0)
			die("poll");
		if (p[1].revents & POLLIN) {
			struct input_event ev;

			if (read(fd, &ev, sizeof(ev)) == sizeof(ev) && ev.type == EV_LED)
				printf("led %u %d\n", ev.code, ev.value), fflush(stdout);
		}
		if (p[0].revents & (POLLIN | POLLHUP)) {
			int v;

			if (!fgets(line, sizeof(line), stdin))
				break;
			if (sscanf(line, "key %d", &v) == 1) {
				emit(fd, EV_KEY, v, 1);
				emit(fd, EV_SYN, SYN_REPORT, 0);
				emit(fd, EV_KEY, v, 0);
				emit(fd, EV_SYN, SYN_REPORT, 0);
			} else if (sscanf(line, "abs %d", &v) == 1) {
				emit(fd, EV_ABS, ABS_X, v);
				emit(fd, EV_SYN, SYN_REPORT, 0);
			}
		}
	}
	ioctl(fd, UI_DEV_DESTROY);
	return 0;
}
