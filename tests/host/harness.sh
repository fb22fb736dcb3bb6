#!/bin/bash
# The VM harness itself: it returns the script's status and its $VM_OUT
# files, passes arguments through intact, and fails a run whose guest
# kernel log shows a warning.
set -uo pipefail
cd "$(dirname "$0")/../.."
fail() { echo "FAIL: $*" >&2; exit 1; }
out=build/vm-out/harness
rm -rf "$out"

tests/vm/run -q --out "$out" tests/lib/guest-echo.sh 7 "two words" '$x'
rc=$?
[ $rc -eq 7 ] || fail "the script's status 7 came back as $rc"
[ "$(cat "$out/args")" = $'7\ntwo words\n$x' ] || fail "arguments changed on the way: $(cat "$out/args")"
[ "$(cat "$out/whoami")" = root ] || fail "the script did not run as root"
[ "$(cat "$out/pwd")" = "$PWD" ] || fail "the working directory was $(cat "$out/pwd"), not the repository"
echo "ok: status, arguments and \$VM_OUT files come back"

log=$(tests/vm/run -q --out "$out" --load warn_on_load tests/lib/guest-echo.sh 0 2>&1)
rc=$?
[ $rc -ne 0 ] || fail "a guest kernel warning did not fail the run"
grep -q 'WARNING:' <<<"$log" || fail "the failing run did not print the kernel log"
grep -q 'deliberate warning' <<<"$log" || fail "the kernel log shown is not the guest's"
echo "ok: a guest kernel warning fails the run (exit $rc) and shows the log"

# The boot watchdog: a guest that cannot reach its init in time is killed,
# booted once more, and the run fails as a timeout.
rm -f "$out/args"
start=$(date +%s)
log=$(VM_BOOT_TIMEOUT=1 tests/vm/run -q --out "$out" tests/lib/guest-echo.sh 0 2>&1)
rc=$?
[ $rc -eq 124 ] || fail "a guest that never booted in time exited $rc, not 124: $log"
[ "$(grep -c 'did not boot within 1 s' <<<"$log")" -eq 2 ] || fail "the stalled boot was not tried exactly twice: $log"
grep -q 'booting it again' <<<"$log" || fail "the retry was not announced: $log"
[ $(($(date +%s) - start)) -lt 30 ] || fail "the watchdog took $(($(date +%s) - start)) s to give up"
[ ! -e "$out/args" ] || fail "the script ran although the guest never booted in time"
echo "ok: a guest that does not boot in time is killed, booted again, then failed as a timeout"
