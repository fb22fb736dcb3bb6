#!/bin/sh
# The project's vhost-user-rng through the loopback: the kernel's
# virtio_rng becomes the current hwrng, /dev/hwrng yields data, and the
# data passes rngtest's FIPS 140-2 checks.
# arm64: yes
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load virtio_rng
vhost-user-rng --socket-path /tmp/rng.sock >>"$VM_OUT/rng.log" 2>&1 &
vlb_track $!
wait_for 10 test -S /tmp/rng.sock
start_adapter --device rng --socket /tmp/rng.sock
wait_for 20 grep -q virtio_rng /sys/class/misc/hw_random/rng_current
cur=$(cat /sys/class/misc/hw_random/rng_current)
echo "rng_current: $cur"
case "$cur" in virtio_rng.*) ;; *) fail "rng_current is '$cur'" ;; esac
head -c 65536 /dev/hwrng >/tmp/entropy
[ "$(stat -c %s /tmp/entropy)" -eq 65536 ] || fail "short read from /dev/hwrng"
[ "$(tr -d '\0' </tmp/entropy | wc -c)" -gt 60000 ] || fail "/dev/hwrng gave mostly zeros"
# One block of 20 may fail: FIPS 140-2's false alarms on a good source
# (about one block in a thousand); a broken source fails them all.
rngtest -c 20 </dev/hwrng >"$VM_OUT/rngtest.txt" 2>&1 || true
ok=$(sed -n 's/.*FIPS 140-2 successes: *//p' "$VM_OUT/rngtest.txt")
[ -n "$ok" ] && [ "$ok" -ge 19 ] || fail "rngtest: $(cat "$VM_OUT/rngtest.txt")"
echo "ok: /dev/hwrng is the loopback virtio-rng and passes rngtest ($ok of 20 blocks)"
stop_adapter
unload
