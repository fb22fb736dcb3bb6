// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-loopback: the data path of a virtqueue.
 *
 * Kick: the driver's notify signals the back-end's kick eventfd directly.
 * Call: a wait-queue entry on the back-end's call eventfd (as KVM's irqfd
 * does) consumes the count and raises the queue's interrupt, which runs
 * vring_interrupt() in hard-IRQ context, from an irq_work on the CPU the
 * back-end signalled from. The interrupt must not run inside the eventfd
 * wake-up: drivers kick from their callbacks, and eventfd signalling must
 * not nest.
 * Neither path sleeps or allocates.
 */
#include <linux/file.h>
#include <linux/virtio_ring.h>

#include "vlb.h"

/*
 * The queue's interrupt. Like a device's interrupt handler, it never runs
 * for one queue on two CPUs at once: drivers may rely on that.
 */
static void vlb_vq_interrupt(struct vlb_vq *q)
{
	if (!READ_ONCE(q->ready) || !q->vq)
		return;
	spin_lock(&q->irq_lock);
	if (q->dev->refresh_out)
		vlb_dma_refresh_out(q->dev);
	atomic64_inc(&q->dev->stats.interrupts);
	vring_interrupt(0, q->vq);
	spin_unlock(&q->irq_lock);
}

static void vlb_vq_irq_work(struct irq_work *work)
{
	vlb_vq_interrupt(container_of(work, struct vlb_vq, irq_work));
}

/*
 * Raise the queue's interrupt. Called with interrupts disabled, inside the
 * call eventfd's wake-up, so the handler runs a moment later, on this CPU,
 * from an irq_work: the CPU the back-end signalled from. Calls that arrive
 * before it runs need no interrupt of their own (one handler takes all
 * their buffers), and a back-end that signals two queues one after the
 * other gets their handlers run in that order. An IPI to the CPU that last
 * kicked the queue was tried and measured slower (docs/performance.md):
 * blk-mq completes a request on its submitting CPU anyway when the two do
 * not share a cache.
 */
static void vlb_vq_raise(struct vlb_vq *q)
{
	irq_work_queue(&q->irq_work);
}

/* Wait until no interrupt of this queue is queued or running. */
static void vlb_vq_sync_irq(struct vlb_vq *q)
{
	/*
	 * Order the caller's q->ready = false before the wait: a handler
	 * queued after it sees the queue stopped.
	 */
	smp_mb();
	irq_work_sync(&q->irq_work);
}

static void vlb_vq_signal_kick(struct vlb_vq *q)
{
	struct eventfd_ctx *kick;

	rcu_read_lock();
	kick = rcu_dereference(q->kick);
	if (kick)
		vlb_eventfd_signal(kick);
	rcu_read_unlock();
}

static void vlb_vq_kick_work(struct irq_work *work)
{
	vlb_vq_signal_kick(container_of(work, struct vlb_vq, kick_work));
}

/* virtqueue notify callback: the driver added buffers. */
bool vlb_vq_notify(struct virtqueue *vq)
{
	struct vlb_vq *q = vq->priv;

	/* The device may read what the driver wrote since the last copy. */
	if (q->dev->refresh_out)
		vlb_dma_refresh_out(q->dev);
	atomic64_inc(&q->dev->stats.kicks);
	if (likely(eventfd_signal_allowed()))
		vlb_vq_signal_kick(q);
	else
		irq_work_queue(&q->kick_work);
	vlb_fail_kick(q);
	return true;
}

/* Wake-up callback on the call eventfd; runs with its wait-queue lock held. */
static int vlb_call_wakeup(wait_queue_entry_t *wait, unsigned int mode,
			   int sync, void *key)
{
	struct vlb_vq *q = container_of(wait, struct vlb_vq, call_wait);
	__u64 count;

	if (key_to_poll(key) & EPOLLIN) {
		eventfd_ctx_do_read(q->call, &count);
		vlb_vq_raise(q);
	}
	return 0;
}

static void vlb_call_queue_proc(struct file *file, wait_queue_head_t *head,
				poll_table *pt)
{
	struct vlb_vq *q = container_of(pt, struct vlb_vq, call_pt);

	add_wait_queue(head, &q->call_wait);
}

static void vlb_vq_detach_call(struct vlb_vq *q)
{
	__u64 count;

	if (!q->call)
		return;
	eventfd_ctx_remove_wait_queue(q->call, &q->call_wait, &count);
	vlb_vq_sync_irq(q);
	eventfd_ctx_put(q->call);
	q->call = NULL;
}

static int vlb_vq_attach_call(struct vlb_vq *q, int fd)
{
	struct eventfd_ctx *ctx;
	struct file *file = fget(fd);
	__poll_t events;

	if (!file)
		return -EBADF;
	ctx = eventfd_ctx_fileget(file);
	if (IS_ERR(ctx)) {
		fput(file);
		return PTR_ERR(ctx);
	}
	q->call = ctx;
	init_waitqueue_func_entry(&q->call_wait, vlb_call_wakeup);
	init_poll_funcptr(&q->call_pt, vlb_call_queue_proc);
	events = vfs_poll(file, &q->call_pt);
	fput(file);
	/* A call signalled before we listened still counts. */
	if (events & EPOLLIN)
		irq_work_queue(&q->irq_work);
	return 0;
}

/**
 * vlb_vq_set_fds - give a queue its kick and call eventfds
 * @q: the queue
 * @kick_fd: eventfd the kernel signals on notify, or -1 for none
 * @call_fd: eventfd the back-end signals on used buffers, or -1 for none
 *
 * Either may be replaced while the queue runs. Called with dev->lock held.
 */
int vlb_vq_set_fds(struct vlb_vq *q, int kick_fd, int call_fd)
{
	struct eventfd_ctx *kick = NULL, *old;
	int ret;

	if (kick_fd >= 0) {
		kick = eventfd_ctx_fdget(kick_fd);
		if (IS_ERR(kick))
			return PTR_ERR(kick);
	}
	vlb_vq_detach_call(q);
	if (call_fd >= 0) {
		ret = vlb_vq_attach_call(q, call_fd);
		if (ret) {
			if (kick)
				eventfd_ctx_put(kick);
			return ret;
		}
	}
	old = rcu_replace_pointer(q->kick, kick, lockdep_is_held(&q->dev->lock));
	if (old) {
		synchronize_rcu();
		irq_work_sync(&q->kick_work);
		eventfd_ctx_put(old);
	}
	return 0;
}

/* Drop both eventfds; the queue stays usable with new ones. */
void vlb_vq_release_fds(struct vlb_vq *q)
{
	struct eventfd_ctx *old;

	vlb_vq_detach_call(q);
	old = rcu_replace_pointer(q->kick, NULL, true);
	if (old) {
		synchronize_rcu();
		irq_work_sync(&q->kick_work);
		eventfd_ctx_put(old);
	}
}

/* Wait until no interrupt or deferred kick of this queue is running. */
void vlb_vq_sync(struct vlb_vq *q)
{
	vlb_vq_sync_irq(q);
	irq_work_sync(&q->kick_work);
}

void vlb_vq_init(struct vlb_vq *q, struct vlb_device *dev, u32 index, u32 max_size)
{
	q->dev = dev;
	q->index = index;
	q->max_size = max_size;
	RCU_INIT_POINTER(q->kick, NULL);
	init_irq_work(&q->irq_work, vlb_vq_irq_work);
	init_irq_work(&q->kick_work, vlb_vq_kick_work);
	spin_lock_init(&q->irq_lock);
	vlb_fail_init(q);
}
