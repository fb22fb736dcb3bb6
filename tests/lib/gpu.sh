# Guest-side helpers for the GPU tests (sourced after vlb.sh; POSIX sh).

SHOT=/tmp/shot.png

# start_gpu [ADAPTER-OPTION...]: QEMU's vhost-user-gpu, then the adapter
# with a screenshot file, and wait for the DRM card. The back-end starts
# before any virtio-gpu device exists, so it finds no render node and
# sends its pixels inline (docs/gpu.md).
start_gpu() {
	rm -f /tmp/gpu.sock
	/usr/lib/qemu/vhost-user-gpu --socket-path=/tmp/gpu.sock >>"$VM_OUT/vhost-user-gpu.log" 2>&1 &
	GPU_PID=$!
	vlb_track $GPU_PID
	wait_for 10 test -S /tmp/gpu.sock
	start_adapter --device gpu --socket /tmp/gpu.sock --screenshot $SHOT "$@"
	wait_for 30 test -c /dev/dri/card0
}

# connector: the id of the first connected connector, as modetest names it.
connector() {
	modetest -M virtio_gpu -c | awk '/^[0-9]+\t/ && $3 == "connected" { print $1; exit }'
}

# shot_matches EXPECT [FILE]: ask the adapter for screenshots (SIGUSR1)
# until FILE (default $SHOT) equals EXPECT pixel for pixel; 20 s at most.
shot_matches() {
	_file=${2:-$SHOT}
	_end=$(($(date +%s) + 20))
	while :; do
		rm -f "$_file"
		kill -USR1 "$ADAPTER_PID"
		wait_for 5 test -f "$_file"
		build/tests/bin/imgcheck compare "$_file" "$1" >/tmp/cmp.out && return 0
		[ "$(date +%s)" -lt "$_end" ] || fail "$_file never showed $1: $(cat /tmp/cmp.out)"
		sleep 0.3
	done
}

# shot_now: one screenshot, at $SHOT.
shot_now() {
	rm -f $SHOT
	kill -USR1 "$ADAPTER_PID"
	wait_for 5 test -f $SHOT
}
