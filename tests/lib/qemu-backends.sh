# Host-side helpers for the tests where QEMU drives the project's
# vhost-user backends (sourced by tests/host/qemu-*.sh; bash).
#   start_backend NAME SOCKET PROGRAM [ARG]...  start PROGRAM --socket-path
#       SOCKET in the background, log in $QB_TMP/NAME.log, wait for SOCKET
#   stop_backend NAME   SIGTERM it; fail unless it exits 0 and removes its
#       socket and its log shows no error
#   kill_backend NAME   SIGKILL it (a crash), its socket file stays
#   qemu_dev NAME DEVICE[,PROPS] [CHARDEV_OPTS]  the QEMU arguments for one
#       vhost-user device on NAME's socket (chardev id NAME); appends to
#       QB_QEMU_ARGS
#   run_guest SCRIPT [ARG]...  boot the guest with those devices; its
#       $VM_OUT is $QB_OUT (build/vm-out/TEST), emptied at the start
# QB_TMP is a scratch directory removed on exit, with every backend
# still running killed.
. tests/lib/assert.sh

QB_TMP=$(mktemp -d /tmp/vlb-qemu.XXXXXX)
QB_OUT=build/vm-out/$(basename "$0" .sh)
rm -rf "$QB_OUT"
mkdir -p "$QB_OUT"
QB_QEMU_ARGS=()
declare -A QB_PID QB_SOCK

qb_cleanup() {
	local n
	for n in "${!QB_PID[@]}"; do
		kill -KILL "${QB_PID[$n]}" 2>/dev/null
		{ wait "${QB_PID[$n]}"; } 2>/dev/null
	done
	rm -rf "$QB_TMP"
}
trap qb_cleanup EXIT

start_backend() {
	local name=$1 sock=$2 prog=$3
	shift 3
	[ -x "$prog" ] || fail "$prog is missing (run make programs)"
	"$prog" --socket-path "$sock" "$@" >"$QB_TMP/$name.log" 2>&1 &
	QB_PID[$name]=$!
	QB_SOCK[$name]=$sock
	wait_for 10 sh -c "grep -q 'listening on' '$QB_TMP/$name.log' || ! kill -0 ${QB_PID[$name]}"
	grep -q 'listening on' "$QB_TMP/$name.log" || fail "$name did not start: $(backend_log "$name")"
}

# gone PID: the process has exited (a zombie counts: its fds are closed).
gone() {
	local st
	st=$(ps -o stat= -p "$1" 2>/dev/null) || return 0
	case "$st" in Z*) return 0 ;; esac
	return 1
}

backend_log() {
	cat "$QB_TMP/$1.log"
}

stop_backend() {
	local name=$1 pid=${QB_PID[$1]} rc
	kill -0 "$pid" 2>/dev/null || fail "$name died while serving: $(backend_log "$name")"
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	unset "QB_PID[$name]"
	[ $rc -eq 0 ] || fail "$name exited $rc on SIGTERM: $(backend_log "$name")"
	[ ! -e "${QB_SOCK[$name]}" ] || fail "$name left its socket ${QB_SOCK[$name]} behind"
	if grep -q 'error:' "$QB_TMP/$name.log"; then
		fail "$name logged errors: $(grep 'error:' "$QB_TMP/$name.log" | head -5)"
	fi
}

kill_backend() {
	kill -KILL "${QB_PID[$1]}"
	wait_for 10 gone "${QB_PID[$1]}"
	{ wait "${QB_PID[$1]}"; } 2>/dev/null
	unset "QB_PID[$1]"
}

qemu_dev() {
	QB_QEMU_ARGS+=(--qemu-arg -chardev --qemu-arg "socket,id=$1,path=${QB_SOCK[$1]}${3:+,$3}"
		--qemu-arg -device --qemu-arg "$2,chardev=$1")
}

run_guest() {
	tests/vm/run -q --timeout 300 --out "$QB_OUT" --shared-mem --mem 1G "${QB_QEMU_ARGS[@]}" "$@"
}
