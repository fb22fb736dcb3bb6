#!/bin/sh
# Known pictures through virtio-gpu, checked pixel for pixel in the
# adapter's screenshots: tests/progs/drm-pattern draws into DRM dumb
# buffers and writes what must be seen. Two outputs: a mode on each, then
# a sub-rectangle flushed alone (DirtyFB), then a second mode, then the
# cursor plane (CURSOR_UPDATE), whose image and place the adapter reports.
# shared-boot: yes
set -eu
. tests/lib/vlb.sh
. tests/lib/gpu.sh

vlb_load virtio_gpu
start_gpu --display headless --outputs 2 --resolution 800x600
start_draw
grep -q '^ok 2 output(s)' /tmp/draw.out || fail "drm-pattern: $(cat /tmp/draw.out)"

draw mode 0 800x600 1
draw mode 1 800x600 2
shot_matches $E/expect-0.ppm
shot_matches $E/expect-1.ppm /tmp/shot-1.png
echo "ok: both outputs show their 800x600 pictures, pixel for pixel"

draw rect 0 100 50 200 100 3
draw rect 0 799 599 1 1 4
shot_matches $E/expect-0.ppm
echo "ok: two rectangles flushed alone (DirtyFB) land exactly, the last pixel included"

draw mode 0 1024x768 5
shot_matches $E/expect-0.ppm
[ "$(build/tests/bin/imgcheck size $SHOT)" = "1024 768" ] || fail "the second mode is $(build/tests/bin/imgcheck size $SHOT)"
echo "ok: a second mode, 1024x768, shown whole"

draw cursor 0 5 7 300 200
end=$(($(date +%s) + 20))
until shot_now && [ -f /tmp/shot-cursor.png ] &&
	build/tests/bin/imgcheck compare /tmp/shot-cursor.png $E/cursor.pam >/tmp/cmp.out; do
	[ "$(date +%s)" -lt "$end" ] || fail "the cursor image differs: $(cat /tmp/cmp.out 2>/dev/null)"
	sleep 0.3
done
grep -q 'cursor shown on output 0 at (300, 200), hot spot (5, 7)' "$VM_OUT/adapter.log" ||
	fail "the cursor's place: $(grep cursor "$VM_OUT/adapter.log" | tail -n 1)"
echo "ok: the cursor plane: its 64x64 ARGB image, hot spot (5, 7), at (300, 200)"

draw quit
exec 5>&-
stop_adapter
unload
