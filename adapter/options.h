/* SPDX-License-Identifier: MIT */
/* The adapter's command line and configuration file. */
#ifndef VLB_OPTIONS_H
#define VLB_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "config_space.h"
#include "device_types.h"

#define DEFAULT_QUEUE_SIZE 256
#define DEFAULT_SHM_SIZE (32ull << 20)
#define MAX_DEVICES 64
#define MAX_CONNECT_TIMEOUT_S 3600
#define DEFAULT_RECONNECT_GRACE_S 30
#define MAX_RECONNECT_GRACE_S 3600

struct device_spec {
	const struct device_type *type;
	char *socket;
	uint32_t queues;	/* 0: ask the back-end (MQ) or the type default */
	uint32_t queue_size;
	uint64_t shm_size;
	bool shm_size_given;	/* --shm-size, else the type's default */
	int32_t config_size;	/* -1: the type's default */
	uint32_t connect_timeout_s;	/* retry connecting this long */
	uint32_t reconnect_grace_s;	/* hold requests this long for a back-end */
	struct config_override config_override;	/* --config-space */
	void *type_opts;	/* the type's own options (device_type_ops) */
};

/* The config space size the device asks its back-end for. */
uint32_t device_spec_config_size(const struct device_spec *spec);

struct adapter_options {
	struct device_spec dev[MAX_DEVICES];
	unsigned int ndev;
	bool daemonize;
	bool use_syslog;
	bool fd_store;		/* --fd-store */
	int verbose;
	char *pid_file;
};

/*
 * Fill opts from argv. Returns 0 to run, 1 when --help or --version was
 * handled (exit 0), or -1 after printing one error line (exit 2).
 */
int options_parse(int argc, char **argv, struct adapter_options *opts);
void options_usage(const char *prog);
/* Free what options_parse() allocated; opts is zeroed. */
void options_free(struct adapter_options *opts);

#endif
