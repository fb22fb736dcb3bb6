#!/bin/sh
# Fixture of tests/host/shared-boot.sh: a mount outside its own namespace
# holds a module, which no cleanup can unload: the shared boot ends here.
# shared-boot: yes
set -eu
cat /proc/sys/kernel/random/boot_id >"$VM_OUT/boot_id"
modprobe binfmt_misc
nsenter -t 1 -m mount -t binfmt_misc binfmt_misc /mnt
