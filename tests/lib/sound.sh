# Guest-side helpers for the sound tests (sourced after vlb.sh; POSIX sh).

SND=/tmp/snd
mkdir -p $SND

# start_sound NAME BACKEND-OPTION...: vhost-user-sound on /tmp/NAME.sock,
# and an adapter for it; waits until ALSA has one card more.
start_sound() {
	_name=$1
	shift
	_cards=$(sound_cards)
	rm -f /tmp/$_name.sock
	build/bin/vhost-user-sound --socket-path /tmp/$_name.sock "$@" \
		>>"$VM_OUT/$_name.log" 2>&1 &
	SOUND_PID=$!
	vlb_track $SOUND_PID
	wait_for 10 test -S /tmp/$_name.sock
	# --reconnect-grace 0: loop-sound-alsa checks failing mode on a crash.
	start_adapter --device sound --socket /tmp/$_name.sock --reconnect-grace 0
	wait_for 30 sh -c "[ \$(cat /proc/asound/cards 2>/dev/null | grep -c '^ *[0-9]') -gt $_cards ]"
}

sound_cards() {
	cat /proc/asound/cards 2>/dev/null | grep -c '^ *[0-9]' || true
}

# ms COMMAND...: run COMMAND; print how long it took in milliseconds.
ms() {
	_t0=$(date +%s%N)
	"$@"
	echo $((($(date +%s%N) - _t0) / 1000000))
}

# same_audio [--prefix] REF OUT: OUT holds REF's samples exactly (pcmcmp).
same_audio() {
	build/tests/bin/pcmcmp "$@" >/tmp/pcmcmp.out || fail "$(cat /tmp/pcmcmp.out)"
	cat /tmp/pcmcmp.out
}
