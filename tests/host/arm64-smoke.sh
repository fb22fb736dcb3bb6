#!/bin/bash
# The arm64 target: `make ARCH=arm64` cross-builds everything, and
# `tests/vm/run --arch arm64` boots Debian's arm64 kernel (TCG) where the
# cross-built drivers load, the peers run, and a guest kernel warning fails
# the run as on x86_64. See docs/arm64.md.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
fail() { echo "FAIL: $*" >&2; exit 1; }
out=build/vm-out/arm64-smoke
rm -rf "$out"

make -s ARCH=arm64 all test-modules || fail "make ARCH=arm64 all test-modules failed"
for m in virtio_snd vduse vdpa; do
	ko=$(ls build/arm64/upstream/*/"$m.ko" 2>/dev/null | head -n 1)
	[ -n "$ko" ] || fail "no cross-built $m.ko under build/arm64/upstream"
done
[ -f build/arm64/test-modules/warn_on_load.ko ] || fail "warn_on_load.ko was not built for arm64"
[ ! -e build/arm64/modules/warn_on_load.ko ] || fail "the test-only warn_on_load.ko is in build/arm64/modules"
echo "ok: make ARCH=arm64 cross-built the modules and programs"

tests/vm/run --arch arm64 -q --out "$out" tests/lib/arm64-smoke-guest.sh
rc=$?
[ $rc -eq 0 ] || fail "the arm64 guest checks failed (exit $rc)"
[ "$(cat "$out/kver")" = "$(scripts/arm64-kver)" ] || fail "the guest ran kernel $(cat "$out/kver")"
echo "ok: the arm64 guest ($(cat "$out/kver")) loads the drivers and runs $(cat "$out/fio")"

log=$(tests/vm/run --arch arm64 -q --out "$out" --load warn_on_load tests/lib/guest-echo.sh 0 2>&1)
rc=$?
[ $rc -ne 0 ] || fail "a guest kernel warning did not fail the arm64 run"
grep -q 'WARNING:' <<<"$log" || fail "the failing arm64 run did not print the kernel log"
grep -q 'deliberate warning' <<<"$log" || fail "the kernel log shown is not the arm64 guest's"
echo "ok: a guest kernel warning fails the arm64 run (exit $rc)"
