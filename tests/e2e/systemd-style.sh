#!/bin/sh
# The way the shipped systemd units run things: a back-end started by
# socket activation (--fd 3, systemd-socket-activate standing in for
# systemd), and the adapter with Type=notify, reading a config file. The
# adapter says READY=1 once its device exists and STOPPING=1 on SIGTERM.
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load virtio_rng
systemd-socket-activate -l /tmp/rng.sock vhost-user-rng --fd 3 >>"$VM_OUT/rng.log" 2>&1 &
vlb_track $!
wait_for 10 test -S /tmp/rng.sock
socat -u UNIX-RECV:/tmp/notify.sock OPEN:/tmp/notify.log,creat,append &
vlb_track $!
wait_for 10 test -S /tmp/notify.sock
printf '[device]\ntype = rng\nsocket = /tmp/rng.sock\n' >/tmp/adapter.conf
NOTIFY_SOCKET=/tmp/notify.sock start_adapter --config /tmp/adapter.conf
wait_for 30 grep -q READY=1 /tmp/notify.log
grep -q virtio_rng /sys/class/misc/hw_random/rng_current || fail "READY=1 before the device was usable"
[ "$(head -c 4096 /dev/hwrng | wc -c)" -eq 4096 ] || fail "no entropy"
echo "ok: socket-activated back-end, adapter READY=1 with a working device"
stop_adapter
wait_for 10 grep -q STOPPING=1 /tmp/notify.log
echo "ok: STOPPING=1 on SIGTERM"
unload
