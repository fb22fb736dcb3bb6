/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio_can: a SocketCAN network device on the virtio CAN device
 * (virtio 1.4, device id 36). Queue 0 sends frames, each answered by a
 * result byte; queue 1 returns received frames in buffers the driver
 * posts; queue 2 carries START and STOP. The config space's status says
 * bus-off.
 */
#ifndef _VTCAN_H
#define _VTCAN_H

#include <linux/can/dev.h>
#include <linux/completion.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/spinlock.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/workqueue.h>
#include <linux/virtio_can.h>

/* Frames in flight to the device, each holding an echo skb. */
#define VTCAN_TX_MAX		128
/* Receive buffers posted, at most (and at most the ring's size). */
#define VTCAN_RX_MAX		256

struct vtcan_tx_slot {
	struct virtio_can_frame_hdr hdr;
	u8 sdu[VIRTIO_CAN_FD_MAX_LEN];
	/* Written by the device: a cache line of its own. */
	struct virtio_can_result res ____cacheline_aligned;
};

struct vtcan_rx_buf {
	struct virtio_can_frame_hdr hdr;
	u8 sdu[VIRTIO_CAN_FD_MAX_LEN];
};

struct vtcan_ctrl_msg {
	struct virtio_can_control_out out;
	struct virtio_can_result res ____cacheline_aligned;
};

struct vtcan_priv {
	struct can_priv can;		/* first: the CAN core's private part */
	struct net_device *ndev;
	struct virtio_device *vdev;
	struct virtqueue *txq, *rxq, *ctrlq;
	struct napi_struct napi;	/* receive */

	/* Transmit: slot i carries the frame whose echo skb has index i. */
	spinlock_t tx_lock;
	struct vtcan_tx_slot *tx_slots;
	DECLARE_BITMAP(tx_busy, VTCAN_TX_MAX);
	unsigned int tx_inflight;
	struct sk_buff_head echo_queue;	/* echoes for NAPI, in order */
	bool bus_off;			/* reported, not restarted yet */

	struct vtcan_rx_buf *rx_bufs;
	unsigned int rx_count;
	unsigned int rx_len;		/* bytes the device may write per buffer */

	/* Control: one request at a time, under ctrl_lock. */
	struct mutex ctrl_lock;
	struct vtcan_ctrl_msg *ctrl;
	struct completion ctrl_done;
	bool ctrl_stuck;		/* a request timed out; the device has it */

	struct work_struct config_work;
};

extern unsigned int vtcan_ctrl_timeout_ms;

int vtcan_ctrl(struct vtcan_priv *priv, u16 msg_type);
void vtcan_ctrl_done(struct virtqueue *vq);

netdev_tx_t vtcan_start_xmit(struct sk_buff *skb, struct net_device *ndev);
void vtcan_tx_done(struct virtqueue *vq);
void vtcan_tx_deliver_echoes(struct vtcan_priv *priv);
void vtcan_tx_drop_echoes(struct vtcan_priv *priv);
void vtcan_tx_set_bus_off(struct vtcan_priv *priv, bool bus_off);

int vtcan_rx_fill(struct vtcan_priv *priv);
void vtcan_rx_done(struct virtqueue *vq);
void vtcan_rx_schedule(struct vtcan_priv *priv);
int vtcan_poll(struct napi_struct *napi, int budget);

#endif
