#!/bin/sh
# Part of the guest side of tests/host/qemu-peers.sh: two vhost-user-blk disks through
# QEMU, serial "vlb-rw" (64 MiB, writable, two queues) and "vlb-ro"
# (read-only, 4 MiB with known content). Argument: the sha256 of the
# read-only image.
set -eu
. tests/lib/assert.sh
ro_sum=$1

modprobe virtio_blk
disk() { # serial -> /dev/vdX
	for s in /sys/block/vd*/serial; do
		[ "$(cat "$s")" = "$1" ] && { d=${s%/serial}; echo "/dev/${d##*/}"; return; }
	done
	return 1
}
wait_for 20 disk vlb-rw
wait_for 20 disk vlb-ro
rw=$(disk vlb-rw) ro=$(disk vlb-ro)
rwn=${rw#/dev/} ron=${ro#/dev/}
echo "rw disk $rw, ro disk $ro"
[ "$(cat /sys/block/$rwn/size)" = 131072 ] || fail "$rw has $(cat /sys/block/$rwn/size) sectors, not 131072"
[ "$(cat /sys/block/$rwn/ro)" = 0 ] || fail "$rw is read-only"
[ "$(cat /sys/block/$ron/ro)" = 1 ] || fail "$ro is not read-only"
[ "$(cat /sys/block/$rwn/cache_type)" = "write back" ] || fail "$rw cache: $(cat /sys/block/$rwn/cache_type)"
[ "$(ls /sys/block/$rwn/mq | wc -l)" = 2 ] || fail "$rw has $(ls /sys/block/$rwn/mq | wc -l) queues, not 2"
echo "ok: sizes, serials, read-only flag, write-back cache and two queues as exported"

# A file system: write, unmount, mount again, read back the same bytes.
mkfs.ext4 -q -F "$rw"
mkdir -p /mnt/rw
mount "$rw" /mnt/rw
head -c 8388608 /dev/urandom >/tmp/data
cp /tmp/data /mnt/rw/data
sum=$(sha256sum </tmp/data)
umount /mnt/rw
echo 3 >/proc/sys/vm/drop_caches
mount "$rw" /mnt/rw
[ "$(sha256sum </mnt/rw/data)" = "$sum" ] || fail "the file read back differs from what was written"
umount /mnt/rw
echo "ok: ext4 file of 8 MiB reads back identical after remount"

# fio: parallel direct writes on both queues, every block verified.
fio --name=verify --filename="$rw" --ioengine=libaio --direct=1 --rw=randwrite \
	--bs=4k --size=16M --offset=32M --iodepth=16 --numjobs=2 --offset_increment=16M \
	--verify=crc32c --verify_fatal=1 --do_verify=1 --group_reporting --eta=never \
	--output=/tmp/fio.out || { cat /tmp/fio.out; fail "fio verify failed"; }
grep -q 'err= 0' /tmp/fio.out || { cat /tmp/fio.out; fail "fio reported errors"; }
echo "ok: fio wrote and verified 2 x 16 MiB with 16 requests in flight per job"

# Write-zeroes and discard.
head -c 1048576 /dev/urandom | dd of="$rw" bs=1M seek=1 oflag=direct status=none
blkdiscard -f -z -o 1048576 -l 1048576 "$rw"
cmp -n 1048576 -i 1048576:0 "$rw" /dev/zero || fail "write-zeroes left data behind"
[ "$(cat /sys/block/$rwn/queue/discard_max_bytes)" -gt 0 ] || fail "$rw does not support discard"
blkdiscard -f "$rw" || fail "blkdiscard failed"
echo "ok: write-zeroes reads back zeroes, discard of the whole disk succeeds"

# The read-only disk: its content, and writes refused.
[ "$(sha256sum <"$ro" | cut -d' ' -f1)" = "$ro_sum" ] || fail "$ro content differs from its image"
if dd if=/dev/zero of="$ro" bs=4k count=1 oflag=direct status=none 2>/dev/null; then
	fail "a write to the read-only disk succeeded"
fi
echo "ok: the read-only disk reads back its image and refuses writes"

# Growing the image: the host enlarges it and sends SIGHUP; the backend
# tells QEMU (config-change message), the guest sees the new size.
touch "$VM_OUT/grow-now"
wait_for 60 sh -c "[ \$(cat /sys/block/$rwn/size) = 262144 ]"
echo "ok: the disk grew to 262144 sectors after the backend's config change notice"
