// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_can: transmit. Each frame goes out in a slot of its own (header
 * and payload readable, the result byte writable); the slot's index is
 * the echo skb's, and the echo goes up when the device answers OK (with
 * VIRTIO_CAN_F_LATE_TX_ACK, once the bus acknowledged the frame). The
 * queue stops while every slot or the ring is in use, and wakes on the
 * next completion.
 *
 * Echoes go up through NAPI (vtcan_poll()), in completion order.
 * can_get_echo_skb() would pass each to netif_rx(), onto the backlog of
 * whichever CPU took the interrupt, and two CPUs' backlogs reorder frames.
 */
#include <linux/can/skb.h>
#include <linux/scatterlist.h>

#include "vtcan.h"

/* Room for one more frame: a free slot and two descriptors. */
static bool vtcan_tx_room(struct vtcan_priv *priv)
{
	return priv->tx_inflight < VTCAN_TX_MAX && priv->txq->num_free >= 2 &&
	       !priv->bus_off;
}

/*
 * Fill slot from skb; returns the readable length, or 0 for a frame the
 * device did not agree to carry.
 */
static unsigned int vtcan_tx_fill(struct vtcan_priv *priv, struct vtcan_tx_slot *slot,
				  struct sk_buff *skb)
{
	struct canfd_frame *cfd = (struct canfd_frame *)skb->data;
	struct virtio_device *vdev = priv->vdev;
	u32 flags = 0, id = cfd->can_id;
	unsigned int payload = cfd->len;

	if (can_is_canfd_skb(skb)) {
		if (!virtio_has_feature(vdev, VIRTIO_CAN_F_CAN_FD))
			return 0;
		flags |= VIRTIO_CAN_FLAGS_FD;
	} else if (!virtio_has_feature(vdev, VIRTIO_CAN_F_CAN_CLASSIC)) {
		return 0;
	} else if (id & CAN_RTR_FLAG) {
		if (!virtio_has_feature(vdev, VIRTIO_CAN_F_RTR_FRAMES))
			return 0;
		flags |= VIRTIO_CAN_FLAGS_RTR;
		payload = 0;
	}
	if (id & CAN_EFF_FLAG) {
		flags |= VIRTIO_CAN_FLAGS_EXTENDED;
		id &= CAN_EFF_MASK;
	} else {
		id &= CAN_SFF_MASK;
	}
	memset(&slot->hdr, 0, sizeof(slot->hdr));
	slot->hdr.msg_type = cpu_to_le16(VIRTIO_CAN_TX);
	slot->hdr.length = cpu_to_le16(cfd->len);
	slot->hdr.flags = cpu_to_le32(flags);
	slot->hdr.can_id = cpu_to_le32(id);
	memcpy(slot->sdu, cfd->data, payload);
	/* What a device that writes nothing reports. */
	slot->res.result = VIRTIO_CAN_RESULT_NOT_OK;
	return sizeof(slot->hdr) + payload;
}

netdev_tx_t vtcan_start_xmit(struct sk_buff *skb, struct net_device *ndev)
{
	struct vtcan_priv *priv = netdev_priv(ndev);
	struct scatterlist out, in, *sgs[2] = { &out, &in };
	struct vtcan_tx_slot *slot;
	unsigned long flags;
	unsigned int idx, len;
	bool kick;

	if (can_dev_dropped_skb(ndev, skb))
		return NETDEV_TX_OK;

	spin_lock_irqsave(&priv->tx_lock, flags);
	if (!vtcan_tx_room(priv)) {
		netif_stop_queue(ndev);
		spin_unlock_irqrestore(&priv->tx_lock, flags);
		return NETDEV_TX_BUSY;
	}
	idx = find_first_zero_bit(priv->tx_busy, VTCAN_TX_MAX);
	slot = &priv->tx_slots[idx];
	len = vtcan_tx_fill(priv, slot, skb);
	/* Stats change under tx_lock: completions count there too. */
	if (!len)
		goto drop;
	sg_init_one(&out, slot, len);
	sg_init_one(&in, &slot->res, sizeof(slot->res));
	/* Fails only on a broken ring: a full one is caught above. */
	if (virtqueue_add_sgs(priv->txq, sgs, 1, 1, slot, GFP_ATOMIC))
		goto drop;
	__set_bit(idx, priv->tx_busy);
	priv->tx_inflight++;
	can_put_echo_skb(skb, ndev, idx, 0);
	if (!vtcan_tx_room(priv))
		netif_stop_queue(ndev);
	kick = (!netdev_xmit_more() || netif_queue_stopped(ndev)) &&
	       virtqueue_kick_prepare(priv->txq);
	spin_unlock_irqrestore(&priv->tx_lock, flags);
	if (kick)
		virtqueue_notify(priv->txq);
	return NETDEV_TX_OK;

drop:
	ndev->stats.tx_dropped++;
	spin_unlock_irqrestore(&priv->tx_lock, flags);
	kfree_skb(skb);
	return NETDEV_TX_OK;
}

