// SPDX-License-Identifier: MIT
/*
 * vhost-user-can's command line: --help and --print-capabilities, usage
 * errors (exit 2, one line), and interfaces that are missing or not CAN
 * (exit 1, one line). Needs no CAN interface.
 */
#include "check.h"

#include <stdbool.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CAN "build/bin/vhost-user-can"

static char out[8192];

/* Run CAN ARGS with stdout and stderr into out; returns the exit status. */
static int run(const char *args)
{
	char cmd[512];
	size_t n;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), CAN " %s 2>&1", args);
	p = popen(cmd, "r");
	CHECK(p, "popen %s", cmd);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	CHECK(WIFEXITED(st), "%s: killed", cmd);
	return WEXITSTATUS(st);
}

static unsigned int lines(void)
{
	unsigned int n = 0;

	for (const char *s = out; *s; s++)
		n += *s == '\n';
	return n;
}

static void fails(const char *args, int status, const char *why)
{
	CHECK(run(args) == status && lines() == 1 && strstr(out, why),
	      "'%s': want exit %d and one line with '%s', got:\n%s", args, status, why, out);
}

int main(void)
{
	size_t len;

	CHECK(access(CAN, X_OK) == 0, "%s is missing: run make programs first", CAN);
	CHECK(run("--help") == 0, "--help: exit status");
	len = strlen(out);
	CHECK(strstr(out, "--can-device IFNAME") && strstr(out, "--no-fd") &&
	      strstr(out, "--no-rtr") && strstr(out, "--socket-path") &&
	      strstr(out, "Example: ") && len > 17 &&
	      !strcmp(out + len - 17, "See docs/can.md.\n"), "--help:\n%s", out);
	CHECK(run("--print-capabilities") == 0 && strstr(out, "\"type\": \"can\""),
	      "--print-capabilities:\n%s", out);
	OK("--help describes the options and ends with the doc; --print-capabilities");

	fails("--socket-path /nonexistent/s", 2, "--can-device IFNAME is required");
	fails("--socket-path /nonexistent/s --can-device 0123456789abcdef", 2,
	      "not an interface name");
	fails("--socket-path /nonexistent/s --can-device ''", 2, "not an interface name");
	fails("--socket-path /nonexistent/s --can-device vcan0 --bogus", 2, "--bogus");
	fails("--socket-path /nonexistent/s --can-device vcan0 extra", 2, "");
	fails("--can-device vcan0", 2, "");
	OK("usage errors: one line, exit 2");

	fails("--socket-path /nonexistent/s --can-device nosuchcan9", 1,
	      "nosuchcan9: no such network interface");
	fails("--socket-path /nonexistent/s --can-device lo", 1, "lo: not a CAN interface");
	OK("a missing interface, or one that is not CAN: one line, exit 1");
	return 0;
}
