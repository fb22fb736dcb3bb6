/* SPDX-License-Identifier: MIT */
/*
 * systemd's notification protocol (sd_notify(3)), without libsystemd:
 * readiness, and file descriptors for the service's fd store.
 */
#ifndef VLB_SD_NOTIFY_H
#define VLB_SD_NOTIFY_H

#include <stdbool.h>

/* $NOTIFY_SOCKET is set (and usable). */
bool sd_notify_available(void);
/* Send msg ("READY=1", ...), with fd attached when fd >= 0. 0 or -errno. */
int sd_notify_send(const char *msg, int fd);

#endif
