#!/bin/sh
# Fixture of tests/host/shared-boot.sh: leaves everything behind that a
# shared boot must clean up, and makes the kernel warn.
# shared-boot: yes
set -eu
cat /proc/sys/kernel/random/boot_id >"$VM_OUT/boot_id"
echo left >/tmp/left
mkdir -p /run/left
echo left >/dev/shm/left
sleep 1000 &
setsid sleep 1001 &
mount -t tmpfs tmpfs /mnt
echo "<6>a-warns: in the ring buffer" >/dev/kmsg
modprobe warn_on_load
