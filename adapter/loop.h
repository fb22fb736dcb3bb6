/* SPDX-License-Identifier: MIT */
/* A small epoll event loop: one callback per watched fd. */
#ifndef VLB_LOOP_H
#define VLB_LOOP_H

#include <stdbool.h>
#include <stdint.h>

typedef void (*loop_handler)(void *opaque, uint32_t events);

struct loop_watch {
	int fd;
	loop_handler handler;
	void *opaque;
};

int loop_init(void);
void loop_fini(void);
/* Watch fd for events (EPOLLIN...) with handler; w must stay valid. */
int loop_add(struct loop_watch *w, int fd, uint32_t events, loop_handler handler,
	     void *opaque);
int loop_mod(struct loop_watch *w, uint32_t events);
void loop_del(struct loop_watch *w);
/* Dispatch events for at most timeout_ms (-1: until one arrives). */
int loop_run_once(int timeout_ms);
/* A signal asked the process to stop: long waits give up early. */
void loop_request_stop(void);
bool loop_stop_requested(void);

#endif
