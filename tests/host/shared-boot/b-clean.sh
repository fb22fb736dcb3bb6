#!/bin/sh
# Fixture of tests/host/shared-boot.sh: in the same boot as a-warns, it
# must find nothing a-warns left.
# shared-boot: yes
set -eu
cat /proc/sys/kernel/random/boot_id >"$VM_OUT/boot_id"
fail() { echo "FAIL: $*"; exit 1; }
# (/run/mount is mount(8)'s own, there after every boot; a repository
# under /tmp or /run, a clone in /tmp say, stays where it is.)
for d in /tmp /run /dev/shm; do
	repo=${PWD#"$d"/}
	[ "$repo" != "$PWD" ] && repo=${repo%%/*} || repo=mount
	left=$(ls -A $d | grep -vx -e mount -e "$repo") || true
	[ -z "$left" ] || fail "$d is not empty: $left"
done
! pgrep -a sleep || fail "a-warns' processes still run"
! grep -q warn_on_load /proc/modules || fail "warn_on_load is still loaded"
! grep -q " /mnt " /proc/mounts || fail "a-warns' mount is still there"
! dmesg | grep -q a-warns || fail "the kernel ring buffer still holds a-warns' messages"
[ "$VM_OUT" = "$(cd "$VM_OUT/.." && pwd)/b-clean" ] || fail "VM_OUT is $VM_OUT"
echo "ok: nothing of a-warns is left"
