// SPDX-License-Identifier: MIT
/*
 * vlb-hostile: user space misbehaving towards /dev/virtio-loopback. Every
 * bad request must fail with the documented errno, never crash or warn the
 * kernel (the VM harness checks its log). Run as root in the test guest.
 * Exits 0 when every check held, and prints each check that did not.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/virtio_loopback.h>

static int failures;
static int checks;

/* ret is a syscall result: it must be -1 with errno want. */
static void expect_errno(long ret, int want, const char *what)
{
	int got = errno;

	checks++;
	if (ret != -1 || got != want) {
		failures++;
		printf("FAIL: %s: returned %ld, errno %s; wanted %s\n", what, ret,
		       ret == -1 ? strerror(got) : "-", strerror(want));
	}
}

static void expect_ok(long ret, const char *what)
{
	checks++;
	if (ret < 0) {
		failures++;
		printf("FAIL: %s: %s\n", what, strerror(errno));
	}
}

static int open_dev(void)
{
	int fd = open("/dev/" VLB_DEVICE_NAME, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		perror("open /dev/" VLB_DEVICE_NAME);
		exit(2);
	}
	return fd;
}

static struct vlb_create good_create(const uint8_t *config, uint32_t config_size)
{
	struct vlb_create c = {
		.api_version = VLB_API_VERSION,
		.device_id = 0x7ff0,	/* no driver: nothing probes it */
		.num_queues = 2,
		.features = 1ull << 32,	/* VIRTIO_F_VERSION_1 */
		.shm_size = 1 << 20,
		.config_ptr = (uintptr_t)config,
		.config_size = config_size,
	};

	c.queue_size[0] = c.queue_size[1] = 64;
	return c;
}

/* VLB_IOC_CREATE with one field spoiled must fail with EINVAL. */
static void bad_creates(int fd)
{
	static uint8_t config[VLB_MAX_CONFIG_SIZE + 1];
	struct vlb_create c;

#define BAD_CREATE(field_change, what)			\
	do {						\
		c = good_create(config, 8);		\
		field_change;				\
		expect_errno(ioctl(fd, VLB_IOC_CREATE, &c), EINVAL, what); \
	} while (0)

	BAD_CREATE(c.api_version = 99, "create: wrong API version");
	BAD_CREATE(c.device_id = 0, "create: device id 0");
	BAD_CREATE(c.device_id = 0xffff, "create: device id 0xffff");
	BAD_CREATE(c.num_queues = 0, "create: zero queues");
	BAD_CREATE(c.num_queues = VLB_MAX_QUEUES + 1, "create: too many queues");
	BAD_CREATE(c.queue_size[1] = 0, "create: queue size 0");
	BAD_CREATE(c.queue_size[0] = 100, "create: queue size not a power of two");
	BAD_CREATE(c.queue_size[0] = 65535, "create: absurd queue size");
	BAD_CREATE(c.shm_size = 0, "create: pool size 0");
	BAD_CREATE(c.shm_size = 4096, "create: pool smaller than the minimum");
	BAD_CREATE(c.shm_size = 1ull << 40, "create: absurd pool size");
	BAD_CREATE(c.shm_size = (1 << 20) + 1, "create: pool not a page multiple");
	BAD_CREATE(c.config_size = VLB_MAX_CONFIG_SIZE + 1, "create: oversized config");
	BAD_CREATE(c.config_ptr = 0, "create: config size without a pointer");
	BAD_CREATE(c.flags = 1u << 31, "create: unknown flags");
	BAD_CREATE(c.reserved[2] = 1, "create: reserved field set");
	BAD_CREATE(c.features = 0, "create: no VIRTIO_F_VERSION_1");
	BAD_CREATE((c.num_queues = 1, c.queue_size[0] = 32768),
		   "create: rings larger than the pool");
	c = good_create((const uint8_t *)8, 8);
	expect_errno(ioctl(fd, VLB_IOC_CREATE, &c), EFAULT, "create: config at a bad address");
	expect_errno(ioctl(fd, VLB_IOC_CREATE, (void *)16), EFAULT,
		     "create: argument at a bad address");
#undef BAD_CREATE
}

