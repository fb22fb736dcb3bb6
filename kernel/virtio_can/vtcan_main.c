// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_can: probe, removal and the network device. The bit rate is the
 * device's business (the specification has no way to set it), so it is
 * CAN_BITRATE_UNKNOWN, which lets "ip link set up" pass open_candev();
 * with VIRTIO_CAN_F_CAN_FD the interface is statically in FD mode. Open
 * starts the device, stop stops it; bus-off comes from the config space
 * and ends with a restart ("ip link set DEV type can restart", or
 * restart-ms), which starts the device again.
 */
#include <linux/can/skb.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ids.h>

#include "vtcan.h"
#include "vtcan_compat.h"

unsigned int vtcan_ctrl_timeout_ms = 3000;
module_param_named(ctrl_timeout_ms, vtcan_ctrl_timeout_ms, uint, 0644);
MODULE_PARM_DESC(ctrl_timeout_ms, "how long START and STOP wait for the device (ms)");

static int vtcan_start(struct vtcan_priv *priv)
{
	int err = vtcan_ctrl(priv, VIRTIO_CAN_SET_CTRL_MODE_START);

	if (err)
		return err;
	priv->can.state = CAN_STATE_ERROR_ACTIVE;
	vtcan_tx_set_bus_off(priv, false);
	return 0;
}

static int vtcan_open(struct net_device *ndev)
{
	struct vtcan_priv *priv = netdev_priv(ndev);
	int err;

	err = open_candev(ndev);
	if (err)
		return err;
	napi_enable(&priv->napi);
	vtcan_rx_schedule(priv);
	err = vtcan_start(priv);
	if (err) {
		netdev_info(ndev, "the device did not start (%pe)\n", ERR_PTR(err));
		napi_disable(&priv->napi);
		close_candev(ndev);
		return err;
	}
	netif_start_queue(ndev);
	return 0;
}

static int vtcan_stop(struct net_device *ndev)
{
	struct vtcan_priv *priv = netdev_priv(ndev);

	netif_stop_queue(ndev);
	/* The device fails the frames still queued; a dead one is logged. */
	vtcan_ctrl(priv, VIRTIO_CAN_SET_CTRL_MODE_STOP);
	napi_disable(&priv->napi);
	vtcan_tx_drop_echoes(priv);
	priv->can.state = CAN_STATE_STOPPED;
	close_candev(ndev);
	return 0;
}

static int vtcan_set_mode(struct net_device *ndev, enum can_mode mode)
{
	if (mode != CAN_MODE_START)
		return -EOPNOTSUPP;
	return vtcan_start(netdev_priv(ndev));
}

static const struct net_device_ops vtcan_netdev_ops = {
	.ndo_open = vtcan_open,
	.ndo_stop = vtcan_stop,
	.ndo_start_xmit = vtcan_start_xmit,
	.ndo_change_mtu = can_change_mtu,
};

/*
 * Bus-off, once per occurrence: the device has stopped and failed what
 * it still had to send. RTNL orders this against open, stop and restart.
 */
static void vtcan_config_work(struct work_struct *work)
{
	struct vtcan_priv *priv = container_of(work, struct vtcan_priv, config_work);
	struct net_device *ndev = priv->ndev;
	struct can_frame *cf;
	struct sk_buff *skb;
	u16 status;

	virtio_cread_le(priv->vdev, struct virtio_can_config, status, &status);
	if (!(status & VIRTIO_CAN_S_CTRL_BUSOFF))
		return;
	rtnl_lock();
	if (netif_running(ndev) && priv->can.state != CAN_STATE_BUS_OFF) {
		vtcan_tx_set_bus_off(priv, true);
		priv->can.state = CAN_STATE_BUS_OFF;
		priv->can.can_stats.bus_off++;
		skb = alloc_can_err_skb(ndev, &cf);
		if (skb) {
			cf->can_id |= CAN_ERR_BUSOFF;
			netif_rx(skb);
		}
		can_bus_off(ndev);
	}
	rtnl_unlock();
}

static void vtcan_config_changed(struct virtio_device *vdev)
{
	struct vtcan_priv *priv = vdev->priv;

	schedule_work(&priv->config_work);
}

static int vtcan_alloc(struct vtcan_priv *priv)
{
	priv->ctrl = kzalloc(sizeof(*priv->ctrl), GFP_KERNEL);
	priv->tx_slots = kcalloc(VTCAN_TX_MAX, sizeof(*priv->tx_slots), GFP_KERNEL);
	priv->rx_count = min_t(unsigned int, VTCAN_RX_MAX,
			       virtqueue_get_vring_size(priv->rxq));
	priv->rx_bufs = kcalloc(priv->rx_count, sizeof(*priv->rx_bufs), GFP_KERNEL);
	if (!priv->ctrl || !priv->tx_slots || !priv->rx_bufs)
		return -ENOMEM;
	return 0;
}

static void vtcan_free(struct vtcan_priv *priv)
{
	kfree(priv->rx_bufs);
	kfree(priv->tx_slots);
	kfree(priv->ctrl);
}

