#!/bin/sh
# The project's virtio_can driver and vhost-user-can, bridged to vcan0:
# the driver's interface (canN) is the other end of vcan0. With cangen,
# cansend and candump, both ways: standard and extended ids, RTR frames
# and FD frames up to 64 bytes arrive equal and in order, and the guest
# never gets its own frames back; 10000 frames each way at once, none
# lost; the interface taken down and up mid-stream. A flood of 100000
# frames into the driver: afterwards both directions work and every frame
# is accounted for (received by the driver, or counted dropped by the
# back-end). Bus-off injected on vcan0 shows as BUS-OFF and a restart
# ends it; a back-end that never answers START makes "ip link set up"
# fail in bounded time; a back-end SIGKILLed under traffic hangs nothing,
# and a restarted one serves the interface again; the device is removed
# under traffic.
# arm64: yes
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load virtio_can
modprobe vcan || fail "cannot load vcan"
modprobe can_raw || fail "cannot load can_raw"
ip link add vcan0 type vcan
ip link set vcan0 up
echo 1000 >/sys/module/virtio_can/parameters/ctrl_timeout_ms

start_can() {
	vhost-user-can --socket-path /tmp/can.sock --can-device vcan0 \
		>>"$VM_OUT/can.log" 2>&1 &
	CAN_PID=$!
	vlb_track $CAN_PID
}
start_can
wait_for 10 test -S /tmp/can.sock
# --reconnect-grace 0: section 7 checks failing mode, not the hold.
start_adapter --device can --socket /tmp/can.sock --reconnect-grace 0
wait_for 30 sh -c 'ls /sys/bus/virtio/drivers/virtio_can/virtio*/net/ 2>/dev/null | grep -q .'
dev=$(ls /sys/bus/virtio/drivers/virtio_can/virtio*/net/)
ip -details link show "$dev" >"$VM_OUT/link.txt"
cat "$VM_OUT/link.txt"
grep -q 'can <FD>' "$VM_OUT/link.txt" || fail "$dev is not in FD mode"
grep -q 'mtu 72 ' "$VM_OUT/link.txt" || fail "$dev does not have CAN FD's MTU"
ip link set "$dev" up
grep -q 'state ERROR-ACTIVE' <<EOF || fail "$dev did not start: $(ip -details link show "$dev")"
$(ip -details link show "$dev")
EOF
echo "ok: $dev is up, FD mode, bit rate owned by the device"

stat_of() { cat "/sys/class/net/$dev/statistics/$1"; }
# frames LOG: a candump -L log without timestamps and interface names.
frames() { awk '{ print $3 }' "$1"; }

# dump IFACE FILE N: candump IFACE into FILE until N frames came.
dump() {
	candump -L -n "$3" -r 4194304 "$1" >"$2" &
	DUMP=$!
	vlb_track $DUMP
	sleep 0.5
}
# compare A B WHAT: the two logs hold the same frames, in order.
compare() {
	frames "$1" >/tmp/a.txt
	frames "$2" >/tmp/b.txt
	[ -s /tmp/a.txt ] || fail "$3: nothing was sent"
	cmp -s /tmp/a.txt /tmp/b.txt || {
		cp "$1" "$VM_OUT/differ-a.log"
		cp "$2" "$VM_OUT/differ-b.log"
		fail "$3: the frames differ: $(diff /tmp/a.txt /tmp/b.txt | head -n 4 | tr '\n' ' ')"
	}
}

# 1. Both ways, each logged on both sides: cangen's standard, extended,
# RTR and FD frames (FD of every length to 64; cangen makes 1 to 64,
# cansend one of 0 bytes with an extended id), 651 frames in a row.
round() { # FROM TO
	candump -L -r 4194304 "$2" >/tmp/to.log &
	to_pid=$!
	candump -L -r 4194304 "$1" >/tmp/from.log &
	from_pid=$!
	vlb_track $to_pid
	vlb_track $from_pid
	sleep 0.5
	cangen "$1" -n 200 -g 1 -I i -L i -D i
	cangen "$1" -n 200 -g 1 -e -I i -L i -D i
	cangen "$1" -n 50 -g 1 -R -L i
	cangen "$1" -n 200 -g 1 -f -L i -D i
	cansend "$1" 1F334455##0
	within 30 sh -c '[ $(wc -l </tmp/to.log) -ge 651 ] && [ $(wc -l </tmp/from.log) -ge 651 ]' ||
		fail "$1 to $2: $(wc -l </tmp/to.log) of 651 frames came"
	sleep 0.3
	kill $to_pid $from_pid
	compare /tmp/from.log /tmp/to.log "$1 to $2"
	frames /tmp/to.log >/tmp/f.txt
	[ "$(grep -Ec '^[0-9A-F]{3}#[0-9A-F]*$' /tmp/f.txt)" = 200 ] &&
		[ "$(grep -Ec '^[0-9A-F]{8}#[0-9A-F]*$' /tmp/f.txt)" = 200 ] &&
		[ "$(grep -Ec '#R' /tmp/f.txt)" = 50 ] &&
		[ "$(grep -c '##' /tmp/f.txt)" = 201 ] ||
		fail "$1 to $2: not 200 standard, 200 extended, 50 RTR and 201 FD frames"
	[ "$(awk -F'##' 'NF == 2 { print (length($2) - 1) / 2 }' /tmp/f.txt | sort -n | uniq |
		tr '\n' ' ')" = "0 1 2 3 4 5 6 7 8 12 16 20 24 32 48 64 " ] ||
		fail "$1 to $2: the FD frames do not have every length"
}
rx0=$(stat_of rx_packets)
round "$dev" vcan0
[ "$(stat_of rx_packets)" = "$rx0" ] || fail "the guest got $(($(stat_of rx_packets) - rx0)) of its own frames back"
round vcan0 "$dev"
echo "ok: standard, extended, RTR and FD frames (every length to 64) equal and in order, both ways"
echo "ok: the guest never saw its own frames"

