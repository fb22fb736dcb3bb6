// SPDX-License-Identifier: MIT
/*
 * Test helper for tests/unit/lib_fe_input.c, loaded with LD_PRELOAD into
 * vhost-user-input. The test host's kernel has no input subsystem (no
 * evdev, no uinput), and QEMU 7.2 refuses vhost-user-input-pci without
 * KVM, so the input back-end is tested with the project's test front-end
 * and this stand-in for one evdev device: opening
 * $FAKE_EVDEV_PATH connects to the unix socket $FAKE_EVDEV_SOCKET, whose
 * other end (the test) writes struct input_event records to it and reads
 * the events the back-end writes back; the evdev ioctls on that fd are
 * answered here with a fixed identity: a keyboard with a few keys, two
 * absolute axes and two LEDs. Every other call goes to the C library.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/input.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int open(const char *path, int flags, ...);
int open64(const char *path, int flags, ...);
int ioctl(int fd, unsigned long req, ...);

static int fake_fd = -1;

static void set_bit(unsigned char *map, unsigned int bit)
{
	map[bit / 8] |= (unsigned char)(1u << (bit % 8));
}

static int fake_open(int flags)
{
	const char *sock = getenv("FAKE_EVDEV_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (!sock || strlen(sock) >= sizeof(sa.sun_path)) {
		errno = ENOENT;
		return -1;
	}
	strcpy(sa.sun_path, sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	if (flags & O_NONBLOCK)
		fcntl(fd, F_SETFL, O_NONBLOCK);
	fake_fd = fd;
	return fd;
}

static int is_fake(const char *path)
{
	const char *p = getenv("FAKE_EVDEV_PATH");

	return p && !strcmp(path, p);
}

int open(const char *path, int flags, ...)
{
	static int (*real)(const char *, int, ...);
	va_list ap;
	mode_t mode;

	if (is_fake(path))
		return fake_open(flags);
	if (!real)
		real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	va_start(ap, flags);
	mode = va_arg(ap, mode_t);
	va_end(ap);
	return real(path, flags, mode);
}

int open64(const char *path, int flags, ...)
{
	static int (*real)(const char *, int, ...);
	va_list ap;
	mode_t mode;

	if (is_fake(path))
		return fake_open(flags);
	if (!real)
		real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open64");
	va_start(ap, flags);
	mode = va_arg(ap, mode_t);
	va_end(ap);
	return real(path, flags, mode);
}

static int copy_string(void *arg, unsigned int size, const char *s)
{
	unsigned int n = (unsigned int)strlen(s) + 1;

	if (n > size)
		n = size;
	memcpy(arg, s, n);
	return (int)n;
}

static int fake_ioctl(unsigned long req, void *arg)
{
	unsigned int nr = _IOC_NR(req), size = _IOC_SIZE(req);
	unsigned char map[KEY_MAX / 8 + 1];

	if (_IOC_TYPE(req) != 'E') {
		errno = ENOTTY;
		return -1;
	}
	if (req == EVIOCGVERSION) {
		*(int *)arg = EV_VERSION;
		return 0;
	}
	if (req == EVIOCGID) {
		struct input_id id = { .bustype = BUS_VIRTUAL, .vendor = 0x1234,
				       .product = 0x5678, .version = 0x0042 };

		memcpy(arg, &id, sizeof(id));
		return 0;
	}
	if (req == EVIOCGRAB)
		return 0;
	if (nr == _IOC_NR(EVIOCGNAME(0)))
		return copy_string(arg, size, "vlb test keyboard");
	if (nr == _IOC_NR(EVIOCGUNIQ(0)))
		return copy_string(arg, size, "vlb-uniq-7");
	if (nr == _IOC_NR(EVIOCGPROP(0))) {
		memset(arg, 0, size);
		return (int)size;
	}
	if (nr >= _IOC_NR(EVIOCGBIT(0, 0)) && nr < _IOC_NR(EVIOCGBIT(EV_MAX, 0))) {
		unsigned int type = nr - _IOC_NR(EVIOCGBIT(0, 0));

		memset(map, 0, sizeof(map));
		switch (type) {
		case 0:
			set_bit(map, EV_SYN);
			set_bit(map, EV_KEY);
			set_bit(map, EV_ABS);
			set_bit(map, EV_LED);
			break;
		case EV_KEY:
			for (unsigned int k = KEY_Q; k <= KEY_P; k++)
				set_bit(map, k);
			for (unsigned int k = KEY_A; k <= KEY_L; k++)
				set_bit(map, k);
			set_bit(map, BTN_LEFT);
			break;
		case EV_ABS:
			set_bit(map, ABS_X);
			set_bit(map, ABS_Y);
			break;
		case EV_LED:
			set_bit(map, LED_NUML);
			set_bit(map, LED_CAPSL);
			break;
		}
		if (size > sizeof(map))
			size = sizeof(map);
		memcpy(arg, map, size);
		return (int)size;
	}
	if (nr >= _IOC_NR(EVIOCGABS(0)) && nr < _IOC_NR(EVIOCGABS(ABS_CNT))) {
		unsigned int axis = nr - _IOC_NR(EVIOCGABS(0));
		struct input_absinfo a = { .minimum = 0, .maximum = axis == ABS_X ? 1023 : 767,
					   .fuzz = 2, .flat = 4, .resolution = 10 };

		if (axis > ABS_Y) {
			errno = EINVAL;
			return -1;
		}
		memcpy(arg, &a, sizeof(a));
		return 0;
	}
	errno = EINVAL;
	return -1;
}

int ioctl(int fd, unsigned long req, ...)
{
	static int (*real)(int, unsigned long, ...);
	va_list ap;
	void *arg;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	if (fd >= 0 && fd == fake_fd)
		return fake_ioctl(req, arg);
	if (!real)
		real = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
	return real(fd, req, arg);
}
