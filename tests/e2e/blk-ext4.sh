#!/bin/sh
# An unmodified qemu-storage-daemon exports a 256 MiB raw image as
# vhost-user-blk; through the adapter the host kernel's virtio_blk drives
# it. ext4 on it keeps 64 MiB of random data intact across a cache drop,
# and the same data is in the image file once the device is gone.
# vm-options: --mem 2G
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load virtio_blk
truncate -s 256M /tmp/disk.img
start_qsd /tmp/qsd.sock /tmp/disk.img
start_adapter --device blk --socket /tmp/qsd.sock
disk=$(wait_disks 1)
echo "disk: $disk ($(cat /sys/block/${disk#/dev/}/size) sectors)"
[ "$(cat /sys/block/${disk#/dev/}/size)" -eq 524288 ] || fail "capacity is not 256 MiB"

mkfs.ext4 -q "$disk"
mkdir -p /mnt/vd
mount "$disk" /mnt/vd
head -c 64M /dev/urandom >/tmp/data
want=$(sum /tmp/data)
cp /tmp/data /mnt/vd/data
sync
echo 3 >/proc/sys/vm/drop_caches
got=$(sum /mnt/vd/data)
[ "$got" = "$want" ] || fail "read back $got, wrote $want"
echo "ok: 64 MiB read back equal after a cache drop"
umount /mnt/vd

stop_adapter
kill "$QSD_PID"
wait "$QSD_PID" || true

# Outside the device: the image file itself, through a loop device.
modprobe loop
mount -o loop,ro /tmp/disk.img /mnt/vd
got=$(sum /mnt/vd/data)
umount /mnt/vd
[ "$got" = "$want" ] || fail "the image file holds $got, wrote $want"
echo "ok: the image file holds the same data"
unload
