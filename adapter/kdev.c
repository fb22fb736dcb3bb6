// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "kdev.h"

/*
 * The uAPI structs are fixed-size fields with no implicit padding: each size
 * below is the sum of the struct's fields, so the layout is the same on
 * x86_64, arm64 and for a 32-bit caller (the module's compat_ioctl is
 * compat_ptr_ioctl). Built natively and by make ARCH=arm64.
 */
_Static_assert(sizeof(struct vlb_create) == 216, "struct vlb_create layout");
_Static_assert(sizeof(struct vlb_queue_fds) == 16, "struct vlb_queue_fds layout");
_Static_assert(sizeof(struct vlb_config_update) == 24, "struct vlb_config_update layout");
_Static_assert(sizeof(struct vlb_interrupt) == 8, "struct vlb_interrupt layout");
_Static_assert(sizeof(struct vlb_queue_fail) == 24, "struct vlb_queue_fail layout");
_Static_assert(sizeof(struct vlb_queue_resume) == 8, "struct vlb_queue_resume layout");
_Static_assert(sizeof(struct vlb_info) == 56, "struct vlb_info layout");
_Static_assert(sizeof(struct vlb_msg) == 88, "struct vlb_msg layout");
_Static_assert(sizeof(struct vlb_reply) == 8, "struct vlb_reply layout");

static int ioctl_ret(int ret)
{
	return ret < 0 ? -errno : 0;
}

int kdev_open(int *fd)
{
	*fd = open(KDEV_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}

int kdev_create(int fd, struct vlb_create *c)
{
	return ioctl_ret(ioctl(fd, VLB_IOC_CREATE, c));
}

int kdev_set_queue_fds(int fd, uint32_t index, int kick, int call)
{
	struct vlb_queue_fds q = { .index = index, .kick_fd = kick, .call_fd = call };

	return ioctl_ret(ioctl(fd, VLB_IOC_SET_QUEUE_FDS, &q));
}

int kdev_start(int fd)
{
	return ioctl_ret(ioctl(fd, VLB_IOC_START));
}

int kdev_config_update(int fd, uint32_t offset, const void *data, uint32_t len,
		       bool notify)
{
	struct vlb_config_update u = {
		.offset = offset,
		.len = len,
		.data_ptr = (uintptr_t)data,
		.flags = notify ? VLB_CONFIG_F_NOTIFY : 0,
	};

	return ioctl_ret(ioctl(fd, VLB_IOC_CONFIG_UPDATE, &u));
}

int kdev_remove(int fd)
{
	return ioctl_ret(ioctl(fd, VLB_IOC_REMOVE));
}

int kdev_queue_fail(int fd, uint32_t index, const uint16_t *heads, uint32_t n, bool record)
{
	struct vlb_queue_fail f = {
		.index = index,
		.num_heads = n,
		.heads_ptr = (uintptr_t)heads,
		.flags = record ? VLB_QUEUE_FAIL_F_RECORD : 0,
	};

	return ioctl_ret(ioctl(fd, VLB_IOC_QUEUE_FAIL, &f));
}

int kdev_queue_resume(int fd, uint32_t index, uint16_t *next_avail)
{
	struct vlb_queue_resume r = { .index = index };
	int ret = ioctl_ret(ioctl(fd, VLB_IOC_QUEUE_RESUME, &r));

	if (!ret)
		*next_avail = (uint16_t)r.next_avail;
	return ret;
}

int kdev_read_msg(int fd, struct vlb_msg *msg)
{
	ssize_t n = read(fd, msg, sizeof(*msg));

	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	return n == sizeof(*msg) ? 1 : -EPROTO;
}

int kdev_reply(int fd, uint32_t id, int result)
{
	struct vlb_reply r = { .id = id, .result = result };
	ssize_t n = write(fd, &r, sizeof(r));

	if (n < 0)
		return -errno;
	return n == sizeof(r) ? 0 : -EIO;
}

int kdev_get_info(int fd, struct vlb_info *info)
{
	memset(info, 0, sizeof(*info));
	return ioctl_ret(ioctl(fd, VLB_IOC_GET_INFO, info));
}

int kdev_get_queue(int fd, uint32_t index, struct vlb_queue_info *q)
{
	memset(q, 0, sizeof(*q));
	q->index = index;
	return ioctl_ret(ioctl(fd, VLB_IOC_GET_QUEUE, q));
}

int kdev_config_read(int fd, void *data, uint32_t len, bool written)
{
	struct vlb_config_update u = {
		.len = len,
		.data_ptr = (uintptr_t)data,
		.flags = written ? VLB_CONFIG_F_WRITTEN : 0,
	};

	return ioctl_ret(ioctl(fd, VLB_IOC_CONFIG_READ, &u));
}

int kdev_adopt(int fd)
{
	return ioctl_ret(ioctl(fd, VLB_IOC_ADOPT));
}
