#!/bin/bash
# QEMU 7.2 drives vhost-user-blk: ext4 and fio data integrity on a
# two-queue disk, write-zeroes and discard (which frees the image's
# space), a read-only export that refuses writes, and a capacity change
# announced to QEMU over the back-end channel after SIGHUP.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/qemu-backends.sh

rw=$QB_TMP/rw.img ro=$QB_TMP/ro.img
truncate -s 64M "$rw"
head -c 4194304 /dev/urandom >"$ro"
ro_sum=$(sha256sum <"$ro" | cut -d' ' -f1)
start_backend rw "$QB_TMP/rw.sock" build/bin/vhost-user-blk --blk-file "$rw" \
	--num-queues 2 --serial vlb-rw
start_backend ro "$QB_TMP/ro.sock" build/bin/vhost-user-blk --blk-file "$ro" \
	--read-only --serial vlb-ro
qemu_dev rw vhost-user-blk-pci,num-queues=2
qemu_dev ro vhost-user-blk-pci,num-queues=1

# When the guest asks, grow the image and tell the backend.
(
	for _ in $(seq 600); do
		[ -e "$QB_OUT/grow-now" ] && { truncate -s 128M "$rw"; kill -HUP "${QB_PID[rw]}"; exit 0; }
		sleep 0.5
	done
) &
grower=$!
run_guest tests/lib/qemu-blk-guest.sh "$ro_sum" || fail "the guest checks failed"
wait $grower

used_kb=$(du -k "$rw" | cut -f1)
[ "$used_kb" -lt 4096 ] || fail "the image still holds ${used_kb} KiB after the guest discarded everything"
echo "ok: the discarded image holds only ${used_kb} KiB on the host"
[ "$(sha256sum <"$ro" | cut -d' ' -f1)" = "$ro_sum" ] || fail "the read-only image changed"
echo "ok: the read-only image is unchanged"
backend_log rw | grep -q 'capacity 131072 -> 262144' || fail "the rw backend did not log the resize"
for b in rw ro; do
	stop_backend $b
done
echo "ok: both backends stopped cleanly on SIGTERM"
