#!/bin/sh
# fio 4 KiB random writes at iodepth 16 with crc32c verification, on a
# 2-queue qemu-storage-daemon export.
# vm-options: --mem 2G
# arm64: yes
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load virtio_blk
truncate -s 128M /tmp/disk.img
start_qsd /tmp/qsd.sock /tmp/disk.img num-queues=2
start_adapter --device blk --socket /tmp/qsd.sock
disk=$(wait_disks 1)
nq=$(ls /sys/block/${disk#/dev/}/mq | wc -l)
[ "$nq" -eq 2 ] || fail "the disk has $nq queues, not 2"

fio --name=verify --filename="$disk" --rw=randwrite --bs=4k --iodepth=16 \
	--ioengine=libaio --direct=1 --size=32M --verify=crc32c \
	--verify_fatal=1 --numjobs=1 --output="$VM_OUT/fio.txt" ||
	fail "fio failed: $(tail -n 20 "$VM_OUT/fio.txt")"
grep -q 'err= 0' "$VM_OUT/fio.txt" || fail "fio reported errors"
echo "ok: fio verify=crc32c passed on $nq queues"
stop_adapter
unload
