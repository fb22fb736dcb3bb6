#!/bin/sh
# The project's vhost-user-blk killed (SIGKILL) under load and restarted
# while the adapter keeps the device: requests in flight fail (the adapter
# knows them from the back-end's inflight region), the device recovers, and
# the data of every completed write is intact.
# vm-options: --mem 2G
set -eu
. tests/lib/vlb.sh

vlb_load virtio_blk
truncate -s 128M /tmp/disk.img
backend() {
	vhost-user-blk --blk-file /tmp/disk.img --socket-path /tmp/blk.sock \
		>>"$VM_OUT/blk.log" 2>&1 &
	BLK=$!
	vlb_track $BLK
	wait_for 10 test -S /tmp/blk.sock
}
backend
start_adapter --device blk --socket /tmp/blk.sock
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
unload
