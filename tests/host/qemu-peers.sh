#!/bin/bash
# QEMU 7.2, an independent vhost-user front-end, drives the project's
# back-ends in ONE guest boot (memfd guest memory):
# - vhost-user-rng, twice: the guest's virtio_rng reads the back-end's
#   bytes through /dev/hwrng (byte-exact from a file, FIPS-clean from
#   /dev/urandom, rate-limited);
# - vhost-user-gpio (vhost-user-gpio-pci): the guest's gpio-virtio sees
#   the simulated lines and their names, and a set line reads back through
#   its wire. No edge: QEMU 7.2's vhost-user-gpio does not pass
#   VIRTIO_GPIO_F_IRQ on to the guest (gpiomon: "error waiting for events:
#   No such device"), the fault rust-vmm's vhost-device issue 613 reports
#   for QEMU 8.1; the loopback's interrupts are tested in e2e/loop-gpio-sim;
# - vhost-user-blk, two disks: ext4 and fio data integrity on a two-queue
#   disk, write-zeroes and discard (which frees the image's space), a
#   read-only export that refuses writes, and a capacity change announced
#   to QEMU over the back-end channel after SIGHUP.
# Every back-end outlives QEMU's disconnect and exits cleanly on SIGTERM.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/qemu-backends.sh

head -c 4096 /dev/zero | tr '\0' Z >"$QB_TMP/zfile"
start_backend rng0 "$QB_TMP/rng0.sock" build/bin/vhost-user-rng
start_backend rng1 "$QB_TMP/rng1.sock" build/bin/vhost-user-rng \
	--filename "$QB_TMP/zfile" --max-bytes 512 --period 500
start_backend gpio0 "$QB_TMP/gpio0.sock" build/bin/vhost-user-gpio --lines 4 \
	--names qa,qb,qc,qd --wire 0:1
rw=$QB_TMP/rw.img ro=$QB_TMP/ro.img
truncate -s 64M "$rw"
head -c 4194304 /dev/urandom >"$ro"
ro_sum=$(sha256sum <"$ro" | cut -d' ' -f1)
start_backend rw "$QB_TMP/rw.sock" build/bin/vhost-user-blk --blk-file "$rw" \
	--num-queues 2 --serial vlb-rw
start_backend ro "$QB_TMP/ro.sock" build/bin/vhost-user-blk --blk-file "$ro" \
	--read-only --serial vlb-ro
qemu_dev rng0 vhost-user-rng-pci
qemu_dev rng1 vhost-user-rng-pci
qemu_dev gpio0 vhost-user-gpio-pci
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
run_guest tests/lib/qemu-peers-guest.sh "$ro_sum" || fail "the guest checks failed"
wait $grower

used_kb=$(du -k "$rw" | cut -f1)
[ "$used_kb" -lt 4096 ] || fail "the image still holds ${used_kb} KiB after the guest discarded everything"
echo "ok: the discarded image holds only ${used_kb} KiB on the host"
[ "$(sha256sum <"$ro" | cut -d' ' -f1)" = "$ro_sum" ] || fail "the read-only image changed"
echo "ok: the read-only image is unchanged"
backend_log rw | grep -q 'capacity 131072 -> 262144' || fail "the rw backend did not log the resize"
for b in rng0 rng1 gpio0 rw ro; do
	backend_log $b | grep -q 'front-end disconnected' || fail "$b did not see QEMU go away"
	stop_backend $b
done
echo "ok: every back-end survived QEMU's exit and stopped cleanly on SIGTERM"
