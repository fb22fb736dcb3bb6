#!/bin/sh
# vhost-user-gpio in chip mode, through libgpiod, on a real gpiochip: the
# first virtio chip (simulated lines, line 0 wired to 1, 2 to 3) is served
# again as a second virtio chip by a second back-end (--chip). On the
# second chip: names and directions are the first's; sets reach the first
# chip's wires and come back as values, on both chips; a line another
# consumer holds on the first chip gives an error. Interrupts on the second
# chip cannot be tested here: Linux 6.1's gpio-virtio shares one irq_chip
# between its devices, and an interrupt turned on at any chip but the
# first probed calls a NULL irq_enable (docs/backends/gpio.md).
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load gpio-virtio
vhost-user-gpio --socket-path /tmp/sim.sock --lines 6 --names a0,a1,a2,a3,a4,a5 \
	--wire 0:1 --wire 2:3 >>"$VM_OUT/sim.log" 2>&1 &
vlb_track $!
wait_for 10 test -S /tmp/sim.sock
start_adapter --device gpio --socket /tmp/sim.sock
wait_for 30 sh -c 'gpiodetect | grep -q "\[virtio"'
first=$(gpiodetect | awk '/\[virtio/ { print $1 }')
vhost-user-gpio --socket-path /tmp/chip.sock --chip "/dev/$first" >>"$VM_OUT/chip.log" 2>&1 &
vlb_track $!
wait_for 10 test -S /tmp/chip.sock
virtio-loopback-adapter --device gpio --socket /tmp/chip.sock >>"$VM_OUT/adapter2.log" 2>&1 &
A2=$!
vlb_track $A2
wait_for 30 sh -c '[ "$(gpiodetect | grep -c "\[virtio")" -eq 2 ]'
second=$(gpiodetect | awk -v f="$first" '/\[virtio/ && $1 != f { print $1 }')
gpiodetect
gpioinfo "$second" | tee "$VM_OUT/gpioinfo.txt"
for i in 0 1 2 3 4 5; do
	case $i in 0 | 2) dir=output ;; *) dir=input ;; esac
	grep -Eq "line +$i: +\"a$i\" +unused +$dir " "$VM_OUT/gpioinfo.txt" ||
		fail "$second line $i is not \"a$i\", unused, $dir"
done
echo "ok: $second serves $first's lines: names and directions"

# Values: a set on the second chip drives the first chip's wire.
for v in 1 0 1; do
	gpioset -m signal "$second" 0=$v &
	setter=$!
	wait_for 10 sh -c "[ \"\$(gpioget $second 1)\" = $v ] && [ \"\$(gpioget $first 1)\" = $v ]"
	gpioinfo "$first" | grep -Eq 'line +0: +"a0" +"vhost-user-gpio" +output' ||
		fail "the chip back-end does not hold $first line 0 while it drives it"
	kill $setter
	wait $setter || true
done
echo "ok: values set on $second reach $first's wire and read back on both"

# A line another consumer holds on the first chip: an error, no hang.
gpioset -m signal "$first" 4=1 &
holder=$!
wait_for 10 sh -c "gpioinfo $first | grep -q 'line   4:.*gpioset'"
rc=0
timeout 10 gpioset "$second" 4=1 2>/tmp/busy.err || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "gpioset on a held line: exit $rc"
grep -q 'another consumer holds it' "$VM_OUT/chip.log" ||
	fail "the chip back-end did not say the line is held"
kill $holder
wait $holder || true
gpioset "$second" 4=1 || fail "gpioset on the released line failed"
echo "ok: a line held on $first gives an error on $second ($(head -n 1 /tmp/busy.err))"

kill -TERM $A2
wait $A2 || fail "the second adapter exited $? on SIGTERM"
stop_adapter
unload
