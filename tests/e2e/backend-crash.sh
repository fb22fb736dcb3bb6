#!/bin/sh
# The back-end is killed (SIGKILL) under fio: fio sees I/O errors within
# seconds. A restarted back-end brings the device back. Killed again, the
# device can still be removed, and the module unloads.
# vm-options: --mem 2G
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load virtio_blk
truncate -s 128M /tmp/disk.img
start_qsd /tmp/qsd.sock /tmp/disk.img
start_adapter --device blk --socket /tmp/qsd.sock
disk=$(wait_disks 1)
stats=$(ls -d "$VLB_SYS"/vlb*)/stats

fio --name=crash --filename="$disk" --rw=randrw --bs=4k --iodepth=16 \
	--ioengine=libaio --direct=1 --time_based --runtime=120 --size=64M \
	--output="$VM_OUT/fio.txt" &
fio_pid=$!
wait_for 30 sh -c "[ \$(cat $stats/kicks) -gt 100 ]"
kill -KILL "$QSD_PID"
t0=$(date +%s)
rc=0
wait "$fio_pid" || rc=$?
secs=$(($(date +%s) - t0))
[ "$rc" -ne 0 ] || fail "fio succeeded although its back-end died"
grep -q 'Input/output error' "$VM_OUT/fio.txt" || fail "fio did not report I/O errors"
[ "$secs" -le 10 ] || fail "fio took $secs s to see the errors"
echo "ok: fio saw I/O errors ${secs}s after the back-end died ($(cat $stats/failed_requests) requests failed by the kernel)"

# A restarted back-end: the adapter reconnects and the disk works again.
start_qsd /tmp/qsd.sock /tmp/disk.img
wait_for 30 dd if="$disk" of=/dev/null bs=4k count=1 iflag=direct
head -c 1M /dev/urandom >/tmp/data
dd if=/tmp/data of="$disk" bs=1M seek=3 oflag=direct 2>/dev/null
dd if="$disk" of=/tmp/back bs=1M skip=3 count=1 iflag=direct 2>/dev/null
[ "$(sum /tmp/data)" = "$(sum /tmp/back)" ] || fail "data differs after the back-end came back"
grep -q reconnected "$VM_OUT/adapter.log" || fail "the adapter did not log a reconnection"
echo "ok: the restarted back-end serves the device again"

# Killed again: the device goes away cleanly without its back-end.
kill -KILL "$QSD_PID"
wait_for 10 grep -c 'failing requests' "$VM_OUT/adapter.log"
stop_adapter
unload
echo "ok: removed with a dead back-end; module unloaded"
