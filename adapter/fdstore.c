// SPDX-License-Identifier: MIT
/*
 * The adapter's use of systemd's file descriptor store. The kernel keeps a
 * device as long as one of its files is open, so a device whose files are
 * in the store outlives the adapter; the next adapter inherits them
 * (sd_listen_fds(3) conventions: fds from 3, LISTEN_PID, LISTEN_FDNAMES).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdstore.h"
#include "log.h"
#include "sd_notify.h"

#define LISTEN_FDS_START 3
#define MAX_INHERITED 4096

struct inherited {
	int fd;			/* -1 once taken */
	char name[FDSTORE_NAME_MAX];
};

static bool enabled;
static struct inherited *inh;
static unsigned int ninh;

static int parse_uint(const char *s, unsigned long *v)
{
	char *end;

	if (!s || !*s)
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* LISTEN_FDS for this process (LISTEN_PID is ours): how many, else 0. */
static unsigned int listen_fds(void)
{
	unsigned long pid, n;

	if (parse_uint(getenv("LISTEN_PID"), &pid) || pid != (unsigned long)getpid() ||
	    parse_uint(getenv("LISTEN_FDS"), &n))
		return 0;
	if (n > MAX_INHERITED) {
		log_warn("LISTEN_FDS=%lu: taking only the first %d", n, MAX_INHERITED);
		n = MAX_INHERITED;
	}
	return (unsigned int)n;
}

static void take_inherited(void)
{
	const char *names = getenv("LISTEN_FDNAMES");
	unsigned int n = listen_fds();

	inh = n ? calloc(n, sizeof(*inh)) : NULL;
	if (n && !inh) {
		log_err("no memory for %u inherited fds", n);
		return;
	}
	for (unsigned int i = 0; i < n; i++) {
		size_t len = names ? strcspn(names, ":") : 0;

		inh[i].fd = LISTEN_FDS_START + (int)i;
		if (fcntl(inh[i].fd, F_SETFD, FD_CLOEXEC) < 0) {
			inh[i].fd = -1;
			continue;
		}
		if (len >= sizeof(inh[i].name))
			len = 0;	/* not one of ours */
		memcpy(inh[i].name, names ? names : "", len);
		inh[i].name[len] = 0;
		if (names)
			names = names[len] ? names + len + 1 : NULL;
	}
	ninh = n;
	/* Nothing the adapter starts should think these are meant for it. */
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (n)
		log_info("inherited %u file descriptor(s) from the fd store", n);
}

int fdstore_init(bool want)
{
	enabled = want;
	if (!want)
		return 0;
	if (!sd_notify_available()) {
		log_err("--fd-store needs $NOTIFY_SOCKET: run the adapter as a systemd "
			"service with FileDescriptorStoreMax=");
		return -1;
	}
	take_inherited();
	return 0;
}

bool fdstore_enabled(void)
{
	return enabled;
}

/* FNV-1a: a short, stable tag for a string. */
static uint32_t tag_of(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

void fdstore_name(char *buf, size_t size, unsigned int slot, const char *type,
		  const char *key, const char *what)
{
	snprintf(buf, size, "vlb-%u-%s-%08x-%s", slot, type, tag_of(key), what);
}

int fdstore_take(const char *prefix, char *name, size_t size)
{
	size_t n = strlen(prefix);
	int fd;

	for (unsigned int i = 0; i < ninh; i++) {
		if (inh[i].fd < 0 || strncmp(inh[i].name, prefix, n))
			continue;
		if (name)
			snprintf(name, size, "%s", inh[i].name);
		fd = inh[i].fd;
		inh[i].fd = -1;
		return fd;
	}
	return -1;
}

/* FDNAME= takes printable ASCII but ':' (sd_pid_notify_with_fds(3)). */
static bool name_ok(const char *name)
{
	if (!*name || strlen(name) >= FDSTORE_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++)
		if (*p < 0x21 || *p > 0x7e || *p == ':')
			return false;
	return true;
}

int fdstore_put(const char *name, int fd)
{
	char msg[FDSTORE_NAME_MAX + 32];
	int ret;

	if (!enabled)
		return 0;
	if (!name_ok(name)) {
		log_err("fd store: bad name %s", name);
		return -EINVAL;
	}
	snprintf(msg, sizeof(msg), "FDSTORE=1\nFDNAME=%s", name);
	ret = sd_notify_send(msg, fd);
	if (ret)
		log_err("fd store: cannot store %s: %s", name, strerror(-ret));
	return ret;
}

void fdstore_forget(const char *name)
{
	char msg[FDSTORE_NAME_MAX + 32];
	int ret;

	if (!enabled || !name_ok(name))
		return;
	snprintf(msg, sizeof(msg), "FDSTOREREMOVE=1\nFDNAME=%s", name);
	ret = sd_notify_send(msg, -1);
	if (ret)
		log_warn("fd store: cannot drop %s: %s", name, strerror(-ret));
}

void fdstore_drop_unclaimed(void)
{
	for (unsigned int i = 0; i < ninh; i++) {
		if (inh[i].fd < 0)
			continue;
		log_info("fd store: dropping %s, which no configured device claims",
			 inh[i].name[0] ? inh[i].name : "an unnamed fd");
		close(inh[i].fd);
		inh[i].fd = -1;
		if (inh[i].name[0])
			fdstore_forget(inh[i].name);
	}
	free(inh);
	inh = NULL;
	ninh = 0;
}
