#!/bin/sh
# Fixture of tests/host/shared-boot.sh: the shared boot of its options hung
# in f-stalls, so it gets a boot of its own.
# vm-options: --mem 1536M
# shared-boot: yes
set -eu
cat /proc/sys/kernel/random/boot_id >"$VM_OUT/boot_id"
