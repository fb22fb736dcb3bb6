// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_can: receive, in NAPI. Every buffer posted at probe goes back to
 * the device as soon as its frame is taken, whatever became of the frame,
 * so a flood can fill the ring but never drain it for good. The queue's
 * callback stays off while NAPI polls, and is turned back on only after
 * napi_complete_done(); a buffer that came in between schedules NAPI
 * again. Each frame the device returns is counted once: received, an
 * error (malformed), or dropped.
 */
#include <linux/can/skb.h>
#include <linux/scatterlist.h>

#include "vtcan.h"

static int vtcan_rx_post(struct vtcan_priv *priv, struct vtcan_rx_buf *buf)
{
	struct scatterlist sg;

	sg_init_one(&sg, buf, priv->rx_len);
	return virtqueue_add_inbuf(priv->rxq, &sg, 1, buf, GFP_ATOMIC);
}

int vtcan_rx_fill(struct vtcan_priv *priv)
{
	unsigned int i;
	int err;

	for (i = 0; i < priv->rx_count; i++) {
		err = vtcan_rx_post(priv, &priv->rx_bufs[i]);
		if (err)
			return err;
	}
	virtqueue_kick(priv->rxq);
	return 0;
}

void vtcan_rx_done(struct virtqueue *vq)
{
	struct vtcan_priv *priv = vq->vdev->priv;

	if (napi_schedule_prep(&priv->napi)) {
		virtqueue_disable_cb(vq);
		__napi_schedule(&priv->napi);
	}
}

/* After napi_enable(): take what came while NAPI was off. */
void vtcan_rx_schedule(struct vtcan_priv *priv)
{
	local_bh_disable();
	vtcan_rx_done(priv->rxq);
	local_bh_enable();
}

/* The frame in buf is one this device may send; 0, or why not. */
static int vtcan_rx_check(struct vtcan_priv *priv, const struct vtcan_rx_buf *buf,
			  unsigned int len)
{
	struct virtio_device *vdev = priv->vdev;
	u32 flags = le32_to_cpu(buf->hdr.flags);
	u32 id = le32_to_cpu(buf->hdr.can_id);
	unsigned int length = le16_to_cpu(buf->hdr.length);
	bool fd = flags & VIRTIO_CAN_FLAGS_FD;
	bool rtr = flags & VIRTIO_CAN_FLAGS_RTR;

	if (le16_to_cpu(buf->hdr.msg_type) != VIRTIO_CAN_RX ||
	    (flags & ~VIRTIO_CAN_FLAGS_KNOWN))
		return -EPROTO;
	if (!virtio_has_feature(vdev, fd ? VIRTIO_CAN_F_CAN_FD : VIRTIO_CAN_F_CAN_CLASSIC))
		return -EPROTO;
	if (rtr && (fd || !virtio_has_feature(vdev, VIRTIO_CAN_F_RTR_FRAMES)))
		return -EPROTO;
	if (id > (flags & VIRTIO_CAN_FLAGS_EXTENDED ? CAN_EFF_MASK : CAN_SFF_MASK))
		return -EPROTO;
	if (fd ? length > CANFD_MAX_DLEN || can_fd_dlc2len(can_fd_len2dlc(length)) != length :
		 length > CAN_MAX_DLEN)
		return -EMSGSIZE;
	if (len < sizeof(buf->hdr) + (rtr ? 0 : length))
		return -EMSGSIZE;
	return 0;
}

static void vtcan_rx_one(struct vtcan_priv *priv, const struct vtcan_rx_buf *buf,
			 unsigned int len)
{
	struct net_device_stats *stats = &priv->ndev->stats;
	u32 flags, id;
	unsigned int length;
	struct canfd_frame *cfd;
	struct can_frame *cf;
	struct sk_buff *skb;
	int err;

	err = len < sizeof(buf->hdr) ? -EMSGSIZE : vtcan_rx_check(priv, buf, len);
	if (err) {
		stats->rx_errors++;
		if (err == -EMSGSIZE)
			stats->rx_length_errors++;
		return;
	}
	flags = le32_to_cpu(buf->hdr.flags);
	id = le32_to_cpu(buf->hdr.can_id);
	if (flags & VIRTIO_CAN_FLAGS_EXTENDED)
		id |= CAN_EFF_FLAG;
	length = le16_to_cpu(buf->hdr.length);
	if (flags & VIRTIO_CAN_FLAGS_FD) {
		skb = alloc_canfd_skb(priv->ndev, &cfd);
		if (skb) {
			cfd->can_id = id;
			cfd->len = length;
			memcpy(cfd->data, buf->sdu, length);
		}
	} else {
		skb = alloc_can_skb(priv->ndev, &cf);
		if (skb) {
			cf->len = length;
			if (flags & VIRTIO_CAN_FLAGS_RTR)
				id |= CAN_RTR_FLAG;
			else
				memcpy(cf->data, buf->sdu, length);
			cf->can_id = id;
		}
	}
	if (!skb) {
		stats->rx_dropped++;
		return;
	}
	stats->rx_packets++;
	if (!(flags & VIRTIO_CAN_FLAGS_RTR))
		stats->rx_bytes += length;
	netif_receive_skb(skb);
}

int vtcan_poll(struct napi_struct *napi, int budget)
{
	struct vtcan_priv *priv = container_of(napi, struct vtcan_priv, napi);
	struct vtcan_rx_buf *buf;
	unsigned int len;
	int done = 0;

	/* Not counted in budget, as a network driver's tx cleaning is not. */
	vtcan_tx_deliver_echoes(priv);
	while (done < budget && (buf = virtqueue_get_buf(priv->rxq, &len))) {
		vtcan_rx_one(priv, buf, len);
		/* The ring had room for it a moment ago. */
		if (vtcan_rx_post(priv, buf))
			netdev_info_once(priv->ndev, "receive buffer lost: ring broken\n");
		done++;
	}
	if (done)
		virtqueue_kick(priv->rxq);
	if (done < budget && napi_complete_done(napi, done) &&
	    !virtqueue_enable_cb(priv->rxq) && napi_schedule_prep(napi)) {
		virtqueue_disable_cb(priv->rxq);
		__napi_schedule(napi);
	}
	return done;
}
