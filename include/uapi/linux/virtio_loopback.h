/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * virtio-loopback: a virtio transport whose devices live in user space.
 *
 * This header is the whole contract between the kernel module and user
 * space (the adapter). Life of a device:
 *
 *  1. open("/dev/virtio-loopback"): one file owns at most one device.
 *  2. VLB_IOC_CREATE describes the device (id, offered features, queues,
 *     initial config space, shared-memory pool size) and returns a second
 *     fd, the pool: it can only be mmap()ed (MAP_SHARED), never ioctl()ed.
 *     That fd is what a vhost-user back-end receives in SET_MEM_TABLE: one
 *     region whose guest addresses are pool offsets (IOVAs).
 *  3. VLB_IOC_SET_QUEUE_FDS gives each queue its kick and call eventfds.
 *     The kernel signals kick itself when the driver notifies, and consumes
 *     call itself to raise the queue's interrupt: the data path never goes
 *     through the adapter.
 *  4. VLB_IOC_START registers the device on the virtio bus, after the ioctl
 *     has returned, so the adapter is free to answer the driver's probe.
 *  5. The adapter read()s struct vlb_msg requests (poll() for POLLIN) and
 *     write()s one struct vlb_reply per request that wants one.
 *     VLB_MSG_REGISTERED says the device is on the bus (and its driver,
 *     if loaded, has probed it).
 *  6. VLB_IOC_REMOVE (or closing the file) removes the device; a
 *     VLB_MSG_REMOVED message then says it is gone.
 *
 * Every wait in the kernel is bounded: if the adapter does not answer in
 * time (module parameter ctl_timeout_ms) or goes away, the device is
 * marked broken and removed.
 *
 * When no back-end can serve a queue (it crashed, or is being restarted),
 * VLB_IOC_QUEUE_FAIL puts the queue in "failing" mode: the kernel itself
 * completes the given in-flight heads, and every request the driver adds
 * afterwards, with an error the driver understands (virtio-blk: status
 * IOERR; other types: a used length of 0), so nothing hangs.
 * VLB_IOC_QUEUE_RESUME hands the queue back and tells where the next
 * back-end must start (its SET_VRING_BASE). The kernel uses the same mode
 * on its own once the adapter is gone and no process maps the pool.
 *
 * A restarted adapter can take over a device whose files outlived it
 * (systemd's file descriptor store keeps them open, so the device stays):
 * VLB_IOC_ADOPT makes the requests the previous adapter read and never
 * answered readable again, and VLB_IOC_GET_INFO, VLB_IOC_GET_QUEUE and
 * VLB_IOC_CONFIG_READ tell the state it must resume from. The kernel's
 * requests wait for it as they wait for any answer: up to ctl_timeout_ms.
 */
#ifndef _UAPI_LINUX_VIRTIO_LOOPBACK_H
#define _UAPI_LINUX_VIRTIO_LOOPBACK_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define VLB_DEVICE_NAME		"virtio-loopback"
#define VLB_API_VERSION		1

/* Limits the kernel enforces on VLB_IOC_CREATE. */
#define VLB_MAX_QUEUES		64
#define VLB_MAX_QUEUE_SIZE	32768	/* a power of two */
#define VLB_MAX_CONFIG_SIZE	4096
#define VLB_MIN_SHM_SIZE	(256ULL << 10)
#define VLB_MAX_SHM_SIZE	(1ULL << 30)
/*
 * The largest single DMA mapping the kernel accepts into a pool: the
 * largest power of two at most shm_size / VLB_MAPPING_DIVISOR, and at
 * least VLB_MIN_MAPPING and at most VLB_MAX_MAPPING_CAP (64 KiB in a 32
 * MiB pool). Drivers size their scatter-gather segments by it, so 256
 * segments fill half the pool; a front-end that owns a type's limits
 * (blk's seg_max) keeps a whole request inside the pool with it.
 */
#define VLB_MAPPING_DIVISOR	512
#define VLB_MIN_MAPPING		(4ULL << 10)
#define VLB_MAX_MAPPING_CAP	(1ULL << 20)

struct vlb_create {
	/* in */
	__u32 api_version;		/* VLB_API_VERSION */
	__u32 device_id;		/* virtio device id, 1..0xfffe */
	__u32 vendor_id;
	__u32 num_queues;		/* 1..VLB_MAX_QUEUES */
	__u64 features;			/* features the device offers */
	__u64 shm_size;			/* pool bytes, page multiple */
	__u64 config_ptr;		/* user pointer to the config space */
	__u32 config_size;		/* 0..VLB_MAX_CONFIG_SIZE */
	__u32 flags;			/* VLB_CREATE_F_* */
	__u16 queue_size[VLB_MAX_QUEUES]; /* maximum size of each queue */
	/* out */
	__s32 shm_fd;			/* the pool: mmap only */
	__u32 index;			/* the device is vlb<index> in sysfs */
	__u64 reserved[4];		/* must be 0 */
};

/*
 * Copy the driver's outbound buffers into the pool again at each kick and
 * before each interrupt, for as long as they are mapped: for drivers that keep
 * writing to buffers they already made available (Linux 6.1's virtio_snd
 * queues a period before the application has written it), so that the
 * device reads what is there when it reads, as it would with no bounce.
 */
#define VLB_CREATE_F_REFRESH_OUT	(1U << 0)
#define VLB_CREATE_F_ALL		VLB_CREATE_F_REFRESH_OUT

struct vlb_queue_fds {
	__u32 index;			/* queue index */
	__s32 kick_fd;			/* eventfd, or -1 to detach */
	__s32 call_fd;			/* eventfd, or -1 to detach */
	__u32 flags;			/* must be 0 */
};

#define VLB_CONFIG_F_NOTIFY	(1U << 0) /* raise a config-change interrupt */
/*
 * VLB_IOC_CONFIG_READ only: instead of the bytes, one mask byte each,
 * 0xff where the driver wrote since the device's last reset. A new
 * back-end session must be given those bytes again (SET_CONFIG).
 */
#define VLB_CONFIG_F_WRITTEN	(1U << 1)

struct vlb_config_update {
	__u32 offset;
	__u32 len;
	__u64 data_ptr;			/* user pointer to len bytes */
	__u32 flags;			/* VLB_CONFIG_F_* */
	__u32 reserved;			/* must be 0 */
};

#define VLB_INTERRUPT_CONFIG	0xffffffffU

struct vlb_interrupt {
	__u32 queue;			/* queue index or VLB_INTERRUPT_CONFIG */
	__u32 flags;			/* must be 0 */
};

/*
 * The heads are the back-end's own complete record (its inflight region),
 * even when there are none: the kernel then does not look for requests
 * left outstanding itself.
 */
#define VLB_QUEUE_FAIL_F_RECORD	(1U << 0)

struct vlb_queue_fail {
	__u32 index;			/* queue index */
	__u32 num_heads;		/* heads the back-end had in flight */
	__u64 heads_ptr;		/* user pointer to num_heads __u16 */
	__u32 flags;			/* VLB_QUEUE_FAIL_F_* */
	__u32 reserved;			/* must be 0 */
};

struct vlb_queue_resume {
	__u32 index;			/* in: queue index */
	__u32 next_avail;		/* out: first avail index not yet served */
};

#define VLB_INFO_F_BROKEN	(1U << 0) /* the adapter failed it: removal queued */
#define VLB_INFO_F_REMOVING	(1U << 1) /* removal queued, running or done */

struct vlb_info {
	__u32 index;			/* vlb<index> */
	__s32 virtio_index;		/* virtio<N> once registered, else -1 */
	__u32 status;			/* virtio device status byte */
	__u32 num_queues;
	__u64 driver_features;		/* what the driver accepted */
	/* What VLB_IOC_CREATE said (a restarted adapter learns it here). */
	__u64 device_features;
	__u64 shm_size;
	__u32 device_id;
	__u32 config_size;
	__u32 flags;			/* VLB_INFO_F_* */
	__u32 reserved;
};

#define VLB_QUEUE_F_READY	(1U << 0) /* the driver's rings are in the pool */
#define VLB_QUEUE_F_FAILING	(1U << 1) /* the kernel completes its requests */

/* One queue as the kernel knows it (VLB_IOC_GET_QUEUE). */
struct vlb_queue_info {
	__u32 index;			/* in: queue index */
	__u32 flags;			/* out: VLB_QUEUE_F_* */
	__u32 num;			/* ring size; 0 before the driver set it up */
	__u32 max_size;
	__u64 desc;			/* IOVAs: offsets into the pool */
	__u64 avail;
	__u64 used;
	__u64 reserved[2];
};

#define VLB_IOC_MAGIC		0xB8
#define VLB_IOC_CREATE		_IOWR(VLB_IOC_MAGIC, 0x00, struct vlb_create)
#define VLB_IOC_SET_QUEUE_FDS	_IOW(VLB_IOC_MAGIC, 0x01, struct vlb_queue_fds)
#define VLB_IOC_START		_IO(VLB_IOC_MAGIC, 0x02)
#define VLB_IOC_CONFIG_UPDATE	_IOW(VLB_IOC_MAGIC, 0x03, struct vlb_config_update)
#define VLB_IOC_INTERRUPT	_IOW(VLB_IOC_MAGIC, 0x04, struct vlb_interrupt)
#define VLB_IOC_REMOVE		_IO(VLB_IOC_MAGIC, 0x05)
#define VLB_IOC_GET_INFO	_IOR(VLB_IOC_MAGIC, 0x06, struct vlb_info)
#define VLB_IOC_QUEUE_FAIL	_IOW(VLB_IOC_MAGIC, 0x07, struct vlb_queue_fail)
#define VLB_IOC_QUEUE_RESUME	_IOWR(VLB_IOC_MAGIC, 0x08, struct vlb_queue_resume)
#define VLB_IOC_GET_QUEUE	_IOWR(VLB_IOC_MAGIC, 0x09, struct vlb_queue_info)
/* Copy the config cache out to data_ptr; flags: 0 or VLB_CONFIG_F_WRITTEN. */
#define VLB_IOC_CONFIG_READ	_IOW(VLB_IOC_MAGIC, 0x0a, struct vlb_config_update)
#define VLB_IOC_ADOPT		_IO(VLB_IOC_MAGIC, 0x0b)

/* Control messages, kernel to adapter. */
enum vlb_msg_type {
	VLB_MSG_STATUS = 1,	/* the driver set status bits: reply */
	VLB_MSG_FEATURES = 2,	/* features the driver accepted: reply */
	VLB_MSG_QUEUE_READY = 3, /* a queue's rings are in the pool: reply */
	VLB_MSG_CONFIG_WRITE = 4, /* the driver wrote config space: reply */
	VLB_MSG_RESET = 5,	/* stop the device, rings included: reply */
	VLB_MSG_REMOVED = 6,	/* the device is gone: no reply */
	VLB_MSG_REGISTERED = 7,	/* on the virtio bus, driver probed: no reply */
};

#define VLB_MSG_F_NEED_REPLY	(1U << 0)
#define VLB_CONFIG_WRITE_MAX	64

struct vlb_msg {
	__u32 id;		/* echo it in the reply */
	__u16 type;		/* enum vlb_msg_type */
	__u16 flags;		/* VLB_MSG_F_* */
	union {
		struct {
			__u32 status;
		} status;
		struct {
			/* VIRTIO_F_ACCESS_PLATFORM is the transport's own
			 * and never appears here.
			 */
			__u64 features;
		} features;
		struct {
			__u32 index;
			__u32 num;
			__u64 desc;	/* IOVAs: offsets into the pool */
			__u64 avail;
			__u64 used;
		} queue;
		struct {
			__u32 offset;
			__u32 len;
			__u8 data[VLB_CONFIG_WRITE_MAX];
		} config;
		struct {
			__s32 virtio_index;	/* -1: registration failed */
		} registered;
		__u8 raw[80];
	};
};

struct vlb_reply {
	__u32 id;
	__s32 result;		/* 0, or a negative errno */
};

#endif /* _UAPI_LINUX_VIRTIO_LOOPBACK_H */
