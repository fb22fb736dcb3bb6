// SPDX-License-Identifier: MIT
/* Unit test: the adapter's command line and config file (adapter/options.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "../../adapter/options.h"

static struct adapter_options o;

/* Parse a NULL-terminated argument list; stdout/stderr noise is dropped. */
static int parse(const char *first, ...)
{
	const char *argv[64] = { "virtio-loopback-adapter", first };
	int argc = 2, ret, saved_out = dup(1), saved_err = dup(2);
	va_list ap;
	FILE *null = fopen("/dev/null", "w");

	va_start(ap, first);
	while (first && (argv[argc] = va_arg(ap, const char *)))
		argc++;
	va_end(ap);
	if (!first)
		argc = 1;
	fflush(stdout);
	dup2(fileno(null), 1);
	dup2(fileno(null), 2);
	optind = 0;
	ret = options_parse(argc, (char **)argv, &o);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, 1);
	dup2(saved_err, 2);
	close(saved_out);
	close(saved_err);
	fclose(null);
	return ret;
}

static const char *write_file(const char *text)
{
	static char path[] = "/tmp/vlb-options-XXXXXX";
	int fd;

	strcpy(path, "/tmp/vlb-options-XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		abort();
	close(fd);
	return path;
}

int main(void)
{
	unsigned long long page;
	const char *f;

	CHECK(parse("--device", "blk", "--socket", "/s", NULL) == 0, "minimal");
	CHECK(o.ndev == 1 && o.dev[0].type->id == 2 && !strcmp(o.dev[0].socket, "/s") &&
	      o.dev[0].queue_size == DEFAULT_QUEUE_SIZE && o.dev[0].queues == 0 &&
	      o.dev[0].shm_size == DEFAULT_SHM_SIZE && o.dev[0].config_size == -1,
	      "defaults");

	CHECK(parse("-d", "rng", "-s", "/a", "-q", "2", "-Q", "1024", "-m", "64M", "-C", "8",
		    "--device", "0x29", "--socket", "/b", "-v", NULL) == 0, "two devices");
	CHECK(o.ndev == 2 && o.dev[0].queues == 2 && o.dev[0].queue_size == 1024 &&
	      o.dev[0].shm_size == 64ull << 20 && o.dev[0].config_size == 8 &&
	      o.dev[1].type->id == 41 && o.verbose == 1, "values");

	/* A number the adapter does not know is a generic device. */
	CHECK(parse("--device", "4242", "--socket", "/s", NULL) == 0 &&
	      o.dev[0].type->id == 4242, "unknown id");

	/* Bad values. */
	CHECK(parse("--device", "toaster", "--socket", "/s", NULL) == -1, "bad type");
	CHECK(parse("--device", "0", "--socket", "/s", NULL) == -1, "id 0");
	CHECK(parse("--device", "65535", "--socket", "/s", NULL) == -1, "id 65535");
	CHECK(parse("--device", "blk", "--socket", "/s", "--queues", "65", NULL) == -1, "queues");
	CHECK(parse("--device", "blk", "--socket", "/s", "--queues", "1x", NULL) == -1, "queues junk");
	CHECK(parse("--device", "blk", "--socket", "/s", "--queue-size", "3", NULL) == -1, "qsize");
	CHECK(parse("--device", "blk", "--socket", "/s", "--queue-size", "65536", NULL) == -1,
	      "qsize big");
	CHECK(parse("--device", "blk", "--socket", "/s", "--shm-size", "100K", NULL) == -1, "shm small");
	CHECK(parse("--device", "blk", "--socket", "/s", "--shm-size", "2G", NULL) == -1, "shm big");
	CHECK(parse("--device", "blk", "--socket", "/s", "--shm-size", "-1", NULL) == -1, "shm neg");
	CHECK(parse("--device", "blk", "--socket", "/s", "--config-size", "257", NULL) == -1,
	      "config big");
	CHECK(parse("--socket", "/s", NULL) == -1, "socket first");
	CHECK(parse("--device", "blk", NULL) == -1, "no socket");
	CHECK(parse(NULL) == -1, "nothing");
	CHECK(parse("--device", "blk", "--socket", "/s", "extra", NULL) == -1, "stray arg");
	CHECK(parse("--device", "blk", "--socket", "/s", "--queues", NULL) == -1, "missing value");
	CHECK(parse("--help", NULL) == 1, "help");
	CHECK(parse("--version", NULL) == 1, "version");

	/* A page-rounded pool (303104 with 4 KiB pages, 327680 with 64 KiB). */
	page = (unsigned long long)sysconf(_SC_PAGESIZE);
	CHECK(parse("--device", "blk", "--socket", "/s", "--shm-size", "300000", NULL) == 0 &&
	      o.dev[0].shm_size == (300000 + page - 1) / page * page,
	      "rounded to %llu", (unsigned long long)o.dev[0].shm_size);

	/* Config files. */
	f = write_file("# comment\nverbose = yes\n\n[device]\ntype = blk\n  socket = /x  \n"
		       "queues=2\n[device]\ndevice = rng\nsocket = /y\n");
	CHECK(parse("--config", f, NULL) == 0, "config file");
	CHECK(o.ndev == 2 && o.verbose && o.dev[0].queues == 2 && !strcmp(o.dev[0].socket, "/x") &&
	      o.dev[1].type->id == 4, "config values");
	unlink(f);
	f = write_file("[device]\nsocket = /x\n");
	CHECK(parse("--config", f, NULL) == -1, "key before type");
	unlink(f);
	f = write_file("[device]\ntype = blk\ntype = rng\n");
	CHECK(parse("--config", f, NULL) == -1, "two types");
	unlink(f);
	f = write_file("[devices]\n");
	CHECK(parse("--config", f, NULL) == -1, "bad section");
	unlink(f);
	f = write_file("socket = /x\n");
	CHECK(parse("--config", f, NULL) == -1, "device key outside a section");
	unlink(f);
	f = write_file("[device]\ntype = blk\nsocket /x\n");
	CHECK(parse("--config", f, NULL) == -1, "no equals");
	unlink(f);
	CHECK(parse("--config", "/nonexistent/file", NULL) == -1, "missing file");
	CHECK(parse("--device", "blk", "--socket", "/s", "--pid-file", "/p", "-p", "/q", NULL) == 0 &&
	      !strcmp(o.pid_file, "/q"), "pid file");
	CHECK(parse("--device", "blk", "--socket", "/s", NULL) == 0 && !o.fd_store,
	      "no fd store by default");
	CHECK(parse("--device", "blk", "--socket", "/s", "--fd-store", NULL) == 0 && o.fd_store,
	      "--fd-store");
	f = write_file("fd-store = yes\n[device]\ntype = blk\nsocket = /s\n");
	CHECK(parse("--config", f, NULL) == 0 && o.fd_store, "fd-store = yes");
	unlink(f);
	/* Type options: fs's --tag, only for fs (its options begin with the
	 * tag string; unit/adapter_types checks what the type does with it). */
	CHECK(parse("--device", "fs", "--socket", "/s", "--tag", "share", NULL) == 0 &&
	      o.dev[0].type_opts && !strcmp((const char *)o.dev[0].type_opts, "share"), "tag");
	CHECK(parse("--device", "fs", "--socket", "/s", "--tag",
		    "abcdefghijklmnopqrstuvwxyz0123456789", NULL) == 0, "36-byte tag");
	CHECK(parse("--device", "fs", "--socket", "/s", "--tag",
		    "abcdefghijklmnopqrstuvwxyz0123456789x", NULL) == -1, "37-byte tag");
	CHECK(parse("--device", "fs", "--socket", "/s", "--tag", "", NULL) == -1, "empty tag");
	CHECK(parse("--device", "blk", "--socket", "/s", "--tag", "x", NULL) == -1, "tag on blk");
	CHECK(parse("--tag", "x", "--device", "fs", "--socket", "/s", NULL) == -1,
	      "tag before --device");

	/* --config-space. */
	CHECK(parse("--device", "blk", "--socket", "/s", "--config-space", "0a0B", "-X", "8:ff",
		    NULL) == 0, "config space");
	{
		const struct config_override *co = &o.dev[0].config_override;

		CHECK(co->end == 9 && co->set[0] && co->set[1] && !co->set[2] && co->set[8] &&
		      co->bytes[0] == 0x0a && co->bytes[1] == 0x0b && co->bytes[8] == 0xff,
		      "config space bytes");
	}
	CHECK(parse("--device", "blk", "--socket", "/s", "--config-space", "abc", NULL) == -1,
	      "odd digits");
	CHECK(parse("--device", "blk", "--socket", "/s", "--config-space", "zz", NULL) == -1,
	      "non-hex");
	CHECK(parse("--device", "blk", "--socket", "/s", "--config-space", "", NULL) == -1,
	      "no digits");
	CHECK(parse("--device", "blk", "--socket", "/s", "--config-space", "59:00", NULL) == 0,
	      "last blk byte");
	CHECK(parse("--device", "blk", "--socket", "/s", "--config-space", "59:0000", NULL) == -1,
	      "past the blk config");
	CHECK(parse("--device", "rng", "--socket", "/s", "--config-space", "00", NULL) == -1,
	      "rng has no config");
	CHECK(parse("--device", "rng", "--socket", "/s", "-C", "4", "-X", "00112233", NULL) == 0,
	      "config size first");
	CHECK(parse("--device", "42", "--socket", "/s", "-X", "00", "-C", "4", NULL) == -1,
	      "config size after the bytes it must hold");
	CHECK(parse("--device", "blk", "--socket", "/s", "-X", "x:00", NULL) == -1, "bad offset");
	CHECK(parse("--device", "blk", "--socket", "/s", "-X", "300:00", NULL) == -1,
	      "offset too big");

	/* --connect-timeout. */
	CHECK(parse("--device", "blk", "--socket", "/s", "--connect-timeout", "30", NULL) == 0 &&
	      o.dev[0].connect_timeout_s == 30, "connect timeout");
	CHECK(parse("--device", "blk", "--socket", "/s", "-T", "3601", NULL) == -1,
	      "connect timeout too long");
	CHECK(parse("--device", "blk", "--socket", "/s", "-T", "-1", NULL) == -1,
	      "negative connect timeout");

	/* --reconnect-grace: 30 s unless given, 0 allowed. */
	CHECK(parse("--device", "blk", "--socket", "/s", NULL) == 0 &&
	      o.dev[0].reconnect_grace_s == 30, "reconnect grace default");
	CHECK(parse("--device", "blk", "--socket", "/s", "-G", "0", NULL) == 0 &&
	      o.dev[0].reconnect_grace_s == 0, "reconnect grace 0");
	CHECK(parse("--device", "blk", "--socket", "/s", "--reconnect-grace", "3601", NULL) == -1,
	      "reconnect grace too long");
	CHECK(parse("--device", "blk", "--socket", "/s", "-G", "5s", NULL) == -1,
	      "reconnect grace with a unit");

	/* The same in a config file. */
	f = write_file("[device]\ntype = fs\nsocket = /x\ntag = docs\nconnect-timeout = 5\n"
		       "config-space = 36:01000000\nreconnect-grace = 7\n");
	CHECK(parse("--config", f, NULL) == 0 && !strcmp((const char *)o.dev[0].type_opts, "docs") &&
	      o.dev[0].connect_timeout_s == 5 && o.dev[0].config_override.end == 40 &&
	      o.dev[0].reconnect_grace_s == 7,
	      "type options in a config file");
	unlink(f);
	f = write_file("[device]\ntype = console\nsocket = /x\ntag = docs\n");
	CHECK(parse("--config", f, NULL) == -1, "tag on console in a config file");
	unlink(f);

	options_free(&o);
	OK("%s", "all checks passed");
	return 0;
}
