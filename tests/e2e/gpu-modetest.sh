#!/bin/sh
# virtio-gpu with QEMU's unmodified vhost-user-gpu: the kernel's own
# virtio-gpu driver probes (the adapter supplies num_scanouts), modetest
# sets 1280x800 with its SMPTE pattern, and the adapter's screenshot shows
# the bars: pixel colours sampled at known places. modetest -v then flips
# between two buffers, and the adapter removes the device at SIGTERM.
# arm64: yes
# shared-boot: yes
set -eu
. tests/lib/vlb.sh
. tests/lib/gpu.sh

vlb_load virtio_gpu
start_gpu --display headless
conn=$(connector)
[ -n "$conn" ] || fail "no connected connector: $(modetest -M virtio_gpu -c)"
modetest -M virtio_gpu -c | grep -q '#0 1280x800 .*preferred' ||
	fail "1280x800 is not the preferred mode: $(modetest -M virtio_gpu -c | head -8)"
echo "ok: /dev/dri/card0, connector $conn, preferred mode 1280x800"

mkfifo /tmp/mt.in
modetest -M virtio_gpu -s "$conn:1280x800" </tmp/mt.in >"$VM_OUT/modetest.log" 2>&1 &
mt=$!
vlb_track $mt
exec 3>/tmp/mt.in

# modetest's SMPTE bars: seven 75% bars over the top two thirds, then
# the reverse bars, then the PLUGE row (libdrm tests/util/pattern.c).
check_bars() {
	for spec in "91 200 c0c0c0" "274 200 c0c000" "457 200 00c0c0" "640 200 00c000" \
		"823 200 c000c0" "1006 200 c00000" "1189 200 0000c0" \
		"91 580 0000c0" "274 580 131313" "457 580 c000c0" "1189 580 c0c0c0" \
		"114 700 00214c" "343 700 ffffff" "571 700 32006a"; do
		set -- $spec
		got=$(build/tests/bin/imgcheck pixel $SHOT "$1" "$2")
		[ "$got" = "$3" ] || return 1
	done
}
end=$(($(date +%s) + 20))
until shot_now && check_bars; do
	[ "$(date +%s)" -lt "$end" ] || fail "the screenshot does not show the SMPTE bars (pixel $1,$2 is $got, not $3)"
	sleep 0.5
done
[ "$(build/tests/bin/imgcheck size $SHOT)" = "1280 800" ] || fail "screenshot is $(build/tests/bin/imgcheck size $SHOT)"
echo "ok: the screenshot shows modetest's SMPTE bars at 1280x800 (14 pixels sampled)"
echo >&3
exec 3>&-
wait $mt || fail "modetest failed: $(cat "$VM_OUT/modetest.log")"

(sleep 8; echo) | modetest -M virtio_gpu -s "$conn:1280x800" -v >"$VM_OUT/modetest-v.log" 2>&1 ||
	fail "modetest -v failed: $(cat "$VM_OUT/modetest-v.log")"
grep -q '^freq:' "$VM_OUT/modetest-v.log" || fail "modetest -v flipped no page: $(cat "$VM_OUT/modetest-v.log")"
echo "ok: modetest -v page flips: $(grep '^freq:' "$VM_OUT/modetest-v.log" | tail -n 1)"
stop_adapter
grep -q 'screenshot of output 0' "$VM_OUT/adapter.log" || fail "no screenshot at exit"
unload
