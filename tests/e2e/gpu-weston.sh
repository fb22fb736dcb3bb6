#!/bin/sh
# A real compositor on the loopback virtio-gpu: weston (drm back-end,
# pixman renderer, desktop shell) on /dev/dri/card0, and weston-simple-shm
# as its client. The adapter's screenshot shows the client's 250x250
# surface where weston put it, found by its own 20-pixel white frame, with
# the client's animated colours inside, over weston's background.
# Debian 12's weston has no libseat launcher (so no seatd): it runs as
# root with its direct launcher on a VT (--tty).
# shared-boot: yes
set -eu
. tests/lib/vlb.sh
. tests/lib/gpu.sh

vlb_load virtio_gpu
start_gpu --display headless
export XDG_RUNTIME_DIR=/tmp/xdg
mkdir -p -m 0700 $XDG_RUNTIME_DIR
BG=204080
cat >/tmp/weston.ini <<INI
[core]
require-input=false
idle-time=0
[shell]
background-color=0xff$BG
panel-position=none
INI
weston --tty=2 --config=/tmp/weston.ini --backend=drm-backend.so --use-pixman \
	--shell=desktop-shell.so --socket=wayland-vlb --log="$VM_OUT/weston.log" &
WESTON=$!
vlb_track $WESTON
wait_for 60 test -S $XDG_RUNTIME_DIR/wayland-vlb
grep -q "Output 'Virtual-1' enabled" "$VM_OUT/weston.log" || fail "weston has no output: $(tail "$VM_OUT/weston.log")"
echo "ok: weston runs on the loopback virtio-gpu ($(grep -o 'Output .Virtual-1. enabled.*' "$VM_OUT/weston.log"))"

WAYLAND_DISPLAY=wayland-vlb weston-simple-shm >"$VM_OUT/simple-shm.log" 2>&1 &
CLIENT=$!
vlb_track $CLIENT
end=$(($(date +%s) + 60))
until shot_now && at=$(build/tests/bin/imgcheck find $SHOT 250 250 ffffff 20); do
	[ "$(date +%s)" -lt "$end" ] || fail "no weston-simple-shm surface in the screenshot"
	sleep 1
done
set -- $at
inner=$(build/tests/bin/imgcheck colours $SHOT $(($1 + 20)) $(($2 + 20)) 210 210)
bg=$(build/tests/bin/imgcheck count $SHOT $(($1 + 20)) $(($2 + 20)) 210 210 $BG)
[ "$inner" -gt 100 ] || fail "the client's surface has only $inner colours"
[ "$bg" -eq 0 ] || fail "$bg background pixels inside the client's surface"
# Away from the window, weston's background.
[ "$(build/tests/bin/imgcheck pixel $SHOT 5 5)" = $BG ] || fail "no background at (5, 5)"
echo "ok: weston-simple-shm's surface at ($1, $2): its white frame and $inner colours inside, on weston's background"
# The device goes while weston holds it: weston sees errors, and the
# module stays in use until the last client lets go of the card.
stop_adapter
kill $CLIENT $WESTON
wait $WESTON || true
unload
echo "ok: the device removed under weston; the module unloads once weston is gone"
