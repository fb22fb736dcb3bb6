#!/bin/sh
# Part of the guest side of tests/host/qemu-peers.sh: four simulated lines named
# qa..qd through QEMU's vhost-user-gpio-pci, line 0 wired to line 1.
set -eu
. tests/lib/assert.sh

modprobe gpio-virtio
wait_for 20 sh -c 'gpiodetect | grep -q "(4 lines)"'
chip=$(gpiodetect | awk '/\(4 lines\)/ { print $1 }')
gpioinfo "$chip" | tee "$VM_OUT/gpioinfo.txt"
for n in qa qb qc qd; do
	grep -q "\"$n\"" "$VM_OUT/gpioinfo.txt" || fail "gpioinfo does not show line $n"
done
gpioset -m signal "$chip" 0=1 &
setter=$!
wait_for 10 sh -c "[ \"\$(gpioget $chip 1)\" = 1 ]"
kill $setter
wait $setter || true
echo "ok: QEMU's gpio-virtio device: names, and a set line read back through its wire"
