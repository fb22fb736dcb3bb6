#!/bin/sh
# The project's vhost-user-gpio, simulated lines, through the loopback and
# Linux's gpio-virtio, driven by libgpiod's tools: gpiodetect and gpioinfo
# show the chip, its names and directions; gpioset and gpioget work on
# every line and across the wires; gpiomon on a wired input sees exactly
# one rising and one falling edge for each of 1000 toggles of its output;
# level interrupts (a kernel consumer, tests/modules/gpio_level_irq) fire
# while the level lasts and stop with it; interrupts turned off while the
# device holds their buffer, again and again; a second chip with pull-ups.
# Then the back-end is SIGKILLed while gpiomon waits: nothing hangs, the
# tools get errors, and a restarted back-end serves the chip again.
# arm64: yes
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load gpio-virtio
NAMES=led0,button0,led1,button1,relay,sense,spare6,spare7
start_gpio() {
	vhost-user-gpio --socket-path /tmp/gpio.sock --lines 8 --names $NAMES \
		--wire 0:1 --wire 2:3 --wire 4:5 >>"$VM_OUT/gpio.log" 2>&1 &
	GPIO_PID=$!
	vlb_track $GPIO_PID
}
start_gpio
wait_for 10 test -S /tmp/gpio.sock
# --reconnect-grace 0: section 6 checks failing mode, not the hold.
start_adapter --device gpio --socket /tmp/gpio.sock --reconnect-grace 0
wait_for 30 sh -c 'gpiodetect | grep -q "(8 lines)"'
# The second chip comes once the first is up, and its interrupts are not
# used: Linux 6.1's gpio-virtio shares one irq_chip between its devices,
# and gpiolib's hooks then leave every chip but the first probed without
# an irq_enable (an interrupt turned on there calls a NULL pointer).
vhost-user-gpio --socket-path /tmp/gpio2.sock --lines 2 --pull up >>"$VM_OUT/gpio2.log" 2>&1 &
vlb_track $!
wait_for 10 test -S /tmp/gpio2.sock
virtio-loopback-adapter --device gpio --socket /tmp/gpio2.sock >>"$VM_OUT/adapter2.log" 2>&1 &
A2=$!
vlb_track $A2
wait_for 30 sh -c '[ "$(gpiodetect | grep -c "\[virtio")" -eq 2 ]'

# 1. The chips as gpiodetect and gpioinfo show them.
gpiodetect | tee "$VM_OUT/gpiodetect.txt"
chip=$(gpiodetect | awk '/\[virtio[0-9]+\] \(8 lines\)/ { print $1 }')
chip2=$(gpiodetect | awk '/\[virtio[0-9]+\] \(2 lines\)/ { print $1 }')
[ -n "$chip" ] && [ -n "$chip2" ] || fail "gpiodetect does not show both virtio chips"
gpioinfo "$chip" >"$VM_OUT/gpioinfo.txt"
cat "$VM_OUT/gpioinfo.txt"
i=0
for name in $(echo $NAMES | tr , ' '); do
	case $i in 0 | 2 | 4) dir=output ;; *) dir=input ;; esac
	grep -Eq "line +$i: +\"$name\" +unused +$dir " "$VM_OUT/gpioinfo.txt" ||
		fail "gpioinfo: line $i is not \"$name\", unused, $dir"
	i=$((i + 1))
done
[ "$(gpiofind button1)" = "$chip 3" ] || fail "gpiofind button1: '$(gpiofind button1)'"
echo "ok: gpiodetect and gpioinfo show $chip: 8 lines, their names and directions"

# gpiomon's interrupt is requested once /proc/interrupts names it; a short
# pause then covers the interrupt type's request to the device, which the
# same ioctl sends. An edge's direction is the line's value when the
# kernel's event thread reads it (the v1 uAPI libgpiod 1.6 uses), so a
# line stays set until gpiomon has reported it: a gpioset that released it
# at once made a rising edge read as falling on a loaded host.
mon_ready() {
	wait_for 10 grep -q gpiomon /proc/interrupts
	sleep 0.2
}

# 2. gpioset and gpioget on every line: a line alone reads its pull; an
# input reads what its wire drives, while the output is held.
for i in 0 1 2 3 4 5 6 7; do
	gpioset "$chip" $i=1 || fail "gpioset $chip $i=1 failed"
	[ "$(gpioget "$chip" $i)" = 0 ] || fail "line $i does not read its pull-down"
done
for i in 0 1; do
	[ "$(gpioget "$chip2" $i)" = 1 ] || fail "line $i of the pull-up chip does not read 1"
