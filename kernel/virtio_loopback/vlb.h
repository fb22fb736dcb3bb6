/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-loopback: internal definitions shared by the module's files.
 */
#ifndef _VLB_H
#define _VLB_H

#include <linux/completion.h>
#include <linux/device.h>
#include <linux/eventfd.h>
#include <linux/irq_work.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/spinlock.h>
#include <linux/virtio.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/virtio_loopback.h>

#include "vlb_compat.h"

/* ---- shared-memory pool (vlb_pool.c) ---- */

/* The pool is split into 256-byte blocks managed as a buddy allocator. */
#define VLB_BLOCK_SHIFT		8
#define VLB_BLOCK_SIZE		BIT(VLB_BLOCK_SHIFT)
#define VLB_POOL_MAX_ORDER	(ilog2(VLB_MAX_SHM_SIZE) - VLB_BLOCK_SHIFT)

enum vlb_block_state {
	VLB_BLK_NONE = 0,	/* not the head of a block */
	VLB_BLK_FREE,		/* head of a free block */
	VLB_BLK_MAPPED,		/* head of a streaming (bounced) mapping */
	VLB_BLK_COHERENT,	/* head of a coherent allocation (rings) */
	VLB_BLK_RESERVED,	/* never handed out (IOVA 0) */
	VLB_BLK_UNMAPPING,	/* mapping being torn down by one caller */
	VLB_BLK_FILLING,	/* mapping being set up, not yet refreshable */
};

/* Kernel-private metadata, one per block: never stored in the pool. */
struct vlb_block {
	union {
		struct {
			u32 next;
			u32 prev;
		} link;			/* free block: its free list */
		phys_addr_t orig;	/* mapping: the driver's buffer */
	};
	u32 len;			/* mapping: bytes mapped */
	u8 order;
	u8 state;
	u8 dir;				/* mapping: enum dma_data_direction */
	u8 pad;
};

struct vlb_pool {
	struct kref ref;
	void *base;			/* vmalloc_user() area */
	size_t size;
	u32 nblocks;
	u32 max_order;
	spinlock_t lock;		/* protects the allocator below */
	unsigned long free_mask;	/* bit o: free_head[o] is valid */
	u32 free_head[VLB_POOL_MAX_ORDER + 1];
	struct vlb_block *blk;
	size_t used;			/* bytes handed out */
	atomic_t files;			/* open pool files (mappings hold one) */
	wait_queue_head_t files_wq;
};

struct vlb_pool *vlb_pool_create(size_t size);
void vlb_pool_put(struct vlb_pool *pool);
long vlb_pool_alloc(struct vlb_pool *pool, size_t size, u8 state);
int vlb_pool_free(struct vlb_pool *pool, u32 idx, u8 state);
long vlb_pool_find(struct vlb_pool *pool, u64 iova);
int vlb_pool_claim(struct vlb_pool *pool, u32 idx, u8 from, u8 to,
		   struct vlb_block *snapshot);
struct file *vlb_pool_file(struct vlb_pool *pool);
void vlb_pool_wait_unused(struct vlb_pool *pool, unsigned long timeout);

static inline u64 vlb_pool_iova(u32 idx)
{
	return (u64)idx << VLB_BLOCK_SHIFT;
}

/* ---- counters (vlb_sysfs.c) ---- */

struct vlb_stats {
	atomic64_t kicks;
	atomic64_t interrupts;
	atomic64_t bounce_to_device;	/* bytes copied into the pool */
	atomic64_t bounce_from_device;	/* bytes copied out of the pool */
	atomic64_t map_errors;		/* mappings refused: pool full */
	atomic64_t errors;		/* protocol errors and timeouts */
	atomic64_t config_changes;
	atomic64_t failed_requests;	/* completed by the kernel in failing mode */
};

extern const struct attribute_group *vlb_device_groups[];

/* ---- virtqueues (vlb_vq.c) ---- */

struct vlb_device;

struct vlb_vq {
	struct vlb_device *dev;
	struct virtqueue *vq;		/* NULL until find_vqs */
	u32 index;
	u32 max_size;
	bool ready;			/* interrupts may reach the driver */
	struct eventfd_ctx __rcu *kick;
	struct eventfd_ctx *call;
	wait_queue_entry_t call_wait;
	poll_table call_pt;
	struct irq_work irq_work;	/* runs vring_interrupt() on this CPU */
	struct irq_work kick_work;	/* kick deferred out of an eventfd wakeup */
	spinlock_t irq_lock;		/* one vring_interrupt() at a time */

	/* The rings, once the driver created them (IOVAs in the pool). */
	u32 num;
	u64 desc_iova, avail_iova, used_iova;

	/* Failing mode (vlb_fail.c): the kernel completes requests itself. */
	struct mutex fail_lock;
	bool failing;
	u16 fail_next;			/* next avail index to fail */
	struct work_struct fail_work;
};

int vlb_vq_set_fds(struct vlb_vq *q, int kick_fd, int call_fd);
void vlb_vq_release_fds(struct vlb_vq *q);
void vlb_vq_init(struct vlb_vq *q, struct vlb_device *dev, u32 index, u32 max_size);
void vlb_vq_sync(struct vlb_vq *q);
bool vlb_vq_notify(struct virtqueue *vq);

void vlb_fail_init(struct vlb_vq *q);
int vlb_fail_start(struct vlb_vq *q, const u16 *heads, u32 nheads, bool record);
u16 vlb_fail_stop(struct vlb_vq *q);
void vlb_fail_kick(struct vlb_vq *q);

