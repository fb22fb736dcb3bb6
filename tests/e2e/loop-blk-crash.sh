#!/bin/sh
# The project's vhost-user-blk killed (SIGKILL) under load and restarted
# while the adapter keeps the device, without a grace period
# (--reconnect-grace 0): requests in flight fail (the adapter knows them
# from the back-end's inflight region), the device recovers, and the data
# of every completed write is intact. Then with a grace period of 4 s and a
# back-end that stays away: a read waits, and fails once the 4 s are over,
# not before and not much later; and back-ends that keep coming back and
# dying on the requests they resubmit get no fresh grace period each
# time; a stopped back-end only makes a read wait. Last, the device
# removed during a hold:
# the held read fails and the device goes. (e2e/loop-blk-restart: a
# back-end back within the grace period.)
# vm-options: --mem 2G
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load virtio_blk
truncate -s 128M /tmp/disk.img
backend() {
	start_vublk /tmp/disk.img /tmp/blk.sock
	wait_for 10 test -S /tmp/blk.sock
}
backend
start_adapter --device blk --socket /tmp/blk.sock --reconnect-grace 0
disk=$(wait_disks 1)

# Completed writes: 8 MiB at offset 0, flushed.
head -c 8M /dev/urandom >/tmp/data
dd if=/tmp/data of="$disk" bs=1M oflag=direct conv=fsync 2>/dev/null
# Load elsewhere on the disk while the back-end dies.
fio --name=load --filename="$disk" --offset=16M --size=64M --rw=randwrite --bs=4k \
	--iodepth=32 --ioengine=libaio --direct=1 --time_based --runtime=120 \
	--output="$VM_OUT/fio.txt" &
fio_pid=$!
stats=$(ls -d "$VLB_SYS"/vlb*)/stats
wait_for 30 sh -c "[ \$(cat $stats/kicks) -gt 200 ]"
rm -f /tmp/blk.sock
kill -KILL "$BLK"
rc=0
wait "$fio_pid" || rc=$?
[ "$rc" -ne 0 ] || fail "fio did not notice the crash"
grep -q 'Input/output error' "$VM_OUT/fio.txt" || fail "fio saw no I/O error"
echo "ok: requests failed while the back-end was dead ($(cat $stats/failed_requests) by the kernel)"

backend
wait_for 30 dd if="$disk" of=/dev/null bs=4k count=1 iflag=direct
dd if="$disk" of=/tmp/back bs=1M count=8 iflag=direct 2>/dev/null
[ "$(sum /tmp/back)" = "$(sum /tmp/data)" ] || fail "completed writes were lost"
echo "ok: the device recovered and the completed writes are intact"
head -c 1M /dev/urandom >/tmp/more
dd if=/tmp/more of="$disk" bs=1M seek=100 oflag=direct 2>/dev/null
dd if="$disk" of=/tmp/back bs=1M skip=100 count=1 iflag=direct 2>/dev/null
[ "$(sum /tmp/back)" = "$(sum /tmp/more)" ] || fail "new writes after recovery differ"
echo "ok: new writes work after recovery"
stop_adapter

# A grace period, and a back-end that does not come back.
start_adapter --device blk --socket /tmp/blk.sock --reconnect-grace 4
disk=$(wait_disks 1)
kill -KILL "$BLK"
wait_for 10 grep -q 'holding its requests for up to 4 s' "$VM_OUT/adapter.log"
start=$(date +%s.%N)
rc=0
timeout 30 dd if="$disk" of=/dev/null bs=4k count=1 skip=7 iflag=direct 2>/tmp/dd.err || rc=$?
secs=$(echo "$(date +%s.%N) - $start" | bc)
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "a read during the hold did not fail after it (exit $rc)"
grep -q 'Input/output error' /tmp/dd.err || fail "the read failed, but not with EIO: $(cat /tmp/dd.err)"
awk "BEGIN { exit !($secs >= 2.5 && $secs <= 8) }" ||
	fail "the read failed after $secs s; the grace period was 4 s"
grep -q 'no back-end within the grace period' "$VM_OUT/adapter.log" ||
	fail "the adapter did not say the grace period ended"
echo "ok: with a 4 s grace period, a read waited and failed after $secs s"
stop_adapter

