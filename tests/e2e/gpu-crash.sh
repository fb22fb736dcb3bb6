#!/bin/sh
# Losing either half of a GPU device while modetest uses it. The
# guest's GPU resources live in the back-end, so a lost back-end cannot be
# replaced: the adapter removes the device; a killed adapter leaves the
# kernel to remove it. Either way modetest gets errors and ends, nothing
# hangs, the kernel log stays clean, and the module unloads.
# shared-boot: yes
set -eu
. tests/lib/vlb.sh
. tests/lib/gpu.sh

vlb_load virtio_gpu

# flip LOG [-v]: modetest in the background until told, flipping pages
# with -v.
flip() {
	rm -f /tmp/flip.in
	mkfifo /tmp/flip.in
	modetest -M virtio_gpu -s "$(connector):1280x800" ${2:-} </tmp/flip.in >"$VM_OUT/$1.log" 2>&1 &
	MT=$!
	vlb_track $MT
	exec 4>/tmp/flip.in
	REMOVED=$(dmesg | grep -c 'vlb[0-9]*: removed' || true)
	# Flipping: the adapter has taken updates of both buffers.
	sleep 3
}

# ends_with_errors LOG [-v]: told to stop (its stdin closed, as a user's
# key would) once the removal is over, modetest ends within 30 s, having
# flipped pages before the loss (-v) and got ENODEV after it.
ends_with_errors() {
	wait_for 30 sh -c "[ \$(dmesg | grep -c 'vlb[0-9]*: removed') -gt $REMOVED ]"
	exec 4>&-
	end=$(($(date +%s) + 30))
	while kill -0 $MT 2>/dev/null; do
		[ "$(date +%s)" -lt "$end" ] || fail "modetest hangs after the loss"
		sleep 0.5
	done
	[ -z "${2:-}" ] || grep -q '^freq:' "$VM_OUT/$1.log" ||
		fail "modetest never flipped: $(cat "$VM_OUT/$1.log")"
	grep -q 'No such device' "$VM_OUT/$1.log" ||
		fail "modetest saw no error: $(tail -n 5 "$VM_OUT/$1.log")"
	echo "ok: modetest flipped, then ended with: $(grep -m1 'No such device' "$VM_OUT/$1.log")"
}

# 1. The back-end is killed.
start_gpu --display headless
flip backend-kill -v
kill -KILL $GPU_PID
wait_for 30 sh -c '! test -e /dev/dri/card0'
grep -q "GPU resources were in the back-end; removing the device" "$VM_OUT/adapter.log" ||
	fail "the adapter did not say why it removes the device"
ends_with_errors backend-kill -v
rc=0
wait $ADAPTER_PID || rc=$?
[ $rc -eq 1 ] && grep -q 'every device is gone' "$VM_OUT/adapter.log" ||
	fail "the adapter, left with no device, exited $rc"
unload
echo "ok: back-end killed: device removed, adapter exited 1 (no device left), module unloaded"

# 2. The adapter is killed, under a mode modetest holds. (Killed while
# modetest flips pages, Linux 6.1's DRM sometimes leaks a buffer and warns
# when the card is finally freed: see docs/gpu.md.)
vlb_load virtio_gpu
start_gpu --display headless
flip adapter-kill
kill -KILL $ADAPTER_PID
wait_for 30 sh -c '! test -e /dev/dri/card0'
ends_with_errors adapter-kill
wait_for 20 sh -c "! kill -0 $GPU_PID 2>/dev/null"
unload
echo "ok: adapter killed: the kernel removed the device, the back-end exited, module unloaded"