/* ---- control channel (vlb_ctl.c) ---- */

struct vlb_request {
	struct list_head node;		/* on ctl_pending or ctl_sent */
	struct vlb_msg msg;
	struct completion done;
	int result;
	bool answered;
};

/* Every byte of a message reaches user space: start from zero. */
static inline void vlb_msg_init(struct vlb_msg *msg, u16 type)
{
	memset(msg, 0, sizeof(*msg));
	msg->type = type;
}

int vlb_ctl_request(struct vlb_device *dev, struct vlb_msg *msg);
void vlb_ctl_fail_all(struct vlb_device *dev, int error);
void vlb_ctl_event(struct vlb_device *dev, u16 type, s32 value);
int vlb_ctl_adopt(struct vlb_device *dev);
ssize_t vlb_ctl_read(struct vlb_device *dev, char __user *buf, size_t len, bool nonblock);
ssize_t vlb_ctl_write(struct vlb_device *dev, const char __user *buf, size_t len);
__poll_t vlb_ctl_poll(struct vlb_device *dev, struct file *file, poll_table *wait);

/* ---- devices (vlb_device.c, vlb_config.c) ---- */

enum vlb_state {
	VLB_CREATED,		/* described, not on the virtio bus yet */
	VLB_STARTING,		/* registration queued */
	VLB_REGISTERED,		/* on the virtio bus */
	VLB_REMOVING,		/* removal queued or running */
	VLB_REMOVED,		/* gone from the bus; waiting for the last ref */
};

struct vlb_device {
	struct device parent;		/* vlb<N>: carries the DMA ops */
	struct virtio_device vdev;
	u64 dma_mask;
	u32 index;

	struct mutex lock;		/* state, queue fds, registration */
	enum vlb_state state;
	bool adapter_gone;		/* the file was closed */
	bool broken;			/* timed out or misbehaved */
	bool remove_queued;
	bool index_valid;
	bool added;			/* device_add() of parent done */
	bool rings_live;		/* the adapter knows of rings not yet stopped */
	bool refresh_out;		/* VLB_CREATE_F_REFRESH_OUT */

	u64 features;			/* offered by the device */
	u8 status;			/* virtio status as the driver sees it */
	u32 num_queues;
	struct vlb_vq *vqs;
	struct vlb_pool *pool;
	size_t max_mapping;
	atomic_t pool_full_noted;	/* the first refusal was logged */

	spinlock_t config_lock;		/* config cache and generation */
	u8 *config;
	u32 config_size;
	u32 config_generation;
	u32 dirty_lo, dirty_hi;		/* config bytes awaiting an async write */
	unsigned long *config_written;	/* bytes the driver wrote since reset */
	struct work_struct config_work;
	spinlock_t notify_lock;		/* vdev_live vs. config interrupts */
	bool vdev_live;			/* registered and not being removed */

	spinlock_t ctl_lock;		/* the control channel */
	struct list_head ctl_pending;	/* not read by the adapter yet */
	struct list_head ctl_sent;	/* read, waiting for the reply */
	wait_queue_head_t ctl_wq;
	u32 ctl_next_id;
	bool ctl_closed;		/* no more requests will be answered */
	/* Events without a reply, read after the pending requests. */
	bool registered_msg_pending;
	s32 registered_index;
	bool removed_msg_pending;	/* VLB_MSG_REMOVED not read yet */
	bool removed_msg_read;

	struct work_struct register_work;
	struct work_struct remove_work;
	struct vlb_stats stats;
};

static inline struct vlb_device *vdev_to_vlb(struct virtio_device *vdev)
{
	return container_of(vdev, struct vlb_device, vdev);
}

static inline struct vlb_device *parent_to_vlb(struct device *d)
{
	return container_of(d, struct vlb_device, parent);
}

extern struct workqueue_struct *vlb_wq;
extern struct miscdevice vlb_misc;
extern unsigned int vlb_ctl_timeout_ms;
extern unsigned int vlb_max_devices;

int vlb_device_check_create(const struct vlb_create *a);
struct vlb_device *vlb_device_create(const struct vlb_create *args,
				     const u8 *config);
int vlb_device_start(struct vlb_device *dev);
void vlb_device_request_remove(struct vlb_device *dev);
void vlb_device_fail(struct vlb_device *dev, const char *why);
void vlb_device_file_closed(struct vlb_device *dev);
int vlb_device_set_queue_fds(struct vlb_device *dev, const struct vlb_queue_fds *a);
int vlb_device_interrupt(struct vlb_device *dev, const struct vlb_interrupt *a);
void vlb_device_get_info(struct vlb_device *dev, struct vlb_info *info);
int vlb_device_get_queue(struct vlb_device *dev, struct vlb_queue_info *info);

int vlb_config_update(struct vlb_device *dev, const struct vlb_config_update *a,
		      const u8 *data);
void vlb_config_written(struct vlb_device *dev, u32 offset, u32 len, u8 *mask);
void vlb_config_forget_writes(struct vlb_device *dev);
void vlb_config_get(struct virtio_device *vdev, unsigned int offset, void *buf,
		    unsigned int len);
void vlb_config_set(struct virtio_device *vdev, unsigned int offset,
		    const void *buf, unsigned int len);
u32 vlb_config_generation(struct virtio_device *vdev);
void vlb_config_notify(struct vlb_device *dev);
void vlb_config_work(struct work_struct *work);

extern const struct dma_map_ops vlb_dma_ops;
void vlb_dma_refresh_out(struct vlb_device *dev);
extern const struct virtio_config_ops vlb_config_ops;

#endif /* _VLB_H */
