#!/bin/sh
# Soak: devices of every type the project serves (blk, rng, console,
# input, gpio, can and sound with the project's back-ends; fs with QEMU's
# virtiofsd, gpu with QEMU's vhost-user-gpu) created, probed, used and
# removed in a loop, each cycle by its own adapter: 100 disks and 8 of
# each other type (about a minute of TCG, within the suite's budget).
# Each use is checked (data read back, bytes, an event or a frame
# received). Then the kernel's unreclaimable slab is within
# 512 KiB, and the transport's refcount exactly, of their values after a
# warm-up, and every back-end that served all its type's cycles has the
# same open fds and an RSS within 256 KiB. Then one adapter keeps a disk
# while its driver is unbound and bound 30 times and its back-end
# restarted every tenth: the adapter's fds and RSS are back as well. Then
# a disk with the smallest pool takes QD64: the driver's mappings wait for
# room, fio sees no error, and the kernel log has no warning. At the end
# the module unloads. Guest side: tests/lib/soak.py.
# vm-options: --mem 2G
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load virtio_blk virtio_rng virtio_console virtio_input virtiofs virtio_gpu virtio_snd \
	gpio-virtio uinput evdev virtio_can vcan can_raw
ip link add vcan0 type vcan
ip link set vcan0 up
truncate -s 16M /tmp/soak-disk.img
mkdir -p /srv/soak /mnt/soak
mount -t tmpfs -o size=16M tmpfs /srv/soak

python3 tests/lib/soak.py "$VM_OUT" blk=100 rng=8 console=8 input=8 gpio=8 can=8 \
	sound=8 fs=8 gpu=8 rebind=30 || fail "the soak failed (log: soak.log)"

# The smallest pool (256 KiB) under QD64 with requests up to 64 KiB: the
# pool runs out over and over, the driver's mappings wait for room, and
# no request fails.
echo "<6>soak-devices: the full-pool case" >/dev/kmsg
truncate -s 64M /tmp/pool-disk.img
start_vublk /tmp/pool-disk.img /tmp/pool.sock --num-queues 2
wait_for 10 test -S /tmp/pool.sock
start_adapter --device blk --socket /tmp/pool.sock --queues 2 --shm-size 256K
disk=$(wait_disks 1)
stats=$(ls -d "$VLB_SYS"/vlb*)/stats
fio --name=pool --filename="$disk" --rw=randwrite --bsrange=4k-64k --iodepth=64 \
	--ioengine=libaio --direct=1 --numjobs=2 --size=24M --offset_increment=32M \
	--verify=crc32c --verify_backlog=64 --verify_fatal=1 --time_based --runtime=8 \
	--group_reporting >"$VM_OUT/pool-fio.txt" 2>&1 || fail "fio failed: $(tail -n 5 "$VM_OUT/pool-fio.txt")"
grep -q 'err= 0' "$VM_OUT/pool-fio.txt" || fail "fio reported errors: $(grep err= "$VM_OUT/pool-fio.txt")"
refused=$(cat "$stats/map_errors")
[ "$refused" -gt 100 ] || fail "only $refused mappings waited: the pool did not run out"
[ "$(cat "$stats/failed_requests")" = 0 ] || fail "the kernel failed $(cat "$stats/failed_requests") requests"
[ "$(dmesg | grep -c 'pool full: a mapping of [0-9]* bytes waits')" = 1 ] ||
	fail "the full pool was not said exactly once: $(dmesg | grep 'pool full' | head -n 3)"
# (Linux 6.1's gpio-virtio warned earlier in the boot: "not an immutable chip".)
! dmesg -x | sed -n '/soak-devices: the full-pool case/,$p' | grep -E '^kern *:(warn|err|crit|alert|emerg)' ||
	fail "a warning or an error in the kernel log"
echo "ok: QD64 in a 256 KiB pool: $refused mappings waited for room," \
	"fio wrote and verified with 0 errors, the pool's fullness said once at notice level"
stop_adapter

unload
echo "ok: the module unloads after the soak"
