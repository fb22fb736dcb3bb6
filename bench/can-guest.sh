#!/bin/sh
# Guest side of bench/can-run, one boot: ROUNDS rounds of
# tests/progs/can-bench (latency over ITER frames, one in flight;
# throughput over 10*ITER frames, WINDOW in flight), for 8-byte classic
# and 64-byte FD frames, on three paths: guest to host (the virtio_can
# interface to vcan0 through the project's vhost-user-can), host to guest
# (vcan0 to the interface), and the in-kernel baseline (vcan1 to vcan2
# through can-gw). One key=value file per path, kind and round in $VM_OUT.
set -eu
. tests/lib/vlb.sh
rounds=$1 iter=$2 window=$3
vlb_load virtio_can
for m in vcan can_raw can_gw; do
	modprobe $m || fail "cannot load $m"
done
for v in vcan0 vcan1 vcan2; do
	ip link add $v type vcan
	ip link set $v up
done
cangw -A -s vcan1 -d vcan2 -e
cangw -A -s vcan1 -d vcan2 -e -X
vhost-user-can --socket-path /tmp/can.sock --can-device vcan0 >>"$VM_OUT/can.log" 2>&1 &
vlb_track $!
wait_for 10 test -S /tmp/can.sock
start_adapter --device can --socket /tmp/can.sock
wait_for 30 sh -c 'ls /sys/bus/virtio/drivers/virtio_can/virtio*/net/ 2>/dev/null | grep -q .'
dev=$(ls /sys/bus/virtio/drivers/virtio_can/virtio*/net/)
ip link set "$dev" up
bench=build/tests/bin/can-bench
for r in $(seq "$rounds"); do
	for kind in classic fd; do
		fd=
		[ $kind = classic ] || fd=fd
		for path in "g2h $dev vcan0" "h2g vcan0 $dev" "gw vcan1 vcan2"; do
			set -- $path
			out=$VM_OUT/$1-$kind-$r.txt
			$bench latency "$2" "$3" "$iter" $fd >"$out"
			$bench throughput "$2" "$3" $((iter * 10)) "$window" $fd >>"$out"
			echo "round $r $kind $1: $(tr '\n' ' ' <"$out")"
		done
	done
done
kill -USR1 "$(pgrep -x vhost-user-can)"
sleep 1
grep 'stats:' "$VM_OUT/can.log" | tail -n 1 >"$VM_OUT/backend-stats.txt"
stop_adapter
unload
