// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-loopback: the per-device shared-memory pool.
 *
 * The pool is the only memory a back-end can ever see. It is a vmalloc area
 * that user space maps through a file with no ioctl powers, and the kernel
 * hands out pieces of it with a buddy allocator whose metadata lives in
 * kernel memory only (the back-end can scribble over the pool itself).
 * Allocation and freeing run with a spinlock and never allocate memory, so
 * DMA mapping may happen in atomic context.
 */
#include <linux/anon_inodes.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "vlb.h"

#define VLB_NONE	U32_MAX

static void free_list_push(struct vlb_pool *pool, u32 order, u32 idx)
{
	struct vlb_block *b = &pool->blk[idx];
	u32 head = pool->free_head[order];

	b->order = order;
	b->state = VLB_BLK_FREE;
	b->link.prev = VLB_NONE;
	b->link.next = (pool->free_mask & BIT(order)) ? head : VLB_NONE;
	if (b->link.next != VLB_NONE)
		pool->blk[head].link.prev = idx;
	pool->free_head[order] = idx;
	pool->free_mask |= BIT(order);
}

static void free_list_remove(struct vlb_pool *pool, u32 order, u32 idx)
{
	struct vlb_block *b = &pool->blk[idx];

	if (b->link.prev != VLB_NONE)
		pool->blk[b->link.prev].link.next = b->link.next;
	else
		pool->free_head[order] = b->link.next;
	if (b->link.next != VLB_NONE)
		pool->blk[b->link.next].link.prev = b->link.prev;
	if (pool->free_head[order] == VLB_NONE)
		pool->free_mask &= ~BIT(order);
	b->state = VLB_BLK_NONE;
}

/* Smallest order whose block holds size bytes. */
static u32 size_to_order(size_t size)
{
	if (size <= VLB_BLOCK_SIZE)
		return 0;
	return order_base_2(size) - VLB_BLOCK_SHIFT;
}

/**
 * vlb_pool_alloc - take a block of at least @size bytes from the pool
 * @pool: the pool
 * @size: bytes wanted
 * @state: VLB_BLK_MAPPED or VLB_BLK_COHERENT
 *
 * Blocks are aligned to their size, so a block of a page or more is page
 * aligned. Returns the index of the block's first 256-byte unit, or
 * -ENOMEM when no free block is large enough.
 */
long vlb_pool_alloc(struct vlb_pool *pool, size_t size, u8 state)
{
	unsigned long flags;
	u32 want, order, idx;

	if (size > pool->size)
		return -ENOMEM;
	want = size_to_order(size);
	if (want > pool->max_order)
		return -ENOMEM;

	spin_lock_irqsave(&pool->lock, flags);
	order = find_next_bit(&pool->free_mask, pool->max_order + 1, want);
	if (order > pool->max_order) {
		spin_unlock_irqrestore(&pool->lock, flags);
		return -ENOMEM;
	}
	idx = pool->free_head[order];
	free_list_remove(pool, order, idx);
	/* Split, giving the upper halves back, until the block fits. */
	while (order > want) {
		order--;
		free_list_push(pool, order, idx + BIT(order));
	}
	pool->blk[idx].order = order;
	pool->blk[idx].state = state;
	pool->used += VLB_BLOCK_SIZE << order;
	spin_unlock_irqrestore(&pool->lock, flags);
	return idx;
}

/**
 * vlb_pool_free - give a block back, merging it with free buddies
 * @pool: the pool
 * @idx: index returned by vlb_pool_alloc()
 * @state: the state it was allocated with
 *
 * Returns -EINVAL, and frees nothing, when @idx is not the head of a block
 * allocated with @state: a caller bug that must not corrupt the pool.
 */
int vlb_pool_free(struct vlb_pool *pool, u32 idx, u8 state)
{
	unsigned long flags;
	u32 order, buddy;

	if (idx >= pool->nblocks)
		return -EINVAL;
	spin_lock_irqsave(&pool->lock, flags);
	if (pool->blk[idx].state != state) {
		spin_unlock_irqrestore(&pool->lock, flags);
		return -EINVAL;
	}
	order = pool->blk[idx].order;
	pool->used -= VLB_BLOCK_SIZE << order;
	pool->blk[idx].state = VLB_BLK_NONE;
	while (order < pool->max_order) {
		buddy = idx ^ BIT(order);
		if (buddy >= pool->nblocks ||
		    pool->blk[buddy].state != VLB_BLK_FREE ||
		    pool->blk[buddy].order != order)
			break;
		free_list_remove(pool, order, buddy);
		idx = min(idx, buddy);
		order++;
	}
	free_list_push(pool, order, idx);
	spin_unlock_irqrestore(&pool->lock, flags);
	return 0;
}

/**
 * vlb_pool_find - the block that contains an IOVA
 * @pool: the pool
 * @iova: an address inside a mapping or allocation
 *
 * Blocks are aligned to their size, so the head of the block containing a
 * unit is that unit's index rounded down to some order. Returns the head's
 * index, or -EINVAL when @iova is in no allocated block.
 */
long vlb_pool_find(struct vlb_pool *pool, u64 iova)
{
	unsigned long flags;
	u64 unit = iova >> VLB_BLOCK_SHIFT;
	long found = -EINVAL;
	u32 order, head;

	if (iova >= pool->size)
		return -EINVAL;
	spin_lock_irqsave(&pool->lock, flags);
	for (order = 0; order <= pool->max_order; order++) {
		head = unit & ~(BIT(order) - 1);
		if (pool->blk[head].state == VLB_BLK_NONE)
			continue;
		if (unit < head + BIT(pool->blk[head].order)) {
			if (pool->blk[head].state == VLB_BLK_MAPPED ||
			    pool->blk[head].state == VLB_BLK_COHERENT)
				found = head;
			break;
		}
	}
	spin_unlock_irqrestore(&pool->lock, flags);
	return found;
}

