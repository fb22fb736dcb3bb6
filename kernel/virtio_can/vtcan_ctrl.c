// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_can: the control queue. START and STOP are synchronous, but the
 * wait is bounded (ctrl_timeout_ms): they run under RTNL, and a back-end
 * that never answers must make "ip link set up" fail, not hang. A request
 * that timed out stays the device's; the next one first looks whether it
 * came back, and fails at once while it has not.
 */
#include <linux/jiffies.h>
#include <linux/scatterlist.h>

#include "vtcan.h"

void vtcan_ctrl_done(struct virtqueue *vq)
{
	struct vtcan_priv *priv = vq->vdev->priv;

	complete(&priv->ctrl_done);
}

/* Take the answered request back from the ring; false if not answered. */
static bool vtcan_ctrl_reap(struct vtcan_priv *priv, unsigned int *len)
{
	return virtqueue_get_buf(priv->ctrlq, len);
}

int vtcan_ctrl(struct vtcan_priv *priv, u16 msg_type)
{
	struct vtcan_ctrl_msg *msg = priv->ctrl;
	struct scatterlist out, in, *sgs[2] = { &out, &in };
	unsigned long timeout = msecs_to_jiffies(vtcan_ctrl_timeout_ms);
	unsigned int len = 0;
	int err;

	mutex_lock(&priv->ctrl_lock);
	if (priv->ctrl_stuck) {
		if (!vtcan_ctrl_reap(priv, &len)) {
			err = -ETIMEDOUT;
			goto out;
		}
		priv->ctrl_stuck = false;
	}
	msg->out.msg_type = cpu_to_le16(msg_type);
	msg->res.result = VIRTIO_CAN_RESULT_NOT_OK;
	sg_init_one(&out, &msg->out, sizeof(msg->out));
	sg_init_one(&in, &msg->res, sizeof(msg->res));
	reinit_completion(&priv->ctrl_done);
	err = virtqueue_add_sgs(priv->ctrlq, sgs, 1, 1, msg, GFP_KERNEL);
	if (err)
		goto out;
	virtqueue_kick(priv->ctrlq);
	len = 0;
	wait_for_completion_timeout(&priv->ctrl_done, timeout);
	/* The interrupt may be late or spurious: the ring decides. */
	if (!vtcan_ctrl_reap(priv, &len)) {
		priv->ctrl_stuck = true;
		netdev_info(priv->ndev, "control request %#x: no answer in %u ms\n",
			    msg_type, vtcan_ctrl_timeout_ms);
		err = -ETIMEDOUT;
		goto out;
	}
	err = len >= 1 && msg->res.result == VIRTIO_CAN_RESULT_OK ? 0 : -EIO;
out:
	mutex_unlock(&priv->ctrl_lock);
	return err;
}
