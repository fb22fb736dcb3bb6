# Guest-side helpers of the benchmarks (sourced by bench/guest.sh and
# bench/ab-guest.sh; bash). The caller sets OUT (the results directory) and
# RUNTIME (seconds per fio run), and creates $OUT/fio and $OUT/log; WINDOW
# (the CPU sampling window, seconds) follows from RUNTIME.

IMG=/dev/shm/bench.img
SIZE_MB=128
RUN=/run/bench
QUEUE_SIZE=256
# Case loop-tuned's rings: without indirect tables a 128 KiB request takes
# 34 entries, and 256 would hold 7 of them.
TUNED_QUEUE_SIZE=1024
LOOP_SYS=/sys/devices/virtual/misc/virtio-loopback
SNAP=$PWD/bench/snap.sh
WINDOW=$(echo "${RUNTIME:-3}" | awk '{ w = $1 - 1; print (w < 0.5 ? 0.5 : w) }')
PIDS=""
declare -A DEV STOPPER

die() {
	echo "bench: error: $*" >&2
	exit 1
}

cleanup() {
	for p in $PIDS; do
		kill "$p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}
trap cleanup EXIT

has() {
	case ",$2," in *",$1,"*) return 0 ;; esac
	return 1
}

# Microseconds since the epoch, without a fork.
now_us() {
	local t=$EPOCHREALTIME
	echo $((${t%.*} * 1000000 + 10#${t#*.}))
}

# wait_for SECS COMMAND...: poll until COMMAND succeeds.
wait_for() {
	local end=$(($(now_us) + $1 * 1000000))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(now_us)" -lt "$end" ] || return 1
		sleep 0.01
	done
}

# The block device under sysfs directory $1 (a virtio device's parent).
disk_under() {
	local b
	for b in "$1"/virtio*/block/*; do
		[ -e "$b" ] && { echo "${b##*/}"; return 0; }
	done
	return 1
}

readable() {
	dd if="/dev/$1" of=/dev/null bs=4096 count=1 iflag=direct status=none
}

# ---- attaching and detaching disks ------------------------------------------

# loop_attach SOCKET LOGNAME: an adapter for the back-end on SOCKET; sets
# ADAPTER (its pid) and ATTACHED (the disk's name) once a direct read works.
loop_attach() {
	local before b end
	before=$(ls "$LOOP_SYS" 2>/dev/null | grep '^vlb' || true)
	# LOOP_ADAPTER_ARGS: further adapter options (bench/ab --adapter-a/-b).
	# shellcheck disable=SC2086
	virtio-loopback-adapter --device blk --socket "$1" --queues 1 \
		--queue-size "$QUEUE_SIZE" ${LOOP_ADAPTER_ARGS-} >>"$OUT/log/$2.log" 2>&1 &
	ADAPTER=$!
	ATTACHED=""
	end=$(($(now_us) + 30000000))
	while [ -z "$ATTACHED" ]; do
		for b in "$LOOP_SYS"/vlb*; do
			[ -e "$b" ] || continue
			# (ls gives one name per line.)
			case " ${before//$'\n'/ } " in *" ${b##*/} "*) continue ;; esac
			ATTACHED=$(disk_under "$b") && break || ATTACHED=""
		done
		[ -n "$ATTACHED" ] && break
		kill -0 "$ADAPTER" 2>/dev/null || die "the adapter for $1 exited (log/$2.log)"
		[ "$(now_us)" -lt "$end" ] || die "no disk from the adapter for $1"
		sleep 0.01
	done
	wait_for 30 readable "$ATTACHED" || die "/dev/$ATTACHED never became readable"
}

loop_detach() {
	kill -TERM "$1"
	wait "$1" || die "the adapter exited $? on SIGTERM"
}

vduse_attach() {
	vdpa dev add name "$1" mgmtdev vduse || die "vdpa dev add $1 failed"
	wait_for 30 disk_under "/sys/bus/vdpa/devices/$1" || die "no disk from vdpa device $1"
	ATTACHED=$(disk_under "/sys/bus/vdpa/devices/$1")
	wait_for 30 readable "$ATTACHED" || die "/dev/$ATTACHED never became readable"
}

