# Shell helpers shared by the tests (sourced; POSIX sh).
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# within SECONDS COMMAND...: poll COMMAND until it succeeds; false when it
# has not within SECONDS.
within() {
	_wi_end=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$_wi_end" ] || return 1
		sleep 0.1
	done
}

# wait_for SECONDS COMMAND...: within, for waiting on the kernel or a
# daemon to reach a state; it fails the test on timeout.
wait_for() {
	within "$@" || fail "timed out after ${1}s waiting for: $(shift; echo "$*")"
}
