#!/bin/sh
# The project's vhost-user-input passes a host evdev device (a uinput
# keyboard made here) through the loopback: the kernel's virtio_input shows
# its name and axis, key and axis events arrive at the new event node, and
# an LED event written there reaches the original device.
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load virtio_input uinput evdev
start_uinput_dev
src=$UINPUT_SRC
echo "source device: $src ($(build/tests/bin/evio name "$src"))"

vhost-user-input --evdev-path "$src" --socket-path /tmp/in.sock >>"$VM_OUT/input.log" 2>&1 &
vlb_track $!
wait_for 10 test -S /tmp/in.sock
start_adapter --device input --socket /tmp/in.sock
wait_for 20 sh -c "ls $VLB_SYS/vlb*/virtio*/input/input*/event* >/dev/null 2>&1"
node=/dev/input/$(basename "$(ls -d "$VLB_SYS"/vlb*/virtio*/input/input*/event*)")
wait_for 10 test -c "$node"
name=$(build/tests/bin/evio name "$node")
echo "virtio device: $node ($name)"
[ "$name" = "vlb test keyboard" ] || fail "the virtio device is named '$name'"
[ "$(build/tests/bin/evio absmax "$node" 0)" -eq 1000 ] || fail "ABS_X maximum differs"

build/tests/bin/evio read "$node" 3 20 >/tmp/events &
reader=$!
sleep 1
echo "key 30" >&3
echo "abs 777" >&3
wait "$reader" || fail "events did not arrive: $(cat /tmp/events)"
cat /tmp/events
grep -qx '1 30 1' /tmp/events || fail "no KEY_A press"
grep -qx '1 30 0' /tmp/events || fail "no KEY_A release"
grep -qx '3 0 777' /tmp/events || fail "no ABS_X 777"
echo "ok: key and axis events arrived through virtio-input"

build/tests/bin/evio write "$node" 17 1 1
wait_for 10 grep -qx 'led 1 1' /tmp/uinput.out
echo "ok: the caps-lock LED reached the source device"
stop_adapter
unload
