#!/bin/sh
# Fixture of tests/host/shared-boot.sh: not marked, so a boot of its own.
set -eu
cat /proc/sys/kernel/random/boot_id >"$VM_OUT/boot_id"
