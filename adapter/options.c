// SPDX-License-Identifier: MIT
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "parse.h"
#include "vhost_user.h"
#include <linux/virtio_loopback.h>

#define ADAPTER_VERSION "1.0"

/* The options some types add, with the types that take them. */
static const char *type_options_help(void)
{
	static char buf[2048];
	const struct device_type *t;
	size_t len = 0;

	if (buf[0])
		return buf;
	for (size_t i = 0; (t = device_type_at(i)); i++) {
		for (const struct type_option *o = device_type_options(t); o->name; o++) {
			char lhs[64];

			snprintf(lhs, sizeof(lhs), "--%s %s", o->name, o->arg);
			/* The help in column 25, on a line of its own if need be. */
			if (strlen(lhs) <= 18)
				len += (size_t)snprintf(buf + len, sizeof(buf) - len,
							"      %-18s (%s) %s\n", lhs, t->name,
							o->help);
			else
				len += (size_t)snprintf(buf + len, sizeof(buf) - len,
							"      %s\n%25s(%s) %s\n", lhs, "", t->name,
							o->help);
			if (len >= sizeof(buf))
				abort();
		}
	}
	return buf;
}

uint32_t device_spec_config_size(const struct device_spec *spec)
{
	return spec->config_size >= 0 ? (uint32_t)spec->config_size : spec->type->config_size;
}

void options_usage(const char *prog)
{
	printf("Usage: %s [OPTION]... --device TYPE --socket PATH [DEVICE OPTION]...\n"
	       "Create virtio devices in the kernel (through the virtio_loopback module)\n"
	       "that are implemented by vhost-user back-ends, and run their control plane.\n"
	       "Repeat --device (with its own options after it) for more devices.\n"
	       "\n"
	       "Device options (apply to the --device before them):\n"
	       "  -d, --device TYPE      device type: a name (%s)\n"
	       "                         or a virtio device id number\n"
	       "  -s, --socket PATH      the back-end's vhost-user unix socket\n"
	       "  -q, --queues N         number of queues (default: the back-end's\n"
	       "                         GET_QUEUE_NUM, else the type's usual count)\n"
	       "  -Q, --queue-size N     size of each queue, a power of two (default %u)\n"
	       "  -m, --shm-size SIZE    shared memory pool, e.g. 64M (default %lluM)\n"
	       "  -C, --config-size N    config space bytes to fetch (default per type)\n"
	       "  -X, --config-space [OFFSET:]HEX\n"
	       "                         config bytes at OFFSET (default 0), e.g. 0a00ff;\n"
	       "                         they replace the back-end's (repeatable)\n"
	       "  -T, --connect-timeout SECONDS\n"
	       "                         wait up to SECONDS for the socket to accept\n"
	       "                         (default 0: fail at once)\n"
	       "  -G, --reconnect-grace SECONDS\n"
	       "                         when a back-end with an inflight region goes\n"
	       "                         away, hold its requests this long for a new\n"
	       "                         one, which resubmits them (default %u;\n"
	       "                         0: fail them at once)\n"
	       "%s"
	       "\n"
	       "General options:\n"
	       "  -c, --config FILE      read devices and options from FILE\n"
	       "  -f, --foreground       stay in the foreground (the default)\n"
	       "  -D, --daemon           go to the background once the devices exist\n"
	       "  -p, --pid-file FILE    write the daemon's pid to FILE\n"
	       "  -S, --syslog           log to syslog instead of stderr\n"
	       "  -F, --fd-store         keep the devices' files in systemd's fd store\n"
	       "                         (FileDescriptorStoreMax=): a restarted\n"
	       "                         adapter takes the devices over, unremoved\n"
	       "  -v, --verbose          log every control message\n"
	       "  -h, --help             show this help\n"
	       "  -V, --version          show the version\n"
	       "\n"
	       "SIGTERM or SIGINT removes the devices from the kernel and exits.\n"
	       "See docs/adapter.md for the configuration file format and examples.\n",
	       prog, device_type_names(), DEFAULT_QUEUE_SIZE,
	       DEFAULT_SHM_SIZE >> 20, DEFAULT_RECONNECT_GRACE_S, type_options_help());
}

