// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-loopback: the device's config space, cached in the kernel.
 *
 * Drivers read config in any context, so reads come from the cache. Driver
 * writes update the cache and are forwarded to the adapter synchronously;
 * the adapter refreshes the cache (VLB_IOC_CONFIG_UPDATE) before it
 * replies, which is what virtio-input's select/subsel protocol needs. A
 * write from a context that cannot sleep is forwarded later by a work item.
 */
#include <linux/bitmap.h>
#include <linux/preempt.h>

#include "vlb.h"

/* Clamp [offset, offset + len) to the config size; false if nothing left. */
static bool vlb_config_clamp(struct vlb_device *dev, unsigned int offset,
			     unsigned int *len)
{
	if (offset >= dev->config_size)
		return false;
	*len = min(*len, dev->config_size - offset);
	return *len > 0;
}

void vlb_config_get(struct virtio_device *vdev, unsigned int offset, void *buf,
		    unsigned int len)
{
	struct vlb_device *dev = vdev_to_vlb(vdev);
	unsigned int n = len;
	unsigned long flags;

	/* Bytes beyond the device's config space read as zero. */
	memset(buf, 0, len);
	if (!vlb_config_clamp(dev, offset, &n))
		return;
	spin_lock_irqsave(&dev->config_lock, flags);
	memcpy(buf, dev->config + offset, n);
	spin_unlock_irqrestore(&dev->config_lock, flags);
}

/* A mask byte per config byte: 0xff where the driver wrote since reset. */
void vlb_config_written(struct vlb_device *dev, u32 offset, u32 len, u8 *mask)
{
	u32 i;

	spin_lock_irq(&dev->config_lock);
	for (i = 0; i < len; i++)
		mask[i] = test_bit(offset + i, dev->config_written) ? 0xff : 0;
	spin_unlock_irq(&dev->config_lock);
}

void vlb_config_forget_writes(struct vlb_device *dev)
{
	spin_lock_irq(&dev->config_lock);
	bitmap_zero(dev->config_written, dev->config_size);
	spin_unlock_irq(&dev->config_lock);
}

u32 vlb_config_generation(struct virtio_device *vdev)
{
	struct vlb_device *dev = vdev_to_vlb(vdev);

	return READ_ONCE(dev->config_generation);
}

/* Forward config bytes [offset, offset + len) to the adapter, in chunks. */
static int vlb_config_forward(struct vlb_device *dev, unsigned int offset,
			      unsigned int len)
{
	struct vlb_msg msg;
	unsigned long flags;
	unsigned int n;
	int ret;

	while (len) {
		n = min_t(unsigned int, len, VLB_CONFIG_WRITE_MAX);
		vlb_msg_init(&msg, VLB_MSG_CONFIG_WRITE);
		msg.config.offset = offset;
		msg.config.len = n;
		spin_lock_irqsave(&dev->config_lock, flags);
		memcpy(msg.config.data, dev->config + offset, n);
		spin_unlock_irqrestore(&dev->config_lock, flags);
		ret = vlb_ctl_request(dev, &msg);
		if (ret)
			return ret;
		offset += n;
		len -= n;
	}
	return 0;
}

void vlb_config_set(struct virtio_device *vdev, unsigned int offset,
		    const void *buf, unsigned int len)
{
	struct vlb_device *dev = vdev_to_vlb(vdev);
	bool can_sleep = vlb_can_sleep();	/* before taking the lock */
	unsigned long flags;
	unsigned int n = len;
	int ret;

	if (!vlb_config_clamp(dev, offset, &n))
		return;
	spin_lock_irqsave(&dev->config_lock, flags);
	memcpy(dev->config + offset, buf, n);
	bitmap_set(dev->config_written, offset, n);
	if (!can_sleep) {
		if (dev->dirty_hi == 0) {
			dev->dirty_lo = offset;
			dev->dirty_hi = offset + n;
		} else {
			dev->dirty_lo = min(dev->dirty_lo, offset);
			dev->dirty_hi = max(dev->dirty_hi, offset + n);
		}
		spin_unlock_irqrestore(&dev->config_lock, flags);
		queue_work(vlb_wq, &dev->config_work);
		return;
	}
	spin_unlock_irqrestore(&dev->config_lock, flags);
	ret = vlb_config_forward(dev, offset, n);
	if (ret)
		dev_dbg(&dev->parent, "config write at %u failed: %d\n", offset, ret);
}

/* Forwards config writes made where sleeping was not allowed. */
void vlb_config_work(struct work_struct *work)
{
	struct vlb_device *dev = container_of(work, struct vlb_device, config_work);
	unsigned int lo, hi;

	spin_lock_irq(&dev->config_lock);
	lo = dev->dirty_lo;
	hi = dev->dirty_hi;
	dev->dirty_lo = 0;
	dev->dirty_hi = 0;
	spin_unlock_irq(&dev->config_lock);
	if (hi > lo)
		vlb_config_forward(dev, lo, hi - lo);
}

/* Raise a config-change interrupt, if the driver can take one now. */
void vlb_config_notify(struct vlb_device *dev)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->notify_lock, flags);
	if (dev->vdev_live) {
		atomic64_inc(&dev->stats.config_changes);
		virtio_config_changed(&dev->vdev);
	}
	spin_unlock_irqrestore(&dev->notify_lock, flags);
}

/**
 * vlb_config_update - the adapter changes the cached config space
 * @dev: the device
 * @a: what changes, validated here
 * @data: the new bytes, already copied from user space
 *
 * With VLB_CONFIG_F_NOTIFY the driver gets a config-change interrupt.
 */
int vlb_config_update(struct vlb_device *dev, const struct vlb_config_update *a,
		      const u8 *data)
{
	unsigned long flags;

	spin_lock_irqsave(&dev->config_lock, flags);
	memcpy(dev->config + a->offset, data, a->len);
	WRITE_ONCE(dev->config_generation, dev->config_generation + 1);
	spin_unlock_irqrestore(&dev->config_lock, flags);

	if (a->flags & VLB_CONFIG_F_NOTIFY)
		vlb_config_notify(dev);
	return 0;
}
