#!/bin/bash
# Where a request's time goes, per path (see bench/profile): for each disk
# of CASES (default: virtio-loopback and VDUSE, both on one
# qemu-storage-daemon; also loop-own, the project's vhost-user-blk,
# loop-mmap and loop-mpoll, the same with --mmap (and --poll-us), and
# ublk with ublk-ram), a 4 KiB
# random-read run at queue depth QD under
#   - ftrace's function_graph tracer on the data-path functions of both
#     transports and their common callers (calls, total and mean time;
#     the time of a function includes its callees; 2 s, as tracing costs),
#   - perf record -a of the whole guest (cpu-clock; under TCG there is no
#     PMU), reported by task and by symbol. perf cannot sample where
#     interrupts are off: such time lands on the function that turns them
#     back on (_raw_spin_unlock_irqrestore, handle_softirqs).
# Usage: bench/profile-guest.sh QD RUNTIME [CASES]
set -eu
QD=${1:-32}
RUNTIME=${2:-4}
CASES=${3:-loop-qsd,vduse-qsd}
OUT=${VM_OUT:?not in the VM harness}
mkdir -p "$OUT/fio" "$OUT/log"
. bench/lib.sh
export PATH="$PWD/build/tests/bin:$PATH"
T=/sys/kernel/debug/tracing

modprobe virtio_loopback || die "cannot load virtio_loopback"
load_modules
make_stores
start_qsd
has loop-own "$CASES" && start_own
has loop-mmap "$CASES" && start_own mmap --mmap
has loop-mpoll "$CASES" && start_own mpoll --mmap --poll-us "${BENCH_POLL_US:-1000}"
for c in ${CASES//,/ }; do
	attach "$c"
done

FUNCS="virtio_queue_rq virtblk_done vring_interrupt
vlb_map_page vlb_unmap_page vlb_map_sg vlb_unmap_sg vlb_pool_alloc vlb_pool_free
vlb_pool_claim vlb_vq_notify vlb_call_wakeup vlb_vq_irq_work vlb_vq_remote_irq
vduse_dev_map_page vduse_dev_unmap_page vduse_domain_map_page
vduse_domain_unmap_page vduse_vq_irq_inject vduse_vdpa_kick_vq vduse_dev_ioctl
eventfd_write eventfd_signal blk_mq_complete_request
ublk_queue_rq ublk_ch_uring_cmd ublk_map_io ublk_unmap_io"

echo 32768 >"$T/buffer_size_kb"
echo 1 >"$T/options/funcgraph-tail"
for c in ${CASES//,/ }; do
	disk=${DEV[$c]}
	: >"$T/set_ftrace_filter"
	for f in $FUNCS; do
		echo "$f" >>"$T/set_ftrace_filter" 2>/dev/null || true
	done
	echo function_graph >"$T/current_tracer"
	: >"$T/trace"
	echo 1 >"$T/tracing_on"
	fio --name=prof --filename="/dev/$disk" --ioengine=libaio --direct=1 --rw=randread \
		--bs=4k --iodepth="$QD" --time_based --runtime=2 --size=${SIZE_MB}M \
		--output-format=terse --terse-version=3 >"$OUT/ftrace-$c.fio"
	echo 0 >"$T/tracing_on"
	{
		echo "# $c, 4K randread QD$QD (2 s, traced): $(cut -d';' -f8 "$OUT/ftrace-$c.fio") IOPS"
		echo "# function calls total_us mean_us (a function's time includes its callees)"
		awk '
			# "CPU) DURATION us | name();" or "CPU) DURATION us | } /* name */"
			/ us +\|/ {
				for (i = 1; i <= NF; i++) if ($i == "us") { d = $(i - 1); break }
				name = ""
				# module functions print as "name [module]"
				if (match($0, /\/\* [a-z_0-9.]+( \[[a-z_0-9]+\])? \*\//)) name = substr($0, RSTART + 3, RLENGTH - 6)
				else if (match($0, /[a-z_0-9.]+( \[[a-z_0-9]+\])?\(\);/)) name = substr($0, RSTART, RLENGTH - 3)
				sub(/ \[.*/, "", name)
				if (name != "") { n[name]++; t[name] += d }
			}
			END { for (f in n) printf "%-28s %9d %12.0f %8.2f\n", f, n[f], t[f], t[f] / n[f] }' \
			"$T/trace" | sort -k3 -n -r
	} >"$OUT/ftrace-$c.txt"
	echo nop >"$T/current_tracer"
	: >"$T/set_ftrace_filter"

	perf record -q -a -e cpu-clock -F 1000 -o "/tmp/perf-$c.data" -- \
		fio --name=prof --filename="/dev/$disk" --ioengine=libaio --direct=1 --rw=randread \
		--bs=4k --iodepth="$QD" --time_based --runtime="$RUNTIME" --size=${SIZE_MB}M \
		--output-format=terse --terse-version=3 >"$OUT/perf-$c.fio" 2>/dev/null
	perf report -i "/tmp/perf-$c.data" --stdio --no-children --sort comm 2>/dev/null |
		grep '%' >"$OUT/perf-comm-$c.txt"
	perf report -i "/tmp/perf-$c.data" --stdio --no-children --sort comm,sym 2>/dev/null |
		grep '%' | head -60 >"$OUT/perf-sym-$c.txt"
done
for c in ${CASES//,/ }; do
	detach "$c"
done
