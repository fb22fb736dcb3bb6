// SPDX-License-Identifier: MIT
/*
 * Taking over a device that a previous adapter left in systemd's fd store
 * (--fd-store). The kernel kept the device, since its file stayed open, so
 * nothing is created again and the driver notices nothing: the state comes
 * from the kernel (VLB_IOC_GET_INFO, GET_QUEUE, CONFIG_READ), the requests
 * the old adapter left unanswered are read again (VLB_IOC_ADOPT), and the
 * back-end gets a new session that resubmits what it had in flight.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/virtio_config.h>

#include "device.h"
#include "kdev.h"
#include "log.h"

/* The region's layout travels in its name: inflight-SIZE-OFFSET-NQ-QSIZE. */
static int parse_inflight(const char *what, struct vu_inflight *inf)
{
	unsigned long long size, offset;
	unsigned int nq, qsize;
	char extra;

	if (sscanf(what, "inflight-%llu-%llu-%u-%u%c", &size, &offset, &nq, &qsize,
		   &extra) != 4)
		return -1;
	if (!size || size > MAX_INFLIGHT_SIZE || offset > MAX_INFLIGHT_SIZE ||
	    nq > VLB_MAX_QUEUES || qsize > VLB_MAX_QUEUE_SIZE)
		return -1;
	memset(inf, 0, sizeof(*inf));
	inf->mmap_size = size;
	inf->mmap_offset = offset;
	inf->num_queues = (uint16_t)nq;
	inf->queue_size = (uint16_t)qsize;
	return 0;
}

static int map_inflight(struct vdevice *d, int fd, const char *name)
{
	char prefix[FDSTORE_NAME_MAX];
	struct vu_inflight inf;

	device_fd_name(d, "", prefix, sizeof(prefix));
	/* Named from here on, so that device_close() drops it from the store. */
	snprintf(d->inflight_name, sizeof(d->inflight_name), "%s", name);
	if (parse_inflight(name + strlen(prefix), &inf)) {
		close(fd);
		return -EINVAL;
	}
	return backend_map_inflight(d, fd, &inf);
}

/* What the kernel says must still be the device the configuration asks for. */
static const char *stale_reason(const struct vdevice *d, const struct vlb_info *info)
{
	const struct device_spec *spec = d->spec;

	if (info->flags & (VLB_INFO_F_BROKEN | VLB_INFO_F_REMOVING))
		return "the kernel is removing it";
	/* The old adapter died during start-up: start afresh. */
	if (info->virtio_index < 0)
		return "it never reached the virtio bus";
	if (info->device_id != spec->type->id)
		return "it is of another device type";
	if (!info->num_queues || info->num_queues > VLB_MAX_QUEUES ||
	    info->config_size > VU_MAX_CONFIG_SIZE || !info->shm_size)
		return "the kernel describes it out of range";
	if (spec->queues && spec->queues != info->num_queues)
		return "its queue count differs from the configuration";
	if (spec->shm_size_given && spec->shm_size != info->shm_size)
		return "its pool size differs from the configuration";
	return NULL;
}

/* The queues as the kernel has them, each with fresh eventfds. */
static int restore_queues(struct vdevice *d)
{
	bool running = d->status & VIRTIO_CONFIG_S_DRIVER_OK;
	int ret = device_create_queues(d);

	for (uint32_t i = 0; !ret && i < d->nq; i++) {
		struct vlb_queue_info qi;
		struct queue *q = &d->q[i];

		ret = kdev_get_queue(d->kfd, i, &qi);
		if (ret)
			break;
		if (!(qi.flags & VLB_QUEUE_F_READY))
			continue;
		if (!qi.num || qi.num > d->spec->queue_size)
			return -ERANGE;
		q->ready = true;
		q->failing = qi.flags & VLB_QUEUE_F_FAILING;
		q->num = qi.num;
		q->desc = qi.desc;
		q->avail = qi.avail;
		q->used = qi.used;
		/* The old adapter's back-end had the ring. */
		q->started = running && !q->failing;
	}
	return ret;
}

static int restore(struct vdevice *d, const char **why, int *virtio_index)
{
	struct vlb_info info;
	int ret;

	ret = kdev_adopt(d->kfd);
	if (!ret)
		ret = kdev_get_info(d->kfd, &info);
	if (ret) {
		*why = strerror(-ret);
		return ret;
	}
	*why = stale_reason(d, &info);
	if (*why)
		return -ESTALE;
	snprintf(d->name, sizeof(d->name), "vlb%u", info.index);
	d->offered = info.device_features;
	d->nq = info.num_queues;
	d->config_size = info.config_size;
	d->status = (uint8_t)info.status;
	d->driver_features = info.driver_features;
	d->features_set = info.status & VIRTIO_CONFIG_S_FEATURES_OK;
	d->registered = true;
	*virtio_index = info.virtio_index;
	d->pool_size = info.shm_size;
	*why = "its state cannot be read";
	ret = kdev_config_read(d->kfd, d->config, d->config_size, false);
	if (!ret)
		ret = kdev_config_read(d->kfd, d->config_written, d->config_size, true);
	if (ret)
		return ret;
	d->pool = mmap(NULL, d->pool_size, PROT_READ, MAP_SHARED, d->pool_fd, 0);
	if (d->pool == MAP_FAILED) {
		d->pool = NULL;
		return -errno;
	}
	ret = restore_queues(d);
	if (ret)
		return ret;
	d->type_opened = true;
	*why = "the device type refused it";
	if (device_ops(d) && device_ops(d)->open) {
		ret = device_ops(d)->open(d);
		if (ret)
			return ret;
	}
	*why = "no timer";
	return device_finish_open(d);
}

/**
 * device_resume - take over this slot's device from the fd store
 *
 * Returns 0 when the device was taken over, 1 when there is none to take
 * (or it was stale and is now removed): then create one as usual.
 */
int device_resume(struct vdevice *d, const struct device_spec *spec, unsigned int slot)
{
	char prefix[FDSTORE_NAME_MAX], name[FDSTORE_NAME_MAX];
	const char *why = "its pool is not in the store";
	int fd, virtio_index = -1;

	if (!fdstore_enabled())
		return 1;
	device_init(d, spec, slot);
	if (!device_can_be_stored(d))
		return 1;
	device_fd_name(d, "ctl", prefix, sizeof(prefix));
	d->kfd = fdstore_take(prefix, NULL, 0);
	if (d->kfd < 0)
		return 1;
	d->stored = true;	/* from here on device_close() drops them */
	device_fd_name(d, "pool", prefix, sizeof(prefix));
	d->pool_fd = fdstore_take(prefix, NULL, 0);
	device_fd_name(d, "inflight-", prefix, sizeof(prefix));
	fd = fdstore_take(prefix, name, sizeof(name));
	if (fd >= 0 && map_inflight(d, fd, name)) {
		why = "its inflight region cannot be mapped";
		goto stale;
	}
	if (d->pool_fd < 0 || restore(d, &why, &virtio_index))
		goto stale;
	log_info("%s: %s device taken over from the fd store (virtio%d, status 0x%02x%s)",
		 d->name, spec->type->name, virtio_index,
		 d->status, d->inflight ? ", inflight region kept" : "");
	d->adopted = true;
	backend_adopted(d);
	return 0;

stale:
	log_warn("%s: the stored %s device cannot be taken over (%s); removing it",
		 d->name, spec->type->name, why);
	kdev_remove(d->kfd);
	device_close(d);
	return 1;
}
