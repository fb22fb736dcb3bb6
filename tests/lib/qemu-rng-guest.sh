#!/bin/sh
# Part of the guest side of tests/host/qemu-peers.sh. Two virtio-rng devices served by
# vhost-user-rng through QEMU: one from /dev/urandom, one from a file of
# 'Z' bytes limited to 512 bytes per 500 ms.
set -eu
. tests/lib/assert.sh
hw=/sys/class/misc/hw_random

# use RNG: make RNG current and drop what the core still buffers from the
# previous one (at most one 64-byte buffer).
use() {
	echo "$1" >$hw/rng_current
	[ "$(cat $hw/rng_current)" = "$1" ] || fail "rng_current did not switch to $1"
	head -c 64 /dev/hwrng >/dev/null
}

modprobe virtio_rng
wait_for 20 grep -q 'virtio_rng.1' $hw/rng_available
echo "available: $(cat $hw/rng_available)"

# Which device is which: the file-backed one yields only 'Z'.
zdev='' udev=''
for r in virtio_rng.0 virtio_rng.1; do
	use $r
	head -c 256 /dev/hwrng >/tmp/sample
	[ "$(wc -c </tmp/sample)" -eq 256 ] || fail "$r gave $(wc -c </tmp/sample) of 256 bytes"
	if [ -z "$(tr -d Z </tmp/sample)" ]; then zdev=$r; else udev=$r; fi
done
[ -n "$zdev" ] || fail "no device returned the file's bytes"
[ -n "$udev" ] || fail "no device returned random bytes"
echo "ok: $zdev serves the file byte-exact, $udev serves other data"

# The urandom-backed device passes the FIPS 140-2 tests (one false
# alarm in 20 blocks is within the tests' own error rate).
use $udev
rngtest -c 20 </dev/hwrng >/tmp/rngtest 2>&1 || true
cat /tmp/rngtest
ok=$(sed -n 's/.*FIPS 140-2 successes: *//p' /tmp/rngtest)
[ -n "$ok" ] && [ "$ok" -ge 19 ] || fail "rngtest: only ${ok:-0} of 20 blocks passed"
echo "ok: rngtest passed $ok of 20 blocks from $udev"

# The rate limit: 2048 bytes at 512 per 500 ms take at least 1.5 s.
use $zdev
start=$(date +%s%N)
head -c 2048 /dev/hwrng >/tmp/limited
ms=$((($(date +%s%N) - start) / 1000000))
[ "$(wc -c </tmp/limited)" -eq 2048 ] || fail "short read from the rate-limited device"
[ -z "$(tr -d Z </tmp/limited)" ] || fail "the rate-limited device returned foreign bytes"
[ $ms -ge 1400 ] || fail "2048 bytes took only $ms ms despite the 512 B / 500 ms limit"
echo "ok: 2048 rate-limited bytes took $ms ms"
