#!/bin/sh
# The adapter's SDL window, seen as a person would: Xvfb in the guest, the
# adapter with DISPLAY set (so --display defaults to sdl), a known picture
# drawn through DRM, and an X capture of the window (xwd) that shows the
# same picture, pixel for pixel, with the guest's cursor drawn over it
# until the guest hides it.
# Resizing the window (xdotool) makes the guest's preferred mode that
# size (VIRTIO_GPU_EVENT_DISPLAY and a config interrupt); a mode of that
# size then fills the window one to one.
# shared-boot: yes
set -eu
. tests/lib/vlb.sh
. tests/lib/gpu.sh

vlb_load virtio_gpu
Xvfb :7 -screen 0 1600x1000x24 -nolisten tcp >"$VM_OUT/xvfb.log" 2>&1 &
vlb_track $!
export DISPLAY=:7
wait_for 20 xdpyinfo
start_gpu --resolution 800x600

# The window opens with the output's first picture.
start_draw
draw mode 0 800x600 1
WIN="virtio-loopback vlb0 output 0"
wait_for 20 xdotool search --name "$WIN"
echo "ok: the adapter opened the window '$WIN'"

# window_shows EXPECT: an xwd of the window equals EXPECT.
window_shows() {
	_ws_end=$(($(date +%s) + 20))
	until xwd -silent -name "$WIN" -out /tmp/win.xwd &&
		build/tests/bin/imgcheck compare /tmp/win.xwd "$1" >/tmp/cmp.out; do
		[ "$(date +%s)" -lt "$_ws_end" ] || fail "the window never showed $1: $(cat /tmp/cmp.out)"
		sleep 0.3
	done
}
window_shows $E/expect-0.ppm
echo "ok: the window shows the 800x600 picture, pixel for pixel (xwd)"

# The cursor, over the picture: its opaque pixels at (300, 200) + (x, y).
draw cursor 0 5 7 300 200
cursor_drawn() {
	xwd -silent -name "$WIN" -out /tmp/win.xwd || return 1
	for xy in "0 0" "10 20" "30 63" "63 63"; do
		set -- $xy
		[ "$(build/tests/bin/imgcheck pixel /tmp/win.xwd $((300 + $1)) $((200 + $2)))" = \
		  "$(build/tests/bin/imgcheck pixel $E/cursor.pam "$1" "$2" | cut -c1-6)" ] || return 1
	done
	# and a clear pixel of the cursor shows the picture under it
	[ "$(build/tests/bin/imgcheck pixel /tmp/win.xwd 360 201)" = \
	  "$(build/tests/bin/imgcheck pixel $E/expect-0.ppm 360 201)" ]
}
wait_for 20 cursor_drawn
echo "ok: the guest's cursor is drawn over the window at (300, 200)"

# A resize by the user becomes the guest's preferred mode.
xdotool search --name "$WIN" windowsize 1024 768
wait_for 30 grep -q 'output 0 is now 1024x768' "$VM_OUT/adapter.log"
# Only the DRM master (drm-pattern) may make the driver probe again.
end=$(($(date +%s) + 30))
until draw preferred 0 && tail -n 1 /tmp/draw.out | grep -q 'preferred 0 1024x768$'; do
	[ "$(date +%s)" -lt "$end" ] || fail "the preferred mode: $(tail -n 1 /tmp/draw.out)"
	sleep 0.5
done
echo "ok: resizing the window to 1024x768 made that the guest's preferred mode"
draw nocursor 0
draw mode 0 1024x768 2
window_shows $E/expect-0.ppm
echo "ok: a 1024x768 mode fills the resized window one to one"

draw quit
exec 5>&-
stop_adapter
unload
