#!/bin/sh
# Guest half of scripts/demo. Prints what a user would look at.
set -eu
. tests/lib/vlb.sh

step() {
	printf '\n== %s\n' "$*"
}

step "kernel $(uname -r): load the transport and the stock virtio_blk driver"
vlb_load virtio_blk
ls -l /dev/virtio-loopback

step "qemu-storage-daemon exports a 256 MiB image as vhost-user-blk"
truncate -s 256M /tmp/disk.img
start_qsd /tmp/qsd.sock /tmp/disk.img num-queues=2
echo "qemu-storage-daemon $(qemu-storage-daemon --version | head -n 1 | cut -d' ' -f3) on /tmp/qsd.sock"

step "virtio-loopback-adapter --device blk --socket /tmp/qsd.sock"
start_adapter --device blk --socket /tmp/qsd.sock
disk=$(wait_disks 1)
cat "$VM_OUT/adapter.log"
dmesg | grep -E 'vlb[0-9]|virtio_blk' | tail -n 4
lsblk "$disk"

step "use it: ext4, write, drop caches, read back"
mkfs.ext4 -q "$disk"
mkdir -p /mnt/demo
mount "$disk" /mnt/demo
head -c 32M /dev/urandom >/tmp/file
cp /tmp/file /mnt/demo/file
sync
echo 3 >/proc/sys/vm/drop_caches
if cmp -s /tmp/file /mnt/demo/file; then
	echo "32 MiB written and read back identical"
else
	fail "data differs"
fi
df -h /mnt/demo | tail -n 1
umount /mnt/demo

step "transport counters (/sys/devices/virtual/misc/virtio-loopback/vlb0/stats)"
for f in "$VLB_SYS"/vlb*/stats/*; do
	printf '  %-20s %s\n' "${f##*/}" "$(cat "$f")"
done

step "tear down: SIGTERM to the adapter removes the device; the module unloads"
stop_adapter
unload
echo "done"
