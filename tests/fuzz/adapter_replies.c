// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the adapter's side of a vhost-user session, fed a hostile
 * back-end. The input is everything the back-end sends: a byte stream of
 * replies, read by the adapter's request functions (adapter/vu_client.c)
 * in the order of a device's bring-up and tear-down. The stream ends in
 * EOF, so a reply that never comes is an error, never a wait. Whatever the
 * bytes, a request either succeeds with values inside the limits the
 * adapter asked for, or fails: no crash, no out-of-bounds access, no
 * leaked fd.
 */
#include "log.h"
#include "../../adapter/vu_client.h"

#include <assert.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Kept below a unix socket's buffer, so the whole input fits in at once. */
#define MAX_INPUT 32768

static int fds_open(void)
{
	int n = 0;

	for (int fd = 0; fd < 256; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

/* One bring-up and tear-down, as adapter/backend.c runs it; stops at the
 * first failure, as the adapter drops the connection then. */
static void session(struct vu_client *c, uint32_t config_size)
{
	uint64_t features, protocol, queues;
	uint8_t config[VU_MAX_CONFIG_SIZE];
	struct vu_inflight inf = { .num_queues = 1, .queue_size = 256 };
	uint32_t base;
	int fd = -1;

	if (vuc_get_u64(c, VU_GET_FEATURES, &features))
		return;
	if (features & (1ull << VU_F_PROTOCOL_FEATURES)) {
		if (vuc_get_u64(c, VU_GET_PROTOCOL_FEATURES, &protocol))
			return;
		if (vuc_set_protocol_features(c, protocol))
			return;
	}
	if (vuc_simple(c, VU_SET_OWNER))
		return;
	if (vuc_has(c, VU_PROTOCOL_F_MQ) && vuc_get_u64(c, VU_GET_QUEUE_NUM, &queues))
		return;
	if (vuc_get_config(c, config_size, config))
		return;
	if (vuc_set_u64(c, VU_SET_FEATURES, features))
		return;
	if (vuc_get_inflight_fd(c, &inf, &fd) == 0 && fd >= 0)
		close(fd);
	if (vuc_set_vring_state(c, VU_SET_VRING_NUM, 0, 256))
		return;
	if (vuc_get_vring_base(c, 0, &base))
		return;
	assert(base <= UINT16_MAX);
	vuc_simple(c, VU_RESET_DEVICE);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool started;
	struct vu_client c = { .path = "fuzz", .timeout_ms = 1000 };
	int sv[2], before;

	if (!started) {
		log_init("fuzz", false, getenv("FUZZ_VERBOSE") != NULL);
		started = true;
	}
	/* The first byte picks the config size the adapter asks for. */
	if (size < 1 || size > MAX_INPUT)
		return 0;
	before = fds_open();
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	if (write(sv[1], data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	shutdown(sv[1], SHUT_WR);
	c.sock = sv[0];
	session(&c, data[0] % (VU_MAX_CONFIG_SIZE + 1));
	vuc_close(&c);
	close(sv[1]);
	/* Every fd a reply carried was closed or handed on, and closed. */
	if (fds_open() != before)
		abort();
	return 0;
}
