// SPDX-License-Identifier: MIT
/*
 * Fuzz target: the GPIO device's requests and interrupt buffers. The
 * input is a program of operations on eight simulated, named lines with
 * two wires and the interrupt feature on: a requestq message of fuzzed
 * length with a response buffer of fuzzed size, an eventq buffer with a
 * fuzzed line and fuzzed buffer sizes, or a reset. Checked: no crash or
 * leak, a used length never beyond the writable bytes, every eventq
 * buffer back exactly once with a 1-byte status, none kept after the
 * final reset.
 */
#include "gpio.h"
#include "log.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct buf {
	struct vub_req req;
	struct iovec iov[2];
	uint8_t out[4], in[2];
};

static struct gpio g;
static unsigned long live;

static void complete(struct vub_req *req, uint32_t len)
{
	struct buf *b = (struct buf *)((char *)req - offsetof(struct buf, req));

	assert(len <= req->in_len);
	assert(len == 0 || (len == 1 && b->in[0] <= VIRTIO_GPIO_IRQ_STATUS_VALID));
	free(b);
	live--;
}

static void setup(void)
{
	static const char *const names[8] = { "o0", "i0", "o1", "i1", "", "x", "y", "z" };

	log_init("fuzz", false, -1);
	if (gpio_init_lines(&g, 8, names))
		abort();
	g.lines[1].driver = 0;
	g.lines[3].driver = 2;
	gpio_sim_init(&g);
	g.complete = complete;
}

static void event_buffer(const uint8_t *p)
{
	struct buf *b = calloc(1, sizeof(*b));
	unsigned int out_len = p[0] % 5, in_len = p[1] % 3;

	if (!b)
		abort();
	memcpy(b->out, p + 2, 2);
	b->out[2] = b->out[3] = 0;
	b->iov[0] = (struct iovec){ b->out, out_len };
	b->iov[1] = (struct iovec){ b->in, in_len };
	b->req.out = &b->iov[0];
	b->req.in = &b->iov[1];
	b->req.nout = 1;
	b->req.nin = 1;
	b->req.out_len = out_len;
	b->req.in_len = in_len;
	live++;
	gpio_event_buffer(&g, &b->req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	uint8_t resp[64];

	if (!ready) {
		setup();
		ready = true;
	}
	g.irq = size && (data[0] & 1);
	while (size >= 4) {
		uint8_t op = data[0] % 4;

		if (op < 2 && size >= 14) {
			/* requestq: p[1] request length, p[2] response size */
			size_t req_len = data[1] % 12, resp_len = data[2] % sizeof(resp);
			uint32_t used = gpio_request(&g, data + 3, req_len, resp, resp_len);

			assert(used <= resp_len);
			assert(used == 0 || resp[0] <= VIRTIO_GPIO_STATUS_ERR);
			data += 14;
			size -= 14;
		} else if (op == 2) {
			event_buffer(data);
			data += 4;
			size -= 4;
		} else {
			if (data[1] == 0xff)
				gpio_reset_lines(&g);
			data += 4;
			size -= 4;
		}
	}
	gpio_reset_lines(&g);
	assert(live == 0);
	return 0;
}
