#!/bin/sh
# The shipped units, as systemd would run them (tests/lib/fdstore.py reads
# each unit file: ExecStart=, EnvironmentFile=, Restart=, RestartSec=,
# FileDescriptorStoreMax= and the socket unit's ListenStream=), with the
# shipped adapter.conf and blk-data.env: vhost-user-blk@data and
# vhost-user-rng socket-activated, the adapter with its fd store. Under
# fio (randwrite, QD32, 2 queues, crc32c verify) the blk back-end is
# SIGKILLed 3 times and the adapter twice, and each is started again by
# its unit's Restart= alone: fio ends with 0 errors, the disk is the same
# device throughout, the rng still gives entropy, and stopping the
# adapter removes both devices.
# vm-options: --mem 2G
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load virtio_blk virtio_rng
mkdir -p /etc/virtio-loopback /var/lib/virtio-loopback
cp dist/etc/adapter.conf dist/etc/blk-data.env /etc/virtio-loopback/
truncate -s 256M /var/lib/virtio-loopback/data.img
unit() {
	python3 tests/lib/fdstore.py --state "/tmp/$1.state" --unit "dist/systemd/$2" \
		${3:+--instance "$3"} >>"$VM_OUT/$1.log" 2>&1 &
	vlb_track $!
}
unit blk vhost-user-blk@.service data
unit rng vhost-user-rng.service
wait_for 10 test -S /run/virtio-loopback/blk-data.sock
wait_for 10 test -S /run/virtio-loopback/rng.sock
unit adapter virtio-loopback-adapter.service
ADAPTER_UNIT=$!
wait_for 30 grep -q '^ready' /tmp/adapter.state
disk=$(wait_disks 1)
vlb=$(dirname "$(dirname "$(readlink -f "/sys/block/${disk#/dev/}")")")
stats=$(ls -d "$VLB_SYS"/vlb*/stats | head -n 1)
[ "$(ls "/sys/block/${disk#/dev/}/mq" | wc -l)" = 2 ] || fail "$disk does not have the unit's 2 queues"
echo "ok: the units started: $disk from vhost-user-blk@data, and an rng"

# kill_unit NAME: SIGKILL the unit's program, once it served I/O since its
# start, and wait until the unit has started it again.
kill_unit() {
	_starts=$(grep -c '^start' "/tmp/$1.state")
	_k=$(cat "$stats/kicks")
	wait_for 60 sh -c "[ \$(cat $stats/kicks) -gt $((_k + 100)) ]"
	kill -KILL "$(grep '^start' "/tmp/$1.state" | tail -n 1 | cut -d' ' -f2)"
	wait_for 30 sh -c "[ \$(grep -c '^start' /tmp/$1.state) -gt $_starts ]"
}

fio --name=w --filename="$disk" --rw=randwrite --bs=4k --iodepth=32 \
	--ioengine=libaio --direct=1 --numjobs=2 --size=96M --offset_increment=96M \
	--time_based --runtime=300 --verify=crc32c --verify_backlog=256 --verify_fatal=1 \
	--output-format=json --output=/tmp/fio.json --eta=never &
fio_pid=$!
for who in blk adapter blk adapter blk; do
	kill_unit $who
	[ -e "$vlb" ] || fail "$disk's device went away after the $who was killed"
done
fio_stop "$fio_pid" "$stats"
fio_verified "$fio_pid" /tmp/fio.json "$stats"
[ "$(vlb_disks)" = "$disk" ] || fail "the disks are now: $(vlb_disks)"
[ "$(grep -c '^start' /tmp/blk.state)" = 4 ] || fail "vhost-user-blk@data was not started 4 times"
echo "ok: 3 back-end and 2 adapter restarts by the units' Restart=: $FIO_WRITES writes, $FIO_VERIFIED verifying reads, 0 errors, $disk throughout"

grep -q virtio_rng /sys/class/misc/hw_random/rng_current || fail "the rng is not the current one"
[ "$(timeout 30 head -c 4096 /dev/hwrng | wc -c)" -eq 4096 ] || fail "no entropy after the restarts"
echo "ok: the rng gives entropy after the adapter's restarts"

kill -TERM "$ADAPTER_UNIT"
wait "$ADAPTER_UNIT" || fail "the adapter's unit ended with $? on SIGTERM"
[ "$(vlb_count)" -eq 0 ] || fail "loopback devices remain after the adapter stopped"
echo "ok: stopping the adapter removed its devices"
unload
