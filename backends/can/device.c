// SPDX-License-Identifier: MIT
/*
 * The virtio-CAN device on the back-end library: its callbacks hand each
 * event to the controller (controller.c), and the controller reaches the
 * queues through the library here.
 */
#include "can.h"
#include "log.h"

static struct can *can_of(struct vub_dev *dev)
{
	return vub_dev_opaque(dev);
}

static struct vub_req *lib_pop(struct can *c, unsigned int queue)
{
	return vub_queue_pop(vub_dev_queue(c->dev, queue));
}

static bool lib_has_buffers(struct can *c, unsigned int queue)
{
	return vub_queue_has_buffers(vub_dev_queue(c->dev, queue));
}

static void lib_config_changed(struct can *c)
{
	if (vub_config_changed(c->dev))
		log_warn("the driver was not told of bus-off (no back-end channel)");
}

static int lib_control_resumed(struct can *c)
{
	struct vub_queue *q = vub_dev_queue(c->dev, VIRTIO_CAN_QUEUE_CONTROL);

	if (!vub_queue_ready(q))
		return -1;
	return vub_queue_avail_index(q) != 0;
}

static const struct can_queue_ops lib_queues = {
	.pop = lib_pop,
	.has_buffers = lib_has_buffers,
	.complete = vub_req_done,
	.config_changed = lib_config_changed,
	.control_resumed = lib_control_resumed,
};

static void dev_get_config(struct vub_dev *dev, uint8_t *buf)
{
	can_get_config(can_of(dev), buf);
}

static int dev_set_features(struct vub_dev *dev, uint64_t features)
{
	can_set_features(can_of(dev), features);
	return 0;
}

static void dev_kick(struct vub_dev *dev, struct vub_queue *q)
{
	can_kick(can_of(dev), vub_queue_index(q));
}

static void dev_queue_stop(struct vub_dev *dev, struct vub_queue *q)
{
	can_queue_stop(can_of(dev), vub_queue_index(q));
}

static void dev_reset(struct vub_dev *dev)
{
	can_reset(can_of(dev));
}

int can_attach(struct can *c, struct vub_dev *dev)
{
	c->dev = dev;
	c->queues = &lib_queues;
	return can_socket_watch(c, dev);
}

/* features: can_offered_features(), filled in by main(). */
const struct vub_device can_device = {
	.name = "can",
	.num_queues = 3,
	.max_queue_size = 1024,
	.config_size = sizeof(struct virtio_can_config),
	.get_config = dev_get_config,
	.set_features = dev_set_features,
	.queue_kick = dev_kick,
	.queue_stop = dev_queue_stop,
	.reset = dev_reset,
};
