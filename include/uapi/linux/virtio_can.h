/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * The virtio CAN device (virtio 1.4, device id 36), as the project's
 * virtio_can driver and vhost-user-can back-end speak it. Written from the
 * specification; the feature bits are the specification's (early RFC
 * drivers and vhost-device-can before October 2025 swapped bits 2 and 3).
 *
 * Queues: 0 transmit, 1 receive, 2 control. Every field is little-endian.
 */
#ifndef _UAPI_LINUX_VIRTIO_CAN_H
#define _UAPI_LINUX_VIRTIO_CAN_H

#include <linux/types.h>

#define VIRTIO_CAN_F_CAN_CLASSIC	0
#define VIRTIO_CAN_F_CAN_FD		1
#define VIRTIO_CAN_F_RTR_FRAMES		2
#define VIRTIO_CAN_F_LATE_TX_ACK	3

#define VIRTIO_CAN_QUEUE_TX		0
#define VIRTIO_CAN_QUEUE_RX		1
#define VIRTIO_CAN_QUEUE_CONTROL	2

/* Config space: status, read-only for the driver. */
#define VIRTIO_CAN_S_CTRL_BUSOFF	(1u << 0)

struct virtio_can_config {
	__le16 status;
};

/* Message types. */
#define VIRTIO_CAN_TX			0x0001
#define VIRTIO_CAN_RX			0x0101
#define VIRTIO_CAN_SET_CTRL_MODE_START	0x0201
#define VIRTIO_CAN_SET_CTRL_MODE_STOP	0x0202

/* Frame flags. */
#define VIRTIO_CAN_FLAGS_EXTENDED	0x8000
#define VIRTIO_CAN_FLAGS_FD		0x4000
#define VIRTIO_CAN_FLAGS_RTR		0x2000
#define VIRTIO_CAN_FLAGS_KNOWN		0xe000

/* Result bytes; any value but OK means not OK. */
#define VIRTIO_CAN_RESULT_OK		0
#define VIRTIO_CAN_RESULT_NOT_OK	1

/* Payload limits. */
#define VIRTIO_CAN_CLASSIC_MAX_LEN	8
#define VIRTIO_CAN_FD_MAX_LEN		64

/*
 * A frame, the header both directions share (msg_type TX from the driver,
 * RX from the device), followed by length payload bytes. A transmitted
 * frame is followed by a device-writable result byte.
 */
struct virtio_can_frame_hdr {
	__le16 msg_type;
	__le16 length;
	__u8 reserved_classic_dlc;
	__u8 padding;
	__le16 reserved_xl_priority;
	__le32 flags;
	__le32 can_id;
};

struct virtio_can_control_out {
	__le16 msg_type;
};

struct virtio_can_result {
	__u8 result;
};

#endif
