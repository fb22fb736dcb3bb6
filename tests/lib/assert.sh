# Shell helpers shared by the tests (sourced; POSIX sh).
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# wait_for SECONDS COMMAND...: poll COMMAND until it succeeds. For waiting on
# the kernel or a daemon to reach a state; it fails the test on timeout.
wait_for() {
	_secs=$1
	shift
	_wf_end=$(($(date +%s) + _secs))
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$_wf_end" ] || fail "timed out after ${_secs}s waiting for: $*"
		sleep 0.1
	done
}
