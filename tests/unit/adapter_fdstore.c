// SPDX-License-Identifier: MIT
/*
 * Unit test: the adapter's side of systemd's fd store (adapter/fdstore.c,
 * adapter/sd_notify.c): inherited fds found by name, new ones sent with
 * FDSTORE=1 and their fd, FDSTOREREMOVE=1, and bad input refused.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "../../adapter/fdstore.h"
#include "log.h"

/* One datagram from the notify socket: its text, and its fd or -1. */
static int receive(int sock, char *text, size_t size)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct iovec iov = { .iov_base = text, .iov_len = size - 1 };
	struct msghdr mh = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *c;
	ssize_t n = recvmsg(sock, &mh, MSG_DONTWAIT);
	int fd = -1;

	text[n > 0 ? n : 0] = 0;
	c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
	if (c && c->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(c), sizeof(fd));
	return fd;
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return !fstat(a, &sa) && !fstat(b, &sb) && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

int main(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[] = "/tmp/vlb-fdstore-XXXXXX", name[FDSTORE_NAME_MAX], text[256];
	int sock, p[2], fd, got;

	log_init("adapter_fdstore", false, 0);
	unsetenv("NOTIFY_SOCKET");
	CHECK(fdstore_init(true) == -1, "--fd-store without NOTIFY_SOCKET is refused");
	CHECK(fdstore_init(false) == 0 && !fdstore_enabled(), "off without the option");

	CHECK(mkdtemp(path) != NULL, "temporary directory");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/notify", path);
	/* Above 4: the inherited fds below take 3 and 4. */
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	sock = fcntl(fd, F_DUPFD_CLOEXEC, 10);
	close(fd);
	CHECK(sock >= 0 && !bind(sock, (struct sockaddr *)&sa, sizeof(sa)), "notify socket");
	setenv("NOTIFY_SOCKET", sa.sun_path, 1);

	/* Two inherited fds at 3 and 4, as systemd passes them. */
	CHECK(!pipe(p), "pipe");
	CHECK(dup2(p[0], 3) == 3 && dup2(p[1], 4) == 4, "fds at 3 and 4");
	snprintf(text, sizeof(text), "%d", (int)getpid());
	setenv("LISTEN_PID", text, 1);
	setenv("LISTEN_FDS", "2", 1);
	setenv("LISTEN_FDNAMES", "vlb-0-blk-ctl:vlb-0-blk-inflight-4096-0-2-256", 1);
	CHECK(fdstore_init(true) == 0 && fdstore_enabled(), "on with a notify socket");
	CHECK(!getenv("LISTEN_FDS") && !getenv("LISTEN_PID"), "LISTEN_* unset after");
	CHECK((fcntl(3, F_GETFD) & FD_CLOEXEC) && (fcntl(4, F_GETFD) & FD_CLOEXEC),
	      "inherited fds are close-on-exec");
	CHECK(fdstore_take("vlb-1-blk-ctl", NULL, 0) == -1, "no fd for another slot");
	CHECK(fdstore_take("vlb-0-blk-ctl", NULL, 0) == 3, "ctl by its name");
	CHECK(fdstore_take("vlb-0-blk-ctl", NULL, 0) == -1, "taken only once");
	CHECK(fdstore_take("vlb-0-blk-inflight-", name, sizeof(name)) == 4 &&
	      !strcmp(name, "vlb-0-blk-inflight-4096-0-2-256"), "inflight by prefix, full name");

	fdstore_name(name, sizeof(name), 2, "rng", "/run/a.sock", "pool");
	CHECK(!strncmp(name, "vlb-2-rng-", 10) && strlen(name) == 10 + 8 + 5 &&
	      !strcmp(name + 18, "-pool"), "name format: %s", name);
	fdstore_name(text, sizeof(text), 2, "rng", "/run/b.sock", "pool");
	CHECK(strcmp(name, text), "another socket, another name");
	CHECK(fdstore_put(name, p[0]) == 0, "put");
	fd = receive(sock, text, sizeof(text));
	CHECK(!strncmp(text, "FDSTORE=1\nFDNAME=", 17) && !strcmp(text + 17, name) &&
	      fd >= 0 && same_file(fd, p[0]),
	      "FDSTORE=1 with the name and the fd");
	if (fd >= 0)
		close(fd);
	fdstore_forget(name);
	got = receive(sock, text, sizeof(text));
	CHECK(!strncmp(text, "FDSTOREREMOVE=1\nFDNAME=", 23) && !strcmp(text + 23, name) &&
	      got == -1,
	      "FDSTOREREMOVE=1 with the name, no fd");
	CHECK(fdstore_put("bad:name", p[0]) != 0 && fdstore_put("", p[0]) != 0 &&
	      fdstore_put("with space", p[0]) != 0, "names systemd refuses are refused");
	receive(sock, text, sizeof(text));
	CHECK(!text[0], "nothing sent for a bad name");
	fdstore_drop_unclaimed();

	/* LISTEN_PID of another process: not ours to take. */
	setenv("LISTEN_PID", "1", 1);
	setenv("LISTEN_FDS", "1", 1);
	CHECK(fdstore_init(true) == 0 && fdstore_take("", NULL, 0) == -1,
	      "fds for another pid are ignored");
	fdstore_drop_unclaimed();

	close(sock);
	unlink(sa.sun_path);
	rmdir(path);
	OK("%s", "fd store: inherited by name, stored, removed, bad names refused");
	return 0;
}
