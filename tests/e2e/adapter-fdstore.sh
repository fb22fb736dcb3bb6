#!/bin/sh
# The adapter keeps its disk in an fd store (tests/lib/fdstore.py speaks
# systemd's protocol and restarts it on failure, as Restart=on-failure
# with FileDescriptorStoreMax= does). SIGKILLed under fio five times, the
# adapter comes back and takes the disk over each time: the disk is never
# removed (same vlb and virtio device, no removal in the kernel log), fio
# (randwrite, QD32, two jobs on two queues, crc32c verify) ends with 0
# errors and the kernel fails no request. A config write the driver makes
# while no adapter runs waits for the next one, which gives it to the
# back-end, and every later session gets it again. A SIGTERM then removes the
# disk and empties the store, and the module unloads.
# vm-options: --mem 2G
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load virtio_blk
truncate -s 256M /tmp/disk.img
start_vublk /tmp/disk.img /tmp/blk.sock --num-queues 2
wait_for 10 test -S /tmp/blk.sock
STATE=/tmp/fdstore.state
python3 tests/lib/fdstore.py --state "$STATE" --restart-delay 2 -- virtio-loopback-adapter --fd-store \
	--device blk --socket /tmp/blk.sock --queues 2 >>"$VM_OUT/adapter.log" 2>&1 &
HELPER=$!
vlb_track "$HELPER"
wait_for 30 sh -c "[ \$(grep -c '^ready' $STATE) -ge 1 ]"
disk=$(wait_disks 1)
vlb=$(ls -d "$VLB_SYS"/vlb*)
vdev=$(basename "$(ls -d "$vlb"/virtio*)")
stats=$vlb/stats
for f in ctl pool inflight; do
	grep -q "^stored vlb-0-blk-[0-9a-f]*-$f" "$STATE" || fail "the adapter did not store its $f fd"
done
echo "ok: the adapter stored its disk's files ($(grep -c '^stored' "$STATE") fds)"

fio --name=w --filename="$disk" --rw=randwrite --bs=4k --iodepth=32 \
	--ioengine=libaio --direct=1 --numjobs=2 --size=96M --offset_increment=96M \
	--time_based --runtime=300 --verify=crc32c --verify_backlog=256 --verify_fatal=1 \
	--output-format=json --output=/tmp/fio.json &
fio_pid=$!
for i in 1 2 3 4 5; do
	k=$(cat "$stats/kicks")
	wait_for 60 sh -c "[ \$(cat $stats/kicks) -gt $((k + 100)) ]"
	pid=$(grep '^start' "$STATE" | tail -n 1 | cut -d' ' -f2)
	kill -KILL "$pid"
	wait_for 30 sh -c "[ \$(grep -c '^ready' $STATE) -ge $((i + 1)) ]"
	[ -d "$vlb/$vdev" ] || fail "restart $i: $vdev is gone from $vlb"
done
fio_stop "$fio_pid" "$stats"
fio_verified "$fio_pid" /tmp/fio.json "$stats"
taken=$(grep -c 'taken over from the fd store' "$VM_OUT/adapter.log" || true)
[ "$taken" = 5 ] || fail "the adapter took the disk over $taken times, not 5"
[ "$(vlb_count)" = 1 ] || fail "$(vlb_count) loopback devices, not 1"
! dmesg | grep -E "$(basename "$vlb"): removed|I/O error" || fail "the kernel removed the disk or logged an I/O error"
echo "ok: 5 adapter kills under fio: the disk stayed ($(basename "$vlb"), $vdev), $FIO_VERIFIED verifying reads, 0 errors"

# A request from the kernel while no adapter runs: the driver's write of
# the cache mode (a config write) waits, and the next adapter answers it.
pid=$(grep '^start' "$STATE" | tail -n 1 | cut -d' ' -f2)
kill -KILL "$pid"
t0=$(date +%s)
echo "write through" >"/sys/block/${disk#/dev/}/cache_type" ||
	fail "the cache mode write failed across the adapter's restart"
t1=$(date +%s)
grep -q "write through" "/sys/block/${disk#/dev/}/cache_type" ||
	fail "the cache mode is not write through"
wait_for 30 sh -c "[ \$(grep -c '^ready' $STATE) -ge 7 ]"
wait_for 10 grep -q 'write cache writethrough' "$VM_OUT/blk.log"
# The back-end forgets it with its front-end; the next adapter replays it.
pid=$(grep '^start' "$STATE" | tail -n 1 | cut -d' ' -f2)
kill -KILL "$pid"
wait_for 30 sh -c "[ \$(grep -c '^ready' $STATE) -ge 8 ]"
wait_for 10 sh -c "[ \$(grep -c 'write cache writethrough' $VM_OUT/blk.log) -ge 2 ]"
dd if=/dev/urandom of=/tmp/blob bs=64k count=16 2>/dev/null
dd if=/tmp/blob of="$disk" bs=64k oflag=direct 2>/dev/null
dd if="$disk" of=/tmp/back bs=64k count=16 iflag=direct 2>/dev/null
cmp -s /tmp/blob /tmp/back || fail "data written after the 7th restart reads back different"
echo "ok: a config write made while no adapter ran reached the back-end through the next one, and again after one more restart ($((t1 - t0)) s)"

kill -TERM "$HELPER"
rc=0
wait "$HELPER" || rc=$?
[ "$rc" = 0 ] || fail "the adapter exited $rc on SIGTERM"
[ "$(vlb_count)" = 0 ] || fail "the disk remains after the adapter stopped"
for f in ctl pool inflight; do
	grep -q "^removed vlb-0-blk-[0-9a-f]*-$f" "$STATE" || fail "the adapter left its $f fd in the store"
done
echo "ok: SIGTERM removed the disk and emptied the store"
unload
