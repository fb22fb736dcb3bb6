#!/bin/bash
# Guest half of bench/gpu-run: QEMU's vhost-user-gpu through the loopback,
# headless, one guest boot. For each mode and round: modetest -v's page-flip
# rate; drm-pattern's full-frame updates with their DirtyFB times against
# the adapter's --frame-log times (update latency); one memcpy of a frame.
# Usage: bench/gpu-guest.sh ROUNDS SECONDS MODES   (MODES: 640x480,1280x800)
set -eu
ROUNDS=$1
SECS=$2
MODES=$3
OUT=$VM_OUT
. tests/lib/vlb.sh
. tests/lib/gpu.sh
mkdir -p "$OUT/log"
: >"$OUT/samples.csv"

vlb_load virtio_gpu
VM_OUT=$OUT/log start_gpu --display headless --frame-log /tmp/frames.txt
conn=$(connector)
{
	echo "guest_kernel=$(uname -r)"
	echo "vhost_user_gpu=$(dpkg-query -W -f '${Version}' qemu-system-gui 2>/dev/null || echo unknown)"
	echo "libdrm_tests=$(dpkg-query -W -f '${Version}' libdrm-tests 2>/dev/null || echo unknown)"
	echo "guest_cpus=$(nproc)"
	echo "pool_bytes=$(cat "$VLB_SYS"/vlb0/pool_size)"
} >"$OUT/meta.txt"

# idle: until the frame log has not grown for a second (30 s at most):
# what a previous run queued has been shown.
idle() {
	_end=$(($(date +%s) + 30))
	_size=-1
	while [ "$(stat -c %s /tmp/frames.txt)" != "$_size" ] && [ "$(date +%s)" -lt "$_end" ]; do
		_size=$(stat -c %s /tmp/frames.txt)
		sleep 1
	done
}

sample() { # mode round metric value
	echo "$1,$2,$3,$4" >>"$OUT/samples.csv"
}

for r in $(seq 1 "$ROUNDS"); do
	for mode in ${MODES//,/ }; do
		w=${mode%x*}
		h=${mode#*x}
		# Page flips: modetest -v alternates two full-frame buffers. Its own
		# figure counts commits (Linux 6.1 signals a 2D flip at once); the
		# adapter's frame log counts the frames that reached the display.
		: >/tmp/frames.txt
		(sleep "$SECS"; echo) | modetest -M virtio_gpu -s "$conn:$mode" -v \
			>"$OUT/log/modetest-$mode-$r.txt" 2>&1 || true
		idle
		cp /tmp/frames.txt "$OUT/log/frames-$mode-$r.txt"
		# The first report covers the start; the others are steady.
		freq=$(awk '/^freq:/ { n++; if (n > 1) { s += $2; k++ } } END { if (k) printf "%.2f", s / k }' \
			"$OUT/log/modetest-$mode-$r.txt")
		[ -n "$freq" ] && sample "$mode" "$r" modetest_flips_per_s "$freq"
		# Displayed frames per second, past the first second.
		fps=$(awk -v W="$w" '$5 == W { t[n++] = $1 }
			END { for (i = 0; i < n && t[i] < t[0] + 1e9; i++) ;
			      if (n - 1 > i) printf "%.2f", (n - 1 - i) * 1e9 / (t[n - 1] - t[i]) }' \
			"$OUT/log/frames-$mode-$r.txt")
		[ -n "$fps" ] && sample "$mode" "$r" displayed_per_s "$fps"
		# Update latency, one frame at a time: DirtyFB to the adapter
		# holding the frame (drm-pattern reads the frame log). The mode's
		# own picture (pattern 100) shares no first pixel with flips 1..40.
		start_draw
		draw mode 0 "$mode" 100
		idle
		draw flips 0 40 /tmp/frames.txt
		draw quit
		exec 5>&-
		wait_for 10 sh -c "! pgrep -x drm-pattern"
		cp $E/flips.txt "$OUT/log/latency-$mode-$r.txt"
		while read -r us; do
			sample "$mode" "$r" latency_us "$us"
		done <"$OUT/log/latency-$mode-$r.txt"
		sample "$mode" "$r" memcpy_ns "$(build/bin/frame-copy $((w * h * 4)))"
	done
done
stop_adapter
unload
