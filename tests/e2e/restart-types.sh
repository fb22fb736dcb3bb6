#!/bin/sh
# The project's other back-ends with inflight regions, each SIGKILLed and
# restarted 1 s later under the adapter's default grace period, in one
# guest boot. rng: a read spanning the restart gets every byte. gpio: a
# read of a line made while the back-end is away completes when it is
# back, and the lines work on (a value the driver had set is not known to
# the new back-end: docs/backends/gpio.md). can: frames the
# guest sends while the back-end is away reach vcan0 once it is back, in
# order (the new back-end takes the controller as started). sound: a
# stream playing across the restart ends with an error, not a hang (the
# new back-end does not know the stream), and the next one plays sample
# for sample. (Console and input: their own restart tests.)
# vm-options: --mem 1G
set -eu
. tests/lib/vlb.sh
. tests/lib/sound.sh

vlb_load virtio_rng gpio-virtio virtio_can vcan can_raw virtio_snd
ip link add vcan0 type vcan
ip link set vcan0 up

# start_backend CMD...: CMD in the background, logged (pid in pid).
start_backend() {
	"$@" >>"$VM_OUT/backends.log" 2>&1 &
	pid=$!
	vlb_track $pid
}

# restart_backend PID CMD...: SIGKILL PID, start CMD 1 s later (pid in pid).
restart_backend() {
	kill -KILL "$1"
	wait "$1" 2>/dev/null || true
	shift
	sleep 1
	start_backend "$@"
}

# rng
start_backend vhost-user-rng --socket-path /tmp/rng.sock
wait_for 10 test -S /tmp/rng.sock
start_adapter --device rng --socket /tmp/rng.sock
wait_for 20 grep -q virtio_rng /sys/class/misc/hw_random/rng_current
dd if=/dev/hwrng of=/tmp/rng.bin bs=1024 count=256 iflag=fullblock 2>/tmp/rng.err &
reader=$!
sleep 1
restart_backend "$pid" vhost-user-rng --socket-path /tmp/rng.sock
wait "$reader" || fail "rng: the read across the restart failed: $(cat /tmp/rng.err)"
[ "$(stat -c %s /tmp/rng.bin)" = 262144 ] || fail "rng: $(stat -c %s /tmp/rng.bin) bytes"
echo "ok: rng: 256 KiB read across a back-end restart"
stop_adapter
kill "$pid" 2>/dev/null || true

# gpio: out0 wired to in0.
# Run in the background, exec makes $! the back-end itself.
gpio() {
	exec vhost-user-gpio --socket-path /tmp/gpio.sock --lines 4 --names out0,in0,out1,in1 \
		--wire 0:1 --wire 2:3
}
start_backend gpio
wait_for 10 test -S /tmp/gpio.sock
start_adapter --device gpio --socket /tmp/gpio.sock
wait_for 30 sh -c 'gpiodetect | grep -q "(4 lines)"'
chip=$(gpiodetect | grep '(4 lines)' | cut -d' ' -f1)
gpioset -m signal "$chip" 0=1 &
setter=$!
wait_for 10 sh -c "[ \"\$(gpioget $chip 1)\" = 1 ]"
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
gpioget "$chip" 3 >/tmp/gpio.read &	# made while no back-end is there
getter=$!
sleep 1
start_backend gpio
wait "$getter" || fail "gpio: a read made while the back-end was away failed"
[ "$(cat /tmp/gpio.read)" = 0 ] || fail "gpio: in1 read $(cat /tmp/gpio.read), with out1 never set"
kill "$setter"
wait "$setter" 2>/dev/null || true
gpioset -m signal "$chip" 2=1 &
setter=$!
wait_for 10 sh -c "[ \"\$(gpioget $chip 3)\" = 1 ]"
kill "$setter"
echo "ok: gpio: a read made while the back-end was away completed after its restart, and the lines work on"
stop_adapter
kill "$pid" 2>/dev/null || true

# can
can() {
	exec vhost-user-can --socket-path /tmp/can.sock --can-device vcan0
}
start_backend can
wait_for 10 test -S /tmp/can.sock
start_adapter --device can --socket /tmp/can.sock
wait_for 30 sh -c 'ls /sys/bus/virtio/drivers/virtio_can/virtio*/net/ 2>/dev/null | grep -q .'
dev=$(ls /sys/bus/virtio/drivers/virtio_can/virtio*/net/)
ip link set "$dev" up
candump -L -n 20 vcan0 >/tmp/can.got &
dump=$!
vlb_track $dump
sleep 0.5
for i in 0 1 2 3 4; do cansend "$dev" "12$i#0$i"; done
kill -KILL "$pid"
wait "$pid" 2>/dev/null || true
for i in 5 6 7 8 9; do cansend "$dev" "12$i#0$i"; done	# no back-end now
sleep 1
start_backend can
wait_for 20 sh -c '[ $(wc -l </tmp/can.got) -ge 10 ]' || true
for i in 0 1 2 3 4 5 6 7 8 9; do
	sed -n "$((i + 1))p" /tmp/can.got | grep -q " vcan0 12$i#0$i\$" ||
		fail "can: frame $i missing or out of order: $(cat /tmp/can.got)"
done
echo "ok: can: 5 frames sent while the back-end was away reached vcan0 after its restart, in order"
kill "$dump" 2>/dev/null || true
ip link set "$dev" down
stop_adapter
kill "$pid" 2>/dev/null || true

# sound: the file back-end.
sound() {
	exec build/bin/vhost-user-sound --socket-path /tmp/snd.sock --backend file \
		--playback-file /tmp/snd-out.wav --capture-file /tmp/snd-in.wav
}
cards=$(sound_cards)
start_backend sound
wait_for 10 test -S /tmp/snd.sock
start_adapter --device sound --socket /tmp/snd.sock
wait_for 30 sh -c "[ \$(cat /proc/asound/cards 2>/dev/null | grep -c '^ *[0-9]') -gt $cards ]"
sox -n -r 48000 -c 2 -b 16 -e signed-integer /tmp/long.wav synth 6 sine 440 gain -6
sox -n -r 48000 -c 2 -b 16 -e signed-integer /tmp/tone.wav synth 1 sine 997 gain -6
timeout 60 aplay -q -D hw:SoundCard,0 /tmp/long.wav 2>/tmp/aplay.err &
player=$!
sleep 2
restart_backend "$pid" sound
rc=0
wait "$player" || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] ||
	fail "sound: a stream across the restart did not end with an error (exit $rc)"
echo "ok: sound: a stream across the restart ended at once: $(cat /tmp/aplay.err)"
wait_for 10 test -S /tmp/snd.sock
rm -f /tmp/snd-out.wav
timeout 60 aplay -q -D hw:SoundCard,0 /tmp/tone.wav || fail "sound: the stream after the restart failed"
same_audio /tmp/tone.wav /tmp/snd-out.wav || fail "sound: the stream after the restart differs"
echo "ok: sound: a stream after the back-end's restart plays sample for sample"
stop_adapter
unload
