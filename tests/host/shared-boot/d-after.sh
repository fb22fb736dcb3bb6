#!/bin/sh
# Fixture of tests/host/shared-boot.sh: after c-dirty, it gets a boot of
# its own.
# shared-boot: yes
set -eu
cat /proc/sys/kernel/random/boot_id >"$VM_OUT/boot_id"
! grep -q binfmt_misc /proc/modules
