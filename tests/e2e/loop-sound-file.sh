#!/bin/sh
# virtio-sound through the project's vhost-user-sound, file back-end: what
# aplay plays to the virtio card arrives in the back-end's WAV file sample
# for sample, in real time; what arecord records is the back-end's input
# file, sample for sample. S16 48 kHz stereo, S32 96 kHz mono, FLOAT
# 44.1 kHz stereo. A second card from the null back-end, with two
# playback streams and jacks, is paced as well.
# arm64: yes
# shared-boot: yes
set -eu
. tests/lib/vlb.sh
. tests/lib/sound.sh

vlb_load virtio_snd
start_sound snd --backend file --playback-file $SND/out.wav --capture-file $SND/in.wav
A1=$ADAPTER_PID
grep -q 'SoundCard' /proc/asound/cards || fail "no SoundCard: $(cat /proc/asound/cards)"
echo "ok: the virtio card is $(grep SoundCard /proc/asound/cards | head -n 1 | sed 's/^ *//')"

# tone FILE SECONDS SOX-FORMAT...: a different tone on each channel.
tone() {
	_f=$1 _s=$2
	shift 2
	sox -n "$@" "$_f" synth "$_s" sine 440 sine 997 sine 1500 gain -6
}

# 1. Playback, S16 48 kHz stereo, 3 s: the samples, and the pace. aplay's
# start-up is taken out by timing a 0.2 s file the same way (both within
# 10% of the real-time pace); the faster of two such runs, as one start-up
# under TCG was once seen to take 200 ms more than the next.
tone $SND/tones.wav 3 -r 48000 -c 2 -b 16 -e signed-integer
tone $SND/short.wav 0.2 -r 48000 -c 2 -b 16 -e signed-integer
aplay -q -D hw:SoundCard,0 $SND/short.wav	# caches warm for the timed runs
t_short=$(ms aplay -q -D hw:SoundCard,0 $SND/short.wav)
t2=$(ms aplay -q -D hw:SoundCard,0 $SND/short.wav)
[ "$t2" -ge "$t_short" ] || t_short=$t2
t_long=$(ms aplay -q -D hw:SoundCard,0 $SND/tones.wav)
same_audio $SND/tones.wav $SND/out.wav
played=$((t_long - t_short))
[ $played -ge 2520 ] && [ $played -le 3080 ] ||
	fail "3 s took aplay $t_long ms, a 0.2 s file $t_short ms: $played ms for 2.8 s"
echo "ok: S16 48 kHz stereo played sample for sample; 2.8 s more audio took $played ms"

# 2. Capture: arecord gets the input file's samples, then silence.
cp $SND/tones.wav $SND/in.wav
arecord -q -D hw:SoundCard,0 -f S16_LE -r 48000 -c 2 -d 2 $SND/rec.wav
same_audio --prefix $SND/tones.wav $SND/rec.wav
cp $SND/short.wav $SND/in.wav
arecord -q -D hw:SoundCard,0 -f S16_LE -r 48000 -c 2 -d 1 $SND/rec.wav
same_audio $SND/short.wav $SND/rec.wav
echo "ok: S16 48 kHz stereo recorded sample for sample, silence after the file's end"

# 3. The other formats, both ways.
check_format() { # NAME ALSA-FORMAT RATE CHANNELS SOX-FORMAT...
	_n=$1 _a=$2 _r=$3 _c=$4
	shift 4
	tone $SND/$_n.wav 1 -r $_r -c $_c "$@"
	aplay -q -D hw:SoundCard,0 $SND/$_n.wav
	same_audio $SND/$_n.wav $SND/out.wav
	cp $SND/$_n.wav $SND/in.wav
	arecord -q -D hw:SoundCard,0 -f $_a -r $_r -c $_c -d 1 $SND/rec.wav
	same_audio --prefix $SND/$_n.wav $SND/rec.wav
	echo "ok: $_a $_r Hz, $_c channel(s), both ways"
}
check_format s32 S32_LE 96000 1 -b 32 -e signed-integer
check_format float FLOAT_LE 44100 2 -b 32 -e floating-point

# 4. A second card: the null back-end, two playback streams, jacks.
start_sound snd2 --backend null --playback-streams 2 --capture-streams 1 --jacks
grep -q 'SoundCard_1' /proc/asound/cards || fail "no second card: $(cat /proc/asound/cards)"
subs=$(aplay -l | grep -A3 '^card [0-9]*: SoundCard_1' | sed -n 's/.*Subdevices: [0-9]*\/\([0-9]*\)/\1/p')
[ "$subs" = 2 ] || fail "SoundCard_1 has $subs playback subdevices, not 2: $(aplay -l)"
amixer -c SoundCard_1 controls >/tmp/controls
grep -q "'Line Out Jack'" /tmp/controls && grep -q "'Line Jack'" /tmp/controls ||
	fail "no jack controls: $(cat /tmp/controls)"
t=$(ms aplay -q -D hw:SoundCard_1,0,1 $SND/tones.wav)
[ $t -ge 2800 ] || fail "the null back-end took 3 s of audio in $t ms: not paced"
echo "ok: a second card (null back-end): 2 playback subdevices, jacks 'Line Out' and 'Line'; 3 s took aplay $t ms"

kill -TERM $ADAPTER_PID
wait $ADAPTER_PID || fail "the second adapter exited $? on SIGTERM"
ADAPTER_PID=$A1
stop_adapter
! grep -q 'error' "$VM_OUT/snd.log" || fail "the back-end logged errors: $(grep error "$VM_OUT/snd.log")"
unload
