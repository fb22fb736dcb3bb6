/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-loopback: every kernel-version-dependent API use, in one place.
 * The module targets Linux 6.1 first and must keep building on 6.6 and
 * 6.12 (D8).
 */
#ifndef _VLB_COMPAT_H
#define _VLB_COMPAT_H

#include <linux/eventfd.h>
#include <linux/mm.h>
#include <linux/preempt.h>
#include <linux/version.h>

/* eventfd_signal() lost its count argument in 6.8. */
static inline void vlb_eventfd_signal(struct eventfd_ctx *ctx)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 8, 0)
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/* vm_flags became read-only with accessors in 6.3. */
static inline void vlb_vma_forbid_exec(struct vm_area_struct *vma)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 3, 0)
	vm_flags_clear(vma, VM_MAYEXEC);
#else
	vma->vm_flags &= ~VM_MAYEXEC;
#endif
}

/*
 * find_vqs() takes one array of struct virtqueue_info since 6.11, three
 * parallel arrays before. The transport's find_vqs is written with these.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
#define VLB_FIND_VQS_PARAMS	struct virtqueue_info vqs_info[]
#define VLB_VQ_NAME(i)		(vqs_info[i].name)
#define VLB_VQ_CALLBACK(i)	(vqs_info[i].callback)
#define VLB_VQ_CTX(i)		(vqs_info[i].ctx)
#else
#define VLB_FIND_VQS_PARAMS	vq_callback_t *callbacks[], \
				const char * const names[], const bool *ctx
#define VLB_VQ_NAME(i)		(names[i])
#define VLB_VQ_CALLBACK(i)	(callbacks[i])
#define VLB_VQ_CTX(i)		(ctx ? ctx[i] : false)
#endif

/* Whether a config write may wait for the adapter here. */
static inline bool vlb_can_sleep(void)
{
#ifdef CONFIG_PREEMPT_COUNT
	return preemptible();
#else
	return !in_interrupt() && !irqs_disabled();
#endif
}

#endif /* _VLB_COMPAT_H */
