#!/bin/bash
# QEMU 7.2, an independent vhost-user front-end, drives vhost-user-rng:
# the guest's virtio_rng reads the backend's bytes through /dev/hwrng
# (byte-exact from a file, FIPS-clean from /dev/urandom, rate-limited).
# The backends outlive QEMU's disconnect and exit cleanly on SIGTERM.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/qemu-backends.sh

head -c 4096 /dev/zero | tr '\0' Z >"$QB_TMP/zfile"
start_backend rng0 "$QB_TMP/rng0.sock" build/bin/vhost-user-rng
start_backend rng1 "$QB_TMP/rng1.sock" build/bin/vhost-user-rng \
	--filename "$QB_TMP/zfile" --max-bytes 512 --period 500
qemu_dev rng0 vhost-user-rng-pci
qemu_dev rng1 vhost-user-rng-pci
run_guest tests/lib/qemu-rng-guest.sh || fail "the guest checks failed"

for b in rng0 rng1; do
	backend_log $b | grep -q 'front-end disconnected' || fail "$b did not see QEMU go away"
	stop_backend $b
done
echo "ok: both backends survived QEMU's exit and stopped cleanly on SIGTERM"
