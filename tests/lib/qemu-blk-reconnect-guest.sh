#!/bin/sh
# Guest side of tests/host/qemu-blk-reconnect.sh: fio writes and
# verifies while the host kills the vhost-user-blk backend and starts a
# new one; QEMU reconnects and the I/O must complete intact.
set -eu
. tests/lib/assert.sh

modprobe virtio_blk
wait_for 20 sh -c 'grep -lx vlb-crash /sys/block/vd*/serial'
d=$(grep -lx vlb-crash /sys/block/vd*/serial)
d=${d%/serial}
dev=/dev/${d##*/}
# Writethrough: every write is durable when it completes (RWF_DSYNC on
# the host), which also keeps requests in flight in the backend longer.
echo "write through" >"$d/cache_type"

fio --name=crash --filename="$dev" --ioengine=libaio --direct=1 --rw=randwrite --bs=4k \
	--size=48M --iodepth=32 --verify=crc32c --verify_fatal=1 --do_verify=1 --eta=never \
	--output=/tmp/fio.out &
fio=$!
# Crash the back-end well inside fio's write phase (12288 writes): after
# 1000 writes have completed.
writes() { awk '{ print $5 }' "$d/stat"; }
wait_for 120 sh -c "[ \$(awk '{ print \$5 }' $d/stat) -ge 1000 ]"
echo "crashing the back-end after $(writes) writes"
touch "$VM_OUT/kill-now"
wait_for 60 test -e "$VM_OUT/restarted"
echo "the backend was killed and restarted while fio ran"
wait $fio || { cat /tmp/fio.out; fail "fio failed across the backend crash"; }
grep -q 'err= 0' /tmp/fio.out || { cat /tmp/fio.out; fail "fio reported errors"; }
echo "ok: fio's writes all verified after the backend crash and restart"
