// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the adapter's configuration file (adapter/options.c), with
 * every device option in it, the per-type ones (fs's tag) and the
 * --config-space hex parser (adapter/config_space.c) among them. The input
 * is the file's text. Whatever it holds, parsing either fails or yields
 * devices that are whole: a type, a socket, option values inside their
 * ranges, override bytes inside the config space.
 */
#include "../../adapter/options.h"

#include <assert.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The parser reports each refusal on stderr; only the verdict matters. */
static int parse_quietly(int argc, char **argv, struct adapter_options *o)
{
	int saved = dup(2), null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC), ret;

	dup2(null_fd, 2);
	close(null_fd);
	optind = 0;
	ret = options_parse(argc, argv, o);
	dup2(saved, 2);
	close(saved);
	return ret;
}

static void check(const struct adapter_options *o)
{
	for (unsigned int i = 0; i < o->ndev; i++) {
		const struct device_spec *d = &o->dev[i];

		assert(d->type && d->socket && *d->socket && strlen(d->socket) < 108);
		assert(d->queues <= 64 && d->queue_size >= 1 && d->queue_size <= 32768 &&
		       !(d->queue_size & (d->queue_size - 1)));
		assert(d->config_override.end <= device_spec_config_size(d));
		assert(d->connect_timeout_s <= MAX_CONNECT_TIMEOUT_S);
		if (d->type_opts)
			assert(d->type->ops && d->type->ops->set_option);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct adapter_options o;
	char path[64], *argv[4] = { "virtio-loopback-adapter", "--config", path, NULL };
	int fd = memfd_create("adapter.conf", MFD_CLOEXEC), ret;

	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ret = parse_quietly(3, argv, &o);
	assert(ret == 0 || ret == -1);
	if (ret == 0)
		check(&o);
	options_free(&o);
	close(fd);
	return 0;
}