vduse_detach() {
	vdpa dev del "$1" || die "vdpa dev del $1 failed"
	wait_for 30 test ! -e "/sys/block/$2" || die "/dev/$2 remained after vdpa dev del"
}

ublk_attach() {
	: >"$RUN/ublk.out"
	ublk-ram --file "$IMG" >"$RUN/ublk.out" 2>>"$OUT/log/ublk.log" &
	UBLK=$!
	wait_for 30 grep -q ublkb "$RUN/ublk.out" || die "ublk-ram never started (log/ublk.log)"
	ATTACHED=$(sed -n 's|^/dev/||p' "$RUN/ublk.out")
	wait_for 30 readable "$ATTACHED" || die "/dev/$ATTACHED never became readable"
}

ublk_detach() {
	kill -TERM "$1"
	wait "$1" || die "ublk-ram exited $? on SIGTERM"
}

# start_own [NAME [OPTION...]]: the project's vhost-user-blk on the same
# file, on $RUN/NAME.sock (own: case loop-own; poll, with --poll-us: case
# loop-poll; mmap and mpoll, with --mmap: cases loop-mmap and loop-mpoll).
start_own() {
	local name=${1:-own}
	shift $(($# > 0))
	vhost-user-blk --socket-path "$RUN/$name.sock" --blk-file "$IMG" \
		--queue-size "$QUEUE_SIZE" "$@" >"$OUT/log/$name.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for 30 test -S "$RUN/$name.sock" || die "vhost-user-blk did not start (log/$name.log)"
}

# ---- many disks at once (tests updown16 and scale) ---------------------------

# start_owns TAG N QUEUES: N vhost-user-blk back-ends on the same file, with
# QUEUES queues each, listening on TAG-0.sock ... TAG-(N-1).sock; their pids
# in OWN_PIDS.
start_owns() {
	local tag=$1 n=$2 q=$3 i
	OWN_PIDS=()
	for ((i = 0; i < n; i++)); do
		vhost-user-blk --socket-path "$RUN/$tag-$i.sock" --blk-file "$IMG" \
			--queue-size "$QUEUE_SIZE" --num-queues "$q" >>"$OUT/log/$tag.log" 2>&1 &
		OWN_PIDS+=($!)
		PIDS="$PIDS $!"
	done
	for ((i = 0; i < n; i++)); do
		wait_for 30 test -S "$RUN/$tag-$i.sock" || die "vhost-user-blk $i of $n ($tag) did not start"
	done
}

all_readable() {
	local d
	for d in "$@"; do
		readable "$d" || return 1
	done
}

all_gone() {
	local d
	for d in "$@"; do
		[ ! -e "/sys/block/$d" ] || return 1
	done
}

# new_loop_disks BEFORE N: DISKS = the disks of loopback devices not in the
# list BEFORE; true once there are N.
new_loop_disks() {
	local b d
	DISKS=()
	for b in "$LOOP_SYS"/vlb*; do
		[ -e "$b" ] || continue
		case " ${1//$'\n'/ } " in *" ${b##*/} "*) continue ;; esac
		d=$(disk_under "$b") && DISKS+=("$d")
	done
	[ ${#DISKS[@]} -ge "$2" ]
}

# up_many CASE TAG N QUEUES POOL: N disks of loop-own (one adapter, on the
# back-ends start_owns TAG started, pools of POOL) or ublk (N ublk-ram), each
# with QUEUES queues, until each reads; sets DISKS and STOPS (pids to stop).
up_many() {
	local c=$1 tag=$2 n=$3 q=$4 pool=$5 i args=() before
	DISKS=() STOPS=()
	case $c in
	loop-own)
		before=$(ls "$LOOP_SYS" 2>/dev/null | grep '^vlb' || true)
		for ((i = 0; i < n; i++)); do
			args+=(--device blk --socket "$RUN/$tag-$i.sock" --queues "$q"
				--queue-size "$QUEUE_SIZE" --shm-size "$pool")
		done
		virtio-loopback-adapter "${args[@]}" >>"$OUT/log/adapter-$tag.log" 2>&1 &
		STOPS=($!)
		wait_for 60 new_loop_disks "$before" "$n" ||
			die "the adapter did not make $n disks (log/adapter-$tag.log)"
		;;
	ublk)
		for ((i = 0; i < n; i++)); do
			ublk-ram --file "$IMG" --queues "$q" >"$RUN/ublk-$tag-$i.out" \
				2>>"$OUT/log/ublk-$tag.log" &
			STOPS+=($!)
		done
		for ((i = 0; i < n; i++)); do
			wait_for 60 grep -q ublkb "$RUN/ublk-$tag-$i.out" || die "ublk-ram $i of $n never started"
			DISKS+=("$(sed -n 's|^/dev/||p' "$RUN/ublk-$tag-$i.out")")
		done
		;;
	esac
	[ ${#DISKS[@]} = "$n" ] || die "up_many $c: ${#DISKS[@]} disks, not $n"
	wait_for 60 all_readable "${DISKS[@]}" || die "up_many $c: not every disk became readable"
}

# down_many CASE: stop what up_many started, until its disks are gone.
down_many() {
	local p
	kill -TERM "${STOPS[@]}"
	for p in "${STOPS[@]}"; do
		wait "$p" || die "down_many $1: a server exited $? on SIGTERM"
	done
	wait_for 60 all_gone "${DISKS[@]}" || die "down_many $1: disks remained"
}

# attach CASE: sets DEV[CASE] to its disk. Every case is backed by the same
# tmpfs file (the null cases by QSD's null node).
attach() {
	case $1 in
	loop-own) loop_attach "$RUN/own.sock" adapter-own; STOPPER[$1]=$ADAPTER ;;
	loop-poll) loop_attach "$RUN/poll.sock" adapter-poll; STOPPER[$1]=$ADAPTER ;;
	loop-mmap) loop_attach "$RUN/mmap.sock" adapter-mmap; STOPPER[$1]=$ADAPTER ;;
	loop-mpoll) loop_attach "$RUN/mpoll.sock" adapter-mpoll; STOPPER[$1]=$ADAPTER ;;
	loop-tuned)
		LOOP_ADAPTER_ARGS="--queue-size $TUNED_QUEUE_SIZE --indirect off" \
			loop_attach "$RUN/tuned.sock" adapter-tuned
		STOPPER[$1]=$ADAPTER
		;;
	rtt-loop) loop_attach "$RUN/vu-null.sock" adapter-null; STOPPER[$1]=$ADAPTER ;;
	# LOOP_SOCK: another back-end for these (bench/ab --backend own, own-mmap).
	loop-*) loop_attach "${LOOP_SOCK:-$RUN/vu-ram.sock}" "adapter-$1"; STOPPER[$1]=$ADAPTER ;;
	vduse-qsd) vduse_attach vd-ram ;;
	rtt-vduse) vduse_attach vd-null ;;
	ublk) ublk_attach; STOPPER[$1]=$UBLK ;;
	*) die "attach: unknown case $1" ;;
	esac
	DEV[$1]=$ATTACHED
	PIDS="$PIDS ${STOPPER[$1]:-}"
	# The same block-layer settings for every virtio and ublk disk: no I/O
	# scheduler (a scheduler defers each lone request to a kworker).
	echo none >"/sys/block/$ATTACHED/queue/scheduler"
}

