#!/bin/bash
# The benchmark's guest half: runs as root in one tests/vm/run boot (see
# bench/run, which starts it, and docs/performance.md). Every case is set up
# once; then, round after round, every test runs on every case in turn. The
# two cases compared most (virtio-loopback and VDUSE, both on one
# qemu-storage-daemon) always run back to back, their order swapped every
# round, so a slow spell of the shared, emulated host hits both alike; the
# other cases rotate. Raw results go to $VM_OUT:
#   meta.txt            versions and settings
#   fio/TEST.ROUND.json one fio process each, a job per case
#                       (jobs named CASE.TEST.ROUND)
#   cpu.csv             guest CPU time, I/Os and (loopback) kicks and
#                       interrupts over a window of each job
#   updown.csv          bring-up and tear-down times
#   updown16.csv        the same for 16 disks at once (loop-own, ublk)
#   fio/scale-*.json    aggregate IOPS of 1 to 8 disks of 1 to 4 queues
#   log/                every daemon's log
# Usage: bench/guest.sh ROUNDS RUNTIME CASES TESTS
#   CASES: comma list of loop-qsd vduse-qsd loop-own loop-poll loop-mmap
#          loop-mpoll loop-tuned kernel ublk
#   TESTS: comma list of qd1 qd32 seqread seqwrite rtt updown updown16 scale
set -eu

ROUNDS=${1:-5}
RUNTIME=${2:-3}
CASES=${3:-loop-qsd,vduse-qsd,loop-own,loop-poll,loop-mmap,loop-mpoll,loop-tuned,kernel,ublk}
TESTS=${4:-qd1,qd32,seqread,seqwrite,rtt,updown,updown16,scale}
OUT=${VM_OUT:?not in the VM harness}
. bench/lib.sh

mkdir -p "$OUT/fio" "$OUT/log"
rm -f "$OUT"/fio/*.json "$OUT/cpu.csv" "$OUT/updown.csv" "$OUT/updown16.csv" "$OUT/meta.txt" "$OUT"/log/*

modprobe virtio_loopback || die "cannot load virtio_loopback"
load_modules
make_stores
start_qsd

OWN=no
if has loop-own "$CASES"; then
	if [ -x build/bin/vhost-user-blk ]; then
		start_own
		OWN=yes
	else
		echo "bench: build/bin/vhost-user-blk is not built: case loop-own skipped" >&2
		CASES=$(echo ",$CASES," | sed 's/,loop-own,/,/; s/^,//; s/,$//')
	fi
fi
if has loop-poll "$CASES"; then
	if [ -x build/bin/vhost-user-blk ]; then
		# Under TCG a QD1 request's next one comes some 300 us after its
		# completion, so the default window is 1 ms.
		start_own poll --poll-us "${BENCH_POLL_US:-1000}"
	else
		CASES=$(echo ",$CASES," | sed 's/,loop-poll,/,/; s/^,//; s/,$//')
	fi
fi
# Both kinds of back-end serve the image in memory from a mapping too
# (--mmap), as ublk-ram does.
# loop-tuned adds the adapter's --indirect off, on rings of $TUNED_QUEUE_SIZE.
if has loop-mmap "$CASES" || has loop-mpoll "$CASES" || has loop-tuned "$CASES"; then
	if [ -x build/bin/vhost-user-blk ]; then
		has loop-mmap "$CASES" && start_own mmap --mmap
		has loop-mpoll "$CASES" && start_own mpoll --mmap --poll-us "${BENCH_POLL_US:-1000}"
		has loop-tuned "$CASES" && start_own tuned --mmap --queue-size "$TUNED_QUEUE_SIZE"
	else
		CASES=$(echo ",$CASES," | sed 's/,loop-\(mmap\|mpoll\|tuned\),/,/g; s/^,//; s/,$//')
	fi
fi
UBLK_OK=yes
if has ublk "$CASES" && [ ! -x build/tests/bin/ublk-ram ]; then
	echo "bench: build/tests/bin/ublk-ram is not built: case ublk skipped" >&2
	CASES=$(echo ",$CASES," | sed 's/,ublk,/,/; s/^,//; s/,$//')
	UBLK_OK=no
fi
export PATH="$PWD/build/tests/bin:$PATH"

IFS=, read -ra CASE_LIST <<<"$CASES"
for c in "${CASE_LIST[@]}"; do
	[ "$c" = kernel ] || attach "$c"
done
if has rtt "$TESTS"; then
	attach rtt-loop
	attach rtt-vduse
fi
# Every case on its own disk (a mismatch in loop_attach once gave two
# cases one disk).
dups=$(printf '%s\n' "${DEV[@]}" | sort | uniq -d)
[ -z "$dups" ] || die "two cases on one disk: $dups"

{
	echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "guest_kernel=$(uname -r)"
	echo "guest_kernel_version=$(uname -v)"
	echo "guest_cmdline=$(cat /proc/cmdline)"
	echo "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	echo "qsd=$(qemu-storage-daemon --version | head -n1)"
	echo "fio=$(fio --version)"
	echo "cpus=$(nproc)"
	echo "mem_kb=$(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo)"
	echo "rounds=$ROUNDS"
	echo "runtime=$RUNTIME"
	echo "cases=$CASES"
	echo "tests=$TESTS"
	echo "queue_size=$QUEUE_SIZE"
	has loop-tuned "$CASES" && echo "tuned_queue_size=$TUNED_QUEUE_SIZE"
	echo "own_backend=$OWN"
	echo "ublk=$UBLK_OK"
	for c in "${!DEV[@]}"; do
		echo "dev.$c=${DEV[$c]}"
		f=/sys/block/${DEV[$c]}/device/features
		[ -r "$f" ] && echo "features.$c=$(cat "$f")"
	done
	echo "loop_pool_size=$(cat "$LOOP_SYS"/vlb*/pool_size | head -n1)"
	echo "copy_mbps=$(copy_mbps)"
} >"$OUT/meta.txt"

