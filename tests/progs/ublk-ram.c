// SPDX-License-Identifier: MIT
/*
 * ublk-ram: a minimal ublk server for the benchmarks. It serves a block
 * device (/dev/ublkbN, from the kernel's ublk_drv) whose contents are a
 * file mapped in memory, normally on tmpfs, so storage is never the
 * bottleneck. Each hardware queue is served by a thread of its own (ublk
 * ties a queue to the task that fetched its requests) through its own
 * io_uring with 128-byte entries (IORING_SETUP_SQE128), as ublk needs for
 * its IORING_OP_URING_CMD commands; the main thread runs the control
 * commands on a ring of its own.
 *
 * io_uring is driven with its system calls directly (io_uring_setup,
 * io_uring_enter and the mmap'ed rings), so the program needs no library.
 *
 * Usage: ublk-ram --file PATH [--queues N] [--depth N] [--max-io BYTES]
 * Prints the block device's path on stdout once it can be used, then serves
 * until SIGTERM or SIGINT, when it stops and deletes the device and exits 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/io_uring.h>
#include <linux/ublk_cmd.h>

#define PROG "ublk-ram"
#define SQE_SIZE 128			/* IORING_SETUP_SQE128 */
#define TAG_CMD (1ULL << 32)		/* user_data of control commands */
#define CMD_START (TAG_CMD | UBLK_CMD_START_DEV)
#define CMD_STOP (TAG_CMD | UBLK_CMD_STOP_DEV)
#define MAX_QUEUES 64			/* the kernel caps them at its CPU count */

struct ring {
	int fd;
	unsigned int sq_entries, cq_entries;
	uint32_t *sq_head, *sq_tail, *sq_mask, *sq_array;
	uint32_t *cq_head, *cq_tail, *cq_mask;
	struct io_uring_cqe *cqes;
	uint8_t *sqes;
	uint32_t sq_local_tail;		/* entries prepared, not yet published */
	unsigned int to_submit;
};

struct server;

/* One hardware queue and the thread that serves it. */
struct queue {
	struct server *s;
	struct ring ring;
	uint16_t q_id;
	const struct ublksrv_io_desc *descs;
	size_t descs_len;
	uint8_t *bufs;			/* depth * max_io bytes */
	pthread_t thread;
};

struct server {
	struct ring ring;		/* control commands only */
	int ctl_fd;			/* /dev/ublk-control */
	int ch_fd;			/* /dev/ublkcN */
	uint32_t dev_id;
	unsigned int nr_queues;
	unsigned int depth;
	unsigned int max_io;
	uint8_t *data;			/* the mapped file */
	uint64_t size;
	struct queue *queues;
};

static volatile sig_atomic_t stop_requested;

