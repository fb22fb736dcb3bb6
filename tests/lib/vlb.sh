# Guest-side helpers for the loopback tests (sourced; POSIX sh).
# Every background process a test starts is killed when it exits.
. tests/lib/assert.sh

VLB_SYS=/sys/devices/virtual/misc/virtio-loopback
VLB_PIDS=""

vlb_cleanup() {
	for _p in $VLB_PIDS; do
		kill "$_p" 2>/dev/null || true
	done
	wait 2>/dev/null || true
}
trap vlb_cleanup EXIT

vlb_track() {
	VLB_PIDS="$VLB_PIDS $1"
}

# vlb_load [MODULE...]: the transport plus the drivers a test needs.
# virtio_gpu comes without DRM's fbdev console: Linux 6.1's virtio-gpu
# frees the console's buffer inside its remove() without waiting for the
# device's answer, and then warns or oopses (docs/gpu.md, "Removal").
vlb_load() {
	modprobe virtio_loopback || fail "cannot load virtio_loopback"
	for _m in "$@"; do
		[ "$_m" != virtio_gpu ] || modprobe drm_kms_helper fbdev_emulation=0 ||
			fail "cannot load drm_kms_helper"
		modprobe "$_m" || fail "cannot load $_m"
	done
}

# start_qsd SOCK IMAGE [EXTRA]: qemu-storage-daemon exports IMAGE as a
# vhost-user-blk device on SOCK; EXTRA is appended to the export options.
start_qsd() {
	_sock=$1
	_img=$2
	rm -f "$_sock"
	qemu-storage-daemon \
		--blockdev "driver=file,node-name=file0,filename=$_img" \
		--export "type=vhost-user-blk,id=exp0,node-name=file0,addr.type=unix,addr.path=$_sock,writable=on${3:+,$3}" \
		>>"$VM_OUT/qsd.log" 2>&1 &
	QSD_PID=$!
	vlb_track "$QSD_PID"
	wait_for 20 test -S "$_sock"
}

# start_vublk IMAGE SOCK [ARG...]: the project's vhost-user-blk serves
# IMAGE on SOCK in the background (pid in BLK, log blk.log); ARGs are its
# further options. It does not wait for the socket.
start_vublk() {
	_img=$1
	_sock=$2
	shift 2
	vhost-user-blk --blk-file "$_img" --socket-path "$_sock" "$@" >>"$VM_OUT/blk.log" 2>&1 &
	BLK=$!
	vlb_track "$BLK"
}

# start_adapter ARGS...: the adapter in the background, log in $VM_OUT.
start_adapter() {
	virtio-loopback-adapter "$@" >>"$VM_OUT/adapter.log" 2>&1 &
	ADAPTER_PID=$!
	vlb_track "$ADAPTER_PID"
}

# vlb_disks: the block devices of all loopback devices, one per line.
vlb_disks() {
	for _b in "$VLB_SYS"/vlb*/virtio*/block/*; do
		[ -e "$_b" ] && echo "/dev/${_b##*/}"
	done
}

vlb_count() {
	ls -d "$VLB_SYS"/vlb* 2>/dev/null | wc -l
}

# wait_disks N: wait until N loopback disks exist; prints them.
wait_disks() {
	_end=$(($(date +%s) + 30))
	while [ "$(vlb_disks | wc -l)" -lt "$1" ]; do
		[ "$(date +%s)" -lt "$_end" ] || fail "only $(vlb_disks | wc -l) of $1 loopback disks appeared"
		sleep 0.1
	done
	for _d in $(vlb_disks); do
		wait_for 10 test -b "$_d"
	done
	vlb_disks
}

# stop_adapter: SIGTERM, and the adapter must exit 0 with its devices gone.
stop_adapter() {
	kill -TERM "$ADAPTER_PID"
	wait "$ADAPTER_PID"
	_rc=$?
	[ "$_rc" -eq 0 ] || fail "the adapter exited $_rc on SIGTERM"
	[ "$(vlb_count)" -eq 0 ] || fail "loopback devices remain after the adapter stopped"
}

# unload: rmmod must succeed once nothing uses the module (give back-ends
# a moment to drop the pool mapping).
unload() {
	wait_for 20 rmmod virtio_loopback
}

# fio_sum JSON EXPR: EXPR (of j, one job) summed over the jobs of fio's
# JSON report in file JSON, read past any warning lines before it.
fio_sum() {
	python3 -c 'import json, sys
t = open(sys.argv[1]).read()
print(sum(eval(sys.argv[2]) for j in json.loads(t[t.index("{"):])["jobs"]))' "$1" "$2"
}

# fio_stop PID STATS: end a time-based fio run once the test has done what
# it runs under it and the device (STATS: its stats directory) has served
# I/O since. On SIGINT fio stops its jobs, still writes its report and
# exits 128, which fio_verified then accepts.
fio_stop() {
	_k=$(cat "$2/kicks")
	wait_for 60 sh -c "[ \$(cat $2/kicks) -gt $((_k + 100)) ]"
	kill -INT "$1" 2>/dev/null || true
	FIO_STOPPED=1
}

# fio_verified PID JSON STATS: wait for the fio run PID (a verifying
# write job reporting to JSON), keep its report, and fail unless it ended
# with 0 errors, verified something, and the kernel failed no request
# (STATS: the device's stats directory). Sets FIO_WRITES and FIO_VERIFIED.
fio_verified() {
	_rc=0
	wait "$1" || _rc=$?
	[ "$_rc" = 0 ] || { [ "$_rc" = 128 ] && [ "${FIO_STOPPED:-0}" = 1 ]; } ||
		fail "fio failed (exit $_rc): $(head -c 600 "$2")"
	cp "$2" "$VM_OUT/"
	_errs=$(fio_sum "$2" 'j["error"]')
	[ "$_errs" = 0 ] || fail "fio reported $_errs errors"
	FIO_WRITES=$(fio_sum "$2" 'j["write"]["total_ios"]')
	FIO_VERIFIED=$(fio_sum "$2" 'j["read"]["total_ios"]')
	[ "$FIO_VERIFIED" -gt 0 ] || fail "fio verified nothing"
	[ "$(cat "$3/failed_requests")" = 0 ] ||
		fail "the kernel failed $(cat "$3/failed_requests") requests"
}

# start_uinput_dev: a fake keyboard (build/tests/bin/uinput-dev) fed
# commands through fd 3; its node in UINPUT_SRC, what it reports (LED
# events) in /tmp/uinput.out.
start_uinput_dev() {
	mkfifo /tmp/uin
	build/tests/bin/uinput-dev /tmp/uinput.path </tmp/uin >/tmp/uinput.out 2>&1 &
	vlb_track $!
	exec 3>/tmp/uin
	wait_for 10 test -s /tmp/uinput.path
	UINPUT_SRC=$(cat /tmp/uinput.path)
}

# sum FILE: a checksum of FILE's contents.
sum() {
	sha256sum "$1" | cut -d' ' -f1
}

# sample_tree DIR N: a tree of up to N small files (under 16 KiB) and
# symlinks, with their directories, copied from the system's own
# documentation and libraries; prints how many files it holds.
sample_tree() {
	find /usr/share/doc /usr/share/man /usr/lib/python3* \( -type f -size -16k -o -type l \) \
		2>/dev/null | head -n "$2" | cpio -pdm --quiet "$1"
	find "$1" -type f | wc -l
}