# order ROUND: this round's case order (see the top).
order() {
	local r=$1 pair=() rest=() c k n
	for c in "${CASE_LIST[@]}"; do
		case $c in
		loop-qsd|vduse-qsd) pair+=("$c") ;;
		*) rest+=("$c") ;;
		esac
	done
	if [ $((r % 2)) = 0 ] && [ ${#pair[@]} = 2 ]; then
		pair=("${pair[1]}" "${pair[0]}")
	fi
	n=${#rest[@]}
	for ((k = 0; k < n; k++)); do
		pair+=("${rest[$(((k + r) % n))]}")
	done
	echo "${pair[@]}"
}

cpu_csv_header
echo "case,round,up_us,down_us" >"$OUT/updown.csv"
IFS=, read -ra TEST_LIST <<<"$TESTS"
for ((r = 1; r <= ROUNDS; r++)); do
	for t in "${TEST_LIST[@]}"; do
		case $t in
		rtt)
			list=(rtt-loop rtt-vduse)
			((r % 2)) || list=(rtt-vduse rtt-loop)
			;;
		updown | updown16 | scale) continue ;;
		*) read -ra list <<<"$(order "$r")" ;;
		esac
		echo "bench: round $r/$ROUNDS $t: ${list[*]}" >&2
		fio_group "$t.$r" "$t" "$r" "${list[@]}"
	done
done

# Bring-up (attach until a direct read of the disk works) and tear-down
# (until the kernel's device is gone), each case re-attached in turn.
if has updown "$TESTS"; then
	for ((r = 1; r <= ROUNDS; r++)); do
		for c in $(order "$r"); do
			[ "$c" = kernel ] && continue
			echo "bench: round $r/$ROUNDS bring-up/tear-down $c" >&2
			t0=$(now_us)
			detach "$c"
			t1=$(now_us)
			attach "$c"
			t2=$(now_us)
			echo "$c,$r,$((t2 - t1)),$((t1 - t0))" >>"$OUT/updown.csv"
		done
	done
fi