/**
 * vlb_pool_claim - move a block head from one state to another, atomically
 * @pool: the pool
 * @idx: the block's head index
 * @from: the state it must be in
 * @to: the state it gets
 * @snapshot: if not NULL, receives the block's metadata
 *
 * Lets one caller own a mapping while it copies data back, so that a
 * driver unmapping the same address twice cannot make two copies race.
 */
int vlb_pool_claim(struct vlb_pool *pool, u32 idx, u8 from, u8 to,
		   struct vlb_block *snapshot)
{
	unsigned long flags;
	int ret = -EINVAL;

	if (idx >= pool->nblocks)
		return -EINVAL;
	spin_lock_irqsave(&pool->lock, flags);
	if (pool->blk[idx].state == from) {
		pool->blk[idx].state = to;
		if (snapshot)
			*snapshot = pool->blk[idx];
		ret = 0;
	}
	spin_unlock_irqrestore(&pool->lock, flags);
	return ret;
}

/**
 * vlb_pool_create - allocate a pool of @size bytes (a page multiple)
 * @size: bytes
 *
 * The first unit is reserved so that no mapping ever gets IOVA 0, which
 * some back-ends treat as "no buffer".
 */
struct vlb_pool *vlb_pool_create(size_t size)
{
	struct vlb_pool *pool;
	u32 idx, order;

	pool = kzalloc(sizeof(*pool), GFP_KERNEL);
	if (!pool)
		return NULL;
	kref_init(&pool->ref);
	spin_lock_init(&pool->lock);
	init_waitqueue_head(&pool->files_wq);
	pool->size = size;
	pool->nblocks = size >> VLB_BLOCK_SHIFT;
	pool->max_order = min_t(u32, ilog2(pool->nblocks), VLB_POOL_MAX_ORDER);
	pool->base = vmalloc_user(size);
	pool->blk = vzalloc(array_size(pool->nblocks, sizeof(*pool->blk)));
	if (!pool->base || !pool->blk) {
		vfree(pool->base);
		vfree(pool->blk);
		kfree(pool);
		return NULL;
	}
	/* Carve the pool into the largest aligned blocks that fit. */
	for (idx = 0; idx < pool->nblocks; idx += BIT(order)) {
		order = idx ? min_t(u32, __ffs(idx), pool->max_order) : pool->max_order;
		while (idx + BIT(order) > pool->nblocks)
			order--;
		free_list_push(pool, order, idx);
	}
	/* Unit 0 heads the first block: split it down to one unit. */
	order = pool->blk[0].order;
	free_list_remove(pool, order, 0);
	while (order > 0) {
		order--;
		free_list_push(pool, order, BIT(order));
	}
	pool->blk[0].order = 0;
	pool->blk[0].state = VLB_BLK_RESERVED;
	pool->used = VLB_BLOCK_SIZE;
	return pool;
}

static void vlb_pool_release(struct kref *ref)
{
	struct vlb_pool *pool = container_of(ref, struct vlb_pool, ref);

	vfree(pool->base);
	vfree(pool->blk);
	kfree(pool);
}

void vlb_pool_put(struct vlb_pool *pool)
{
	if (pool)
		kref_put(&pool->ref, vlb_pool_release);
}

/* ---- the pool file: mmap and nothing else ---- */

static int vlb_pool_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vlb_pool *pool = file->private_data;
	unsigned long len = vma->vm_end - vma->vm_start;

	if (!(vma->vm_flags & VM_SHARED) || (vma->vm_flags & VM_EXEC))
		return -EINVAL;
	if (vma->vm_pgoff > pool->size >> PAGE_SHIFT ||
	    len > pool->size - (vma->vm_pgoff << PAGE_SHIFT))
		return -EINVAL;
	vlb_vma_forbid_exec(vma);
	return remap_vmalloc_range(vma, pool->base, vma->vm_pgoff);
}

static long vlb_pool_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return -EINVAL;
}

static int vlb_pool_release_file(struct inode *inode, struct file *file)
{
	struct vlb_pool *pool = file->private_data;

	if (atomic_dec_and_test(&pool->files))
		wake_up_all(&pool->files_wq);
	vlb_pool_put(pool);
	return 0;
}

/* Wait until no process holds or maps the pool, or @timeout passes. */
void vlb_pool_wait_unused(struct vlb_pool *pool, unsigned long timeout)
{
	wait_event_timeout(pool->files_wq, !atomic_read(&pool->files), timeout);
}

static const struct file_operations vlb_pool_fops = {
	.owner = THIS_MODULE,
	.mmap = vlb_pool_mmap,
	.unlocked_ioctl = vlb_pool_ioctl,
	.compat_ioctl = vlb_pool_ioctl,
	.release = vlb_pool_release_file,
};

/* A new file for the pool; it holds its own reference. */
struct file *vlb_pool_file(struct vlb_pool *pool)
{
	struct file *file;

	kref_get(&pool->ref);
	atomic_inc(&pool->files);
	file = anon_inode_getfile("[virtio-loopback-pool]", &vlb_pool_fops, pool,
				  O_RDWR | O_CLOEXEC);
	if (IS_ERR(file)) {
		atomic_dec(&pool->files);
		vlb_pool_put(pool);
	}
	return file;
}
