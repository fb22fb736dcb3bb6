#!/bin/bash
# Shared guest boots (tests/run-all, tests/vm/shared-boot), through
# run-all itself on the fixtures in tests/host/shared-boot/: tests marked
# "# shared-boot: yes" run in one boot, each in a clean state; a kernel
# warning fails only the test it came during; a module that will not
# unload ends the shared boot, and the tests after it get boots of their
# own; so does a shared boot in which nothing moves for 40 s (f-stalls,
# g-after: other options, so another shared boot; 40 s is more than the
# cleanup after c-dirty takes to give up, about 15 s).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
fail() { echo "FAIL: $*" >&2; exit 1; }

start=$SECONDS
out=$(E2E_DIR=tests/host/shared-boot VLB_SHARED_STALL=40 tests/run-all e2e/ 2>&1)
secs=$((SECONDS - start))
echo "$out"
logs=$(readlink -f build/test-logs)
line() { grep -E "^$1 +e2e/$2 " <<<"$out" >/dev/null || fail "no '$1 e2e/$2' line"; }
line FAIL a-warns
line PASS b-clean
line PASS c-dirty
line PASS d-after
line FAIL f-stalls
line PASS g-after
grep -q '^boot e2e shared \[default\] .* for 4 tests' <<<"$out" || fail "no shared boot of the 4 marked tests"
grep -q '^4 passed, 2 failed$' <<<"$out" || fail "the count is not 4 passed, 2 failed"
grep -q '(exit 3,' <<<"$(grep '^FAIL e2e/a-warns' <<<"$out")" || fail "a-warns did not fail for its kernel warning"
grep -q 'kernel log shows a problem during a-warns' "$logs/e2e_a-warns.log" || fail "a-warns' log does not show its warning"
grep -q 'WARNING: .*warn_on_load' "$logs/e2e_a-warns.log" || fail "a-warns' log does not show the warning's line"
grep -q 'ok: nothing of a-warns is left' "$logs/e2e_b-clean.log" || fail "b-clean's output is not in its log"
echo "ok: a kernel warning fails only the test it came during; the next test finds a clean guest"

boot() { cat "$logs/vm-out/e2e/$1/boot_id"; }
[ "$(boot a-warns)" = "$(boot b-clean)" ] && [ "$(boot b-clean)" = "$(boot c-dirty)" ] ||
	fail "a-warns, b-clean and c-dirty did not share one boot"
[ "$(boot d-after)" != "$(boot c-dirty)" ] || fail "d-after ran in the boot c-dirty left dirty"
grep -q '^dirty c-dirty binfmt_misc' "$logs/vm-out/e2e/.shared-default.results" || fail "the shared boot did not say binfmt_misc would not unload"
echo "ok: three tests in one boot; after the module that would not unload, a boot of its own"

grep -q 'shared boot ended during f-stalls' "$logs/e2e_f-stalls.log" || fail "f-stalls' log does not say the boot ended during it"
grep -q 'nothing moved in the shared boot for 40 s' "$logs"/e2e_shared-mem_1536M.log || fail "the stopped boot was not said to be stuck"
[ "$(boot g-after)" != "$(boot f-stalls)" ] || fail "g-after ran in the boot that hung"
[ "$secs" -lt 300 ] || fail "the run took $secs s: the hung boot was not stopped in time"
! pgrep -f -- "-m 1536M" >/dev/null || fail "the hung guest's QEMU still runs"
echo "ok: a shared boot in which nothing moves is stopped: its test fails, the next gets a boot of its own"