# The same for 16 disks at once: one adapter with 16 devices, each on its
# own vhost-user-blk (loopback), against 16 ublk-ram servers (ublk), all
# started together; up until every disk reads, down until every one is gone.
if has updown16 "$TESTS"; then
	if [ "$OWN" = yes ] && [ "$UBLK_OK" = yes ]; then
		start_owns own16 16 1
		echo "case,round,up_us,down_us" >"$OUT/updown16.csv"
		for ((r = 1; r <= ROUNDS; r++)); do
			list=(loop-own ublk)
			((r % 2)) || list=(ublk loop-own)
			for c in "${list[@]}"; do
				echo "bench: round $r/$ROUNDS bring-up/tear-down of 16 disks: $c" >&2
				t0=$(now_us)
				up_many "$c" own16 16 1 4M
				t1=$(now_us)
				down_many "$c"
				t2=$(now_us)
				echo "$c,$r,$((t1 - t0)),$((t2 - t1))" >>"$OUT/updown16.csv"
			done
		done
	else
		echo "bench: updown16 needs vhost-user-blk and ublk-ram built: skipped" >&2
	fi
fi

# Scaling: aggregate 4K random-read IOPS with 1, 2, 4 and 8 disks at once,
# with 1, 2 and 4 queues per disk: loop-own (one adapter, a vhost-user-blk
# per disk, 8 MiB pools) against ublk (a ublk-ram per disk). Both drivers
# give a disk at most one queue per CPU: meta.txt records the queues each
# case's disks got (scale_hwq). At most 3 rounds: 12 settings each.
declare -A SCALE_DISKS
if has scale "$TESTS"; then
	if [ "$OWN" = yes ] && [ "$UBLK_OK" = yes ]; then
		srounds=$((ROUNDS < 3 ? ROUNDS : 3))
		for q in 1 2 4; do
			start_owns "scale$q" 8 "$q"
			scale_backends=("${OWN_PIDS[@]}")
			up_many loop-own "scale$q" 8 "$q" 8M
			loop_disks=("${DISKS[@]}") loop_stops=("${STOPS[@]}")
			up_many ublk "scale$q" 8 "$q" -
			ublk_disks=("${DISKS[@]}") ublk_stops=("${STOPS[@]}")
			for d in "${loop_disks[@]}" "${ublk_disks[@]}"; do
				echo none >"/sys/block/$d/queue/scheduler"
			done
			echo "scale_hwq.q$q=$(ls "/sys/block/${loop_disks[0]}/mq" | wc -l),$(ls "/sys/block/${ublk_disks[0]}/mq" | wc -l)" >>"$OUT/meta.txt"
			for ((r = 1; r <= srounds; r++)); do
				for n in 1 2 4 8; do
					SCALE_DISKS[loop-own]=${loop_disks[*]:0:n}
					SCALE_DISKS[ublk]=${ublk_disks[*]:0:n}
					list=(loop-own ublk)
					(((r + n) % 2)) || list=(ublk loop-own)
					echo "bench: round $r/$srounds scaling, $n disk(s) of $q queue(s): ${list[*]}" >&2
					fio_scale "scale-d${n}q$q.$r" "scale-d${n}q$q" "$r" "${list[@]}"
				done
			done
			DISKS=("${loop_disks[@]}") STOPS=("${loop_stops[@]}")
			down_many loop-own
			DISKS=("${ublk_disks[@]}") STOPS=("${ublk_stops[@]}")
			down_many ublk
			kill -TERM "${scale_backends[@]}"
			wait "${scale_backends[@]}" 2>/dev/null || true
		done
		echo "scale_rounds=$srounds" >>"$OUT/meta.txt"
	else
		echo "bench: scale needs vhost-user-blk and ublk-ram built: skipped" >&2
	fi
fi

for f in "$LOOP_SYS"/vlb*/stats; do
	[ -d "$f" ] && grep -H . "$f"/* >>"$OUT/log/vlb-stats.txt" 2>/dev/null
done
for c in "${CASE_LIST[@]}"; do
	[ "$c" = kernel ] || detach "$c"
done
if has rtt "$TESTS"; then
	detach rtt-loop
	detach rtt-vduse
fi
echo "bench: guest done" >&2