static void before_create(int fd)
{
	struct vlb_queue_info qi = { 0 };
	struct vlb_msg msg;
	struct vlb_reply r = { 0 };

	expect_errno(ioctl(fd, VLB_IOC_START), EINVAL, "start before create");
	expect_errno(ioctl(fd, VLB_IOC_REMOVE), EINVAL, "remove before create");
	expect_errno(read(fd, &msg, sizeof(msg)), EINVAL, "read before create");
	expect_errno(write(fd, &r, sizeof(r)), EINVAL, "write before create");
	expect_errno(ioctl(fd, VLB_IOC_ADOPT), EINVAL, "adopt before create");
	expect_errno(ioctl(fd, VLB_IOC_GET_QUEUE, &qi), EINVAL, "get queue before create");
	expect_errno(ioctl(fd, _IO(VLB_IOC_MAGIC, 0x7f)), ENOTTY, "unknown ioctl");
	expect_errno(ioctl(fd, _IO('x', 1)), ENOTTY, "foreign ioctl");
}

/* The pool fd maps the pool and nothing else, and has no ioctl powers. */
static void pool_fd_checks(int shm, size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	char buf[8];
	void *p;

	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
	expect_ok(p == MAP_FAILED ? -1 : 0, "map the whole pool");
	if (p != MAP_FAILED) {
		memset(p, 0xa5, size);	/* the back-end may scribble anywhere */
		munmap(p, size);
	}
	p = mmap(NULL, size + page, PROT_READ, MAP_SHARED, shm, 0);
	expect_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "map beyond the pool");
	p = mmap(NULL, page, PROT_READ, MAP_SHARED, shm, (off_t)size);
	expect_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "map at an offset past the end");
	p = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, shm, (off_t)(size - page));
	expect_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "map across the end");
	p = mmap(NULL, page, PROT_READ, MAP_PRIVATE, shm, 0);
	expect_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "private mapping");
	p = mmap(NULL, page, PROT_READ | PROT_EXEC, MAP_SHARED, shm, 0);
	expect_errno(p == MAP_FAILED ? -1 : 0, EINVAL, "executable mapping");
	expect_errno(ioctl(shm, VLB_IOC_START), EINVAL, "ioctl START on the pool fd");
	expect_errno(ioctl(shm, VLB_IOC_CREATE, NULL), EINVAL, "ioctl CREATE on the pool fd");
	expect_errno(ioctl(shm, 0), EINVAL, "ioctl 0 on the pool fd");
	expect_errno(read(shm, buf, sizeof(buf)), EINVAL, "read the pool fd");
}

