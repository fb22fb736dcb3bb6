#!/bin/sh
# The project's vhost-user-input SIGKILLed 3 times while a host device (a
# uinput keyboard made here) sends a stream of axis events, and restarted
# 1 s later. The guest's event node stays, and a reader that has it open
# throughout gets the events of every back-end: in order, none twice (an
# event buffer the dead back-end held empty is handed out again, not an
# old event). Only events made while no back-end had the host device open
# are missing: one gap per restart at most. An LED event the guest writes
# while the back-end is away reaches the host device once one is back.
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load virtio_input uinput evdev
start_uinput_dev
src=$UINPUT_SRC
backend() {
	vhost-user-input --evdev-path "$src" --socket-path /tmp/in.sock >>"$VM_OUT/input.log" 2>&1 &
	INPUT=$!
	vlb_track "$INPUT"
}
backend
wait_for 10 test -S /tmp/in.sock
start_adapter --device input --socket /tmp/in.sock
wait_for 20 sh -c "ls $VLB_SYS/vlb*/virtio*/input/input*/event* >/dev/null 2>&1"
sysnode=$(ls -d "$VLB_SYS"/vlb*/virtio*/input/input*/event*)
node=/dev/input/${sysnode##*/}
wait_for 10 test -c "$node"
dev=$(ls -d "$VLB_SYS"/vlb*)

build/tests/bin/evio read "$node" 1000000 120 >/tmp/events &
reader=$!
vlb_track $reader
sleep 1
# ABS_X 1..1000, three times over, one every 4 ms; each differs from the
# one before, so the input core passes every one. A key press ends it.
python3 -c '
import sys, time
for i in range(3000):
    sys.stdout.write("abs %d\n" % (i % 1000 + 1))
    sys.stdout.flush()
    time.sleep(0.004)
print("key 30")
' >&3 &
gen=$!
vlb_track $gen

restarts=0
while [ $restarts -lt 3 ]; do
	sleep 2
	kill -KILL "$INPUT"
	wait "$INPUT" 2>/dev/null || true
	if [ $restarts = 1 ]; then
		# Caps lock on, while no back-end is there: the driver's status
		# buffer waits in the ring for the next one.
		build/tests/bin/evio write "$node" 17 1 1
	fi
	sleep 1
	backend
	restarts=$((restarts + 1))
done
wait "$gen"
wait_for 60 grep -qx '1 30 0' /tmp/events
kill "$reader" 2>/dev/null || true
[ "$(ls -d "$VLB_SYS"/vlb*/virtio*/input/input*/event*)" = "$sysnode" ] ||
	fail "the event node changed: the device was probed again"
wait_for 10 grep -qx "led 1 1" /tmp/uinput.out
echo "ok: the LED event written while the back-end was away reached the host device"

python3 - "$restarts" /tmp/events >/tmp/check.txt <<'PY' || fail "$(tail -n 3 /tmp/check.txt)"
import sys
restarts = int(sys.argv[1])
vals = [int(l.split()[2]) for l in open(sys.argv[2]) if l.startswith('3 0 ')]
# Where each event is in the stream of 3000: a value far below the one
# before starts the next round of 1..1000; one just below it, or equal,
# came twice or out of order.
pos, rnd = [], 0
for v in vals:
    if pos and v <= (pos[-1] - 1) % 1000 + 1 - 500:
        rnd += 1
    p = rnd * 1000 + v
    if pos and p <= pos[-1]:
        sys.exit(f"ABS_X {v} after {(pos[-1] - 1) % 1000 + 1}: twice or out of order")
    pos.append(p)
gaps = sum(1 for a, b in zip(pos, pos[1:]) if b != a + 1)
missing = 3000 - len(pos)
print(f"{len(pos)} of 3000 events, {missing} missing in {gaps} gaps")
if gaps > restarts:
    sys.exit(f"{gaps} gaps in the events for {restarts} restarts")
if len(pos) < 1500:
    sys.exit(f"only {len(pos)} of 3000 events arrived")
PY
echo "ok: $restarts restarts: $(cat /tmp/check.txt)"
[ "$(cat "$dev/stats/failed_requests")" = 0 ] || fail "the kernel failed requests"
stop_adapter
unload
