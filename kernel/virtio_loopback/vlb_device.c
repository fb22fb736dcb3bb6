// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-loopback: one device's life, and its virtio_config_ops.
 *
 * A device is created by VLB_IOC_CREATE, registered on the virtio bus by a
 * work item after VLB_IOC_START returned (the driver's probe talks to the
 * adapter, which must be free to answer), and removed by a work item when
 * the adapter asks, when its file is closed, or when it stops answering.
 * No lock is held while waiting for the adapter.
 */
#include <linux/bitmap.h>
#include <linux/dma-map-ops.h>
#include <linux/dma-mapping.h>
#include <linux/idr.h>
#include <linux/miscdevice.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/virtio_config.h>
#include <linux/virtio_ring.h>

#include "vlb.h"

/* Largest single bounce mapping; virtio-blk sizes its segments by it. */

/* Feature bits the transport offers on the device's behalf. */
#define VLB_DEVICE_FEATURE_BITS	(GENMASK_ULL(23, 0) | GENMASK_ULL(63, 41))
#define VLB_TRANSPORT_FEATURES	(BIT_ULL(VIRTIO_RING_F_INDIRECT_DESC) | \
				 BIT_ULL(VIRTIO_RING_F_EVENT_IDX) | \
				 BIT_ULL(VIRTIO_F_VERSION_1))

static DEFINE_IDA(vlb_ida);

/* ---- virtio_config_ops ---- */

static u64 vlb_get_features(struct virtio_device *vdev)
{
	struct vlb_device *dev = vdev_to_vlb(vdev);

	return (dev->features & (VLB_DEVICE_FEATURE_BITS | VLB_TRANSPORT_FEATURES)) |
	       BIT_ULL(VIRTIO_F_ACCESS_PLATFORM);
}

static int vlb_finalize_features(struct virtio_device *vdev)
{
	struct vlb_device *dev = vdev_to_vlb(vdev);
	struct vlb_msg msg;

	vlb_msg_init(&msg, VLB_MSG_FEATURES);
	vring_transport_features(vdev);
	/* Buffers must go through the DMA API, that is, through the pool. */
	if (!__virtio_test_bit(vdev, VIRTIO_F_VERSION_1) ||
	    !__virtio_test_bit(vdev, VIRTIO_F_ACCESS_PLATFORM))
		return -EINVAL;
	msg.features.features = vdev->features & ~BIT_ULL(VIRTIO_F_ACCESS_PLATFORM);
	return vlb_ctl_request(dev, &msg);
}

static u8 vlb_get_status(struct virtio_device *vdev)
{
	return READ_ONCE(vdev_to_vlb(vdev)->status);
}

