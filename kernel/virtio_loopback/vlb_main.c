// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-loopback: a virtio transport whose devices live in user space.
 *
 * The misc device /dev/virtio-loopback hands out devices, one per open
 * file. This file holds the module's entry points and the file operations;
 * everything the ioctls receive is checked here or in the helpers they
 * call, because the caller is an unprivileged-in-spirit user space.
 */
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vlb.h"

unsigned int vlb_ctl_timeout_ms = 10000;
module_param_named(ctl_timeout_ms, vlb_ctl_timeout_ms, uint, 0644);
MODULE_PARM_DESC(ctl_timeout_ms, "How long the kernel waits for the adapter (ms)");

unsigned int vlb_max_devices = 256;
module_param_named(max_devices, vlb_max_devices, uint, 0444);
MODULE_PARM_DESC(max_devices, "Most devices that can exist at once");

struct workqueue_struct *vlb_wq;

/* One per open file: at most one device. */
struct vlb_file {
	struct mutex lock;		/* serialises VLB_IOC_CREATE */
	struct vlb_device *dev;
};

static struct vlb_device *vlb_file_dev(struct file *file)
{
	struct vlb_file *vf = file->private_data;

	/* Pairs with the release in vlb_ioctl_create(): dev is fully set up. */
	return smp_load_acquire(&vf->dev);
}

static int vlb_open(struct inode *inode, struct file *file)
{
	struct vlb_file *vf = kzalloc(sizeof(*vf), GFP_KERNEL);

	if (!vf)
		return -ENOMEM;
	mutex_init(&vf->lock);
	file->private_data = vf;
	return stream_open(inode, file);
}

static int vlb_release(struct inode *inode, struct file *file)
{
	struct vlb_file *vf = file->private_data;

	if (vf->dev)
		vlb_device_file_closed(vf->dev);
	kfree(vf);
	return 0;
}

static long vlb_ioctl_create(struct file *file, void __user *argp)
{
	struct vlb_file *vf = file->private_data;
	struct vlb_device *dev;
	struct vlb_create a;
	struct file *pool_file;
	u8 *config = NULL;
	int fd, ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	ret = vlb_device_check_create(&a);
	if (ret)
		return ret;
	if (a.config_size) {
		config = memdup_user(u64_to_user_ptr(a.config_ptr), a.config_size);
		if (IS_ERR(config))
			return PTR_ERR(config);
	}

	mutex_lock(&vf->lock);
	ret = -EINVAL;
	if (vf->dev)
		goto out_unlock;
	dev = vlb_device_create(&a, config);
	ret = PTR_ERR_OR_ZERO(dev);
	if (ret)
		goto out_unlock;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		ret = fd;
		goto out_destroy;
	}
	pool_file = vlb_pool_file(dev->pool);
	if (IS_ERR(pool_file)) {
		ret = PTR_ERR(pool_file);
		put_unused_fd(fd);
		goto out_destroy;
	}
	a.shm_fd = fd;
	a.index = dev->index;
	if (copy_to_user(argp, &a, sizeof(a))) {
		ret = -EFAULT;
		fput(pool_file);
		put_unused_fd(fd);
		goto out_destroy;
	}
	fd_install(fd, pool_file);
	/* Other threads may use the file as soon as dev is visible. */
	smp_store_release(&vf->dev, dev);
	mutex_unlock(&vf->lock);
	kfree(config);
	return 0;

out_destroy:
	vlb_device_request_remove(dev);
	put_device(&dev->parent);
out_unlock:
	mutex_unlock(&vf->lock);
	kfree(config);
	return ret;
}

static long vlb_ioctl_config_update(struct vlb_device *dev, void __user *argp)
{
	struct vlb_config_update a;
	u8 *data;
	int ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.reserved || (a.flags & ~VLB_CONFIG_F_NOTIFY) ||
	    a.offset > dev->config_size || a.len > dev->config_size - a.offset)
		return -EINVAL;
	data = memdup_user(u64_to_user_ptr(a.data_ptr), a.len);
	if (IS_ERR(data))
		return PTR_ERR(data);
	ret = vlb_config_update(dev, &a, data);
	kfree(data);
	return ret;
}