/*
 * Take slot idx's echo skb from the CAN core for NAPI to deliver; returns
 * the frame's payload length. A sender that asked for no loopback, or an
 * interface going down, gets no echo.
 */
static unsigned int vtcan_tx_echo(struct vtcan_priv *priv, unsigned int idx)
{
	struct sk_buff *skb = priv->can.echo_skb[idx];
	unsigned int len;

	if (!skb)
		return 0;
	priv->can.echo_skb[idx] = NULL;
	len = can_skb_get_data_len(skb);
	if (skb->pkt_type != PACKET_LOOPBACK || !netif_running(priv->ndev)) {
		dev_consume_skb_any(skb);
		return len;
	}
	skb->pkt_type = PACKET_BROADCAST;
	skb_queue_tail(&priv->echo_queue, skb);
	return len;
}

void vtcan_tx_done(struct virtqueue *vq)
{
	struct vtcan_priv *priv = vq->vdev->priv;
	struct net_device *ndev = priv->ndev;
	struct vtcan_tx_slot *slot;
	unsigned long flags;
	unsigned int len, idx;

	spin_lock_irqsave(&priv->tx_lock, flags);
	while ((slot = virtqueue_get_buf(vq, &len))) {
		idx = slot - priv->tx_slots;
		__clear_bit(idx, priv->tx_busy);
		priv->tx_inflight--;
		if (len >= 1 && slot->res.result == VIRTIO_CAN_RESULT_OK) {
			ndev->stats.tx_bytes += vtcan_tx_echo(priv, idx);
			ndev->stats.tx_packets++;
		} else {
			can_free_echo_skb(ndev, idx, NULL);
			ndev->stats.tx_dropped++;
		}
	}
	if (netif_running(ndev) && netif_queue_stopped(ndev) && vtcan_tx_room(priv))
		netif_wake_queue(ndev);
	spin_unlock_irqrestore(&priv->tx_lock, flags);
	if (!skb_queue_empty_lockless(&priv->echo_queue))
		napi_schedule(&priv->napi);
}

/* Hand the echoes that came so far to the stack; NAPI context. */
void vtcan_tx_deliver_echoes(struct vtcan_priv *priv)
{
	struct sk_buff *skb;

	while ((skb = skb_dequeue(&priv->echo_queue)))
		netif_receive_skb(skb);
}

/*
 * Interface down, NAPI off: echoes not delivered yet are dropped. Under
 * tx_lock, so that vtcan_tx_done() sees the interface down after this.
 */
void vtcan_tx_drop_echoes(struct vtcan_priv *priv)
{
	struct sk_buff_head gone;

	__skb_queue_head_init(&gone);
	spin_lock_irq(&priv->tx_lock);
	skb_queue_splice_init(&priv->echo_queue, &gone);
	spin_unlock_irq(&priv->tx_lock);
	__skb_queue_purge(&gone);
}

/* Bus-off stops transmission until the device is started again. */
void vtcan_tx_set_bus_off(struct vtcan_priv *priv, bool bus_off)
{
	spin_lock_irq(&priv->tx_lock);
	priv->bus_off = bus_off;
	if (bus_off)
		netif_stop_queue(priv->ndev);
	else if (vtcan_tx_room(priv))
		netif_wake_queue(priv->ndev);
	spin_unlock_irq(&priv->tx_lock);
}