detach() {
	case $1 in
	vduse-qsd) vduse_detach vd-ram "${DEV[$1]}" ;;
	rtt-vduse) vduse_detach vd-null "${DEV[$1]}" ;;
	ublk) ublk_detach "${STOPPER[$1]}" ;;
	*) loop_detach "${STOPPER[$1]}" ;;
	esac
	unset "DEV[$1]"
}

# ---- set-up -------------------------------------------------------------------

load_modules() {
	local m
	for m in virtio_blk vhost_iotlb vdpa vduse virtio_vdpa ublk_drv; do
		modprobe "$m" || die "cannot load $m"
	done
	# The in-kernel reference: null_blk, memory-backed (a RAM disk on blk-mq,
	# like the virtio and ublk disks), one queue of 256, completions in
	# softirq.
	modprobe null_blk nr_devices=1 queue_mode=2 memory_backed=1 gb=1 \
		submit_queues=1 hw_queue_depth=$QUEUE_SIZE irqmode=1 || die "cannot load null_blk"
}

# The RAM-backed store every user-space back-end serves (tmpfs), and the
# in-kernel reference, both written through once so that no page is a hole.
make_stores() {
	mkdir -p "$RUN"
	dd if=/dev/zero of="$IMG" bs=1M count=$SIZE_MB status=none
	wait_for 10 test -b /dev/nullb0 || die "no /dev/nullb0"
	dd if=/dev/zero of=/dev/nullb0 bs=1M count=$SIZE_MB oflag=direct status=none
	DEV[kernel]=nullb0
	echo none >/sys/block/nullb0/queue/scheduler
}