static int vtcan_find_queues(struct vtcan_priv *priv)
{
	static const char * const names[] = { "can-tx", "can-rx", "can-control" };
	vq_callback_t *callbacks[] = { vtcan_tx_done, vtcan_rx_done, vtcan_ctrl_done };
	struct virtqueue *vqs[3];
	int err;

	err = vtcan_find_vqs(priv->vdev, 3, vqs, callbacks, names);
	if (err)
		return err;
	priv->txq = vqs[VIRTIO_CAN_QUEUE_TX];
	priv->rxq = vqs[VIRTIO_CAN_QUEUE_RX];
	priv->ctrlq = vqs[VIRTIO_CAN_QUEUE_CONTROL];
	return 0;
}

static int vtcan_probe(struct virtio_device *vdev)
{
	bool fd = virtio_has_feature(vdev, VIRTIO_CAN_F_CAN_FD);
	struct net_device *ndev;
	struct vtcan_priv *priv;
	int err;

	if (!fd && !virtio_has_feature(vdev, VIRTIO_CAN_F_CAN_CLASSIC)) {
		dev_info(&vdev->dev, "the device offers neither classic nor FD frames\n");
		return -ENODEV;
	}
	if (!vdev->config->get) {
		dev_info(&vdev->dev, "the device has no config space\n");
		return -ENODEV;
	}
	ndev = alloc_candev(sizeof(*priv), VTCAN_TX_MAX);
	if (!ndev)
		return -ENOMEM;
	priv = netdev_priv(ndev);
	priv->ndev = ndev;
	priv->vdev = vdev;
	vdev->priv = priv;
	spin_lock_init(&priv->tx_lock);
	skb_queue_head_init(&priv->echo_queue);
	mutex_init(&priv->ctrl_lock);
	init_completion(&priv->ctrl_done);
	INIT_WORK(&priv->config_work, vtcan_config_work);
	ndev->netdev_ops = &vtcan_netdev_ops;
	ndev->flags |= IFF_ECHO;
	SET_NETDEV_DEV(ndev, &vdev->dev);
	priv->can.bittiming.bitrate = CAN_BITRATE_UNKNOWN;
	priv->can.do_set_mode = vtcan_set_mode;
	if (fd) {
		priv->can.data_bittiming.bitrate = CAN_BITRATE_UNKNOWN;
		err = can_set_static_ctrlmode(ndev, CAN_CTRLMODE_FD);
		if (err)
			goto err_free_dev;
	}
	priv->rx_len = sizeof(struct virtio_can_frame_hdr) +
		       (fd ? VIRTIO_CAN_FD_MAX_LEN : VIRTIO_CAN_CLASSIC_MAX_LEN);
	netif_napi_add(ndev, &priv->napi, vtcan_poll);

	err = vtcan_find_queues(priv);
	if (err)
		goto err_napi;
	err = vtcan_alloc(priv);
	if (err)
		goto err_vqs;
	err = vtcan_rx_fill(priv);
	if (err)
		goto err_vqs;
	virtio_device_ready(vdev);
	err = register_candev(ndev);
	if (err)
		goto err_reset;
	netdev_info(ndev, "virtio CAN device:%s%s%s%s\n",
		    virtio_has_feature(vdev, VIRTIO_CAN_F_CAN_CLASSIC) ? " classic" : "",
		    fd ? " FD" : "",
		    virtio_has_feature(vdev, VIRTIO_CAN_F_RTR_FRAMES) ? " RTR" : "",
		    virtio_has_feature(vdev, VIRTIO_CAN_F_LATE_TX_ACK) ? " late-tx-ack" : "");
	return 0;

err_reset:
	virtio_reset_device(vdev);
err_vqs:
	vdev->config->del_vqs(vdev);
	vtcan_free(priv);
err_napi:
	netif_napi_del(&priv->napi);
err_free_dev:
	free_candev(ndev);
	return err;
}

static void vtcan_remove(struct virtio_device *vdev)
{
	struct vtcan_priv *priv = vdev->priv;
	struct net_device *ndev = priv->ndev;

	unregister_candev(ndev);
	cancel_work_sync(&priv->config_work);
	/* No buffer is the device's after the reset: all are freed here. */
	virtio_reset_device(vdev);
	vdev->config->del_vqs(vdev);
	vtcan_free(priv);
	netif_napi_del(&priv->napi);
	skb_queue_purge(&priv->echo_queue);
	free_candev(ndev);
}

static const struct virtio_device_id vtcan_id_table[] = {
	{ VIRTIO_ID_CAN, VIRTIO_DEV_ANY_ID },
	{ 0 },
};
MODULE_DEVICE_TABLE(virtio, vtcan_id_table);

static unsigned int vtcan_features[] = {
	VIRTIO_CAN_F_CAN_CLASSIC,
	VIRTIO_CAN_F_CAN_FD,
	VIRTIO_CAN_F_RTR_FRAMES,
	VIRTIO_CAN_F_LATE_TX_ACK,
};

static struct virtio_driver vtcan_driver = {
	.feature_table = vtcan_features,
	.feature_table_size = ARRAY_SIZE(vtcan_features),
	.driver.name = KBUILD_MODNAME,
	.driver.owner = THIS_MODULE,
	.id_table = vtcan_id_table,
	.probe = vtcan_probe,
	.remove = vtcan_remove,
	.config_changed = vtcan_config_changed,
};
module_virtio_driver(vtcan_driver);

MODULE_DESCRIPTION("SocketCAN driver for the virtio CAN device (virtio 1.4)");
MODULE_LICENSE("GPL");