# 2. 10000 frames each way at once: cansequence's rising counters from
# the guest (its receiver on vcan0 quits at the first one out of order),
# cangen's incrementing payloads from the host (bursts of 4 every 1 ms:
# unpaced, while the back-end also sends, the host socket's buffer
# overflows), logged on both sides.
cansequence vcan0 -r -q 1 >/tmp/seq-host.txt 2>&1 &
seq_host=$!
vlb_track $seq_host
candump -L -r 4194304 vcan0,003:7FF >/tmp/from.log &
dump_from=$!
candump -L -r 4194304 "$dev,003:7FF" >/tmp/to.log &
dump_to=$!
vlb_track $dump_from
vlb_track $dump_to
sleep 0.5
rx0=$(stat_of rx_packets) tx0=$(stat_of tx_packets)
start=$(date +%s.%N)
cansequence "$dev" --loop=10000 -p &
send_guest=$!
cangen vcan0 -n 10000 -g 1 -c 4 -I 3 -L 8 -D i -p 10 &
send_host=$!
wait $send_guest || fail "cansequence on $dev failed"
wait $send_host || fail "cangen on vcan0 failed"
end=$(date +%s.%N)
wait_for 20 sh -c "[ \$(wc -l </tmp/to.log) -ge 10000 ]"
sleep 0.5
kill -0 $seq_host 2>/dev/null || fail "vcan0 saw a sequence out of order: $(head -n 3 /tmp/seq-host.txt)"
kill $seq_host $dump_from $dump_to
[ "$(($(stat_of tx_packets) - tx0))" = 10000 ] || fail "$dev sent $(($(stat_of tx_packets) - tx0)) of 10000"
[ "$(($(stat_of rx_packets) - rx0))" = 10000 ] || fail "$dev received $(($(stat_of rx_packets) - rx0)) of 10000"
compare /tmp/from.log /tmp/to.log "10000 frames from the host"
rate=$(awk "BEGIN { printf \"%.0f\", 10000 / ($end - $start) }")
echo "ok: 10000 frames each way at once, none lost, in order ($rate frames/s each way)"

# 3. Down and up in the middle of a stream from the host: frames sent
# while the interface is down are dropped by the back-end (and counted),
# those after come in order.
candump -L -D -r 4194304 "$dev" >/tmp/to.log &
DUMP=$!
vlb_track $DUMP
sleep 0.5
cangen vcan0 -n 1500 -g 2 -I 123 -L 8 -D i &
gen=$!
sleep 1
ip link set "$dev" down
sleep 0.5
ip link set "$dev" up
wait $gen
sleep 0.5
kill $DUMP
n=$(wc -l </tmp/to.log)
[ "$n" -gt 100 ] && [ "$n" -lt 1500 ] || fail "down and up: $n frames came through"
echo "ok: down and up mid-stream: $n of 1500 frames came, the rest were sent while $dev was down"

# 4. A flood into the driver: 100000 frames as fast as vcan0 takes them.
kill -USR1 $CAN_PID
wait_for 5 grep -q 'stats:' "$VM_OUT/can.log"
before=$(grep 'stats:' "$VM_OUT/can.log" | tail -n 1)
rx0=$(stat_of rx_packets) drop0=$(stat_of rx_dropped) err0=$(stat_of rx_errors)
cangen vcan0 -n 100000 -g 0 -I 456 -L 8 -D i
sleep 2
kill -USR1 $CAN_PID
wait_for 5 sh -c "[ \$(grep -c 'stats:' $VM_OUT/can.log) -ge 2 ]"
after=$(grep 'stats:' "$VM_OUT/can.log" | tail -n 1)
field() { echo "$1" | sed -n "s/.* $2=\([0-9]*\).*/\1/p"; }
backend_dropped=0
for f in dropped_stopped dropped_no_room dropped_type socket_dropped; do
	backend_dropped=$((backend_dropped + $(field "$after" $f) - $(field "$before" $f)))
