#!/bin/sh
# The project's vhost-user-blk SIGKILLed under fio and restarted 2 s later,
# 10 times in one run, with the adapter's default grace period: the queues
# hold while the back-end is away, the new one resubmits what its inflight
# region says was in flight, and the driver never sees an error. fio
# (randwrite, QD32, two jobs on two queues, crc32c verify while it writes)
# ends with 0 errors; then ext4 on the device, written while the back-end
# is killed twice more, checks clean and reads back equal.
# vm-options: --mem 2G
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load virtio_blk
truncate -s 256M /tmp/disk.img
backend() {
	start_vublk /tmp/disk.img /tmp/blk.sock --num-queues 2
}
backend
wait_for 10 test -S /tmp/blk.sock
start_adapter --device blk --socket /tmp/blk.sock --queues 2
disk=$(wait_disks 1)
stats=$(ls -d "$VLB_SYS"/vlb*)/stats
[ "$(ls "/sys/block/${disk#/dev/}/mq" | wc -l)" = 2 ] || fail "$disk does not have 2 queues"

# restart N: kill the back-end N times, each time once it has served I/O
# since it came back, and start the next one 2 s later.
restart() {
	for _i in $(seq 1 "$1"); do
		_k=$(cat "$stats/kicks")
		wait_for 60 sh -c "[ \$(cat $stats/kicks) -gt $((_k + 100)) ]"
		kill -KILL "$BLK"
		wait "$BLK" 2>/dev/null || true
		sleep 2
		backend
		RESTARTS=$((RESTARTS + 1))
	done
}
RESTARTS=0

fio --name=w --filename="$disk" --rw=randwrite --bs=4k --iodepth=32 \
	--ioengine=libaio --direct=1 --numjobs=2 --size=96M --offset_increment=96M \
	--time_based --runtime=300 --verify=crc32c --verify_backlog=256 --verify_fatal=1 \
	--output-format=json --output=/tmp/fio.json &
fio_pid=$!
restart 10
fio_stop "$fio_pid" "$stats"
fio_verified "$fio_pid" /tmp/fio.json "$stats"
held=$(grep -c 'holding its requests' "$VM_OUT/adapter.log")
[ "$held" -ge 10 ] || fail "the adapter held requests $held times, not 10"
resub=$(grep -c 'resubmitting' "$VM_OUT/blk.log" || true)
echo "ok: $RESTARTS restarts under fio: $FIO_WRITES writes, $FIO_VERIFIED verifying reads, 0 errors; $resub restarts resubmitted requests in flight"

mkfs.ext4 -q -F "$disk"
mkdir -p /mnt/d
mount "$disk" /mnt/d
head -c 16M /dev/urandom >/tmp/data
# Ten files, written over and over (with fsync) until the restarts are
# done, each at least once.
(
	i=0
	until [ -e /tmp/stop ] && [ $i -ge 10 ]; do
		cp /tmp/data "/mnt/d/f$((i % 10))"
		sync
		i=$((i + 1))
	done
) &
writer=$!
restart 2
touch /tmp/stop
wait "$writer" || fail "writing files on ext4 failed"
umount /mnt/d
e2fsck -fn "$disk" >/tmp/fsck.txt 2>&1 || fail "e2fsck: $(tail -n 5 /tmp/fsck.txt)"
mount "$disk" /mnt/d
for i in $(seq 0 9); do
	cmp -s /tmp/data "/mnt/d/f$i" || fail "/mnt/d/f$i differs"
done
umount /mnt/d
! dmesg | grep -E 'EXT4-fs (error|warning)|I/O error|Buffer I/O' ||
	fail "the kernel logged an I/O or file-system error"
echo "ok: ext4 written through 2 more restarts checks clean; 10 files of 16 MiB read back equal"
stop_adapter
unload
