// SPDX-License-Identifier: MIT
/*
 * virtio-loopback-adapter: the control plane between vhost-user back-ends
 * and the virtio_loopback kernel module. See docs/adapter.md.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#include <linux/virtio_config.h>

#include "device.h"
#include "fdstore.h"
#include "log.h"
#include "loop.h"
#include "options.h"
#include "sd_notify.h"

#define READY_TIMEOUT_S 60
#define SHUTDOWN_TIMEOUT_S 60

static struct adapter_options opts;
static struct vdevice devs[MAX_DEVICES];
static unsigned int ndevs;
static bool stopping;
static struct loop_watch sig_watch;
static int sig_fd = -1;

static void signal_handler(void *opaque, uint32_t events)
{
	struct signalfd_siginfo si;

	while (read(sig_fd, &si, sizeof(si)) == sizeof(si)) {
		if (!stopping)
			log_info("signal %u: removing the devices", si.ssi_signo);
		stopping = true;
		loop_request_stop();
	}
}

static int setup_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sig_fd < 0)
		return -errno;
	return loop_add(&sig_watch, sig_fd, EPOLLIN, signal_handler, NULL);
}

/* Readiness and the like for systemd; nothing when not under it. */
static void sd_notify_msg(const char *msg)
{
	int ret = sd_notify_send(msg, -1);

	if (ret && ret != -ENOENT)
		log_debug("sd_notify failed: %s", strerror(-ret));
}

static time_t now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

/* Dispatch events once, then run what handlers deferred. */
static void run_once(int timeout_ms)
{
	loop_run_once(timeout_ms);
	for (unsigned int i = 0; i < ndevs; i++)
		device_after_events(&devs[i]);
}

static bool all(bool (*pred)(const struct vdevice *))
{
	for (unsigned int i = 0; i < ndevs; i++)
		if (!pred(&devs[i]))
			return false;
	return true;
}

static bool is_removed(const struct vdevice *d)
{
	return d->removed;
}

static bool is_settled(const struct vdevice *d)
{
	return d->registered || d->removed;
}

/* Remove every device from the kernel, answering it meanwhile; then close. */
static void shutdown_devices(void)
{
	time_t deadline = now_s() + SHUTDOWN_TIMEOUT_S;

	sd_notify_msg("STOPPING=1");
	for (unsigned int i = 0; i < ndevs; i++)
		device_request_remove(&devs[i]);
	while (!all(is_removed) && now_s() < deadline)
		run_once(1000);
	if (!all(is_removed))
		log_warn("the kernel did not confirm every removal in %d s; closing anyway",
			 SHUTDOWN_TIMEOUT_S);
	for (unsigned int i = 0; i < ndevs; i++)
		device_close(&devs[i]);
}

/* --daemon: the parent waits for the child to be ready, then exits. */
static int daemonize(int *ready_fd)
{
	int p[2];
	pid_t pid;
	char c = 0;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		if (read(p[0], &c, 1) != 1)
			c = 0;
		_exit(c == 'R' ? 0 : 1);
	}
	close(p[0]);
	setsid();
	*ready_fd = p[1];
	return 0;
}

static void announce_ready(int ready_fd)
{
	int null;

	sd_notify_msg("READY=1");
	if (ready_fd < 0)
		return;
	if (opts.pid_file) {
		FILE *f = fopen(opts.pid_file, "w");

		if (f) {
			fprintf(f, "%d\n", (int)getpid());
			fclose(f);
		} else {
			log_warn("cannot write %s: %s", opts.pid_file, strerror(errno));
		}
	}
	if (write(ready_fd, "R", 1) != 1)
		log_warn("cannot tell the parent process we are ready");
	close(ready_fd);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		dup2(null, 2);
		close(null);
	}
}

int main(int argc, char **argv)
{
	int ready_fd = -1, status = 0;
	time_t deadline;

	switch (options_parse(argc, argv, &opts)) {
	case 1:
		options_free(&opts);
		return 0;
	case -1:
		options_free(&opts);
		return 2;
	}
	/* A daemon has no stderr once ready: it logs to syslog. */
	log_init("virtio-loopback-adapter", opts.use_syslog || opts.daemonize,
		 opts.verbose);
	if (opts.daemonize && daemonize(&ready_fd)) {
		fprintf(stderr, "virtio-loopback-adapter: cannot daemonize: %s\n",
			strerror(errno));
		return 1;
	}
	if (loop_init() || setup_signals()) {
		log_err("cannot set up the event loop: %s", strerror(errno));
		return 1;
	}

	if (fdstore_init(opts.fd_store))
		goto fail;
	/* A device the fd store kept is taken over; the others are created. */
	for (ndevs = 0; ndevs < opts.ndev; ndevs++) {
		if (device_resume(&devs[ndevs], &opts.dev[ndevs], ndevs) == 1 &&
		    device_open(&devs[ndevs], &opts.dev[ndevs], ndevs)) {
			ndevs++;
			goto fail;
		}
	}
	fdstore_drop_unclaimed();
	for (unsigned int i = 0; i < ndevs; i++)
		if (!devs[i].adopted && device_start(&devs[i]))
			goto fail;

	/* Ready once every device is on the virtio bus. */
	deadline = now_s() + READY_TIMEOUT_S;
	while (!stopping && !all(is_settled) && now_s() < deadline)
		run_once(1000);
	for (unsigned int i = 0; i < ndevs; i++) {
		if (devs[i].removed) {
			log_err("%s: the kernel removed the device during start-up", devs[i].name);
			goto fail;
		}
		/* The driver gave up on it (a refusal was logged already). */
		if (devs[i].status & VIRTIO_CONFIG_S_FAILED) {
			if (!log_error_count())
				log_err("%s: the %s driver could not use the device (see the kernel log)",
					devs[i].name, devs[i].spec->type->name);
			goto fail;
		}
	}
	if (!stopping)
		announce_ready(ready_fd);
	ready_fd = -1;

	while (!stopping) {
		run_once(-1);
		if (all(is_removed)) {
			log_err("every device is gone; exiting");
			status = 1;
			break;
		}
	}
	shutdown_devices();
	loop_fini();
	options_free(&opts);
	return status;

fail:
	fdstore_drop_unclaimed();
	shutdown_devices();
	loop_fini();
	options_free(&opts);
	return 1;
}
