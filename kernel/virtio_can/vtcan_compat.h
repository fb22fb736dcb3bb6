/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio_can: every kernel-version-dependent API use, in one place. The
 * module targets Linux 6.1 first and must keep building on 6.12 (D8).
 */
#ifndef _VTCAN_COMPAT_H
#define _VTCAN_COMPAT_H

#include <linux/version.h>
#include <linux/virtio_config.h>

/* find_vqs() takes one array of struct virtqueue_info since 6.11. */
static inline int vtcan_find_vqs(struct virtio_device *vdev, unsigned int n,
				 struct virtqueue *vqs[],
				 vq_callback_t *callbacks[],
				 const char * const names[])
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 11, 0)
	struct virtqueue_info info[3] = {};
	unsigned int i;

	if (n > ARRAY_SIZE(info))
		return -EINVAL;
	for (i = 0; i < n; i++) {
		info[i].name = names[i];
		info[i].callback = callbacks[i];
	}
	return virtio_find_vqs(vdev, n, vqs, info, NULL);
#else
	return virtio_find_vqs(vdev, n, vqs, callbacks, names, NULL);
#endif
}

#endif