done
for w in 0:1 2:3 4:5; do
	out=${w%:*} in=${w#*:}
	for v in 1 0 1; do
		gpioset -m signal "$chip" "$out=$v" &
		setter=$!
		wait_for 10 sh -c "[ \"\$(gpioget $chip $in)\" = $v ]"
		kill $setter
		wait $setter || true
	done
done
echo "ok: gpioset and gpioget on every line; each wired input follows its output"

# 3. 1000 toggles of line 0: gpiomon on line 1 sees each edge, in order,
# and nothing else.
mkfifo /tmp/events
stdbuf -oL gpiomon -F %e "$chip" 1 >/tmp/events &
mon=$!
rc=0
build/tests/bin/gpio-toggle follow "$chip" 0 1 1000 </tmp/events >/tmp/follow.txt || rc=$?
kill $mon
wait $mon || true
[ "$rc" -eq 0 ] || fail "gpiomon did not see exactly one edge per change"
cat /tmp/follow.txt
grep -q 'toggles=1000 rising=1000 falling=1000 extra=0' /tmp/follow.txt ||
	fail "follow: $(cat /tmp/follow.txt)"
echo "ok: gpiomon saw 1000 rising and 1000 falling edges, none lost, none extra"

# 4. Level interrupts, high and low, through a kernel consumer.
label=$(gpiodetect | awk -v c="$chip" '$1 == c { gsub(/[][]/, "", $2); print $2 }')
level_count() {
	cat /sys/module/gpio_level_irq/parameters/count
}
for trig in high low; do
	[ $trig = high ] && on=1 || on=0
	modprobe gpio_level_irq label="$label" line=3 trigger=$trig ||
		fail "cannot load gpio_level_irq ($trig)"
	gpioset -m signal "$chip" 2=$((1 - on)) &
	setter=$!
	sleep 0.5
	c0=$(level_count)
	sleep 1
	[ "$(level_count)" -eq "$c0" ] || fail "level-$trig interrupts while the level is not $trig"
	kill $setter
	wait $setter || true
	gpioset -m signal "$chip" 2=$on &
	setter=$!
	wait_for 20 sh -c "[ \$(cat /sys/module/gpio_level_irq/parameters/count) -ge $((c0 + 10)) ]"
	kill $setter
	wait $setter || true
	rmmod gpio_level_irq
	echo "ok: level-$trig interrupts fire while the line is $trig, and only then"
done

# 5. Interrupts turned off while their buffer waits in the device, and on
# again at once, 20 times: each gpiomon still sees its edge.
for n in $(seq 20); do
	gpiomon -n 1 -F %e "$chip" 5 >/tmp/mon.txt &
	mon=$!
	mon_ready
	if [ $((n % 2)) -eq 0 ]; then
		gpioset -m signal "$chip" 4=1 &
		setter=$!
		wait $mon || fail "gpiomon failed (round $n)"
		kill $setter
		wait $setter || true
		[ "$(cat /tmp/mon.txt)" = 1 ] || fail "round $n: gpiomon saw '$(cat /tmp/mon.txt)'"
	else
		kill $mon
		wait $mon || true
	fi
done
echo "ok: 20 interrupt enables and disables while the device held the buffer"

# 6. The back-end SIGKILLed while gpiomon waits for an edge.
gpiomon -F %e "$chip" 1 >/tmp/mon.txt 2>&1 &
mon=$!
mon_ready
kill -KILL $GPIO_PID
wait_for 10 grep -q 'failing requests until the back-end is back' "$VM_OUT/adapter.log"
rc=0
timeout 10 gpioget "$chip" 7 >/dev/null 2>/tmp/get.err || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "gpioget did not fail at once (exit $rc)"
rc=0
timeout 10 gpioset "$chip" 6=1 2>/tmp/set.err || rc=$?
[ "$rc" -ne 124 ] || fail "gpioset hangs while the back-end is gone"
kill $mon
wait_for 10 sh -c "! kill -0 $mon 2>/dev/null"
echo "ok: back-end killed: gpioget fails ($(head -n 1 /tmp/get.err)), gpiomon ends on SIGTERM"
start_gpio
wait_for 20 grep -q 'reconnected to the back-end at /tmp/gpio.sock' "$VM_OUT/adapter.log"
gpioset -m signal "$chip" 0=1 &
setter=$!
wait_for 10 sh -c "[ \"\$(gpioget $chip 1)\" = 1 ]"
kill $setter
wait $setter || true
gpiomon -n 1 -F %e "$chip" 1 >/tmp/mon.txt &
mon=$!
mon_ready
gpioset -m signal "$chip" 0=1 &
setter=$!
wait $mon || fail "gpiomon failed after the restart"
kill $setter
wait $setter || true
[ "$(cat /tmp/mon.txt)" = 1 ] || fail "after the restart gpiomon saw '$(cat /tmp/mon.txt)'"
echo "ok: a restarted back-end serves the chip again: values and edges"

kill -TERM $A2
wait $A2 || fail "the second adapter exited $? on SIGTERM"
stop_adapter
unload
