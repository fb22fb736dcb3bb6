#!/bin/sh
# virtio-sound through the project's vhost-user-sound, alsa back-end, on
# snd-aloop (what is played to hw:Loopback,0,N is recorded on
# hw:Loopback,1,N): playback and capture sample for sample; two cards
# played at once, each verified; a player that pauses, resumes and
# drains (the device sees STOP, START, STOP, RELEASE, and nothing plays
# while paused); the back-end SIGKILLed during playback: aplay fails,
# nothing hangs, and a restarted back-end serves the next stream.
# shared-boot: yes
set -eu
. tests/lib/vlb.sh
. tests/lib/sound.sh

modprobe snd-aloop pcm_substreams=4
vlb_load virtio_snd
start_sound snd -v --backend alsa --playback-device hw:Loopback,0,0 \
	--capture-device hw:Loopback,1,1
SND1_PID=$SOUND_PID
A1=$ADAPTER_PID
tone() { # FILE SECONDS FREQUENCIES...
	_f=$1 _s=$2
	shift 2
	_synth=""
	for _hz in "$@"; do _synth="$_synth sine $_hz"; done
	# shellcheck disable=SC2086
	sox -n -r 48000 -c 2 -b 16 -e signed-integer "$_f" synth "$_s" $_synth gain -6
}
tone $SND/a.wav 3 440 997
tone $SND/b.wav 3 660 1300
# What the players play: the tones, then 0.3 s of digital silence, so that
# how snd-aloop ends a stream does not touch the tones themselves.
sox -D $SND/a.wav $SND/pa.wav pad 0 0.3
sox -D $SND/b.wav $SND/pb.wav pad 0 0.3
# The driver keeps queueing periods past a stream's end until its STOP
# arrives (Linux 6.1): up to one of aplay's periods of it may be heard.
TAIL=6000

# play_to_aloop: pa.wav played to the virtio card arrives on Loopback,1,0
# sample for sample.
play_to_aloop() {
	arecord -q -D hw:Loopback,1,0 -f S16_LE -r 48000 -c 2 -d 5 $SND/rec.wav &
	_rec=$!
	sleep 0.5
	aplay -q -D hw:SoundCard,0 $SND/pa.wav
	wait $_rec
	same_audio --tail $TAIL $SND/pa.wav $SND/rec.wav
}

# 1. Playback: the virtio card to Loopback,0,0, recorded on Loopback,1,0.
play_to_aloop
echo "ok: alsa playback, sample for sample through snd-aloop"

# 2. Capture: played into Loopback,0,1, recorded from the virtio card.
arecord -q -D hw:SoundCard,0 -f S16_LE -r 48000 -c 2 -d 5 $SND/rec.wav &
rec=$!
sleep 0.5
aplay -q -D hw:Loopback,0,1 $SND/pa.wav
wait $rec
# The same tail is allowed after the data: once, on a loaded host, a frame
# 48 ms after the end was not silence (the back-end logged no overrun).
same_audio --tail $TAIL $SND/pa.wav $SND/rec.wav
echo "ok: alsa capture, sample for sample through snd-aloop"

# 3. Two cards, two back-ends, two players at once.
start_sound snd2 -v --backend alsa --playback-device hw:Loopback,0,2 \
	--capture-device hw:Loopback,1,3
grep -q 'SoundCard_1' /proc/asound/cards || fail "no second card: $(cat /proc/asound/cards)"
arecord -q -D hw:Loopback,1,0 -f S16_LE -r 48000 -c 2 -d 5 $SND/rec-a.wav &
ra=$!
arecord -q -D hw:Loopback,1,2 -f S16_LE -r 48000 -c 2 -d 5 $SND/rec-b.wav &
rb=$!
sleep 0.5
aplay -q -D hw:SoundCard,0 $SND/pa.wav &
pa=$!
aplay -q -D hw:SoundCard_1,0 $SND/pb.wav
wait $pa
wait $ra
wait $rb
same_audio --tail $TAIL $SND/pa.wav $SND/rec-a.wav
same_audio --tail $TAIL $SND/pb.wav $SND/rec-b.wav
echo "ok: two cards played at once, each sample for sample"

# 4. Pause, resume, drain: the pause is silence, and nothing is lost.
mark=$(wc -l <"$VM_OUT/snd.log")
arecord -q -D hw:Loopback,1,0 -f S16_LE -r 48000 -c 2 -d 6 $SND/rec.wav &
rec=$!
sleep 0.5
build/tests/bin/snd-pause hw:SoundCard,0 $SND/pa.wav 1000 800
wait $rec
# shellcheck disable=SC2086
same_audio --tail $TAIL --gap 9600 $SND/pa.wav $SND/rec.wav >/tmp/gap.out
cat /tmp/gap.out
longest=$(sed -n 's/^gaps: .*the longest \([0-9]*\) frames/\1/p' /tmp/gap.out)
[ "${longest:-0}" -ge 28800 ] || fail "the 800 ms pause left a gap of $longest frames"
tail -n +$((mark + 1)) "$VM_OUT/snd.log" | sed -n 's/.*debug: \(START\|STOP\|RELEASE\) .*of a stream.*/\1/p' |
	tr '\n' ' ' >/tmp/seq
grep -q 'START STOP START STOP RELEASE' /tmp/seq || fail "the device saw: $(cat /tmp/seq)"
echo "ok: pause and resume: $(cat /tmp/seq); the pause is silent, no sample lost"

# 5. The back-end SIGKILLed during playback.
aplay -q -D hw:SoundCard,0 $SND/pa.wav 2>/tmp/aplay.err &
ap=$!
sleep 1
kill -KILL $SND1_PID
end=$(($(date +%s) + 20))
while kill -0 $ap 2>/dev/null; do
	[ "$(date +%s)" -lt "$end" ] || fail "aplay hangs after the back-end died"
	sleep 0.2
done
rc=0
wait $ap || rc=$?
echo "ok: aplay ended (exit $rc: $(head -n 1 /tmp/aplay.err)) after the back-end was killed"
build/bin/vhost-user-sound --socket-path /tmp/snd.sock --backend alsa \
	--playback-device hw:Loopback,0,0 --capture-device hw:Loopback,1,1 >>"$VM_OUT/snd.log" 2>&1 &
vlb_track $!
wait_for 20 grep -q 'reconnected to the back-end at /tmp/snd.sock' "$VM_OUT/adapter.log"
play_to_aloop
echo "ok: a restarted back-end serves the next stream, sample for sample"

kill -TERM $A1
wait $A1 || fail "the adapter exited $? on SIGTERM"
stop_adapter
unload
