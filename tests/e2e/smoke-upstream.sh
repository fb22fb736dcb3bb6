#!/bin/sh
# The upstream drivers Debian leaves out load in the guest, and host
# programs run there unchanged.
# vm-options: --load virtio_snd --load vduse --load virtio_vdpa
set -eu
. tests/lib/assert.sh

lsmod | grep -q '^virtio_snd ' || fail "virtio_snd is not loaded"
lsmod | grep -q '^vduse ' || fail "vduse is not loaded"
[ -c /dev/vduse/control ] || fail "/dev/vduse/control is missing"
modprobe ublk_drv
[ -c /dev/ublk-control ] || fail "/dev/ublk-control is missing"
modprobe gpio-virtio
modprobe i2c-virtio
v=$(fio --version)
case "$v" in fio-*) ;; *) fail "fio --version printed '$v'" ;; esac
echo "ok: upstream drivers loaded, $v runs in the guest"
