// SPDX-License-Identifier: MIT
/*
 * The library's server side, through a real back-end (vhost-user-rng
 * reading a file of 'Q' bytes) and a small test front-end: data flows;
 * a front-end that disconnects leaves nothing mapped behind; one that
 * reconnects picks the ring up where it left it; garbage on the socket
 * drops only that connection; an inherited socket (--fd) works; SIGTERM
 * ends the back-end cleanly and removes its socket.
 */
#include "frontend.h"
#include "log.h"

#include <stdio.h>
#include <sys/stat.h>

#define RNG "build/bin/vhost-user-rng"

static void fill_file(const char *path)
{
	FILE *f = fopen(path, "w");

	CHECK(f, "create %s", path);
	for (int i = 0; i < 4096; i++)
		fputc('Q', f);
	fclose(f);
}

/* One 32-byte buffer through queue 0: it must come back full of 'Q'. */
static void one_request(struct fe *fe)
{
	uint64_t gpa = fe_alloc(fe, 32);
	struct fe_buf b = { gpa, 32, true };
	uint16_t head = fe_add(fe, 0, &b, 1);
	uint8_t *p = fe_ptr(fe, gpa);

	CHECK(fe_wait_used(fe, 0, head) == 32, "short fill");
	for (int i = 0; i < 32; i++)
		CHECK(p[i] == 'Q', "byte %d is 0x%02x, not from the file", i, p[i]);
}

static bool mapped(pid_t pid)
{
	char path[64], line[512];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
	f = fopen(path, "r");
	CHECK(f, "open %s", path);
	while (fgets(line, sizeof(line), f))
		found |= strstr(line, "fe-mem") != NULL;
	fclose(f);
	return found;
}

static void lifecycle(void)
{
	struct fe fe = { .fd = -1 };
	char file[128];
	const char *args[] = { "--filename", file, NULL };
	struct vu_vring_state s = { 0, 0 };
	struct vu_msg r;

	fe_mkdir(&fe);
	snprintf(file, sizeof(file), "%s/q", fe.dir);
	fill_file(file);
	fe_spawn(&fe, RNG, args);
	fe_negotiate(&fe, ~0ull, ~0ull);
	fe_start_queue(&fe, 0, 8);
	for (int i = 0; i < 20; i++)
		one_request(&fe);
	CHECK(mapped(fe.pid), "guest memory is not mapped in the back-end");
	OK("requests are served from the entropy file");

	close(fe.fd);
	for (int i = 0; i < 200 && mapped(fe.pid); i++)
		usleep(10000);
	CHECK(!mapped(fe.pid), "guest memory still mapped after the front-end left");
	CHECK(waitpid(fe.pid, NULL, WNOHANG) == 0, "the back-end died when the front-end left");
	OK("a departed front-end's memory is unmapped; the back-end keeps serving");

	fe_reconnect(&fe);
	fe_negotiate(&fe, ~0ull, ~0ull);
	fe_start_queue(&fe, 0, 8);
	one_request(&fe);
	fe_send(&fe, VU_GET_VRING_BASE, &s, sizeof(s), NULL, 0, false);
	fe_recv(&fe, VU_GET_VRING_BASE, &r);
	CHECK(r.payload.state.num == 21, "ring stopped at %u, expected 21", r.payload.state.num);
	OK("a reconnected front-end continues the same ring (avail index 21)");

	/* Garbage: a header with a bad version ends this connection only. */
	struct vu_hdr bad = { .request = VU_GET_FEATURES, .flags = 2, .size = 0 };
	char c;

	CHECK(write(fe.fd, &bad, sizeof(bad)) == sizeof(bad), "write");
	struct pollfd p = { .fd = fe.fd, .events = POLLIN };

	CHECK(poll(&p, 1, FE_WAIT_MS) == 1 && read(fe.fd, &c, 1) == 0, "connection not dropped");
	close(fe.fd);
	fe_reconnect(&fe);
	CHECK(fe_get_u64(&fe, VU_GET_FEATURES) & (1ull << 32), "no service after garbage");
	OK("a malformed message drops that connection; the next one is served");

	CHECK(fe_stop(&fe) == 0, "exit status on SIGTERM");
	CHECK(access(fe.sock, F_OK) != 0, "socket file left behind");
	OK("SIGTERM: exit status 0, socket removed");
	fe_cleanup(&fe);
}

/* --fd with an already connected socket: serve it, exit when it ends. */
static void inherited_fd(void)
{
	struct fe fe = { .fd = -1 };
	int sv[2], st;
	char num[16];

	fe_mkdir(&fe);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0, "socketpair");
	snprintf(num, sizeof(num), "%d", sv[1]);
	fe.pid = fork();
	if (fe.pid == 0) {
		close(sv[0]);
		execl(RNG, RNG, "--fd", num, (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	fe.fd = sv[0];
	fe_negotiate(&fe, ~0ull, ~0ull);
	fe_start_queue(&fe, 0, 8);
	uint64_t gpa = fe_alloc(&fe, 16);
	struct fe_buf b = { gpa, 16, true };

	CHECK(fe_wait_used(&fe, 0, fe_add(&fe, 0, &b, 1)) == 16, "request over --fd");
	close(fe.fd);
	CHECK(waitpid(fe.pid, &st, 0) == fe.pid && WIFEXITED(st) && WEXITSTATUS(st) == 0,
	      "the back-end did not exit 0 after its only front-end left");
	OK("--fd with a connected socket: served, and exit when it closes");
	fe_cleanup(&fe);
}

int main(void)
{
	log_init("lib_fe_server", false, 0);
	signal(SIGPIPE, SIG_IGN);
	lifecycle();
	inherited_fd();
	return 0;
}
