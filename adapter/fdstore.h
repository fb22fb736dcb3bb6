/* SPDX-License-Identifier: MIT */
/*
 * Keeping device files across adapter restarts in systemd's file
 * descriptor store (FDSTORE=1, FDNAME=, FDSTOREREMOVE=1), and finding them
 * again in what a restarted adapter inherits (LISTEN_FDS, LISTEN_FDNAMES).
 */
#ifndef VLB_FDSTORE_H
#define VLB_FDSTORE_H

#include <stdbool.h>
#include <stddef.h>

#define FDSTORE_NAME_MAX 96

/*
 * With enabled, take the inherited fds and check that $NOTIFY_SOCKET can
 * take new ones. Returns 0, or -1 after logging why.
 */
int fdstore_init(bool enabled);
bool fdstore_enabled(void);
/*
 * The name of one of a device's files: vlb-SLOT-TYPE-TAG-WHAT, TAG a hash
 * of key (the back-end's socket path), so that a device whose slot now
 * names another back-end is not taken over.
 */
void fdstore_name(char *buf, size_t size, unsigned int slot, const char *type,
		  const char *key, const char *what);
/* An inherited fd whose name starts with prefix (-1: none); *name gets it. */
int fdstore_take(const char *prefix, char *name, size_t size);
/* Hand a duplicate of fd to the store under name; logs a failure. */
int fdstore_put(const char *name, int fd);
/* Drop every fd of that name from the store. */
void fdstore_forget(const char *name);
/* Close, and drop from the store, what no device took: stale devices. */
void fdstore_drop_unclaimed(void);

#endif