done
got=$(($(stat_of rx_packets) - rx0)) dropped=$(($(stat_of rx_dropped) - drop0)) errors=$(($(stat_of rx_errors) - err0))
echo "flood: driver received $got, dropped $dropped, errors $errors; back-end dropped $backend_dropped"
[ $((got + dropped + errors + backend_dropped)) = 100000 ] ||
	fail "the flood's 100000 frames are not all accounted for"
[ "$got" -gt 0 ] || fail "the driver received nothing of the flood"
for pair in "vcan0 $dev" "$dev vcan0"; do
	set -- $pair
	dump "$2" /tmp/to.log 1
	cansend "$1" 321#CAFE
	wait_for 5 sh -c "! kill -0 $DUMP 2>/dev/null"
	grep -q '321#CAFE' /tmp/to.log || fail "after the flood, $1 to $2 does not work"
done
echo "ok: a flood of 100000 frames: all accounted for, and both directions work after it"

# 5. Bus-off, injected as an error frame on vcan0; a restart ends it.
cansend vcan0 20000040#0000000000000000
wait_for 10 sh -c "ip -details link show $dev | grep -q 'state BUS-OFF'"
# A frame sent now waits in the queue discipline: it must not reach the bus.
dump vcan0 /tmp/to.log 100000
cansend "$dev" 111#11
sleep 1
[ ! -s /tmp/to.log ] || fail "$dev sent a frame while bus-off: $(cat /tmp/to.log)"
ip link set "$dev" type can restart
wait_for 10 sh -c "ip -details link show $dev | grep -q 'state ERROR-ACTIVE'"
cansend "$dev" 111#22
wait_for 5 grep -q '111#22' /tmp/to.log
kill $DUMP
[ "$(ip -details -statistics link show "$dev" | awk '/re-started/ { getline; print $1 }')" -ge 1 ] ||
	fail "the restart was not counted: $(ip -details -statistics link show "$dev")"
echo "ok: bus-off shows as BUS-OFF, nothing reaches the bus; a restart brings $dev back"

# 6. A back-end that does not answer START: "ip link set up" fails.
ip link set "$dev" down
kill -STOP $CAN_PID
t0=$(date +%s)
rc=0
timeout 20 ip link set "$dev" up 2>/tmp/up.err || rc=$?
t1=$(date +%s)
kill -CONT $CAN_PID
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "ip link set up did not fail (exit $rc)"
[ $((t1 - t0)) -le 10 ] || fail "ip link set up took $((t1 - t0)) s to fail"
sleep 1
ip link set "$dev" up || fail "$dev does not come up once the back-end answers again"
echo "ok: a back-end that does not answer: ip link set up fails in $((t1 - t0)) s ($(cat /tmp/up.err))"

# 7. The back-end SIGKILLed under traffic both ways; then restarted.
cangen "$dev" -g 1 -I 200 -L 8 -D i -i >/dev/null 2>&1 &
gen_guest=$!
cangen vcan0 -g 1 -I 201 -L 8 -D i >/dev/null 2>&1 &
gen_host=$!
vlb_track $gen_guest
vlb_track $gen_host
sleep 1
kill -KILL $CAN_PID
wait_for 10 grep -q 'failing requests until the back-end is back' "$VM_OUT/adapter.log"
sleep 1
timeout 10 ip link set "$dev" down || fail "ip link set down hangs with the back-end gone"
rc=0
timeout 10 ip link set "$dev" up 2>/dev/null || rc=$?
[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || fail "ip link set up did not fail at once without a back-end (exit $rc)"
start_can
wait_for 20 grep -q 'reconnected to the back-end at /tmp/can.sock' "$VM_OUT/adapter.log"
ip link set "$dev" up || fail "$dev does not come up with the restarted back-end"
for pair in "vcan0 $dev" "$dev vcan0"; do
	set -- $pair
	dump "$2" /tmp/to.log 100000
	cansend "$1" 3AB#0102030405060708
	wait_for 5 grep -q '3AB#0102030405060708' /tmp/to.log
	kill $DUMP
done
echo "ok: back-end killed under traffic: nothing hangs; restarted, it serves $dev again"

# 8. The device removed under traffic.
cangen "$dev" -g 1 -I 202 -L 8 -D i -i >/dev/null 2>&1 &
gen_guest=$!
vlb_track $gen_guest
sleep 1
stop_adapter
kill $gen_guest $gen_host 2>/dev/null || true
[ ! -e "/sys/class/net/$dev" ] || fail "$dev remains after the device was removed"
wait_for 20 rmmod virtio_can
unload
echo "ok: removed under traffic, the modules unloaded"