static void die(const char *fmt, const char *arg, int err)
{
	fprintf(stderr, PROG ": error: ");
	fprintf(stderr, fmt, arg);
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
	exit(1);
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* ---- io_uring, by hand ---- */

static void ring_init(struct ring *r, unsigned int entries)
{
	struct io_uring_params p;
	size_t sq_len, cq_len;
	uint8_t *sq, *cq;

	memset(&p, 0, sizeof(p));
	p.flags = IORING_SETUP_SQE128;
	r->fd = (int)syscall(__NR_io_uring_setup, entries, &p);
	if (r->fd < 0)
		die("%s", "io_uring_setup with IORING_SETUP_SQE128", errno);
	if (!(p.features & IORING_FEAT_SINGLE_MMAP))
		die("%s", "this kernel's io_uring lacks IORING_FEAT_SINGLE_MMAP", 0);
	sq_len = p.sq_off.array + p.sq_entries * sizeof(uint32_t);
	cq_len = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (cq_len > sq_len)
		sq_len = cq_len;
	sq = mmap(NULL, sq_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE,
		  r->fd, IORING_OFF_SQ_RING);
	if (sq == MAP_FAILED)
		die("%s", "mmap of the io_uring rings", errno);
	cq = sq;
	r->sqes = mmap(NULL, p.sq_entries * SQE_SIZE, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_POPULATE, r->fd, IORING_OFF_SQES);
	if (r->sqes == MAP_FAILED)
		die("%s", "mmap of the io_uring entries", errno);
	r->sq_entries = p.sq_entries;
	r->cq_entries = p.cq_entries;
	r->sq_head = (uint32_t *)(sq + p.sq_off.head);
	r->sq_tail = (uint32_t *)(sq + p.sq_off.tail);
	r->sq_mask = (uint32_t *)(sq + p.sq_off.ring_mask);
	r->sq_array = (uint32_t *)(sq + p.sq_off.array);
	r->cq_head = (uint32_t *)(cq + p.cq_off.head);
	r->cq_tail = (uint32_t *)(cq + p.cq_off.tail);
	r->cq_mask = (uint32_t *)(cq + p.cq_off.ring_mask);
	r->cqes = (struct io_uring_cqe *)(cq + p.cq_off.cqes);
	r->sq_local_tail = *r->sq_tail;
	r->to_submit = 0;
}

/* A zeroed entry for an IORING_OP_URING_CMD; the caller fills cmd[]. */
static struct io_uring_sqe *ring_cmd(struct ring *r, int fd, uint32_t cmd_op,
				     uint64_t user_data)
{
	uint32_t idx = r->sq_local_tail & *r->sq_mask;
	struct io_uring_sqe *sqe = (struct io_uring_sqe *)(r->sqes + (size_t)idx * SQE_SIZE);

	if (r->sq_local_tail - __atomic_load_n(r->sq_head, __ATOMIC_ACQUIRE) >=
	    r->sq_entries)
		die("%s", "io_uring submission queue full", 0);
	memset(sqe, 0, SQE_SIZE);
	sqe->opcode = IORING_OP_URING_CMD;
	sqe->fd = fd;
	sqe->cmd_op = cmd_op;
	sqe->user_data = user_data;
	r->sq_array[idx] = idx;
	r->sq_local_tail++;
	r->to_submit++;
	return sqe;
}

/*
 * Publish what was prepared and, with @wait, sleep until at least one
 * completion is there. Returns false when a signal interrupted the wait.
 */
static bool ring_enter(struct ring *r, bool wait)
{
	unsigned int flags = wait ? IORING_ENTER_GETEVENTS : 0;
	long ret;

	__atomic_store_n(r->sq_tail, r->sq_local_tail, __ATOMIC_RELEASE);
	for (;;) {
		ret = syscall(__NR_io_uring_enter, r->fd, r->to_submit, wait ? 1 : 0,
			      flags, NULL, 0);
		if (ret >= 0) {
			r->to_submit -= (unsigned int)ret;
			if (!r->to_submit || wait)
				return true;
			continue;
		}
		if (errno == EINTR)
			return false;
		if (errno != EAGAIN && errno != EBUSY)
			die("%s", "io_uring_enter", errno);
	}
}

/* The next completion, or NULL; ring_cqe_seen() consumes it. */
static struct io_uring_cqe *ring_cqe(struct ring *r)
{
	uint32_t head = *r->cq_head;

	if (head == __atomic_load_n(r->cq_tail, __ATOMIC_ACQUIRE))
		return NULL;
	return &r->cqes[head & *r->cq_mask];
}

static void ring_cqe_seen(struct ring *r)
{
	__atomic_store_n(r->cq_head, *r->cq_head + 1, __ATOMIC_RELEASE);
}

/* ---- ublk control commands ---- */

static struct ublksrv_ctrl_cmd *ctrl_cmd(struct server *s, uint32_t op, uint64_t user_data)
{
	struct io_uring_sqe *sqe = ring_cmd(&s->ring, s->ctl_fd, op, user_data);
	struct ublksrv_ctrl_cmd *c = (struct ublksrv_ctrl_cmd *)sqe->cmd;

	c->dev_id = s->dev_id;
	c->queue_id = (uint16_t)-1;
	return c;
}

/* Wait for the completion of the control command queued as @user_data. */
static int ctrl_wait(struct server *s, uint64_t user_data)
{
	struct io_uring_cqe *cqe;
	int res;

	for (;;) {
		while (!ring_enter(&s->ring, true))
			;
		cqe = ring_cqe(&s->ring);
		if (!cqe)
			continue;
		if (cqe->user_data != user_data)
			die("%s", "unexpected completion of a control command", 0);
		res = cqe->res;
		ring_cqe_seen(&s->ring);
		return res;
	}
}

/* Run one control command to completion. */
static int ctrl_sync(struct server *s, uint32_t op, void *buf, uint16_t len)
{
	struct ublksrv_ctrl_cmd *c = ctrl_cmd(s, op, TAG_CMD | op);

	c->addr = (uint64_t)(uintptr_t)buf;
	c->len = len;
	return ctrl_wait(s, TAG_CMD | op);
}

static void add_device(struct server *s)
{
	struct ublksrv_ctrl_dev_info info;
	struct ublk_params params;
	int ret;

	memset(&info, 0, sizeof(info));
	info.nr_hw_queues = (uint16_t)s->nr_queues;
	info.queue_depth = (uint16_t)s->depth;
	info.max_io_buf_bytes = s->max_io;
	info.dev_id = (uint32_t)-1;
	info.ublksrv_pid = getpid();
	s->dev_id = (uint32_t)-1;
	ret = ctrl_sync(s, UBLK_CMD_ADD_DEV, &info, sizeof(info));
	if (ret < 0)
		die("%s", "UBLK_CMD_ADD_DEV", -ret);
	s->dev_id = info.dev_id;
	/* The kernel gives no more queues than there are CPUs. */
	s->nr_queues = info.nr_hw_queues;
	if (info.max_io_buf_bytes < s->max_io)
		s->max_io = info.max_io_buf_bytes;

	memset(&params, 0, sizeof(params));
	params.len = sizeof(params);
	params.types = UBLK_PARAM_TYPE_BASIC;
	params.basic.logical_bs_shift = 9;
	params.basic.physical_bs_shift = 12;
	params.basic.io_opt_shift = 12;
	params.basic.io_min_shift = 9;
	params.basic.max_sectors = s->max_io >> 9;
	params.basic.dev_sectors = s->size >> 9;
	ret = ctrl_sync(s, UBLK_CMD_SET_PARAMS, &params, sizeof(params));
	if (ret < 0)
		die("%s", "UBLK_CMD_SET_PARAMS", -ret);
}

/* ---- the I/O queues ---- */

static void queue_io_cmd(struct queue *q, uint32_t op, unsigned int tag, int32_t result)
{
	struct io_uring_sqe *sqe = ring_cmd(&q->ring, q->s->ch_fd, op, tag);
	struct ublksrv_io_cmd *c = (struct ublksrv_io_cmd *)sqe->cmd;

	c->q_id = q->q_id;
	c->tag = (uint16_t)tag;
	c->result = result;
	c->addr = (uint64_t)(uintptr_t)(q->bufs + (size_t)tag * q->s->max_io);
}

/* Serve the request in slot @tag: returns bytes done or a negative errno. */
static int32_t serve(struct queue *q, unsigned int tag)
{
	const struct server *s = q->s;
	const struct ublksrv_io_desc *iod = &q->descs[tag];
	uint64_t off = iod->start_sector << 9;
	uint64_t len = (uint64_t)iod->nr_sectors << 9;
	uint8_t *buf = q->bufs + (size_t)tag * s->max_io;

	switch (ublksrv_get_op(iod)) {
	case UBLK_IO_OP_READ:
	case UBLK_IO_OP_WRITE:
		if (len > s->max_io || off > s->size || len > s->size - off)
			return -EIO;
		if (ublksrv_get_op(iod) == UBLK_IO_OP_READ)
			memcpy(buf, s->data + off, len);
		else
			memcpy(s->data + off, buf, len);
		return (int32_t)len;
	case UBLK_IO_OP_FLUSH:
		return 0;
	case UBLK_IO_OP_DISCARD:
	case UBLK_IO_OP_WRITE_ZEROES:
		if (off > s->size || len > s->size - off)
			return -EIO;
		memset(s->data + off, 0, len);
		return 0;
	default:
		return -EOPNOTSUPP;
	}
}

static void open_device(struct server *s)
{
	char path[64];
	size_t i;

	snprintf(path, sizeof(path), "/dev/ublkc%u", s->dev_id);
	/* devtmpfs creates the node before ADD_DEV returns; udev may lag. */
	for (i = 0; i < 200; i++) {
		s->ch_fd = open(path, O_RDWR | O_CLOEXEC);
		if (s->ch_fd >= 0 || errno != ENOENT)
			break;
		usleep(10000);
	}
	if (s->ch_fd < 0)
		die("cannot open %s", path, errno);
}

/*
 * Queue @q_id's request descriptors are mapped at a stride of the largest
 * queue's size (UBLK_MAX_QUEUE_DEPTH descriptors, page-rounded), each
 * mapping the size of this device's queues.
 */
static void open_queue(struct server *s, struct queue *q, uint16_t q_id)
{
	size_t stride = (UBLK_MAX_QUEUE_DEPTH * sizeof(struct ublksrv_io_desc) + 4095) &
			~(size_t)4095;

	q->s = s;
	q->q_id = q_id;
	q->descs_len = s->depth * sizeof(struct ublksrv_io_desc);
	q->descs_len = (q->descs_len + 4095) & ~(size_t)4095;
	q->descs = mmap(NULL, q->descs_len, PROT_READ, MAP_SHARED | MAP_POPULATE,
			s->ch_fd, UBLKSRV_CMD_BUF_OFFSET + (off_t)(q_id * stride));
	if (q->descs == MAP_FAILED)
		die("%s", "mmap of the ublk request descriptors", errno);
	q->bufs = mmap(NULL, (size_t)s->depth * s->max_io, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (q->bufs == MAP_FAILED)
		die("%s", "mmap of the I/O buffers", errno);
}

/*
 * A queue's thread: fetch every slot, then serve and commit requests until
 * the kernel aborts every slot, which it does when the device stops.
 */
static void *queue_thread(void *arg)
{
	struct queue *q = arg;
	unsigned int tag, aborted = 0, depth = q->s->depth;
	struct io_uring_cqe *cqe;
	uint64_t ud;
	int res;

	ring_init(&q->ring, depth + 8);
	for (tag = 0; tag < depth; tag++)
		queue_io_cmd(q, UBLK_IO_FETCH_REQ, tag, -1);
	while (aborted < depth) {
		if (!ring_enter(&q->ring, true))
			continue;
		while ((cqe = ring_cqe(&q->ring))) {
			ud = cqe->user_data;
			res = cqe->res;
			ring_cqe_seen(&q->ring);
			tag = (unsigned int)ud;
			if (res == UBLK_IO_RES_ABORT) {
				aborted++;
				continue;
			}
			if (res != UBLK_IO_RES_OK || tag >= depth)
				die("%s", "unexpected ublk I/O completion", res < 0 ? -res : 0);
			queue_io_cmd(q, UBLK_IO_COMMIT_AND_FETCH_REQ, tag, serve(q, tag));
		}
	}
	return NULL;
}

/*
 * The main thread. START_DEV waits in the kernel until every slot of every
 * queue has been fetched and then scans the partition table, which the
 * queue threads serve. A signal (blocked in the queue threads) makes it
 * send STOP_DEV; the kernel then aborts every slot, and each queue thread
 * ends.
 */
static void run(struct server *s)
{
	sigset_t block, old;
	unsigned int i;
	int ret;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	for (i = 0; i < s->nr_queues; i++) {
		ret = pthread_create(&s->queues[i].thread, NULL, queue_thread, &s->queues[i]);
		if (ret)
			die("%s", "cannot start a queue thread", ret);
	}
	/* Still blocked here, so no signal slips in before sigsuspend(). */

	ctrl_cmd(s, UBLK_CMD_START_DEV, CMD_START)->data[0] = (uint64_t)getpid();
	ret = ctrl_wait(s, CMD_START);
	if (ret < 0)
		die("%s", "UBLK_CMD_START_DEV", -ret);
	printf("/dev/ublkb%u\n", s->dev_id);
	fflush(stdout);
	while (!stop_requested)
		sigsuspend(&old);
	ctrl_cmd(s, UBLK_CMD_STOP_DEV, CMD_STOP);
	ret = ctrl_wait(s, CMD_STOP);
	if (ret < 0)
		die("%s", "UBLK_CMD_STOP_DEV", -ret);
	for (i = 0; i < s->nr_queues; i++)
		pthread_join(s->queues[i].thread, NULL);
}

static uint64_t parse_num(const char *arg, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno || end == arg || *end)
		die("bad %s", what, 0);
	return v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "queues", required_argument, NULL, 'q' },
		{ "depth", required_argument, NULL, 'd' },
		{ "max-io", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct server s = { .nr_queues = 1, .depth = 128, .max_io = 256 * 1024, .ch_fd = -1 };
	const char *file = NULL;
	struct sigaction sa;
	struct stat st;
	unsigned int i;
	int c, fd, ret;

	while ((c = getopt_long(argc, argv, "f:q:d:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			file = optarg;
			break;
		case 'q':
			s.nr_queues = (unsigned int)parse_num(optarg, "--queues");
			break;
		case 'd':
			s.depth = (unsigned int)parse_num(optarg, "--depth");
			break;
		case 'm':
			s.max_io = (unsigned int)parse_num(optarg, "--max-io");
			break;
		case 'h':
			printf("Usage: " PROG " --file PATH [--queues N] [--depth N] [--max-io BYTES]\n"
			       "Serve PATH, mapped in memory, as a ublk block device with N\n"
			       "hardware queues (default 1; the kernel gives at most one per\n"
			       "CPU), a thread each; print its path once usable; stop and\n"
			       "delete it on SIGTERM or SIGINT.\n");
			return 0;
		default:
			return 2;
		}
	}
	if (!file || optind != argc) {
		fprintf(stderr, PROG ": error: usage: " PROG
			" --file PATH [--queues N] [--depth N] [--max-io BYTES]\n");
		return 2;
	}
	if (!s.nr_queues || s.nr_queues > MAX_QUEUES || !s.depth ||
	    s.depth > UBLK_MAX_QUEUE_DEPTH || s.max_io < 4096 || s.max_io % 4096 ||
	    s.max_io > (1U << 20)) {
		fprintf(stderr, PROG ": error: --queues must be 1..%d, --depth 1..%d, --max-io 4K..1M in 4K steps\n",
			MAX_QUEUES, UBLK_MAX_QUEUE_DEPTH);
		return 2;
	}

	fd = open(file, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0)
		die("cannot open %s", file, errno);
	s.size = (uint64_t)st.st_size & ~(uint64_t)511;
	if (!s.size)
		die("%s is empty", file, 0);
	s.data = mmap(NULL, s.size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (s.data == MAP_FAILED)
		die("cannot map %s", file, errno);
	close(fd);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;		/* no SA_RESTART: waits return EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	ring_init(&s.ring, 8);
	s.ctl_fd = open("/dev/ublk-control", O_RDWR | O_CLOEXEC);
	if (s.ctl_fd < 0)
		die("%s", "cannot open /dev/ublk-control (is ublk_drv loaded?)", errno);
	add_device(&s);
	s.queues = calloc(s.nr_queues, sizeof(*s.queues));
	if (!s.queues)
		die("%s", "out of memory", ENOMEM);
	open_device(&s);
	for (i = 0; i < s.nr_queues; i++)
		open_queue(&s, &s.queues[i], (uint16_t)i);
	run(&s);

	/* The character device must be closed before the device can go. */
	for (i = 0; i < s.nr_queues; i++)
		munmap((void *)s.queues[i].descs, s.queues[i].descs_len);
	close(s.ch_fd);
	ret = ctrl_sync(&s, UBLK_CMD_DEL_DEV, NULL, 0);
	if (ret < 0)
		die("%s", "UBLK_CMD_DEL_DEV", -ret);
	return 0;
}
