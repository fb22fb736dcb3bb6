// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-loopback: the control channel between the kernel and the adapter.
 *
 * Requests are queued on ctl_pending, read() moves them to ctl_sent, and a
 * write() of a reply with the same id completes them. Every requester
 * waits at most ctl_timeout_ms; a timeout marks the device broken and
 * removes it. When the adapter goes away, every request, queued or future,
 * fails at once with -ENODEV. An adapter restarted on the same file
 * (VLB_IOC_ADOPT) reads again what its predecessor left unanswered.
 */
#include <linux/jiffies.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>

#include "vlb.h"

/**
 * vlb_ctl_request - send a message to the adapter and wait for its reply
 * @dev: the device
 * @msg: the message; its id and flags are filled in here
 *
 * Sleeps, at most ctl_timeout_ms. Returns the adapter's result (0 or a
 * negative errno), -ENODEV when no adapter can answer, or -ETIMEDOUT.
 */
int vlb_ctl_request(struct vlb_device *dev, struct vlb_msg *msg)
{
	struct vlb_request req = { .result = 0 };
	unsigned long left;
	bool answered;

	init_completion(&req.done);
	req.msg = *msg;
	req.msg.flags = VLB_MSG_F_NEED_REPLY;

	spin_lock_irq(&dev->ctl_lock);
	if (dev->ctl_closed) {
		spin_unlock_irq(&dev->ctl_lock);
		return -ENODEV;
	}
	req.msg.id = ++dev->ctl_next_id;
	list_add_tail(&req.node, &dev->ctl_pending);
	spin_unlock_irq(&dev->ctl_lock);
	wake_up_interruptible_poll(&dev->ctl_wq, EPOLLIN | EPOLLRDNORM);

	left = wait_for_completion_timeout(&req.done,
					   msecs_to_jiffies(vlb_ctl_timeout_ms));

	spin_lock_irq(&dev->ctl_lock);
	answered = req.answered;
	if (!answered)
		list_del(&req.node);
	spin_unlock_irq(&dev->ctl_lock);

	if (answered)
		return req.result;
	if (!left) {
		atomic64_inc(&dev->stats.errors);
		vlb_device_fail(dev, "the adapter did not answer in time");
		return -ETIMEDOUT;
	}
	return -ENODEV;
}

/* Fail every request and refuse new ones (adapter gone or device broken). */
void vlb_ctl_fail_all(struct vlb_device *dev, int error)
{
	struct vlb_request *req, *tmp;
	LIST_HEAD(victims);

	spin_lock_irq(&dev->ctl_lock);
	dev->ctl_closed = true;
	list_splice_init(&dev->ctl_pending, &victims);
	list_splice_init(&dev->ctl_sent, &victims);
	list_for_each_entry_safe(req, tmp, &victims, node) {
		list_del(&req->node);
		req->result = error;
		req->answered = true;
		complete(&req->done);
	}
	spin_unlock_irq(&dev->ctl_lock);
	wake_up_interruptible_poll(&dev->ctl_wq, EPOLLIN | EPOLLHUP);
}

/*
 * A new adapter took over the file: what its predecessor read and did not
 * answer is read again, ahead of newer requests and in the same order.
 * The requesters' waits go on, bounded as before.
 */
int vlb_ctl_adopt(struct vlb_device *dev)
{
	spin_lock_irq(&dev->ctl_lock);
	if (dev->ctl_closed) {
		spin_unlock_irq(&dev->ctl_lock);
		return -ENODEV;
	}
	list_splice_init(&dev->ctl_sent, &dev->ctl_pending);
	spin_unlock_irq(&dev->ctl_lock);
	wake_up_interruptible_poll(&dev->ctl_wq, EPOLLIN | EPOLLRDNORM);
	return 0;
}

static bool vlb_ctl_readable(struct vlb_device *dev)
{
	return !list_empty(&dev->ctl_pending) || dev->registered_msg_pending ||
	       dev->removed_msg_pending;
}

/* Queue a message that wants no reply; they are read in this order. */
void vlb_ctl_event(struct vlb_device *dev, u16 type, s32 value)
{
	spin_lock_irq(&dev->ctl_lock);
	if (type == VLB_MSG_REGISTERED) {
		dev->registered_msg_pending = true;
		dev->registered_index = value;
	} else {
		dev->removed_msg_pending = !dev->adapter_gone;
	}
	spin_unlock_irq(&dev->ctl_lock);
	wake_up_interruptible_poll(&dev->ctl_wq, EPOLLIN | EPOLLRDNORM);
}

ssize_t vlb_ctl_read(struct vlb_device *dev, char __user *buf, size_t len,
		     bool nonblock)
{
	struct vlb_request *req;
	struct vlb_msg msg;
	int ret;

	if (len < sizeof(msg))
		return -EINVAL;
	spin_lock_irq(&dev->ctl_lock);
	while (!vlb_ctl_readable(dev)) {
		spin_unlock_irq(&dev->ctl_lock);
		if (nonblock)
			return -EAGAIN;
		ret = wait_event_interruptible(dev->ctl_wq, vlb_ctl_readable(dev));
		if (ret)
			return ret;
		spin_lock_irq(&dev->ctl_lock);
	}
	if (!list_empty(&dev->ctl_pending)) {
		req = list_first_entry(&dev->ctl_pending, struct vlb_request, node);
		msg = req->msg;
		list_move_tail(&req->node, &dev->ctl_sent);
	} else if (dev->registered_msg_pending) {
		vlb_msg_init(&msg, VLB_MSG_REGISTERED);
		msg.registered.virtio_index = dev->registered_index;
		dev->registered_msg_pending = false;
	} else {
		vlb_msg_init(&msg, VLB_MSG_REMOVED);
		dev->removed_msg_pending = false;
		dev->removed_msg_read = true;
	}
	spin_unlock_irq(&dev->ctl_lock);

	/* A lost request times out and fails the device; nothing hangs. */
	if (copy_to_user(buf, &msg, sizeof(msg)))
		return -EFAULT;
	return sizeof(msg);
}

ssize_t vlb_ctl_write(struct vlb_device *dev, const char __user *buf, size_t len)
{
	struct vlb_request *req;
	struct vlb_reply reply;

	if (len != sizeof(reply))
		return -EINVAL;
	if (copy_from_user(&reply, buf, sizeof(reply)))
		return -EFAULT;
	if (reply.result > 0 || reply.result < -MAX_ERRNO)
		return -EINVAL;

	spin_lock_irq(&dev->ctl_lock);
	list_for_each_entry(req, &dev->ctl_sent, node) {
		if (req->msg.id != reply.id)
			continue;
		list_del(&req->node);
		req->result = reply.result;
		req->answered = true;
		complete(&req->done);
		spin_unlock_irq(&dev->ctl_lock);
		return sizeof(reply);
	}
	spin_unlock_irq(&dev->ctl_lock);
	/* No such request: it timed out, or the id is made up. */
	atomic64_inc(&dev->stats.errors);
	return -EINVAL;
}

__poll_t vlb_ctl_poll(struct vlb_device *dev, struct file *file, poll_table *wait)
{
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &dev->ctl_wq, wait);
	spin_lock_irq(&dev->ctl_lock);
	if (vlb_ctl_readable(dev))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (dev->removed_msg_read)
		mask |= EPOLLHUP;
	spin_unlock_irq(&dev->ctl_lock);
	return mask;
}
