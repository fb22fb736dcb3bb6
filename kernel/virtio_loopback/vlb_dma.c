// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-loopback: DMA mapping operations that bounce through the pool.
 *
 * The driver's buffers stay where they are; each mapping copies the buffer
 * into a block of the device's pool (for data going to the device) and
 * copies it back when unmapped (for data coming from the device). The
 * back-end therefore never sees memory outside the pool, and a mapping
 * that does not fit fails with DMA_MAPPING_ERROR, which virtio drivers
 * treat as a temporary shortage and retry.
 */
#include <linux/dma-map-ops.h>
#include <linux/highmem.h>
#include <linux/scatterlist.h>

#include "vlb.h"

static bool to_device(u8 dir)
{
	return dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL;
}

static bool from_device(u8 dir)
{
	return dir == DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL;
}

/* Copy between the pool at @iova and the driver's memory at @orig. */
static void vlb_bounce(struct vlb_pool *pool, u64 iova, phys_addr_t orig,
		       size_t len, bool into_pool)
{
	u8 *slot = pool->base + iova;

	while (len) {
		size_t in_page = offset_in_page(orig);
		size_t n = min_t(size_t, len, PAGE_SIZE - in_page);
		u8 *mem = kmap_local_page(pfn_to_page(PHYS_PFN(orig)));

		if (into_pool)
			memcpy(slot, mem + in_page, n);
		else
			memcpy(mem + in_page, slot, n);
		kunmap_local(mem);
		slot += n;
		orig += n;
		len -= n;
	}
}

static dma_addr_t vlb_map_phys(struct device *d, phys_addr_t orig, size_t size,
			       enum dma_data_direction dir, unsigned long attrs)
{
	struct vlb_device *dev = parent_to_vlb(d);
	struct vlb_pool *pool = dev->pool;
	struct vlb_block *b;
	long idx;
	/* A refreshed device's blocks must not be seen half set up. */
	u8 state = dev->refresh_out ? VLB_BLK_FILLING : VLB_BLK_MAPPED;

	if (size > dev->max_mapping) {
		atomic64_inc(&dev->stats.map_errors);
		return DMA_MAPPING_ERROR;
	}
	idx = vlb_pool_alloc(pool, size, state);
	if (idx < 0) {
		atomic64_inc(&dev->stats.map_errors);
		/*
		 * A full pool is back-pressure, not a fault: the driver
		 * retries once a request completes. Said once per device,
		 * and counted in stats/map_errors.
		 */
		if (!atomic_xchg(&dev->pool_full_noted, 1))
			dev_notice(d, "pool full: a mapping of %zu bytes waits (the pool has %zu; a bigger --shm-size of the adapter's avoids the wait; stats/map_errors counts them)\n",
				   size, pool->size);
		return DMA_MAPPING_ERROR;
	}
	/* The block is ours alone until unmapped: no lock needed here. */
	b = &pool->blk[idx];
	b->orig = orig;
	b->len = size;
	b->dir = dir;
	if (to_device(dir) && !(attrs & DMA_ATTR_SKIP_CPU_SYNC)) {
		vlb_bounce(pool, vlb_pool_iova(idx), orig, size, true);
		atomic64_add(size, &dev->stats.bounce_to_device);
	}
	if (state == VLB_BLK_FILLING)
		vlb_pool_claim(pool, idx, VLB_BLK_FILLING, VLB_BLK_MAPPED, NULL);
	return vlb_pool_iova(idx);
}

/**
 * vlb_dma_refresh_out - copy every outbound mapping into the pool again
 * @dev: a device created with VLB_CREATE_F_REFRESH_OUT
 *
 * Runs at each of the driver's kicks and before each of the device's
 * interrupts (any context). The pool's
 * lock keeps each mapping alive while it is copied.
 */
void vlb_dma_refresh_out(struct vlb_device *dev)
{
	struct vlb_pool *pool = dev->pool;
	unsigned long flags;
	u64 bytes = 0;
	u32 idx = 0;

	spin_lock_irqsave(&pool->lock, flags);
	while (idx < pool->nblocks) {
		struct vlb_block *b = &pool->blk[idx];

		if (b->state == VLB_BLK_NONE) {
			idx++;
			continue;
		}
		if (b->state == VLB_BLK_MAPPED && to_device(b->dir)) {
			vlb_bounce(pool, vlb_pool_iova(idx), b->orig, b->len, true);
			bytes += b->len;
		}
		idx += BIT(b->order);
	}
	spin_unlock_irqrestore(&pool->lock, flags);
	atomic64_add(bytes, &dev->stats.bounce_to_device);
}

static dma_addr_t vlb_map_page(struct device *d, struct page *page,
			       unsigned long offset, size_t size,
			       enum dma_data_direction dir, unsigned long attrs)
{
	return vlb_map_phys(d, page_to_phys(page) + offset, size, dir, attrs);
}

static void vlb_unmap_page(struct device *d, dma_addr_t addr, size_t size,
			   enum dma_data_direction dir, unsigned long attrs)
{
	struct vlb_device *dev = parent_to_vlb(d);
	struct vlb_pool *pool = dev->pool;
	struct vlb_block b;
	u32 idx = addr >> VLB_BLOCK_SHIFT;

