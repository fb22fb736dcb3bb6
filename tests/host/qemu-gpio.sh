#!/bin/bash
# QEMU 7.2, an independent vhost-user front-end, drives vhost-user-gpio
# (vhost-user-gpio-pci, memfd guest memory): the guest's gpio-virtio sees
# the simulated lines and their names, and a set line reads back through
# its wire. The back-end outlives QEMU's disconnect and exits cleanly on
# SIGTERM. No edge: QEMU 7.2's vhost-user-gpio does not pass
# VIRTIO_GPIO_F_IRQ on to the guest (gpiomon: "error waiting for events:
# No such device"), the fault rust-vmm's vhost-device issue 613 reports
# for QEMU 8.1; the loopback's interrupts are tested in e2e/loop-gpio-sim.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
. tests/lib/qemu-backends.sh

start_backend gpio0 "$QB_TMP/gpio0.sock" build/bin/vhost-user-gpio --lines 4 \
	--names qa,qb,qc,qd --wire 0:1
qemu_dev gpio0 vhost-user-gpio-pci
run_guest tests/lib/qemu-gpio-guest.sh || fail "the guest checks failed"
backend_log gpio0 | grep -q 'front-end disconnected' || fail "gpio0 did not see QEMU go away"
stop_backend gpio0
echo "ok: the back-end survived QEMU's exit and stopped cleanly on SIGTERM"
