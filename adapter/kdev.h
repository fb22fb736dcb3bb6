/* SPDX-License-Identifier: MIT */
/* The adapter's side of /dev/virtio-loopback (include/uapi contract). */
#ifndef VLB_KDEV_H
#define VLB_KDEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <linux/virtio_loopback.h>

#define KDEV_PATH "/dev/" VLB_DEVICE_NAME

/* Each returns 0 or a negative errno. */
int kdev_open(int *fd);
int kdev_create(int fd, struct vlb_create *c);
int kdev_set_queue_fds(int fd, uint32_t index, int kick, int call);
int kdev_start(int fd);
int kdev_config_update(int fd, uint32_t offset, const void *data, uint32_t len,
		       bool notify);
int kdev_remove(int fd);
/* record: heads is the back-end's whole inflight record (maybe empty). */
int kdev_queue_fail(int fd, uint32_t index, const uint16_t *heads, uint32_t n, bool record);
int kdev_queue_resume(int fd, uint32_t index, uint16_t *next_avail);
/* 1 with a message, 0 if none is waiting, or a negative errno. */
int kdev_read_msg(int fd, struct vlb_msg *msg);
int kdev_reply(int fd, uint32_t id, int result);
/* A restarted adapter taking over a device file (see the uapi header). */
int kdev_adopt(int fd);
int kdev_get_info(int fd, struct vlb_info *info);
int kdev_get_queue(int fd, uint32_t index, struct vlb_queue_info *q);
/* written: a mask, 0xff where the driver wrote since reset, not the bytes. */
int kdev_config_read(int fd, void *data, uint32_t len, bool written);

#endif
