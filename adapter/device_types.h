/* SPDX-License-Identifier: MIT */
/*
 * What the adapter knows per virtio device type: a name, the defaults a
 * back-end cannot tell (the config space size to ask for, and a queue count
 * for back-ends without the MQ protocol feature), and, for the few types
 * that need code of their own, an ops table (D10). Everything else comes
 * from the back-end, so unknown types work when given by number.
 */
#ifndef VLB_DEVICE_TYPES_H
#define VLB_DEVICE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct device_spec;
struct vdevice;

/* A device option only some types accept, such as fs's --tag. */
struct type_option {
	const char *name;	/* long option and config key, without dashes */
	const char *arg;	/* its value's name in --help */
	const char *help;	/* one line for --help */
};

/*
 * The per-type seam. Every member is optional; a type without ops behaves
 * as the generic device does. Run-time hooks get the device; a hook that
 * fails logs one error line and returns a negative errno.
 */
struct device_type_ops {
	/* Options this type accepts; ends with an entry whose name is NULL. */
	const struct type_option *options;
	/*
	 * Store one of them in spec->type_opts (one block, freed with
	 * free()). On a bad value, return -1 with the reason in why.
	 */
	int (*set_option)(struct device_spec *spec, const char *name, const char *value,
			  char *why, size_t why_size);
	/* The pool size when --shm-size is not given (after every option). */
	uint64_t (*default_shm_size)(const struct device_spec *spec);

	/* After the first handshake, before the kernel device exists: check
	 * what the back-end offers, set up d->type_state. */
	int (*open)(struct vdevice *d);
	/* Release d->type_state and any fd the type watches; also after an
	 * open that failed half-way. */
	void (*close)(struct vdevice *d);
	/* The adapter asks the kernel to remove the device (at exit, or
	 * after the type gave up on it): the device as the user last saw it. */
	void (*removing)(struct vdevice *d);
	/* After every GET_CONFIG (and once at start when the back-end has no
	 * CONFIG feature): fill in the fields the front-end owns. */
	void (*config_fixup)(struct vdevice *d, uint8_t *config, uint32_t size);
	/* The front-end supplies the whole config space: a back-end without
	 * the CONFIG feature is no reason for a warning. */
	bool owns_config;
	/* The driver wrote config[offset, offset + len) (already in
	 * d->config); runs before the write goes to the back-end. */
	void (*config_write)(struct vdevice *d, uint32_t offset, uint32_t len);
	/* The driver set DRIVER_OK; runs before the rings go to the back-end. */
	int (*driver_ok)(struct vdevice *d);
	/* The driver reset the device; the rings are stopped already. */
	void (*reset)(struct vdevice *d);
	/* The back-end is gone; runs before its connection is closed. */
	void (*backend_lost)(struct vdevice *d);
};

struct device_type {
	const char *name;
	uint32_t id;
	uint32_t config_size;	/* bytes to ask for with GET_CONFIG */
	uint32_t queues;	/* default queue count without MQ */
	const struct device_type_ops *ops;	/* NULL: no type-specific code */
	uint32_t create_flags;	/* VLB_CREATE_F_* the type's driver needs */
};

/* By name ("blk") or number ("2", "0x2"); NULL if neither. A number not in
 * the table yields a generic entry (no config, one queue) for that id. */
const struct device_type *device_type_lookup(const char *name_or_id);
/* Name for an id, or "unknown". */
const char *device_type_name(uint32_t id);
/* All names, comma separated, for --help. */
const char *device_type_names(void);
/* The i-th known type, or NULL past the last one. */
const struct device_type *device_type_at(size_t i);
/* The type's options, ending with a NULL name; an empty list for none. */
const struct type_option *device_type_options(const struct device_type *t);
/* The type's option called name, or NULL if it has none by that name. */
const struct type_option *device_type_option(const struct device_type *t,
					     const char *name);
/*
 * For set_option hooks: spec->type_opts, allocated zeroed (size bytes) on
 * first use. NULL, with "out of memory" in why, when that fails.
 */
void *device_type_opts(struct device_spec *spec, size_t size, char *why, size_t why_size);

#endif
