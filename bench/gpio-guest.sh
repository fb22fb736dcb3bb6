#!/bin/sh
# Guest side of bench/gpio-run: ROUNDS rounds of tests/progs/gpio-toggle
# bench (ITER set+get round trips, then ITER edges timed from the set on
# line 0 to the event on its wired line 1) on the project's vhost-user-gpio
# through the loopback. One key=value file per round in $VM_OUT.
set -eu
. tests/lib/vlb.sh
rounds=$1 iter=$2
vlb_load gpio-virtio
vhost-user-gpio --socket-path /tmp/gpio.sock --lines 2 --wire 0:1 >>"$VM_OUT/gpio.log" 2>&1 &
vlb_track $!
wait_for 10 test -S /tmp/gpio.sock
start_adapter --device gpio --socket /tmp/gpio.sock
wait_for 30 sh -c 'gpiodetect | grep -q "(2 lines)"'
chip=$(gpiodetect | awk '/\(2 lines\)/ { print $1 }')
for r in $(seq "$rounds"); do
	build/tests/bin/gpio-toggle bench "$chip" 0 1 "$iter" >"$VM_OUT/round-$r.txt"
	cat "$VM_OUT/round-$r.txt"
done
stop_adapter
unload
