/* SPDX-License-Identifier: MIT */
/*
 * One loopback device: its kernel side (/dev/virtio-loopback file, pool,
 * eventfds) and its vhost-user back-end connection.
 */
#ifndef VLB_DEVICE_H
#define VLB_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fdstore.h"
#include "loop.h"
#include "options.h"
#include "vhost_user.h"
#include "vu_client.h"

struct queue {
	bool ready;		/* the driver's rings are in the pool */
	bool started;		/* the back-end has the ring */
	bool failing;		/* the kernel fails its requests */
	bool held;		/* waits for a new back-end (vdevice.holding) */
	uint32_t num;
	uint64_t desc, avail, used;	/* IOVAs */
	uint16_t base;		/* SET_VRING_BASE for the next start */
	uint16_t held_used;	/* the used index when the hold began */
	int kick, call;		/* eventfds shared by kernel and back-end */
};

struct vdevice {
	const struct device_spec *spec;
	char name[16];		/* vlb<N>, as in sysfs */

	/* kernel side */
	int kfd;
	struct loop_watch kwatch;
	int pool_fd;
	void *pool;		/* read-only view, also the region's user address */
	size_t pool_size;
	uint32_t nq;
	struct queue *q;
	uint64_t offered;	/* virtio features the device offers */
	uint64_t driver_features;
	bool features_set;	/* driver_features holds what the driver took */
	uint8_t status;
	uint8_t config[VU_MAX_CONFIG_SIZE];
	uint32_t config_size;
	/* 0xff where the driver wrote since reset: each new session gets them */
	uint8_t config_written[VU_MAX_CONFIG_SIZE];
	bool registered;
	bool remove_requested;
	bool removed;

	/* back-end side */
	struct vu_client vu;
	bool connected;
	uint64_t backend_features;	/* raw GET_FEATURES */
	struct loop_watch sock_watch;
	int req_fd;		/* our end of the BACKEND_REQ channel */
	struct loop_watch req_watch;
	bool config_changed;	/* the back-end said so; fetch it */
	bool mem_table_sent;
	int inflight_fd;
	void *inflight;
	struct vu_inflight inflight_desc;
	int timer_fd;		/* reconnection attempts */
	/*
	 * Holding (--reconnect-grace): the back-end went away with requests
	 * recorded in its inflight region. Its queues neither run nor fail
	 * until a new back-end resubmits them, or until hold_until_ms
	 * (CLOCK_MONOTONIC), when they fail as without a grace period.
	 */
	bool holding;
	uint64_t hold_until_ms;
	/* A hold began since the last reset or failure: a back-end that
	 * dies again having completed nothing does not restart the grace
	 * period (a request that kills every back-end would hold for ever). */
	bool held_before;
	struct loop_watch timer_watch;

	const char *lose_why;	/* device_lose_backend(): done after the event */

	/* --fd-store: the files that outlive the adapter (fdstore.c) */
	unsigned int slot;	/* its place in the configuration */
	bool stored;		/* its device file and pool are in the store */
	bool adopted;		/* taken over from the store: already started */
	char inflight_name[FDSTORE_NAME_MAX];	/* the stored region, or "" */

	/* the type's code (device_type_ops) */
	void *type_state;
	bool type_opened;	/* ops->open ran: ops->close is owed */
};

/* The type's ops table, or NULL. */
static inline const struct device_type_ops *device_ops(const struct vdevice *d)
{
	return d->spec->type->ops;
}

/* device.c */
uint64_t now_ms(void);		/* CLOCK_MONOTONIC */
void device_init(struct vdevice *d, const struct device_spec *spec, unsigned int slot);
int device_open(struct vdevice *d, const struct device_spec *spec, unsigned int slot);
int device_finish_open(struct vdevice *d);
void device_store(struct vdevice *d);
/* The fd-store name of one of d's files (fdstore_name(), keyed by its socket). */
void device_fd_name(const struct vdevice *d, const char *what, char *buf, size_t size);
bool device_can_be_stored(const struct vdevice *d);
int device_create_queues(struct vdevice *d);

/* resume.c: take over a device from the fd store (1: none stored there) */
int device_resume(struct vdevice *d, const struct device_spec *spec, unsigned int slot);
int device_start(struct vdevice *d);
void device_request_remove(struct vdevice *d);
void device_close(struct vdevice *d);
void device_after_events(struct vdevice *d);
/*
 * An fd of the type's own (a side channel of the back-end), watched in the
 * event loop and also served while the device waits for a vhost-user
 * reply (see struct vu_client). Remove it with device_del_watch().
 */
int device_add_watch(struct vdevice *d, struct loop_watch *w, int fd, uint32_t events,
		     loop_handler handler, void *opaque);
void device_del_watch(struct vdevice *d, struct loop_watch *w);
/*
 * Drop the back-end (backend_lost()) once the current event is handled:
 * for a side handler, which may run inside a vhost-user request.
 */
void device_lose_backend(struct vdevice *d, const char *why);

/* backend.c */
int backend_session(struct vdevice *d, bool first);
void backend_lost(struct vdevice *d, const char *why);
void backend_adopted(struct vdevice *d);
#define MAX_INFLIGHT_SIZE (1ull << 30)
int backend_map_inflight(struct vdevice *d, int fd, const struct vu_inflight *inf);
void backend_watch(struct vdevice *d);
int backend_set_features(struct vdevice *d);
void backend_start_rings(struct vdevice *d);
void backend_stop_rings(struct vdevice *d);
void backend_set_status(struct vdevice *d);
void backend_config_write(struct vdevice *d, uint32_t offset, uint32_t len);
void backend_refresh_config(struct vdevice *d, bool notify);
void backend_reconnect_timer(void *opaque, uint32_t events);
void backend_end_hold(struct vdevice *d, const char *why);
void backend_disconnect(struct vdevice *d);

#endif