# One qemu-storage-daemon: the RAM node and a null node, each exported both
# as vhost-user-blk (for the loopback) and as vduse-blk, with the same queue
# count and size.
start_qsd() {
	qemu-storage-daemon \
		--blockdev "driver=file,node-name=ram,filename=$IMG,aio=io_uring" \
		--blockdev "driver=null-co,node-name=null,size=$((SIZE_MB << 20)),read-zeroes=on" \
		--export "type=vhost-user-blk,id=vu-ram,node-name=ram,addr.type=unix,addr.path=$RUN/vu-ram.sock,writable=on,num-queues=1" \
		--export "type=vduse-blk,id=vd-ram,node-name=ram,name=vd-ram,writable=on,num-queues=1,queue-size=$QUEUE_SIZE" \
		--export "type=vhost-user-blk,id=vu-null,node-name=null,addr.type=unix,addr.path=$RUN/vu-null.sock,writable=on,num-queues=1" \
		--export "type=vduse-blk,id=vd-null,node-name=null,name=vd-null,writable=on,num-queues=1,queue-size=$QUEUE_SIZE" \
		>"$OUT/log/qsd.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for 30 test -S "$RUN/vu-null.sock" -a -e /dev/vduse/vd-null ||
		die "qemu-storage-daemon did not start (log/qsd.log)"
}

# ---- measuring ----------------------------------------------------------------

# cpu_busy: guest CPU time so far, all CPUs, in USER_HZ ticks: user, nice,
# system, irq and softirq (the loopback's interrupt work runs in hard-IRQ
# context, so leaving irq out would flatter it).
cpu_busy() {
	local _c us ni sy id io irq sirq _rest
	read -r _c us ni sy id io irq sirq _rest </proc/stat
	echo $((us + ni + sy + irq + sirq))
}

# ios DISK: requests completed so far (reads + writes).
ios() {
	local r _1 _2 _3 w _rest
	read -r r _1 _2 _3 w _rest <"/sys/block/$1/stat"
	echo $((r + w))
}

