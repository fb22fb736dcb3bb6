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
