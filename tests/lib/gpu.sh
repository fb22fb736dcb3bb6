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
	_sm_end=$(($(date +%s) + 20))
	while :; do
		rm -f "$_file"
		kill -USR1 "$ADAPTER_PID"
		wait_for 5 test -f "$_file"
		build/tests/bin/imgcheck compare "$_file" "$1" >/tmp/cmp.out && return 0
		[ "$(date +%s)" -lt "$_sm_end" ] || fail "$_file never showed $1: $(cat /tmp/cmp.out)"
		sleep 0.3
	done
}

# shot_now: one screenshot, at $SHOT; false when none came within 5 s
# (no output has a picture before a client sets a mode).
shot_now() {
	rm -f $SHOT
	kill -USR1 "$ADAPTER_PID"
	within 5 test -f $SHOT
}

# start_draw: tests/progs/drm-pattern on /dev/dri/card0, taking commands
# through draw; what each output must show goes to $E.
E=/tmp/expect
start_draw() {
	mkdir -p $E
	rm -f /tmp/draw.in
	mkfifo /tmp/draw.in
	build/tests/bin/drm-pattern -o $E </tmp/draw.in >/tmp/draw.out 2>&1 &
	vlb_track $!
	exec 5>/tmp/draw.in
	DRAWN=0
	wait_for 20 grep -q '^ok .* output(s)' /tmp/draw.out
}

# draw COMMAND...: one drm-pattern command; fails the test unless "ok".
draw() {
	DRAWN=$((DRAWN + 1))
	echo "$*" >&5
	wait_for 30 sh -c "[ \$(grep -c '^ok\|^error' /tmp/draw.out) -gt $DRAWN ]"
	tail -n 1 /tmp/draw.out | grep -q "^ok $*" || fail "drm-pattern: $(tail -n 1 /tmp/draw.out)"
}