static void err(const char *where, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void err(const char *where, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "virtio-loopback-adapter: error: %s", where ? where : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static struct device_spec *new_device(struct adapter_options *o, const char *type,
				      const char *where)
{
	struct device_spec *d;

	if (o->ndev >= MAX_DEVICES) {
		err(where, "too many devices (at most %s)", "64");
		return NULL;
	}
	d = &o->dev[o->ndev];
	memset(d, 0, sizeof(*d));
	d->type = device_type_lookup(type);
	if (!d->type) {
		err(where, "unknown device type '%s' (a name from --help, or a number 1..65534)",
		    type);
		return NULL;
	}
	d->queue_size = DEFAULT_QUEUE_SIZE;
	d->shm_size = DEFAULT_SHM_SIZE;
	d->config_size = -1;
	d->reconnect_grace_s = DEFAULT_RECONNECT_GRACE_S;
	o->ndev++;
	return d;
}

/* The kernel wants whole pages of the running system. */
static uint64_t page_round(uint64_t bytes)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t p = page > 0 ? (uint64_t)page : 4096;

	return (bytes + p - 1) & ~(p - 1);
}

static int config_space_option(struct device_spec *d, const char *val, const char *where)
{
	uint32_t size = device_spec_config_size(d);
	char why[128];

	if (config_override_parse(&d->config_override, val, why, sizeof(why))) {
		err(where, "bad --config-space '%s': %s", val, why);
		return -1;
	}
	if (d->config_override.end > size) {
		err(where, "bad --config-space '%s': the %s config space has %u bytes%s", val,
		    d->type->name, size, d->config_size < 0 ? " (see --config-size)" : "");
		return -1;
	}
	return 0;
}

/* An option that belongs to some device types only. */
static int type_option(struct device_spec *d, const char *name, const char *val,
		       const char *where)
{
	const struct device_type *t;
	char why[128];

	if (device_type_option(d->type, name)) {
		if (d->type->ops->set_option(d, name, val, why, sizeof(why))) {
			err(where, "bad --%s '%s': %s", name, val, why);
			return -1;
		}
		return 0;
	}
	for (size_t i = 0; (t = device_type_at(i)); i++) {
		if (device_type_option(t, name)) {
			err(where, "--%s is not an option of device type %s", name,
			    d->type->name);
			return -1;
		}
	}
	err(where, "unknown option '%s'", name);
	return -1;
}

/* Apply one device option (long name without dashes) to d. */
/* A device option in whole seconds, 0..max. */
static int seconds_option(const char *name, const char *val, uint32_t max, uint32_t *out,
			  const char *where)
{
	uint64_t v;

	if (!parse_u64(val, 0, max, &v)) {
		err(where, "bad --%s '%s' (0..%u seconds)", name, val, max);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int device_option(struct device_spec *d, const char *name, const char *val,
			 const char *where)
{
	uint64_t v;

	if (!d) {
		err(where, "--%s must follow --device", name);
		return -1;
	}
	if (!strcmp(name, "socket")) {
		if (!*val || strlen(val) >= 108) {
			err(where, "bad socket path '%s'", val);
			return -1;
		}
		free(d->socket);
		d->socket = strdup(val);
	} else if (!strcmp(name, "queues")) {
		if (!parse_u64(val, 1, VLB_MAX_QUEUES, &v)) {
			err(where, "bad --queues '%s' (1..64)", val);
			return -1;
		}
		d->queues = (uint32_t)v;
	} else if (!strcmp(name, "queue-size")) {
		if (!parse_u64(val, 1, VLB_MAX_QUEUE_SIZE, &v) || (v & (v - 1))) {
			err(where, "bad --queue-size '%s' (a power of two, 1..32768)", val);
			return -1;
		}
		d->queue_size = (uint32_t)v;
	} else if (!strcmp(name, "shm-size")) {
		if (!parse_size(val, VLB_MIN_SHM_SIZE, VLB_MAX_SHM_SIZE, &v)) {
			err(where, "bad --shm-size '%s' (256K..1G)", val);
			return -1;
		}
		d->shm_size = page_round(v);
		d->shm_size_given = true;
	} else if (!strcmp(name, "config-size")) {
		if (!parse_u64(val, 0, VU_MAX_CONFIG_SIZE, &v)) {
			err(where, "bad --config-size '%s' (0..256)", val);
			return -1;
		}
		if (v < d->config_override.end) {
			err(where, "bad --config-size '%s': --config-space gives %u bytes", val,
			    d->config_override.end);
			return -1;
		}
		d->config_size = (int32_t)v;
	} else if (!strcmp(name, "config-space")) {
		return config_space_option(d, val, where);
	} else if (!strcmp(name, "connect-timeout")) {
		return seconds_option(name, val, MAX_CONNECT_TIMEOUT_S, &d->connect_timeout_s, where);
	} else if (!strcmp(name, "reconnect-grace")) {
		return seconds_option(name, val, MAX_RECONNECT_GRACE_S, &d->reconnect_grace_s, where);
	} else {
		return type_option(d, name, val, where);
	}
	return 0;
}

static bool parse_bool(const char *s, bool *out)
{
	if (!strcmp(s, "yes") || !strcmp(s, "true") || !strcmp(s, "1"))
		*out = true;
	else if (!strcmp(s, "no") || !strcmp(s, "false") || !strcmp(s, "0"))
		*out = false;
	else
		return false;
	return true;
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = 0;
	return s;
}

/*
 * The configuration file: "key = value" lines, '#' comments, and one
 * "[device]" section per device. Keys before the first section are
 * general: syslog, verbose, daemon, pid-file, fd-store.
 */
static int parse_config_file(const char *path, struct adapter_options *o)
{
	struct device_spec *d = NULL;
	bool in_device = false, b;
	char line[512], where[600];
	unsigned int lineno = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "virtio-loopback-adapter: error: cannot read config file %s: %s\n",
			path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		char *s = trim(line), *eq, *key, *val;

		lineno++;
		snprintf(where, sizeof(where), "%s:%u: ", path, lineno);
		if (!*s || *s == '#')
			continue;
		if (!strcmp(s, "[device]")) {
			in_device = true;
			d = NULL;
			continue;
		}
		eq = strchr(s, '=');
		if (*s == '[' || !eq) {
			err(where, "expected [device] or key = value, got '%s'", s);
			goto fail;
		}
		*eq = 0;
		key = trim(s);
		val = trim(eq + 1);
		if (in_device && (!strcmp(key, "type") || !strcmp(key, "device"))) {
			if (d) {
				err(where, "a second type in one [device] section: '%s'", val);
				goto fail;
			}
			d = new_device(o, val, where);
			if (!d)
				goto fail;
		} else if (in_device) {
			if (!d) {
				err(where, "'%s' before the type of its [device] section", key);
				goto fail;
			}
			if (device_option(d, key, val, where))
				goto fail;
		} else if (!strcmp(key, "syslog") && parse_bool(val, &b)) {
			o->use_syslog = b;
		} else if (!strcmp(key, "verbose") && parse_bool(val, &b)) {
			o->verbose = b;
		} else if (!strcmp(key, "daemon") && parse_bool(val, &b)) {
			o->daemonize = b;
		} else if (!strcmp(key, "fd-store") && parse_bool(val, &b)) {
			o->fd_store = b;
		} else if (!strcmp(key, "pid-file") && *val) {
			free(o->pid_file);
			o->pid_file = strdup(val);
		} else {
			err(where, "unknown or bad general setting '%s'", key);
			goto fail;
		}
	}
	if (ferror(f)) {
		err(NULL, "cannot read config file %s", path);
		goto fail;
	}
	fclose(f);
	return 0;
fail:
	fclose(f);
	return -1;
}

void options_free(struct adapter_options *o)
{
	for (unsigned int i = 0; i < o->ndev; i++) {
		free(o->dev[i].socket);
		free(o->dev[i].type_opts);
	}
	free(o->pid_file);
	memset(o, 0, sizeof(*o));
}

/* Device options with a letter; all take a value, and apply to the last --device. */
static const struct {
	const char *name;
	char letter;
} device_opts[] = {
	{ "socket", 's' }, { "queues", 'q' }, { "queue-size", 'Q' }, { "shm-size", 'm' },
	{ "config-size", 'C' }, { "config-space", 'X' }, { "connect-timeout", 'T' },
	{ "reconnect-grace", 'G' },
};

#define NDEVICE_OPTS (sizeof(device_opts) / sizeof(device_opts[0]))
#define TYPE_OPT_BASE 0x100
#define MAX_TYPE_OPTS 32

static const struct option general_opts[] = {
	{ "device", required_argument, NULL, 'd' },
	{ "config", required_argument, NULL, 'c' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "daemon", no_argument, NULL, 'D' },
	{ "pid-file", required_argument, NULL, 'p' },
	{ "syslog", no_argument, NULL, 'S' },
	{ "fd-store", no_argument, NULL, 'F' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
};

#define NGENERAL_OPTS (sizeof(general_opts) / sizeof(general_opts[0]))

/*
 * getopt's table: the general and device options, then every option some
 * type declares (once, whichever types share it), numbered from
 * TYPE_OPT_BASE in the order of names[].
 */
static void build_longopts(struct option *opts, const char **names)
{
	const struct device_type *t;
	size_t n = 0, ntype = 0;

	for (size_t i = 0; i < NGENERAL_OPTS; i++)
		opts[n++] = general_opts[i];
	for (size_t i = 0; i < NDEVICE_OPTS; i++)
		opts[n++] = (struct option){ device_opts[i].name, required_argument, NULL,
					     device_opts[i].letter };
	for (size_t i = 0; (t = device_type_at(i)); i++) {
		for (const struct type_option *to = device_type_options(t); to->name; to++) {
			size_t k;

			for (k = 0; k < ntype && strcmp(names[k], to->name); k++)
				;
			if (k < ntype)
				continue;
			if (ntype == MAX_TYPE_OPTS)
				abort();
			names[ntype] = to->name;
			opts[n++] = (struct option){ to->name, required_argument, NULL,
						     TYPE_OPT_BASE + (int)ntype };
			ntype++;
		}
	}
	opts[n] = (struct option){ NULL, 0, NULL, 0 };
}

int options_parse(int argc, char **argv, struct adapter_options *o)
{
	struct option longopts[NGENERAL_OPTS + NDEVICE_OPTS + MAX_TYPE_OPTS + 1];
	const char *type_opt_names[MAX_TYPE_OPTS];
	struct device_spec *d = NULL;
	int c, idx;

	build_longopts(longopts, type_opt_names);
	options_free(o);
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":d:s:q:Q:m:C:X:T:G:c:fDp:SFvhV", longopts,
				&idx)) != -1) {
		const char *name = NULL;

		if (c >= TYPE_OPT_BASE && c < TYPE_OPT_BASE + MAX_TYPE_OPTS)
			name = type_opt_names[c - TYPE_OPT_BASE];
		for (size_t i = 0; !name && i < NDEVICE_OPTS; i++)
			if (c == device_opts[i].letter)
				name = device_opts[i].name;
		if (name) {
			if (device_option(d, name, optarg, NULL))
				return -1;
			continue;
		}
		switch (c) {
		case 'd':
			d = new_device(o, optarg, NULL);
			if (!d)
				return -1;
			break;
		case 'c':
			if (parse_config_file(optarg, o))
				return -1;
			d = NULL;
			break;
		case 'f':
			o->daemonize = false;
			break;
		case 'D':
			o->daemonize = true;
			break;
		case 'p':
			free(o->pid_file);
			o->pid_file = strdup(optarg);
			break;
		case 'S':
			o->use_syslog = true;
			break;
		case 'F':
			o->fd_store = true;
			break;
		case 'v':
			o->verbose++;
			break;
		case 'h':
			options_usage(argv[0]);
			return 1;
		case 'V':
			printf("virtio-loopback-adapter %s (uAPI %d)\n", ADAPTER_VERSION,
			       VLB_API_VERSION);
			return 1;
		case ':':
			err(NULL, "option '%s' needs a value", argv[optind - 1]);
			return -1;
		default:
			err(NULL, "unknown option '%s' (see --help)", argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		err(NULL, "unexpected argument '%s' (see --help)", argv[optind]);
		return -1;
	}
	if (!o->ndev) {
		err(NULL, "no device given: use --device TYPE --socket PATH, or --config FILE%s", "");
		return -1;
	}
	for (unsigned int i = 0; i < o->ndev; i++) {
		struct device_spec *dev = &o->dev[i];

		if (!dev->socket) {
			err(NULL, "device %s has no --socket", dev->type->name);
			return -1;
		}
		if (!dev->shm_size_given && dev->type->ops && dev->type->ops->default_shm_size)
			dev->shm_size = page_round(dev->type->ops->default_shm_size(dev));
	}
	return 0;
}
