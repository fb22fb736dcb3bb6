#!/bin/sh
# blk rings without indirect tables: with --indirect off the adapter
# withholds VIRTIO_RING_F_INDIRECT_DESC (every descriptor is a bounce
# mapping, a table one more) and caps seg_max so that the largest request
# fits in the ring; a device without the option keeps indirect tables.
# 1 MiB verified writes go through all three disks, the peer's among them.
# arm64: yes
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load virtio_blk
truncate -s 64M /tmp/rd-256.img
truncate -s 96M /tmp/rd-64.img
truncate -s 128M /tmp/rd-32.img
start_vublk /tmp/rd-256.img /tmp/rd-256.sock
start_vublk /tmp/rd-32.img /tmp/rd-32.sock
start_qsd /tmp/rd-64.sock /tmp/rd-64.img
wait_for 20 test -S /tmp/rd-256.sock
wait_for 20 test -S /tmp/rd-32.sock
start_adapter --device blk --socket /tmp/rd-256.sock --indirect off \
	--device blk --socket /tmp/rd-64.sock --queue-size 64 --indirect off \
	--device blk --socket /tmp/rd-32.sock --queue-size 32
wait_disks 3 >/dev/null

seen=
for disk in $(vlb_disks); do
	b=${disk#/dev/}
	mib=$(($(cat "/sys/block/$b/size") / 2048))
	# The virtio device's features: one character per bit, bit 0 first.
	indirect=$(cut -c29 "/sys/block/$b/device/features")
	segs=$(cat "/sys/block/$b/queue/max_segments")
	case $mib in
	64) ring=256 want=0 ;;
	96) ring=64 want=0 ;;
	128) ring=32 want=1 ;;
	*) fail "$disk has $mib MiB, not one of the test's sizes" ;;
	esac
	[ "$indirect" = "$want" ] ||
		fail "$disk ($ring entries): VIRTIO_RING_F_INDIRECT_DESC is $indirect, not $want"
	if [ "$want" = 0 ] && [ "$segs" -gt $((ring - 2)) ]; then
		fail "$disk ($ring entries, no indirect tables): max_segments $segs does not fit the ring"
	fi
	fio --name=rd --filename="$disk" --rw=write --bs=1M --iodepth=4 \
		--ioengine=libaio --direct=1 --size=32M --verify=crc32c \
		--verify_fatal=1 --output="$VM_OUT/fio-$ring.txt" ||
		fail "fio on $disk ($ring entries) failed: $(tail -n 20 "$VM_OUT/fio-$ring.txt")"
	grep -q 'err= 0' "$VM_OUT/fio-$ring.txt" || fail "fio on $disk ($ring entries) reported errors"
	seen="$seen $ring:indirect=$indirect,max_segments=$segs"
done
echo "ok: 1 MiB verified writes on rings of 256, 64 and 32 entries ($seen)"
stop_adapter
unload