# vlb_counts DISK: the loopback device's kicks and interrupts so far, or
# "," for a disk that is not a loopback device.
vlb_counts() {
	local d k i
	d=$(readlink -f "/sys/block/$1")
	case $d in
	*/virtio-loopback/vlb*)
		d=${d%/virtio*/block/*}
		read -r k <"$d/stats/kicks"
		read -r i <"$d/stats/interrupts"
		echo "$k,$i"
		;;
	*) echo "," ;;
	esac
}

test_args() {
	case $1 in
	qd1) echo "--rw=randread --bs=4k --iodepth=1" ;;
	qd32) echo "--rw=randread --bs=4k --iodepth=32" ;;
	seqread) echo "--rw=read --bs=128k --iodepth=8" ;;
	seqwrite) echo "--rw=write --bs=128k --iodepth=8" ;;
	rtt) echo "--rw=randread --bs=512 --iodepth=1" ;;
	*) die "unknown test $1" ;;
	esac
}

# fio_group FILE TEST ROUND CASE...: one fio process runs TEST on every
# CASE's disk in turn (fio/FILE.json, jobs named CASE.TEST.ROUND): starting
# fio once per group keeps its start-up (slow under TCG) out of the runs and
# puts the cases' runs back to back. Each job's exec_prerun
# (bench/snap.sh) samples CPU time and I/O counters into cpu.csv over a
# window of the run that leaves out fio's set-up and tear-down of the job.
fio_group() {
	local f=$1 t=$2 r=$3 c name job
	shift 3
	job=$RUN/$f.fio
	{
		echo "[global]"
		echo "ioengine=libaio"
		echo "direct=1"
		echo "invalidate=0"
		echo "thread"
		echo "stonewall"
		echo "time_based"
		echo "runtime=$RUNTIME"
		echo "size=${SIZE_MB}M"
		echo "norandommap"
		echo "randrepeat=0"
		echo "lat_percentiles=1"
		echo "clat_percentiles=0"
		echo "percentile_list=50:99"
		test_args "$t" | tr ' ' '\n' | sed 's/^--//'
		for c in "$@"; do
			name=$c.$t.$r
			echo
			echo "[$name]"
			echo "filename=/dev/${DEV[$c]}"
			echo "exec_prerun=$SNAP $name ${DEV[$c]} $WINDOW"
		done
	} >"$job"
	(cd "$RUN" && fio --output-format=json --output="$OUT/fio/$f.json" "$job") >/dev/null ||
		die "fio failed in $f"
	# The last job's sampler has finished before fio does; make sure.
	wait_for 10 grep -q "^$name," "$OUT/cpu.csv" ||
		echo "bench: no CPU sample for $name" >&2
}

# fio_scale FILE TEST ROUND CASE...: one fio process; for each CASE in
# turn, 4K random reads at queue depth 32 on all of SCALE_DISKS[CASE] at
# once, as many jobs per disk as the disk has hardware queues (jobs named
# CASE.TEST.ROUND; bench/report.py adds up their IOPS).
fio_scale() {
	local f=$1 t=$2 r=$3 c d first job nq
	shift 3
	job=$RUN/$f.fio
	{
		echo "[global]"
		echo "ioengine=libaio"
		echo "direct=1"
		echo "invalidate=0"
		echo "thread"
		echo "time_based"
		echo "runtime=$RUNTIME"
		echo "size=${SIZE_MB}M"
		echo "norandommap"
		echo "randrepeat=0"
		echo "rw=randread"
		echo "bs=4k"
		echo "iodepth=32"
		for c in "$@"; do
			first=yes
			for d in ${SCALE_DISKS[$c]}; do
				nq=$(ls "/sys/block/$d/mq" | wc -l)
				echo
				echo "[$c.$t.$r]"
				echo "filename=/dev/$d"
				echo "numjobs=$nq"
				# The first job of a case waits for the previous case's.
				[ $first = yes ] && echo "stonewall"
				first=no
			done
		done
	} >"$job"
	(cd "$RUN" && fio --output-format=json --output="$OUT/fio/$f.json" "$job") >/dev/null ||
		die "fio failed in $f"
}

cpu_csv_header() {
	echo "name,cpu_ticks,ios,window_us,kicks,irqs" >"$OUT/cpu.csv"
}

# copy_mbps: how fast this guest copies memory (MB/s): the kernel copying
# the tmpfs store's pages to user space, the same kind of work as a bounce.
# The best of three reads, so the cost of a bounce can be estimated.
copy_mbps() {
	local i best=0 v
	for i in 1 2 3; do
		v=$(dd if="$IMG" of=/dev/null bs=128k 2>&1 | awk '
			/copied/ { for (i = 1; i <= NF; i++) if ($i == "copied,") {
				s = $(i + 1); gsub(",", "", s); if (s > 0) print int($1 / s / 1e6) } }')
		[ "${v:-0}" -gt "$best" ] && best=$v
	done
	echo "$best"
}
