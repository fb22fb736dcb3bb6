#!/bin/sh
# The guest half of bench/sound-run: snd-aloop as the host's sound card,
# the project's vhost-user-sound (alsa back-end) behind a virtio card.
# For each round and period: snd-latency straight to snd-aloop (the direct
# path), then through the virtio card; then 60 s through the virtio card
# for xruns and the back-end's CPU time. Arguments: ROUNDS SECONDS PERIODS LONG.
set -eu
ROUNDS=$1 SECS=$2 PERIODS=$3 LONG=$4
OUT=$VM_OUT
. tests/lib/vlb.sh
. tests/lib/sound.sh
mkdir -p "$OUT/log"
: >"$OUT/samples.csv"

modprobe snd-aloop pcm_substreams=2
# Linux 6.1's virtio_snd takes periods of 10 ms and more unless told.
modprobe virtio_snd pcm_period_ms_min=5
vlb_load
VM_OUT=$OUT/log start_sound snd --backend alsa --playback-device hw:Loopback,0,1 \
	--capture-device hw:Loopback,1,1

# run PATH PERIOD ROUND PLAY CAPTURE: one snd-latency run into samples.csv.
run() {
	build/tests/bin/snd-latency "$4" "$5" "$2" "$SECS" >/tmp/lat.txt
	grep -v '^xruns\|^buffer' /tmp/lat.txt | sed "s/^/$1,$2,$3,/" >>"$OUT/samples.csv"
	sed -n "s/^buffer playback \([0-9]*\) \([0-9]*\)/$1,$2,\1,\2/p" /tmp/lat.txt >>"$OUT/buffers.csv"
	echo "$1,$2,$3,xruns,$(sed -n 's/^xruns //p' /tmp/lat.txt)" >>"$OUT/xruns.csv"
}
r=1
while [ $r -le "$ROUNDS" ]; do
	for p in $(echo "$PERIODS" | tr ',' ' '); do
		run direct "$p" $r hw:Loopback,0,0 hw:Loopback,1,0
		run virtio "$p" $r hw:SoundCard,0 hw:Loopback,1,1
	done
	r=$((r + 1))
done

# LONG seconds of 48 kHz stereo through the virtio card: xruns, back-end CPU.
ticks() { awk '{ print $14 + $15 }' /proc/$SOUND_PID/stat; }
before=$(grep -c 'underrun\|overrun' "$OUT/log/snd.log" || true)
t0=$(ticks)
build/tests/bin/snd-latency hw:SoundCard,0 hw:Loopback,1,1 10 "$LONG" >/tmp/long.txt
t1=$(ticks)
{
	echo "long_seconds=$LONG"
	echo "long_player_xruns=$(sed -n 's/^xruns //p' /tmp/long.txt)"
	echo "long_backend_xruns=$(($(grep -c 'underrun\|overrun' "$OUT/log/snd.log" || true) - before))"
	echo "long_backend_cpu_ticks=$((t1 - t0))"
	echo "clk_tck=$(getconf CLK_TCK)"
	echo "guest_kernel=$(uname -r)"
} >"$OUT/guest.txt"
stop_adapter