static void vlb_set_status(struct virtio_device *vdev, u8 status)
{
	struct vlb_device *dev = vdev_to_vlb(vdev);
	struct vlb_msg msg;
	int ret;

	vlb_msg_init(&msg, VLB_MSG_STATUS);
	msg.status.status = status;
	ret = vlb_ctl_request(dev, &msg);
	/* A refused FEATURES_OK is how the device rejects the features. */
	if (ret && (status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    !(dev->status & VIRTIO_CONFIG_S_FEATURES_OK))
		status &= ~VIRTIO_CONFIG_S_FEATURES_OK;
	WRITE_ONCE(dev->status, status);
}

/* Stop the device, rings included, and stop interrupts reaching the driver. */
static void vlb_stop(struct vlb_device *dev)
{
	struct vlb_msg msg;
	u32 i;

	/* If the adapter cannot answer, the device is being removed anyway. */
	vlb_msg_init(&msg, VLB_MSG_RESET);
	vlb_ctl_request(dev, &msg);
	for (i = 0; i < dev->num_queues; i++) {
		struct vlb_vq *q = &dev->vqs[i];

		WRITE_ONCE(q->ready, false);
		if (q->failing)
			vlb_fail_stop(q);
		vlb_vq_sync(q);
	}
	dev->rings_live = false;
}

static void vlb_reset(struct virtio_device *vdev)
{
	struct vlb_device *dev = vdev_to_vlb(vdev);

	vlb_stop(dev);
	vlb_config_forget_writes(dev);
	WRITE_ONCE(dev->status, 0);
}

static void vlb_del_vqs(struct virtio_device *vdev)
{
	struct vlb_device *dev = vdev_to_vlb(vdev);
	u32 i;

	/* Rings go back to the pool: the back-end must have let go of them. */
	if (dev->rings_live)
		vlb_stop(dev);
	for (i = 0; i < dev->num_queues; i++) {
		struct vlb_vq *q = &dev->vqs[i];

		if (!q->vq)
			continue;
		vring_del_virtqueue(q->vq);
		q->vq = NULL;
		q->num = 0;
	}
}

static struct virtqueue *vlb_setup_vq(struct vlb_device *dev, u32 index,
				      vq_callback_t *callback, const char *name,
				      bool ctx)
{
	struct vlb_vq *q = &dev->vqs[index];
	struct vlb_msg msg;
	struct virtqueue *vq;
	int ret;

	vq = vring_create_virtqueue(index, q->max_size, SMP_CACHE_BYTES,
				    &dev->vdev, true, true, ctx, vlb_vq_notify,
				    callback, name);
	if (!vq)
		return ERR_PTR(-ENOMEM);
	vlb_msg_init(&msg, VLB_MSG_QUEUE_READY);
	vq->priv = q;
	q->vq = vq;
	q->num = virtqueue_get_vring_size(vq);
	q->desc_iova = virtqueue_get_desc_addr(vq);
	q->avail_iova = virtqueue_get_avail_addr(vq);
	q->used_iova = virtqueue_get_used_addr(vq);

	msg.queue.index = index;
	msg.queue.num = q->num;
	msg.queue.desc = q->desc_iova;
	msg.queue.avail = q->avail_iova;
	msg.queue.used = q->used_iova;
	dev->rings_live = true;
	ret = vlb_ctl_request(dev, &msg);
	if (ret) {
		vring_del_virtqueue(vq);
		q->vq = NULL;
		q->num = 0;
		return ERR_PTR(ret);
	}
	WRITE_ONCE(q->ready, true);
	return vq;
}

static int vlb_find_vqs(struct virtio_device *vdev, unsigned int nvqs,
			struct virtqueue *vqs[], VLB_FIND_VQS_PARAMS,
			struct irq_affinity *desc)
{
	struct vlb_device *dev = vdev_to_vlb(vdev);
	u32 i, next = 0;
	int ret;

	for (i = 0; i < nvqs; i++) {
		if (!VLB_VQ_NAME(i)) {
			vqs[i] = NULL;
			continue;
		}
		if (next >= dev->num_queues) {
			ret = -ENOENT;
			goto fail;
		}
		vqs[i] = vlb_setup_vq(dev, next++, VLB_VQ_CALLBACK(i), VLB_VQ_NAME(i),
				      VLB_VQ_CTX(i));
		if (IS_ERR(vqs[i])) {
			ret = PTR_ERR(vqs[i]);
			goto fail;
		}
	}
	return 0;
fail:
	vlb_del_vqs(vdev);
	return ret;
}

static void vlb_synchronize_cbs(struct virtio_device *vdev)
{
	struct vlb_device *dev = vdev_to_vlb(vdev);
	u32 i;

	for (i = 0; i < dev->num_queues; i++)
		vlb_vq_sync(&dev->vqs[i]);
}

static const char *vlb_bus_name(struct virtio_device *vdev)
{
	return dev_name(&vdev_to_vlb(vdev)->parent);
}

const struct virtio_config_ops vlb_config_ops = {
	.get = vlb_config_get,
	.set = vlb_config_set,
	.generation = vlb_config_generation,
	.get_status = vlb_get_status,
	.set_status = vlb_set_status,
	.reset = vlb_reset,
	.find_vqs = vlb_find_vqs,
	.del_vqs = vlb_del_vqs,
	.synchronize_cbs = vlb_synchronize_cbs,
	.get_features = vlb_get_features,
	.finalize_features = vlb_finalize_features,
	.bus_name = vlb_bus_name,
};

/* ---- life cycle ---- */

static void vlb_parent_release(struct device *d)
{
	struct vlb_device *dev = parent_to_vlb(d);
	u32 i;

	for (i = 0; dev->vqs && i < dev->num_queues; i++)
		vlb_vq_release_fds(&dev->vqs[i]);
	vlb_pool_put(dev->pool);
	kfree(dev->vqs);
	kfree(dev->config);
	bitmap_free(dev->config_written);
	if (dev->index_valid)
		ida_free(&vlb_ida, dev->index);
	kfree(dev);
	module_put(THIS_MODULE);
}

static void vlb_vdev_release(struct device *d)
{
	put_device(&vdev_to_vlb(dev_to_virtio(d))->parent);
}

/* Tell the adapter the device is gone, once it is. */
static void vlb_post_removed(struct vlb_device *dev)
{
	bool added;

	mutex_lock(&dev->lock);
	dev->state = VLB_REMOVED;
	added = dev->added;
	dev->added = false;
	mutex_unlock(&dev->lock);
	/* Gone from sysfs; the memory stays until the last reference. */
	if (added)
		device_del(&dev->parent);
	vlb_ctl_fail_all(dev, -ENODEV);
	vlb_ctl_event(dev, VLB_MSG_REMOVED, 0);
}

static void vlb_register_work(struct work_struct *work)
{
	struct vlb_device *dev = container_of(work, struct vlb_device, register_work);
	int ret;

	mutex_lock(&dev->lock);
	if (dev->state != VLB_STARTING) {
		mutex_unlock(&dev->lock);
		goto out;
	}
	mutex_unlock(&dev->lock);

	get_device(&dev->parent);	/* dropped by vlb_vdev_release() */
	ret = register_virtio_device(&dev->vdev);
	if (ret) {
		dev_err(&dev->parent, "cannot register the virtio device: %d\n", ret);
		put_device(&dev->vdev.dev);
		vlb_post_removed(dev);
		goto out;
	}
	mutex_lock(&dev->lock);
	dev->state = VLB_REGISTERED;
	mutex_unlock(&dev->lock);
	spin_lock_irq(&dev->notify_lock);
	dev->vdev_live = true;
	spin_unlock_irq(&dev->notify_lock);
	dev_info(&dev->parent, "%s: virtio device %u registered\n",
		 dev_name(&dev->vdev.dev), dev->vdev.id.device);
	vlb_ctl_event(dev, VLB_MSG_REGISTERED, dev->vdev.index);
out:
	put_device(&dev->parent);
}

/* Every ready queue fails its requests: nobody else will complete them. */
static void vlb_fail_all_queues(struct vlb_device *dev)
{
	u32 i;

	for (i = 0; i < dev->num_queues; i++)
		if (READ_ONCE(dev->vqs[i].ready))
			vlb_fail_start(&dev->vqs[i], NULL, 0, false);
}

static void vlb_remove_work(struct work_struct *work)
{
	struct vlb_device *dev = container_of(work, struct vlb_device, remove_work);
	bool registered;
	u32 i;

	flush_work(&dev->register_work);
	mutex_lock(&dev->lock);
	registered = dev->state == VLB_REGISTERED;
	dev->state = VLB_REMOVING;
	mutex_unlock(&dev->lock);

	if (registered && dev->adapter_gone) {
		/*
		 * Without the adapter nobody restarts a back-end. Once no
		 * process maps the pool, no back-end can touch the rings, and
		 * the kernel completes what is left, so the driver's removal
		 * cannot wait forever for requests.
		 */
		vlb_pool_wait_unused(dev->pool, msecs_to_jiffies(vlb_ctl_timeout_ms));
		vlb_fail_all_queues(dev);
	}
	if (registered) {
		spin_lock_irq(&dev->notify_lock);
		dev->vdev_live = false;
		spin_unlock_irq(&dev->notify_lock);
		unregister_virtio_device(&dev->vdev);
		dev_info(&dev->parent, "removed\n");
	}
	for (i = 0; i < dev->num_queues; i++)
		vlb_vq_release_fds(&dev->vqs[i]);
	vlb_post_removed(dev);
	put_device(&dev->parent);
}

/**
 * vlb_device_request_remove - remove the device from the virtio bus
 * @dev: the device
 *
 * Asynchronous: the driver's removal may need the adapter's answers. The
 * adapter learns the end from a VLB_MSG_REMOVED message.
 */
void vlb_device_request_remove(struct vlb_device *dev)
{
	bool queue = false;

	mutex_lock(&dev->lock);
	switch (dev->state) {
	case VLB_CREATED:
		mutex_unlock(&dev->lock);
		vlb_post_removed(dev);
		return;
	case VLB_STARTING:
	case VLB_REGISTERED:
		if (!dev->remove_queued) {
			dev->remove_queued = true;
			queue = true;
		}
		break;
	default:
		break;
	}
	mutex_unlock(&dev->lock);
	if (queue) {
		get_device(&dev->parent);
		queue_work(vlb_wq, &dev->remove_work);
	}
}

/**
 * vlb_device_fail - the adapter misbehaved or stopped answering
 * @dev: the device
 * @why: for the log
 *
 * Requests fail from now on, and the device is removed.
 */
void vlb_device_fail(struct vlb_device *dev, const char *why)
{
	bool first;

	mutex_lock(&dev->lock);
	first = !dev->broken;
	dev->broken = true;
	mutex_unlock(&dev->lock);
	if (!first)
		return;
	dev_err(&dev->parent, "%s: removing the device\n", why);
	vlb_ctl_fail_all(dev, -EIO);
	vlb_device_request_remove(dev);
}

/* The adapter closed the device file (or died). */
void vlb_device_file_closed(struct vlb_device *dev)
{
	mutex_lock(&dev->lock);
	dev->adapter_gone = true;
	mutex_unlock(&dev->lock);
	vlb_ctl_fail_all(dev, -ENODEV);
	vlb_device_request_remove(dev);
	put_device(&dev->parent);
}

int vlb_device_start(struct vlb_device *dev)
{
	mutex_lock(&dev->lock);
	if (dev->state != VLB_CREATED || dev->broken) {
		mutex_unlock(&dev->lock);
		return -EINVAL;
	}
	dev->state = VLB_STARTING;
	mutex_unlock(&dev->lock);
	get_device(&dev->parent);
	queue_work(vlb_wq, &dev->register_work);
	return 0;
}

int vlb_device_set_queue_fds(struct vlb_device *dev, const struct vlb_queue_fds *a)
{
	int ret;

	if (a->index >= dev->num_queues || a->flags)
		return -EINVAL;
	mutex_lock(&dev->lock);
	if (dev->state >= VLB_REMOVING)
		ret = -ENODEV;
	else
		ret = vlb_vq_set_fds(&dev->vqs[a->index], a->kick_fd, a->call_fd);
	mutex_unlock(&dev->lock);
	return ret;
}

int vlb_device_interrupt(struct vlb_device *dev, const struct vlb_interrupt *a)
{
	if (a->flags)
		return -EINVAL;
	if (a->queue == VLB_INTERRUPT_CONFIG) {
		vlb_config_notify(dev);
		return 0;
	}
	if (a->queue >= dev->num_queues)
		return -EINVAL;
	irq_work_queue(&dev->vqs[a->queue].irq_work);
	return 0;
}

void vlb_device_get_info(struct vlb_device *dev, struct vlb_info *info)
{
	memset(info, 0, sizeof(*info));
	info->index = dev->index;
	mutex_lock(&dev->lock);
	info->virtio_index = dev->state == VLB_REGISTERED ? (s32)dev->vdev.index : -1;
	if (dev->broken)
		info->flags |= VLB_INFO_F_BROKEN;
	if (dev->remove_queued || dev->state >= VLB_REMOVING)
		info->flags |= VLB_INFO_F_REMOVING;
	mutex_unlock(&dev->lock);
	info->status = READ_ONCE(dev->status);
	info->num_queues = dev->num_queues;
	info->driver_features = dev->vdev.features & ~BIT_ULL(VIRTIO_F_ACCESS_PLATFORM);
	info->device_features = dev->features;
	info->shm_size = dev->pool->size;
	info->device_id = dev->vdev.id.device;
	info->config_size = dev->config_size;
}

int vlb_device_get_queue(struct vlb_device *dev, struct vlb_queue_info *info)
{
	struct vlb_vq *q;
	u32 index = info->index;

	if (index >= dev->num_queues)
		return -EINVAL;
	q = &dev->vqs[index];
	memset(info, 0, sizeof(*info));
	info->index = index;
	info->max_size = q->max_size;
	/*
	 * The ring fields are set before the adapter hears of the queue, and
	 * ready only after it answered: a caller that saw the answer (or will
	 * read the request again) sees them whole.
	 */
	if (READ_ONCE(q->ready)) {
		info->flags |= VLB_QUEUE_F_READY;
		info->num = q->num;
		info->desc = q->desc_iova;
		info->avail = q->avail_iova;
		info->used = q->used_iova;
	}
	mutex_lock(&q->fail_lock);
	if (q->failing)
		info->flags |= VLB_QUEUE_F_FAILING;
	mutex_unlock(&q->fail_lock);
	return 0;
}

/* Bytes the queues' rings take from the pool at their maximum sizes. */
static u64 vlb_rings_size(const struct vlb_create *a)
{
	u64 total = 0;
	u32 i;

	for (i = 0; i < a->num_queues; i++)
		total += roundup_pow_of_two(max_t(u64, PAGE_SIZE,
				vring_size(a->queue_size[i], SMP_CACHE_BYTES)));
	return total;
}

/* Checks everything VLB_IOC_CREATE got from user space. */
int vlb_device_check_create(const struct vlb_create *a)
{
	u32 i;

	if (a->api_version != VLB_API_VERSION || (a->flags & ~VLB_CREATE_F_ALL) ||
	    a->reserved[0] || a->reserved[1] || a->reserved[2] || a->reserved[3])
		return -EINVAL;
	if (!a->device_id || a->device_id >= 0xffff)
		return -EINVAL;
	if (!a->num_queues || a->num_queues > VLB_MAX_QUEUES)
		return -EINVAL;
	for (i = 0; i < a->num_queues; i++)
		if (!a->queue_size[i] || a->queue_size[i] > VLB_MAX_QUEUE_SIZE ||
		    !is_power_of_2(a->queue_size[i]))
			return -EINVAL;
	if (a->config_size > VLB_MAX_CONFIG_SIZE || (a->config_size && !a->config_ptr))
		return -EINVAL;
	if (a->shm_size < VLB_MIN_SHM_SIZE || a->shm_size > VLB_MAX_SHM_SIZE ||
	    !PAGE_ALIGNED(a->shm_size))
		return -EINVAL;
	/* The rings, and at least as much again for buffers, must fit. */
	if (vlb_rings_size(a) > a->shm_size / 2)
		return -EINVAL;
	if (!(a->features & BIT_ULL(VIRTIO_F_VERSION_1)))
		return -EINVAL;
	return 0;
}

/**
 * vlb_device_create - make a device from a checked VLB_IOC_CREATE request
 * @a: the request, already checked by vlb_device_check_create()
 * @config: the initial config space, a->config_size bytes
 *
 * The device is visible in sysfs (vlb<N>) but not on the virtio bus yet.
 */
struct vlb_device *vlb_device_create(const struct vlb_create *a, const u8 *config)
{
	struct vlb_device *dev;
	int ret;
	u32 i;

	if (!try_module_get(THIS_MODULE))
		return ERR_PTR(-ENODEV);
	dev = kzalloc(sizeof(*dev), GFP_KERNEL);
	if (!dev) {
		module_put(THIS_MODULE);
		return ERR_PTR(-ENOMEM);
	}
	/* From here on, put_device() frees everything (and the module ref). */
	device_initialize(&dev->parent);
	dev->parent.release = vlb_parent_release;
	dev->parent.parent = vlb_misc.this_device;
	dev->parent.groups = vlb_device_groups;

	mutex_init(&dev->lock);
	spin_lock_init(&dev->config_lock);
	spin_lock_init(&dev->notify_lock);
	spin_lock_init(&dev->ctl_lock);
	INIT_LIST_HEAD(&dev->ctl_pending);
	INIT_LIST_HEAD(&dev->ctl_sent);
	init_waitqueue_head(&dev->ctl_wq);
	INIT_WORK(&dev->register_work, vlb_register_work);
	INIT_WORK(&dev->remove_work, vlb_remove_work);
	INIT_WORK(&dev->config_work, vlb_config_work);
	dev->state = VLB_CREATED;
	dev->features = a->features;
	dev->num_queues = a->num_queues;
	dev->refresh_out = a->flags & VLB_CREATE_F_REFRESH_OUT;

	ret = -ENOMEM;
	dev->vqs = kcalloc(a->num_queues, sizeof(*dev->vqs), GFP_KERNEL);
	dev->config = kzalloc(max_t(u32, a->config_size, 1), GFP_KERNEL);
	dev->config_written = bitmap_zalloc(max_t(u32, a->config_size, 1), GFP_KERNEL);
	if (!dev->vqs || !dev->config || !dev->config_written)
		goto fail;
	for (i = 0; i < a->num_queues; i++)
		vlb_vq_init(&dev->vqs[i], dev, i, a->queue_size[i]);
	memcpy(dev->config, config, a->config_size);
	dev->config_size = a->config_size;

	dev->pool = vlb_pool_create(a->shm_size);
	if (!dev->pool)
		goto fail;
	dev->max_mapping = rounddown_pow_of_two(clamp_t(u64, a->shm_size / VLB_MAPPING_DIVISOR,
							VLB_MIN_MAPPING, VLB_MAX_MAPPING_CAP));

	ret = ida_alloc_max(&vlb_ida, vlb_max_devices - 1, GFP_KERNEL);
	if (ret < 0)
		goto fail;
	dev->index = ret;
	dev->index_valid = true;
	ret = dev_set_name(&dev->parent, "vlb%u", dev->index);
	if (ret)
		goto fail;

	dev->dma_mask = DMA_BIT_MASK(64);
	dev->parent.dma_mask = &dev->dma_mask;
	dev->parent.coherent_dma_mask = DMA_BIT_MASK(64);
	set_dma_ops(&dev->parent, &vlb_dma_ops);

	dev->vdev.dev.parent = &dev->parent;
	dev->vdev.dev.release = vlb_vdev_release;
	dev->vdev.config = &vlb_config_ops;
	dev->vdev.id.device = a->device_id;
	dev->vdev.id.vendor = a->vendor_id;

	ret = device_add(&dev->parent);
	if (ret)
		goto fail;
	dev->added = true;
	return dev;
fail:
	put_device(&dev->parent);
	return ERR_PTR(ret);
}