static void bad_requests(int fd)
{
	uint8_t data[16] = { 0 };
	struct vlb_queue_fds qf = { .index = 2, .kick_fd = -1, .call_fd = -1 };
	struct vlb_config_update cu = { .offset = 4, .len = 8, .data_ptr = (uintptr_t)data };
	struct vlb_interrupt irq = { .queue = 2 };
	struct vlb_queue_fail qfail = { .index = 5 };
	struct vlb_queue_resume qres = { .index = 9 };
	struct vlb_queue_info qi = { 0 };
	uint16_t heads[2] = { 1, 1 };
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	int efd = eventfd(0, EFD_CLOEXEC);

	expect_errno(ioctl(fd, VLB_IOC_SET_QUEUE_FDS, &qf), EINVAL, "queue fds: queue out of range");
	qf.index = 1;
	qf.kick_fd = null;
	expect_errno(ioctl(fd, VLB_IOC_SET_QUEUE_FDS, &qf), EINVAL, "queue fds: not an eventfd");
	qf.kick_fd = 9999;
	expect_errno(ioctl(fd, VLB_IOC_SET_QUEUE_FDS, &qf), EBADF, "queue fds: closed fd");
	qf.kick_fd = efd;
	qf.flags = 1;
	expect_errno(ioctl(fd, VLB_IOC_SET_QUEUE_FDS, &qf), EINVAL, "queue fds: flags");
	qf.flags = 0;
	qf.call_fd = efd;
	expect_ok(ioctl(fd, VLB_IOC_SET_QUEUE_FDS, &qf), "queue fds: good eventfds");

	expect_errno(ioctl(fd, VLB_IOC_CONFIG_UPDATE, &cu), EINVAL, "config update past the end");
	cu.offset = 0xfffffff0;
	expect_errno(ioctl(fd, VLB_IOC_CONFIG_UPDATE, &cu), EINVAL, "config update: wrapping offset");
	cu.offset = 0;
	cu.len = 4;
	cu.flags = 0x80;
	expect_errno(ioctl(fd, VLB_IOC_CONFIG_UPDATE, &cu), EINVAL, "config update: flags");
	cu.flags = 0;
	expect_ok(ioctl(fd, VLB_IOC_CONFIG_UPDATE, &cu), "config update in range");

	cu.flags = VLB_CONFIG_F_WRITTEN;
	expect_errno(ioctl(fd, VLB_IOC_CONFIG_UPDATE, &cu), EINVAL, "config update: read-only flag");
	expect_ok(ioctl(fd, VLB_IOC_CONFIG_READ, &cu), "config read: written mask");
	if (memcmp(data, "\0\0\0\0", 4))
		expect_ok(-1, "config read: no byte written by a driver yet");
	cu.flags = 0;
	memset(data, 0xaa, sizeof(data));
	expect_ok(ioctl(fd, VLB_IOC_CONFIG_READ, &cu), "config read in range");
	cu.flags = 0x80;
	expect_errno(ioctl(fd, VLB_IOC_CONFIG_READ, &cu), EINVAL, "config read: flags");
	cu.flags = 0;
	cu.offset = 0xfffffff0;
	expect_errno(ioctl(fd, VLB_IOC_CONFIG_READ, &cu), EINVAL, "config read: wrapping offset");
	cu.offset = 0;
	cu.data_ptr = 16;
	expect_errno(ioctl(fd, VLB_IOC_CONFIG_READ, &cu), EFAULT, "config read to a bad address");
	cu.data_ptr = (uintptr_t)data;
	qi.index = 64;
	expect_errno(ioctl(fd, VLB_IOC_GET_QUEUE, &qi), EINVAL, "get queue: out of range");
	qi.index = 0;
	expect_ok(ioctl(fd, VLB_IOC_GET_QUEUE, &qi), "get queue 0");
	if (qi.flags || qi.num || !qi.max_size)
		expect_ok(-1, "get queue 0: not ready, with its maximum size");
	expect_ok(ioctl(fd, VLB_IOC_ADOPT), "adopt a device with nothing unanswered");

	expect_errno(ioctl(fd, VLB_IOC_INTERRUPT, &irq), EINVAL, "interrupt: queue out of range");
	irq.queue = 0;
	expect_ok(ioctl(fd, VLB_IOC_INTERRUPT, &irq), "interrupt a queue with no rings");
	irq.queue = VLB_INTERRUPT_CONFIG;
	expect_ok(ioctl(fd, VLB_IOC_INTERRUPT, &irq), "config interrupt before registration");

	expect_errno(ioctl(fd, VLB_IOC_QUEUE_FAIL, &qfail), EINVAL, "fail: queue out of range");
	qfail.index = 0;
	qfail.num_heads = 2;
	qfail.heads_ptr = (uintptr_t)heads;
	expect_errno(ioctl(fd, VLB_IOC_QUEUE_FAIL, &qfail), EINVAL, "fail: the same head twice");
	heads[1] = 2;
	expect_errno(ioctl(fd, VLB_IOC_QUEUE_FAIL, &qfail), EINVAL, "fail: queue without rings");
	qfail.num_heads = 100000;
	expect_errno(ioctl(fd, VLB_IOC_QUEUE_FAIL, &qfail), EINVAL, "fail: absurd head count");
	qfail.num_heads = 0;
	qfail.flags = ~VLB_QUEUE_FAIL_F_RECORD;
	expect_errno(ioctl(fd, VLB_IOC_QUEUE_FAIL, &qfail), EINVAL, "fail: unknown flags");
	qfail.flags = 0;
	expect_errno(ioctl(fd, VLB_IOC_QUEUE_RESUME, &qres), EINVAL, "resume: queue out of range");
	qres.index = 0;
	expect_errno(ioctl(fd, VLB_IOC_QUEUE_RESUME, &qres), EINVAL, "resume a queue not failing");
	close(null);
	close(efd);
}

