#!/bin/sh
# The project's vhost-user-blk through the loopback: ext4 keeps 64 MiB of
# random data across a cache drop, fio verify passes on two queues,
# blkdiscard reaches the image, the serial shows, a read-only export
# refuses writes, a back-end polling its rings (--poll-us) passes fio
# verify with the driver's kicks mostly off, and one serving an image in
# /dev/shm from a mapping (--mmap) passes fio verify, its image holding
# what the disk reads.
# vm-options: --mem 2G
# arm64: yes
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load virtio_blk
truncate -s 256M /tmp/disk.img
start_vublk /tmp/disk.img /tmp/blk.sock --num-queues 2 --serial vlb-test-0001
wait_for 10 test -S /tmp/blk.sock
start_adapter --device blk --socket /tmp/blk.sock
disk=$(wait_disks 1)
dev=${disk#/dev/}
[ "$(cat /sys/block/$dev/size)" -eq 524288 ] || fail "capacity is not 256 MiB"
[ "$(ls /sys/block/$dev/mq | wc -l)" -eq 2 ] || fail "not 2 queues"
[ "$(cat /sys/block/$dev/serial)" = vlb-test-0001 ] || fail "serial is '$(cat /sys/block/$dev/serial)'"

mkfs.ext4 -q "$disk"
mkdir -p /mnt/vd
mount "$disk" /mnt/vd
head -c 64M /dev/urandom >/tmp/data
cp /tmp/data /mnt/vd/data
sync
echo 3 >/proc/sys/vm/drop_caches
[ "$(sum /mnt/vd/data)" = "$(sum /tmp/data)" ] || fail "ext4 read back differs"
umount /mnt/vd
echo "ok: ext4 round trip"

fio --name=verify --filename="$disk" --rw=randwrite --bs=4k --iodepth=16 \
	--ioengine=libaio --direct=1 --size=32M --verify=crc32c --verify_fatal=1 \
	--output="$VM_OUT/fio.txt" || fail "fio: $(tail -n 20 "$VM_OUT/fio.txt")"
echo "ok: fio verify"

# Discard: the image's blocks are given back (it becomes sparse).
dd if=/dev/urandom of="$disk" bs=1M count=16 oflag=direct 2>/dev/null
sync
before=$(du -k /tmp/disk.img | cut -f1)
blkdiscard "$disk"
after=$(du -k /tmp/disk.img | cut -f1)
echo "image uses ${before} KiB before blkdiscard, ${after} KiB after"
[ "$after" -lt "$before" ] || fail "blkdiscard freed nothing"
[ "$(dd if="$disk" bs=1M count=1 iflag=direct 2>/dev/null | tr -d '\0' | wc -c)" -eq 0 ] ||
	fail "discarded blocks do not read as zero"
echo "ok: blkdiscard"
stop_adapter
kill "$BLK"

# Read-only export.
vhost-user-blk --blk-file /tmp/disk.img --socket-path /tmp/ro.sock --read-only \
	>>"$VM_OUT/blk.log" 2>&1 &
vlb_track $!
wait_for 10 test -S /tmp/ro.sock
start_adapter --device blk --socket /tmp/ro.sock
disk=$(wait_disks 1)
[ "$(cat /sys/block/${disk#/dev/}/ro)" -eq 1 ] || fail "the disk is not read-only"
if dd if=/dev/zero of="$disk" bs=4k count=1 oflag=direct 2>/dev/null; then
	fail "a write to the read-only disk succeeded"
fi
dd if="$disk" of=/dev/null bs=4k count=16 iflag=direct 2>/dev/null || fail "reads fail"
echo "ok: the read-only export refuses writes"
stop_adapter

# Adaptive polling (--poll-us): fio verify passes on two queues, and the
# driver kicks for a small part of its requests only.
rc=0
vhost-user-blk --blk-file /tmp/disk.img --socket-path /tmp/p.sock --poll-us 2000000 \
	2>/tmp/poll.err || rc=$?
[ "$rc" = 2 ] && grep -q 'poll-us needs 0 to 1000000' /tmp/poll.err ||
	fail "--poll-us 2000000: exit $rc, '$(cat /tmp/poll.err)'"
start_vublk /tmp/disk.img /tmp/poll.sock --num-queues 2 --poll-us 1000
wait_for 10 test -S /tmp/poll.sock
start_adapter --device blk --socket /tmp/poll.sock --queues 2
disk=$(wait_disks 1)
stats=$(ls -d "$VLB_SYS"/vlb*)/stats
k0=$(cat "$stats/kicks")
fio --name=poll --filename="$disk" --rw=randwrite --bs=4k --iodepth=16 --numjobs=2 \
	--ioengine=libaio --direct=1 --size=16M --offset_increment=16M --verify=crc32c \
	--verify_fatal=1 --group_reporting --output="$VM_OUT/fio-poll.txt" ||
	fail "fio with polling: $(tail -n 20 "$VM_OUT/fio-poll.txt")"
kicks=$(($(cat "$stats/kicks") - k0))
# 8192 writes and as many verifying reads.
[ "$kicks" -lt 4096 ] || fail "polled: $kicks kicks for 16384 requests"
echo "ok: polled rings: fio verify on two queues, $kicks kicks for 16384 requests"
stop_adapter
kill "$BLK"

# --mmap: the image in memory, served by copies; what the guest wrote is
# in the file.
truncate -s 64M /dev/shm/mapped.img
start_vublk /dev/shm/mapped.img /tmp/map.sock --num-queues 2 --mmap
wait_for 10 test -S /tmp/map.sock
start_adapter --device blk --socket /tmp/map.sock --queues 2
disk=$(wait_disks 1)
fio --name=mapped --filename="$disk" --rw=randwrite --bs=4k --iodepth=16 --numjobs=2 \
	--ioengine=libaio --direct=1 --size=16M --offset_increment=16M --verify=crc32c \
	--verify_fatal=1 --group_reporting --output="$VM_OUT/fio-mmap.txt" ||
	fail "fio with --mmap: $(tail -n 20 "$VM_OUT/fio-mmap.txt")"
[ "$(dd if="$disk" bs=1M count=32 iflag=direct 2>/dev/null | sum)" = \
	"$(head -c 32M /dev/shm/mapped.img | sum)" ] || fail "--mmap: the image differs from the disk"
echo "ok: --mmap: fio verify on two queues, and the image holds what the disk reads"
stop_adapter
rm -f /dev/shm/mapped.img
unload
