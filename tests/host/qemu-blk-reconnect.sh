#!/bin/bash
# Crash recovery with QEMU 7.2 as the front-end: vhost-user-blk is
# killed (SIGKILL) while the guest writes, a new instance starts on the
# same socket, QEMU reconnects and replays the set-up with the inflight
# region (SET_INFLIGHT_FD), and every write fio made verifies.
# To have requests surely in flight at the crash, the image sits on a
# loop-mounted ext4 that is frozen (fsfreeze) just before the kill, so
# the backend's writes hang in the kernel; the new instance must then
# resubmit them from the inflight region. Where loop mounts are not
# allowed, the crash happens at a random moment instead.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/qemu-backends.sh

fsimg=$(mktemp build/vm-out/qemu-blk-reconnect.XXXXXX.fs) mnt=$QB_TMP/mnt
mkdir -p "$mnt"
cleanup() {
	mountpoint -q "$mnt" && fsfreeze -u "$mnt" 2>/dev/null
	qb_cleanup	# the back-ends first: they hold the image open
	mountpoint -q "$mnt" && umount "$mnt"
	rm -f "$fsimg"
}
trap cleanup EXIT
truncate -s 160M "$fsimg"
freeze=0
if mkfs.ext4 -q "$fsimg" && mount -o loop "$fsimg" "$mnt" 2>/dev/null; then
	freeze=1
	img=$mnt/disk.img
else
	echo "note: no loop mount here; the crash will hit at a random moment"
	img=$QB_TMP/disk.img
fi
sock=$QB_TMP/blk.sock
truncate -s 64M "$img"
start_backend first "$sock" build/bin/vhost-user-blk --blk-file "$img" --serial vlb-crash
qemu_dev first vhost-user-blk-pci,num-queues=1 reconnect=1

(
	for _ in $(seq 600); do
		if [ -e "$QB_OUT/kill-now" ]; then
			if [ $freeze = 1 ]; then
				fsfreeze -f "$mnt" || exit 1
				sleep 1
			fi
			pid=${QB_PID[first]}
			kill -KILL "$pid"
			[ $freeze = 1 ] && fsfreeze -u "$mnt"
			wait_for 20 gone "$pid"
			unset "QB_PID[first]"
			start_backend second "$sock" build/bin/vhost-user-blk --blk-file "$img" \
				--serial vlb-crash
			echo "${QB_PID[second]}" >"$QB_TMP/second.pid"
			touch "$QB_OUT/restarted"
			exit 0
		fi
		sleep 0.2
	done
	exit 1
) &
restarter=$!
run_guest tests/lib/qemu-blk-reconnect-guest.sh || fail "the guest checks failed"
wait $restarter || fail "the backend was never restarted"

# The second instance ran in the subshell: adopt it to stop it here.
QB_PID[second]=$(cat "$QB_TMP/second.pid")
QB_SOCK[second]=$sock
backend_log second | grep -q 'front-end connected' || fail "QEMU never reconnected"
n=$(backend_log second | sed -n 's/.*resubmitting \([0-9]*\) requests.*/\1/p' | head -1)
if [ $freeze = 1 ]; then
	[ "${n:-0}" -gt 0 ] || fail "no request was resubmitted although writes hung at the crash"
fi
echo "ok: QEMU reconnected to the new backend, which resubmitted ${n:-0} requests"
pid=${QB_PID[second]}
kill -TERM "$pid"
wait_for 10 gone "$pid"
unset "QB_PID[second]"
[ ! -e "$sock" ] || fail "the second backend left its socket behind"
! grep -q 'error:' "$QB_TMP/second.log" || fail "errors: $(grep 'error:' "$QB_TMP/second.log")"
echo "ok: the restarted backend stopped cleanly"