static long vlb_ioctl_queue_fail(struct vlb_device *dev, void __user *argp)
{
	struct vlb_queue_fail a;
	unsigned long *seen;
	u16 *heads = NULL;
	u32 i;
	int ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.index >= dev->num_queues || (a.flags & ~VLB_QUEUE_FAIL_F_RECORD) ||
	    a.reserved || a.num_heads > dev->vqs[a.index].max_size)
		return -EINVAL;
	if (a.num_heads) {
		heads = vmemdup_user(u64_to_user_ptr(a.heads_ptr),
				     array_size(a.num_heads, sizeof(*heads)));
		if (IS_ERR(heads))
			return PTR_ERR(heads);
	}
	/* A head completed twice would corrupt the driver's ring state. */
	seen = bitmap_zalloc(VLB_MAX_QUEUE_SIZE, GFP_KERNEL);
	ret = seen ? 0 : -ENOMEM;
	for (i = 0; !ret && i < a.num_heads; i++) {
		if (heads[i] >= dev->vqs[a.index].max_size || test_bit(heads[i], seen))
			ret = -EINVAL;
		else
			__set_bit(heads[i], seen);
	}
	if (!ret)
		ret = vlb_fail_start(&dev->vqs[a.index], heads, a.num_heads,
				     a.flags & VLB_QUEUE_FAIL_F_RECORD);
	bitmap_free(seen);
	kvfree(heads);
	return ret;
}

static long vlb_ioctl_queue_resume(struct vlb_device *dev, void __user *argp)
{
	struct vlb_queue_resume a;
	struct vlb_vq *q;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.index >= dev->num_queues)
		return -EINVAL;
	q = &dev->vqs[a.index];
	mutex_lock(&q->fail_lock);
	if (!q->failing) {
		mutex_unlock(&q->fail_lock);
		return -EINVAL;
	}
	mutex_unlock(&q->fail_lock);
	a.next_avail = vlb_fail_stop(q);
	return copy_to_user(argp, &a, sizeof(a)) ? -EFAULT : 0;
}

static long vlb_ioctl_config_read(struct vlb_device *dev, void __user *argp)
{
	struct vlb_config_update a;
	u8 *data;
	int ret = 0;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	if (a.reserved || (a.flags & ~VLB_CONFIG_F_WRITTEN) || a.offset > dev->config_size ||
	    a.len > dev->config_size - a.offset)
		return -EINVAL;
	if (!a.len)
		return 0;
	data = kmalloc(a.len, GFP_KERNEL);
	if (!data)
		return -ENOMEM;
	if (a.flags & VLB_CONFIG_F_WRITTEN)
		vlb_config_written(dev, a.offset, a.len, data);
	else
		vlb_config_get(&dev->vdev, a.offset, data, a.len);
	if (copy_to_user(u64_to_user_ptr(a.data_ptr), data, a.len))
		ret = -EFAULT;
	kfree(data);
	return ret;
}

static long vlb_ioctl_get_queue(struct vlb_device *dev, void __user *argp)
{
	struct vlb_queue_info a;
	int ret;

	if (copy_from_user(&a, argp, sizeof(a)))
		return -EFAULT;
	ret = vlb_device_get_queue(dev, &a);
	if (ret)
		return ret;
	return copy_to_user(argp, &a, sizeof(a)) ? -EFAULT : 0;
}