# A back-end that comes back and dies on the requests it resubmits (a
# poison request: strace kills it at its first io_uring_enter, before
# anything completes), again and again: no fresh grace period each time,
# the first one's 6 s end as if it had stayed away.
rm -f /tmp/blk.sock
backend
start_adapter --device blk --socket /tmp/blk.sock --reconnect-grace 6
disk=$(wait_disks 1)
fio --name=load --filename="$disk" --size=64M --rw=randwrite --bs=4k \
	--iodepth=32 --ioengine=libaio --direct=1 --time_based --runtime=120 \
	--eta=never --output="$VM_OUT/fio-poison.txt" &
fio_pid=$!
wait_for 30 sh -c "[ \$(cat $stats/kicks) -gt 200 ]"
kill -KILL "$BLK"
start=$(date +%s.%N)
poisoned=0
while kill -0 "$fio_pid" 2>/dev/null; do
	awk "BEGIN { exit !($(date +%s.%N) - $start < 20) }" || break
	sleep 1
	strace -o /dev/null -e trace=io_uring_enter -e inject=io_uring_enter:signal=KILL \
		vhost-user-blk --blk-file /tmp/disk.img --socket-path /tmp/blk.sock \
		>>"$VM_OUT/blk.log" 2>&1 &
	poison=$!
	poisoned=$((poisoned + 1))
	# Once the hold is over it has nothing to resubmit, and lives on.
	while kill -0 "$poison" 2>/dev/null && kill -0 "$fio_pid" 2>/dev/null; do
		sleep 0.2
	done
done
pkill -KILL -x vhost-user-blk || true
wait "$poison" 2>/dev/null || true
rc=0
wait "$fio_pid" || rc=$?
secs=$(echo "$(date +%s.%N) - $start" | bc)
[ "$rc" -ne 0 ] || fail "fio did not fail with back-ends that kept dying"
grep -q 'Input/output error' "$VM_OUT/fio-poison.txt" || fail "fio saw no I/O error"
grep -q 'having completed nothing since it came back' "$VM_OUT/adapter.log" ||
	fail "the adapter did not notice back-ends that completed nothing"
awk "BEGIN { exit !($secs >= 4.5 && $secs <= 11) }" ||
	fail "I/O failed after $secs s of back-ends dying on it; the grace period was 6 s"
echo "ok: $poisoned back-ends died on their resubmitted requests; I/O failed after $secs s, as the first 6 s grace period said"
backend
wait_for 30 dd if="$disk" of=/dev/null bs=4k count=1 iflag=direct
echo "ok: a healthy back-end serves the device again"
# A hung back-end (stopped, its socket open) is not a lost one: its
# requests wait, nobody fails them, and they complete when it goes on.
kill -STOP "$BLK"
start=$(date +%s)
timeout 60 dd if="$disk" of=/dev/null bs=4k count=1 skip=11 iflag=direct 2>/tmp/dd.err &
dd_pid=$!
sleep 3
kill -0 "$dd_pid" 2>/dev/null || fail "a read from a stopped back-end did not wait: $(cat /tmp/dd.err)"
kill -CONT "$BLK"
wait "$dd_pid" || fail "the read failed after the back-end went on: $(cat /tmp/dd.err)"
echo "ok: a read waited $(($(date +%s) - start)) s for a stopped back-end, and completed when it went on"
stop_adapter
kill -TERM "$BLK"

# Removal during a hold: the held read fails, and the device goes.
rm -f /tmp/blk.sock
backend
wait_for 10 test -S /tmp/blk.sock
start_adapter --device blk --socket /tmp/blk.sock
disk=$(wait_disks 1)
kill -KILL "$BLK"
wait_for 10 grep -q 'holding its requests for up to 30 s' "$VM_OUT/adapter.log"
timeout 60 dd if="$disk" of=/dev/null bs=4k count=1 skip=9 iflag=direct 2>/tmp/dd.err &
dd_pid=$!
sleep 1
kill -0 "$dd_pid" 2>/dev/null || fail "a read during the hold did not wait: $(cat /tmp/dd.err)"
start=$(date +%s)
stop_adapter
rc=0
wait "$dd_pid" || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "the held read did not fail on removal (exit $rc)"
[ $(($(date +%s) - start)) -le 20 ] || fail "removal during a hold took over 20 s"
[ -z "$(vlb_disks)" ] || fail "the disk is still there after the adapter exited"
echo "ok: removal during a hold: the held read failed, the device is gone"
unload
