#!/bin/sh
# Hostile user space: bad ioctl arguments, bad mappings of the pool fd,
# ioctls on the pool fd, malformed replies on the control channel. Each
# gets its errno; the kernel log stays clean and the module unloads.
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load
build/tests/bin/vlb-hostile
wait_for 10 sh -c '[ -z "$(ls /sys/devices/virtual/misc/virtio-loopback | grep vlb)" ]'
unload
echo "ok: every hostile request refused; module unloaded"
