// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-loopback: per-device attributes under /sys/devices/virtual/misc/
 * virtio-loopback/vlb<N>/, counters in its stats/ directory.
 */
#include <linux/device.h>
#include <linux/sysfs.h>

#include "vlb.h"

#define VLB_STAT_ATTR(name)						\
static ssize_t name##_show(struct device *d, struct device_attribute *attr, \
			   char *buf)					\
{									\
	return sysfs_emit(buf, "%lld\n",				\
			  atomic64_read(&parent_to_vlb(d)->stats.name));	\
}									\
static DEVICE_ATTR_RO(name)

VLB_STAT_ATTR(kicks);
VLB_STAT_ATTR(interrupts);
VLB_STAT_ATTR(bounce_to_device);
VLB_STAT_ATTR(bounce_from_device);
VLB_STAT_ATTR(map_errors);
VLB_STAT_ATTR(errors);
VLB_STAT_ATTR(config_changes);
VLB_STAT_ATTR(failed_requests);

static struct attribute *vlb_stats_attrs[] = {
	&dev_attr_kicks.attr,
	&dev_attr_interrupts.attr,
	&dev_attr_bounce_to_device.attr,
	&dev_attr_bounce_from_device.attr,
	&dev_attr_map_errors.attr,
	&dev_attr_errors.attr,
	&dev_attr_config_changes.attr,
	&dev_attr_failed_requests.attr,
	NULL,
};

static const struct attribute_group vlb_stats_group = {
	.name = "stats",
	.attrs = vlb_stats_attrs,
};

static ssize_t device_id_show(struct device *d, struct device_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%u\n", parent_to_vlb(d)->vdev.id.device);
}
static DEVICE_ATTR_RO(device_id);

static ssize_t features_show(struct device *d, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "0x%016llx\n", parent_to_vlb(d)->features);
}
static DEVICE_ATTR_RO(features);

static ssize_t status_show(struct device *d, struct device_attribute *attr,
			   char *buf)
{
	return sysfs_emit(buf, "0x%02x\n", READ_ONCE(parent_to_vlb(d)->status));
}
static DEVICE_ATTR_RO(status);

static ssize_t pool_size_show(struct device *d, struct device_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%zu\n", parent_to_vlb(d)->pool->size);
}
static DEVICE_ATTR_RO(pool_size);

static ssize_t pool_used_show(struct device *d, struct device_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%zu\n", READ_ONCE(parent_to_vlb(d)->pool->used));
}
static DEVICE_ATTR_RO(pool_used);

static ssize_t num_queues_show(struct device *d, struct device_attribute *attr,
			       char *buf)
{
	return sysfs_emit(buf, "%u\n", parent_to_vlb(d)->num_queues);
}
static DEVICE_ATTR_RO(num_queues);

static struct attribute *vlb_device_attrs[] = {
	&dev_attr_device_id.attr,
	&dev_attr_features.attr,
	&dev_attr_status.attr,
	&dev_attr_pool_size.attr,
	&dev_attr_pool_used.attr,
	&dev_attr_num_queues.attr,
	NULL,
};

static const struct attribute_group vlb_device_group = {
	.attrs = vlb_device_attrs,
};

const struct attribute_group *vlb_device_groups[] = {
	&vlb_device_group,
	&vlb_stats_group,
	NULL,
};