static long vlb_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *argp = (void __user *)arg;
	struct vlb_device *dev;
	union {
		struct vlb_queue_fds fds;
		struct vlb_interrupt irq;
		struct vlb_info info;
	} u;

	switch (cmd) {
	case VLB_IOC_CREATE:
		return vlb_ioctl_create(file, argp);
	case VLB_IOC_SET_QUEUE_FDS:
	case VLB_IOC_START:
	case VLB_IOC_CONFIG_UPDATE:
	case VLB_IOC_INTERRUPT:
	case VLB_IOC_REMOVE:
	case VLB_IOC_GET_INFO:
	case VLB_IOC_QUEUE_FAIL:
	case VLB_IOC_QUEUE_RESUME:
	case VLB_IOC_GET_QUEUE:
	case VLB_IOC_CONFIG_READ:
	case VLB_IOC_ADOPT:
		break;
	default:
		return -ENOTTY;
	}
	dev = vlb_file_dev(file);
	if (!dev)
		return -EINVAL;

	switch (cmd) {
	case VLB_IOC_SET_QUEUE_FDS:
		if (copy_from_user(&u.fds, argp, sizeof(u.fds)))
			return -EFAULT;
		return vlb_device_set_queue_fds(dev, &u.fds);
	case VLB_IOC_START:
		return vlb_device_start(dev);
	case VLB_IOC_CONFIG_UPDATE:
		return vlb_ioctl_config_update(dev, argp);
	case VLB_IOC_INTERRUPT:
		if (copy_from_user(&u.irq, argp, sizeof(u.irq)))
			return -EFAULT;
		return vlb_device_interrupt(dev, &u.irq);
	case VLB_IOC_REMOVE:
		vlb_device_request_remove(dev);
		return 0;
	case VLB_IOC_GET_INFO:
		vlb_device_get_info(dev, &u.info);
		return copy_to_user(argp, &u.info, sizeof(u.info)) ? -EFAULT : 0;
	case VLB_IOC_QUEUE_FAIL:
		return vlb_ioctl_queue_fail(dev, argp);
	case VLB_IOC_QUEUE_RESUME:
		return vlb_ioctl_queue_resume(dev, argp);
	case VLB_IOC_GET_QUEUE:
		return vlb_ioctl_get_queue(dev, argp);
	case VLB_IOC_CONFIG_READ:
		return vlb_ioctl_config_read(dev, argp);
	case VLB_IOC_ADOPT:
		return vlb_ctl_adopt(dev);
	default:
		return -ENOTTY;
	}
}

static ssize_t vlb_read(struct file *file, char __user *buf, size_t len, loff_t *pos)
{
	struct vlb_device *dev = vlb_file_dev(file);

	if (!dev)
		return -EINVAL;
	return vlb_ctl_read(dev, buf, len, file->f_flags & O_NONBLOCK);
}

static ssize_t vlb_write(struct file *file, const char __user *buf, size_t len,
			 loff_t *pos)
{
	struct vlb_device *dev = vlb_file_dev(file);

	if (!dev)
		return -EINVAL;
	return vlb_ctl_write(dev, buf, len);
}

static __poll_t vlb_poll(struct file *file, poll_table *wait)
{
	struct vlb_device *dev = vlb_file_dev(file);

	if (!dev)
		return EPOLLERR;
	return vlb_ctl_poll(dev, file, wait);
}

static const struct file_operations vlb_fops = {
	.owner = THIS_MODULE,
	.open = vlb_open,
	.release = vlb_release,
	.read = vlb_read,
	.write = vlb_write,
	.poll = vlb_poll,
	.unlocked_ioctl = vlb_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

struct miscdevice vlb_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = VLB_DEVICE_NAME,
	.fops = &vlb_fops,
	.mode = 0600,
};

static int __init vlb_init(void)
{
	int ret;

	vlb_wq = alloc_workqueue("virtio-loopback", WQ_UNBOUND, 0);
	if (!vlb_wq)
		return -ENOMEM;
	ret = misc_register(&vlb_misc);
	if (ret) {
		destroy_workqueue(vlb_wq);
		return ret;
	}
	return 0;
}

static void __exit vlb_exit(void)
{
	misc_deregister(&vlb_misc);
	destroy_workqueue(vlb_wq);
}

module_init(vlb_init);
module_exit(vlb_exit);
MODULE_DESCRIPTION("virtio transport for devices implemented in user space");
MODULE_LICENSE("GPL");
