// SPDX-License-Identifier: MIT
/* The device object: what it offers, its queues, reset, config notices. */
#include "log.h"
#include "vub_private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VIRTIO_F_VERSION_1_BIT 32

/* Protocol features every device gets unless it opts out. */
static const uint64_t library_protocol_features =
	(1ull << VU_PROTOCOL_F_MQ) | (1ull << VU_PROTOCOL_F_REPLY_ACK) |
	(1ull << VU_PROTOCOL_F_BACKEND_REQ) | (1ull << VU_PROTOCOL_F_INFLIGHT_SHMFD) |
	(1ull << VU_PROTOCOL_F_RESET_DEVICE) | (1ull << VU_PROTOCOL_F_CONFIGURE_MEM_SLOTS) |
	(1ull << VU_PROTOCOL_F_STATUS);

struct vub_dev *vub_dev_new(const struct vub_device *desc, void *opaque)
{
	struct vub_dev *dev;

	if (!desc->queue_kick || desc->num_queues == 0 || desc->num_queues > VUB_MAX_QUEUES ||
	    desc->max_queue_size == 0 || desc->max_queue_size > VUB_MAX_QUEUE_SIZE ||
	    desc->config_size > VU_MAX_CONFIG_SIZE || (desc->config_size && !desc->get_config)) {
		log_err("invalid device description for %s", desc->name ? desc->name : "?");
		return NULL;
	}
	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return NULL;
	dev->desc = desc;
	dev->opaque = opaque;
	dev->backend_fd = dev->listen_fd = dev->conn_fd = dev->epfd = dev->sigfd = -1;
	vub_mem_init(&dev->mem);
	dev->features_offered = desc->features | (1ull << VIRTIO_F_VERSION_1_BIT) |
				(1ull << VIRTIO_RING_F_INDIRECT_DESC) |
				(1ull << VIRTIO_RING_F_EVENT_IDX) |
				(1ull << VU_F_PROTOCOL_FEATURES);
	dev->protocol_offered = library_protocol_features;
	if (desc->config_size)
		dev->protocol_offered |= 1ull << VU_PROTOCOL_F_CONFIG;
	dev->protocol_offered &= ~desc->protocol_features_off;
	dev->queues = calloc(desc->num_queues, sizeof(*dev->queues));
	if (!dev->queues)
		goto fail;
	for (unsigned int i = 0; i < desc->num_queues; i++) {
		dev->queues[i] = malloc(sizeof(struct vub_queue));
		if (!dev->queues[i])
			goto fail;
		vub_queue_init(dev->queues[i], dev, i);
	}
	if (vub_loop_init(dev))
		goto fail;
	return dev;
fail:
	log_err("out of memory for device %s", desc->name ? desc->name : "?");
	vub_dev_free(dev);
	return NULL;
}

void vub_dev_free(struct vub_dev *dev)
{
	if (!dev)
		return;
	if (dev->conn_fd >= 0)
		vub_disconnect(dev);
	else if (dev->queues)
		vub_reset_connection_state(dev);
	if (dev->queues) {
		for (unsigned int i = 0; i < dev->desc->num_queues; i++)
			free(dev->queues[i]);
		free(dev->queues);
	}
	vub_mem_clear(&dev->mem);
	free(dev->mem.retired);
	vub_loop_fini(dev);
	if (dev->listen_fd >= 0)
		close(dev->listen_fd);
	free(dev->socket_path);
	free(dev);
}

void *vub_dev_opaque(const struct vub_dev *dev)
{
	return dev->opaque;
}

struct vub_queue *vub_dev_queue(struct vub_dev *dev, unsigned int index)
{
	return index < dev->desc->num_queues ? dev->queues[index] : NULL;
}

uint64_t vub_dev_features(const struct vub_dev *dev)
{
	return dev->features;
}

bool vub_dev_has_feature(const struct vub_dev *dev, unsigned int bit)
{
	return bit < 64 && (dev->features & (1ull << bit));
}

bool vub_dev_connected(const struct vub_dev *dev)
{
	return dev->conn_fd >= 0;
}

static void stop_all_queues(struct vub_dev *dev)
{
	for (unsigned int i = 0; i < dev->desc->num_queues; i++)
		if (dev->queues[i])
			vub_queue_stop(dev->queues[i]);
}

void vub_device_reset(struct vub_dev *dev)
{
	stop_all_queues(dev);
	if (dev->desc->reset)
		dev->desc->reset(dev);
	for (unsigned int i = 0; i < dev->desc->num_queues; i++) {
		struct vub_queue *q = dev->queues[i];

		/* The error notifier is vhost state, not virtio state: kept. */
		q->num = 0;
		q->have_addr = false;
		q->base = q->last_avail = 0;
		q->enabled = false;
		q->broken = false;
	}
	/* The rings are gone, so what the region says is stale now. */
	vub_inflight_drop(dev, true);
	dev->features = 0;
	dev->features_acked = false;
	dev->status = 0;
	log_info("device reset");
}

void vub_reset_connection_state(struct vub_dev *dev)
{
	stop_all_queues(dev);
	if (dev->desc->reset)
		dev->desc->reset(dev);
	for (unsigned int i = 0; i < dev->desc->num_queues; i++)
		if (dev->queues[i])
			vub_queue_reset(dev->queues[i]);
	/* The region stays with the front-end for our successor. */
	vub_inflight_drop(dev, false);
	vub_mem_clear(&dev->mem);
	if (dev->backend_fd >= 0) {
		close(dev->backend_fd);
		dev->backend_fd = -1;
	}
	dev->features = 0;
	dev->features_acked = false;
	dev->protocol = 0;
	dev->status = 0;
}

int vub_config_changed(struct vub_dev *dev)
{
	const uint64_t need = (1ull << VU_PROTOCOL_F_CONFIG) | (1ull << VU_PROTOCOL_F_BACKEND_REQ);
	struct vu_msg msg;
	int ret;

	if (dev->backend_fd < 0 || (dev->protocol & need) != need)
		return -ENOTCONN;
	/* No reply asked for: waiting here could deadlock with a front-end
	 * that is itself waiting for our reply on the main socket. */
	vu_msg_init(&msg, VU_BACKEND_CONFIG_CHANGE_MSG, 0);
	ret = vu_msg_send(dev->backend_fd, &msg);
	if (ret)
		log_warn("cannot send a config change notice: %s", strerror(-ret));
	return ret;
}
