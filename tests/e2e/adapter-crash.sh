#!/bin/sh
# The adapter is killed (SIGKILL): the kernel removes its device, and the
# module unloads. Once with the disk idle, once under fio.
# vm-options: --mem 2G
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load virtio_blk
truncate -s 64M /tmp/disk.img
start_qsd /tmp/qsd.sock /tmp/disk.img

gone() {
	[ "$(vlb_count)" -eq 0 ] && [ -z "$(vlb_disks)" ]
}

start_adapter --device blk --socket /tmp/qsd.sock
disk=$(wait_disks 1)
dd if=/dev/urandom of="$disk" bs=64k count=16 oflag=direct 2>/dev/null
kill -KILL "$ADAPTER_PID"
wait_for 30 gone
echo "ok: idle device removed after the adapter died"

# The back-end accepts a new front-end; this time fio is running.
start_adapter --device blk --socket /tmp/qsd.sock
disk=$(wait_disks 1)
fio --name=busy --filename="$disk" --rw=randwrite --bs=4k --iodepth=16 \
	--ioengine=libaio --direct=1 --time_based --runtime=120 --size=32M \
	--output="$VM_OUT/fio.txt" &
fio_pid=$!
stats=$(ls -d "$VLB_SYS"/vlb*)/stats
wait_for 30 sh -c "[ \$(cat $stats/kicks) -gt 100 ]"
kill -KILL "$ADAPTER_PID"
rc=0
wait "$fio_pid" || rc=$?
[ "$rc" -ne 0 ] || fail "fio ran to its end although its device went away"
grep -q 'Input/output error' "$VM_OUT/fio.txt" || fail "fio did not see I/O errors"
wait_for 30 gone
echo "ok: busy device removed after the adapter died (fio exit $rc)"
# QEMU 7.2's qemu-storage-daemon sometimes aborts when its front-end goes
# away mid-I/O (vhost-user-server.c: assertion '!server->wait_idle'): a
# back-end bug, not this test's subject, so it may be gone already.
kill "$QSD_PID" 2>/dev/null || echo "note: qemu-storage-daemon had exited: $(tail -n 1 "$VM_OUT/qsd.log")"
unload
echo "ok: module unloaded"
