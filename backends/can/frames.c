// SPDX-License-Identifier: MIT
/*
 * Frames between the virtio layout (virtio 1.4, 5.22.6) and SocketCAN's.
 * Every field of a tx message is the driver's to get wrong: a frame is
 * sent only when its type was negotiated and its id, flags and length
 * make a frame the bus can carry.
 */
#include "can.h"

#include <endian.h>
#include <string.h>

bool can_fd_len_valid(unsigned int len)
{
	switch (len) {
	case 12: case 16: case 20: case 24: case 32: case 48: case 64:
		return true;
	default:
		return len <= 8;
	}
}

bool can_tx_parse(const struct can *c, const uint8_t *msg, size_t hdr_len, size_t total,
		  struct canfd_frame *f, bool *fd)
{
	struct virtio_can_frame_hdr h;
	uint32_t flags, id;
	uint16_t len;
	bool ext, rtr;

	if (hdr_len < CAN_HDR_SIZE)
		return false;
	memcpy(&h, msg, sizeof(h));
	flags = le32toh(h.flags);
	id = le32toh(h.can_id);
	len = le16toh(h.length);
	ext = flags & VIRTIO_CAN_FLAGS_EXTENDED;
	rtr = flags & VIRTIO_CAN_FLAGS_RTR;
	*fd = flags & VIRTIO_CAN_FLAGS_FD;

	if (le16toh(h.msg_type) != VIRTIO_CAN_TX || (flags & ~VIRTIO_CAN_FLAGS_KNOWN))
		return false;
	if (*fd ? !c->fd || !can_fd_len_valid(len) : !c->classic || len > CAN_MAX_DLEN)
		return false;
	/* A remote frame is classic only, and asks for up to 8 bytes. */
	if (rtr && (!c->rtr || *fd))
		return false;
	if (id > (ext ? CAN_EFF_MASK : CAN_SFF_MASK))
		return false;
	/* A remote frame carries no data: its payload may be left out. */
	if (!rtr && total < CAN_HDR_SIZE + (size_t)len)
		return false;

	memset(f, 0, sizeof(*f));
	f->can_id = id | (ext ? CAN_EFF_FLAG : 0) | (rtr ? CAN_RTR_FLAG : 0);
	f->len = (uint8_t)len;
	if (*fd)
		f->flags = CANFD_FDF;
	if (!rtr)
		memcpy(f->data, msg + CAN_HDR_SIZE, len);
	return true;
}

size_t can_rx_format(const struct can *c, const struct canfd_frame *f, int size, uint8_t *out)
{
	bool fd = size == (int)CANFD_MTU, ext = f->can_id & CAN_EFF_FLAG;
	bool rtr = !fd && (f->can_id & CAN_RTR_FLAG);
	struct virtio_can_frame_hdr h = { .msg_type = htole16(VIRTIO_CAN_RX) };
	uint32_t flags = 0;

	if (size != (int)CAN_MTU && !fd)
		return 0;
	if (fd ? !c->fd || !can_fd_len_valid(f->len) : !c->classic || f->len > CAN_MAX_DLEN)
		return 0;
	if (rtr && !c->rtr)
		return 0;
	flags |= ext ? VIRTIO_CAN_FLAGS_EXTENDED : 0;
	flags |= fd ? VIRTIO_CAN_FLAGS_FD : 0;
	flags |= rtr ? VIRTIO_CAN_FLAGS_RTR : 0;
	h.length = htole16(f->len);
	h.flags = htole32(flags);
	h.can_id = htole32(f->can_id & (ext ? CAN_EFF_MASK : CAN_SFF_MASK));
	memcpy(out, &h, sizeof(h));
	/* A remote frame's payload is zeroes: Linux's driver wants used
	 * length 16 + length all the same. */
	if (rtr)
		memset(out + CAN_HDR_SIZE, 0, f->len);
	else
		memcpy(out + CAN_HDR_SIZE, f->data, f->len);
	return CAN_HDR_SIZE + f->len;
}
