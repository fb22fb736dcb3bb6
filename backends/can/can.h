/* SPDX-License-Identifier: MIT */
/*
 * virtio-CAN device model (virtio 1.4, id 36) on one SocketCAN raw socket.
 * Queue 0 carries frames from the driver (each answered with a result
 * byte), queue 1 buffers the driver posts for frames from the bus, queue
 * 2 START/STOP. The socket and the queues are reached through function
 * pointers, so the unit test and the fuzz target run the same code
 * without a CAN interface or a front-end.
 */
#ifndef CAN_H
#define CAN_H

#include "vub.h"

#include <linux/can.h>
#include <linux/virtio_can.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAN_HDR_SIZE sizeof(struct virtio_can_frame_hdr)
/* Frames taken from the socket in one wakeup; then the loop notifies. */
#define CAN_RX_BURST 64

struct can;

/* The host side: a CAN_RAW socket (socket.c), or a test's fake. */
struct can_socket_ops {
	/* One frame into *f: returns CAN_MTU or CANFD_MTU, 0 when there is
	 * none now, or -errno. */
	int (*read)(struct can *c, struct canfd_frame *f);
	/* Send f (a struct can_frame when !fd): 0, or -errno. */
	int (*write)(struct can *c, const struct canfd_frame *f, bool fd);
	/* Wait for these socket events (EPOLLIN, EPOLLOUT, or 0). */
	void (*want)(struct can *c, uint32_t events);
	/* Call can_tx_retry() in about 1 ms (ENOBUFS: nothing to poll). */
	void (*retry_soon)(struct can *c);
	/* Optional: bring c->stats.socket_dropped up to date. */
	void (*count_drops)(struct can *c);
};

/* The virtio side: the library's queues, or a test's fake. */
struct can_queue_ops {
	struct vub_req *(*pop)(struct can *c, unsigned int queue);
	bool (*has_buffers)(struct can *c, unsigned int queue);
	void (*complete)(struct vub_req *req, uint32_t len);
	void (*config_changed)(struct can *c);
	/* 1: the control queue runs on a ring an earlier session (our
	 * predecessor's) had used; 0: it runs, fresh; -1: not running yet.
	 * NULL: never resumed. */
	int (*control_resumed)(struct can *c);
};

/* Counters for the stats line; never reset while the process lives. */
struct can_stats {
	uint64_t tx_ok, tx_failed, tx_retried;
	uint64_t rx_delivered, rx_dropped_stopped, rx_dropped_no_room, rx_dropped_type;
	uint64_t socket_dropped;	/* SO_MEMINFO: the kernel's own count */
};

struct can {
	struct vub_dev *dev;		/* NULL in the tests */
	const struct can_socket_ops *sock;
	const struct can_queue_ops *queues;
	/* what the device offers, and what the driver took */
	bool offer_fd, offer_rtr;
	bool classic, fd, rtr;
	bool started;
	bool session_checked;		/* control_resumed() was asked this session */
	uint16_t status;		/* config space: VIRTIO_CAN_S_CTRL_BUSOFF */
	/* A tx request the socket pushed back, with its frame: the queue is
	 * not popped again until it is sent or failed (FIFO order). */
	struct vub_req *held;
	struct canfd_frame held_frame;
	bool held_fd;
	bool held_eagain;		/* waiting for EPOLLOUT, else for the timer */
	bool rx_paused;			/* no rx buffer: the socket is not read */
	uint32_t events;		/* what sock->want() was last told */
	struct can_stats stats;
	/* the host socket (socket.c) */
	const char *ifname;
	int sock_fd, timer_fd;
	int mtu;
};

/*
 * The frame a tx message describes: hdr_len readable bytes in msg (at
 * most CAN_HDR_SIZE + 64 are looked at; total is the readable length).
 * Returns false when the device must answer NOT_OK.
 */
bool can_tx_parse(const struct can *c, const uint8_t *msg, size_t hdr_len, size_t total,
		  struct canfd_frame *f, bool *fd);
/*
 * The rx message for frame f (size CAN_MTU or CANFD_MTU) into out, which
 * has room for CAN_HDR_SIZE + 64 bytes. Returns its length, or 0 when the
 * frame is of a type the driver did not negotiate.
 */
size_t can_rx_format(const struct can *c, const struct canfd_frame *f, int size, uint8_t *out);
/* An FD payload length the DLC can say. */
bool can_fd_len_valid(unsigned int len);

/* controller.c: the state machine and the queues. */
void can_init(struct can *c);
uint64_t can_offered_features(const struct can *c);
void can_set_features(struct can *c, uint64_t features);
void can_kick(struct can *c, unsigned int queue);
void can_queue_stop(struct can *c, unsigned int queue);
void can_reset(struct can *c);
/* The socket is readable: deliver (or drop) up to CAN_RX_BURST frames. */
void can_rx_ready(struct can *c);
/* The socket may take the held frame now (EPOLLOUT, timer). */
void can_tx_retry(struct can *c);
void can_log_stats(struct can *c);
void can_get_config(const struct can *c, uint8_t *buf);

/* socket.c: the host interface c->ifname. */
int can_socket_open(struct can *c);
int can_socket_watch(struct can *c, struct vub_dev *dev);
void can_socket_close(struct can *c);
extern const struct can_socket_ops can_socket_ops;

/* device.c: the device on the back-end library. */
int can_attach(struct can *c, struct vub_dev *dev);
extern const struct vub_device can_device;

#endif
