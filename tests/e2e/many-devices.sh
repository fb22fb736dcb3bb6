#!/bin/sh
# Eight devices from one adapter exist at once, each a working disk, then
# all are torn down; twice in one boot.
# vm-options: --mem 2G
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load virtio_blk
n=8
args=""
devs=""
for i in $(seq 0 $((n - 1))); do
	truncate -s 16M /tmp/d$i.img
	args="$args --blockdev driver=file,node-name=f$i,filename=/tmp/d$i.img"
	args="$args --export type=vhost-user-blk,id=e$i,node-name=f$i,addr.type=unix,addr.path=/tmp/s$i.sock,writable=on"
	devs="$devs --device blk --socket /tmp/s$i.sock --shm-size 8M"
done
# shellcheck disable=SC2086
qemu-storage-daemon $args >>"$VM_OUT/qsd.log" 2>&1 &
vlb_track $!
wait_for 20 test -S /tmp/s$((n - 1)).sock

for round in 1 2; do
	# shellcheck disable=SC2086
	start_adapter $devs
	disks=$(wait_disks $n)
	[ "$(vlb_count)" -eq $n ] || fail "round $round: $(vlb_count) devices, not $n"
	# Each disk holds its own data.
	for d in $disks; do
		echo "round $round on $d" | dd of="$d" bs=512 conv=sync oflag=direct 2>/dev/null
	done
	for d in $disks; do
		got=$(dd if="$d" bs=512 count=1 iflag=direct 2>/dev/null | tr -d '\0')
		[ "$got" = "round $round on $d" ] || fail "round $round: $d reads '$got'"
	done
	stop_adapter
	[ -z "$(vlb_disks)" ] || fail "round $round: disks remain: $(vlb_disks)"
	echo "ok: round $round: $n devices up, used and torn down"
done
unload