static void bad_replies(int fd)
{
	struct vlb_reply r = { .id = 12345, .result = 0 };
	char junk[100] = { 0 };
	struct vlb_msg msg;

	expect_errno(write(fd, junk, 3), EINVAL, "reply: too short");
	expect_errno(write(fd, junk, sizeof(junk)), EINVAL, "reply: too long");
	expect_errno(write(fd, &r, sizeof(r)), EINVAL, "reply: unknown id");
	r.result = 5;
	expect_errno(write(fd, &r, sizeof(r)), EINVAL, "reply: positive result");
	r.result = -100000;
	expect_errno(write(fd, &r, sizeof(r)), EINVAL, "reply: result below -4095");
	/* A pointer the compiler cannot see through: the kernel must check it. */
	expect_errno(write(fd, (void *)(uintptr_t)getpagesize(), sizeof(r)), EFAULT,
		     "reply at a bad address");
	expect_errno(read(fd, &msg, sizeof(msg) - 1), EINVAL, "read into a short buffer");
}

/* Answer what the kernel asks until the wanted message type arrives. */
static bool wait_msg(int fd, uint16_t type, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct vlb_msg msg;

	while (poll(&p, 1, timeout_ms) == 1) {
		if (read(fd, &msg, sizeof(msg)) != sizeof(msg))
			return false;
		if (msg.type == type)
			return true;
		if (msg.flags & VLB_MSG_F_NEED_REPLY) {
			struct vlb_reply r = { .id = msg.id, .result = 0 };

			if (write(fd, &r, sizeof(r)) != sizeof(r))
				return false;
		}
	}
	return false;
}

int main(void)
{
	static const uint8_t config[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	struct vlb_create c;
	int fd = open_dev(), fd2;

	before_create(fd);
	bad_creates(fd);

	c = good_create(config, sizeof(config));
	if (ioctl(fd, VLB_IOC_CREATE, &c)) {
		printf("FAIL: create a device: %s\n", strerror(errno));
		return 1;
	}
	expect_errno(ioctl(fd, VLB_IOC_CREATE, &c), EINVAL, "a second create on the same file");
	pool_fd_checks(c.shm_fd, c.shm_size);
	bad_requests(fd);
	bad_replies(fd);

	/* The device registers, and leaves on request; the module stays sane. */
	expect_ok(ioctl(fd, VLB_IOC_START), "start");
	expect_errno(ioctl(fd, VLB_IOC_START), EINVAL, "start twice");
	checks++;
	if (!wait_msg(fd, VLB_MSG_REGISTERED, 10000)) {
		failures++;
		printf("FAIL: no REGISTERED message\n");
	}
	expect_ok(ioctl(fd, VLB_IOC_REMOVE), "remove");
	checks++;
	if (!wait_msg(fd, VLB_MSG_REMOVED, 10000)) {
		failures++;
		printf("FAIL: no REMOVED message\n");
	}
	close(c.shm_fd);

	/* A file closed without remove, and one closed right after create. */
	fd2 = open_dev();
	c = good_create(config, sizeof(config));
	expect_ok(ioctl(fd2, VLB_IOC_CREATE, &c), "create on a second file");
	close(c.shm_fd);
	close(fd2);
	close(fd);
	printf("%d checks, %d failed\n", checks, failures);
	return failures ? 1 : 0;
}