	if ((addr & (VLB_BLOCK_SIZE - 1)) || addr >= pool->size ||
	    vlb_pool_claim(pool, idx, VLB_BLK_MAPPED, VLB_BLK_UNMAPPING, &b)) {
		dev_err_ratelimited(&dev->parent, "unmap of unknown DMA address %pad\n",
				    &addr);
		atomic64_inc(&dev->stats.errors);
		return;
	}
	/* Copy back what was mapped, whatever size the caller passes. */
	if (from_device(b.dir) && !(attrs & DMA_ATTR_SKIP_CPU_SYNC)) {
		vlb_bounce(pool, addr, b.orig, b.len, false);
		atomic64_add(b.len, &dev->stats.bounce_from_device);
	}
	vlb_pool_free(pool, idx, VLB_BLK_UNMAPPING);
}

/* The part of a mapping that [addr, addr + size) covers, for syncs. */
static bool vlb_sync_range(struct vlb_device *dev, dma_addr_t addr, size_t size,
			   phys_addr_t *orig, size_t *len)
{
	struct vlb_pool *pool = dev->pool;
	struct vlb_block *b;
	long head = vlb_pool_find(pool, addr);
	u64 off;

	if (head < 0 || pool->blk[head].state != VLB_BLK_MAPPED)
		return false;
	b = &pool->blk[head];
	off = addr - vlb_pool_iova(head);
	if (off >= b->len)
		return false;
	*orig = b->orig + off;
	*len = min_t(size_t, size, b->len - off);
	return true;
}

static void vlb_sync_for_cpu(struct device *d, dma_addr_t addr, size_t size,
			     enum dma_data_direction dir)
{
	struct vlb_device *dev = parent_to_vlb(d);
	phys_addr_t orig;
	size_t len;

	if (from_device(dir) && vlb_sync_range(dev, addr, size, &orig, &len)) {
		vlb_bounce(dev->pool, addr, orig, len, false);
		atomic64_add(len, &dev->stats.bounce_from_device);
	}
}

static void vlb_sync_for_device(struct device *d, dma_addr_t addr, size_t size,
				enum dma_data_direction dir)
{
	struct vlb_device *dev = parent_to_vlb(d);
	phys_addr_t orig;
	size_t len;

	if (to_device(dir) && vlb_sync_range(dev, addr, size, &orig, &len)) {
		vlb_bounce(dev->pool, addr, orig, len, true);
		atomic64_add(len, &dev->stats.bounce_to_device);
	}
}

static void vlb_unmap_sg(struct device *d, struct scatterlist *sgl, int nents,
			 enum dma_data_direction dir, unsigned long attrs)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		vlb_unmap_page(d, sg_dma_address(sg), sg_dma_len(sg), dir, attrs);
}

static int vlb_map_sg(struct device *d, struct scatterlist *sgl, int nents,
		      enum dma_data_direction dir, unsigned long attrs)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i) {
		sg_dma_address(sg) = vlb_map_phys(d, sg_phys(sg), sg->length, dir,
						  attrs);
		if (sg_dma_address(sg) == DMA_MAPPING_ERROR) {
			vlb_unmap_sg(d, sgl, i, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC);
			return -ENOMEM;
		}
		sg_dma_len(sg) = sg->length;
	}
	return nents;
}

static void vlb_sync_sg_for_cpu(struct device *d, struct scatterlist *sgl,
				int nents, enum dma_data_direction dir)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		vlb_sync_for_cpu(d, sg_dma_address(sg), sg_dma_len(sg), dir);
}

static void vlb_sync_sg_for_device(struct device *d, struct scatterlist *sgl,
				   int nents, enum dma_data_direction dir)
{
	struct scatterlist *sg;
	int i;

	for_each_sg(sgl, sg, nents, i)
		vlb_sync_for_device(d, sg_dma_address(sg), sg_dma_len(sg), dir);
}

/* Coherent memory (the rings) is simply a zeroed, page-aligned block. */
static void *vlb_alloc(struct device *d, size_t size, dma_addr_t *handle,
		       gfp_t gfp, unsigned long attrs)
{
	struct vlb_device *dev = parent_to_vlb(d);
	struct vlb_pool *pool = dev->pool;
	long idx = vlb_pool_alloc(pool, max_t(size_t, size, PAGE_SIZE),
				  VLB_BLK_COHERENT);

	if (idx < 0) {
		atomic64_inc(&dev->stats.map_errors);
		return NULL;
	}
	*handle = vlb_pool_iova(idx);
	memset(pool->base + *handle, 0, size);
	return pool->base + *handle;
}

static void vlb_free(struct device *d, size_t size, void *vaddr,
		     dma_addr_t handle, unsigned long attrs)
{
	struct vlb_device *dev = parent_to_vlb(d);
	struct vlb_pool *pool = dev->pool;

	if (handle >= pool->size || vaddr != pool->base + handle ||
	    vlb_pool_free(pool, handle >> VLB_BLOCK_SHIFT, VLB_BLK_COHERENT)) {
		dev_err_ratelimited(&dev->parent, "free of unknown DMA memory %pad\n",
				    &handle);
		atomic64_inc(&dev->stats.errors);
	}
}

static size_t vlb_max_mapping_size(struct device *d)
{
	return parent_to_vlb(d)->max_mapping;
}

const struct dma_map_ops vlb_dma_ops = {
	.alloc = vlb_alloc,
	.free = vlb_free,
	.map_page = vlb_map_page,
	.unmap_page = vlb_unmap_page,
	.map_sg = vlb_map_sg,
	.unmap_sg = vlb_unmap_sg,
	.sync_single_for_cpu = vlb_sync_for_cpu,
	.sync_single_for_device = vlb_sync_for_device,
	.sync_sg_for_cpu = vlb_sync_sg_for_cpu,
	.sync_sg_for_device = vlb_sync_sg_for_device,
	.max_mapping_size = vlb_max_mapping_size,
};
