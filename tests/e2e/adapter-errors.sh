#!/bin/sh
# Bad input to the adapter: a missing module, a missing socket, bad
# options (--tag, --config-space and --connect-timeout among them), an
# unreadable or malformed config file, a socket that never appears, a
# virtio-fs device without a tag, a back-end without
# VIRTIO_F_VERSION_1, a back-end that refuses the driver's features. Each
# gives one clear line on stderr and a non-zero exit, and leaves no device
# behind. --help works, and a good config file brings a device up.
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

# expect_error REGEX ARGS...: the adapter fails with one line matching REGEX.
expect_error() {
	_re=$1
	shift
	rc=0
	virtio-loopback-adapter "$@" >/tmp/out 2>/tmp/err || rc=$?
	[ "$rc" -ne 0 ] || fail "adapter $* succeeded"
	# Progress lines may surround it; the error is one line.
	[ "$(grep -c -E 'error:|warning:' /tmp/err)" -eq 1 ] ||
		fail "adapter $*: wanted one error line, got: $(cat /tmp/err)"
	grep -Eq "error: .*$_re" /tmp/err ||
		fail "adapter $*: '$(grep error: /tmp/err)' does not match /$_re/"
	[ "$(vlb_count)" -eq 0 ] || fail "adapter $*: a device was left behind"
	echo "ok ($rc): $*: $(grep error: /tmp/err)"
}

# expect_bad_value REGEX ARGS...: the same, for a bad value: exit status 2.
expect_bad_value() {
	expect_error "$@"
	[ "$rc" -eq 2 ] || fail "adapter exited $rc, not 2, for a bad value"
}

truncate -s 16M /tmp/disk.img
start_qsd /tmp/qsd.sock /tmp/disk.img

# The module is not loaded yet.
expect_error 'virtio_loopback module' --device blk --socket /tmp/qsd.sock
vlb_load virtio_blk virtio_rng

expect_error 'cannot connect.*/tmp/none.sock' --device blk --socket /tmp/none.sock
expect_error 'unknown device type' --device toaster --socket /tmp/qsd.sock
expect_error 'bad --queues' --device blk --socket /tmp/qsd.sock --queues 0
expect_error 'bad --queue-size' --device blk --socket /tmp/qsd.sock --queue-size 100
expect_error 'bad --shm-size' --device blk --socket /tmp/qsd.sock --shm-size 4T
expect_error 'no --socket' --device blk
expect_error 'must follow --device' --socket /tmp/qsd.sock
expect_error 'unknown option' --device blk --socket /tmp/qsd.sock --frobnicate
expect_error 'no device given'
expect_error 'cannot read config file' --config /nonexistent.conf
printf '[device]\ntype = blk\nsockett = /tmp/qsd.sock\n' >/tmp/bad.conf
expect_error 'bad.conf:3: unknown option' --config /tmp/bad.conf
expect_error 'supports at most' --device blk --socket /tmp/qsd.sock --queues 4

# Front-end config: --tag, --config-space, and waiting for a socket.
expect_bad_value "bad --tag '': a tag has 1..36 bytes" --device fs --socket /tmp/fs.sock --tag ''
expect_bad_value 'bad --tag .*not 37' --device fs --socket /tmp/fs.sock \
	--tag abcdefghijklmnopqrstuvwxyz0123456789x
expect_bad_value '--tag is not an option of device type blk' --device blk --socket /tmp/qsd.sock \
	--tag x
expect_bad_value "bad --config-space 'abc': an odd number" --device blk --socket /tmp/qsd.sock \
	--config-space abc
expect_bad_value "bad --config-space '0g': 'g' is not a hex digit" --device blk \
	--socket /tmp/qsd.sock --config-space 0g
expect_bad_value 'the blk config space has 60 bytes' --device blk --socket /tmp/qsd.sock \
	--config-space 58:000000
expect_bad_value 'bad --connect-timeout' --device blk --socket /tmp/qsd.sock --connect-timeout 1h
expect_bad_value "bad --display 'vnc': sdl or headless" --device gpu --socket /tmp/gpu.sock \
	--display vnc
expect_bad_value "bad --resolution '10x10'" --device gpu --socket /tmp/gpu.sock --resolution 10x10
expect_bad_value "bad --resolution '5000x600'" --device gpu --socket /tmp/gpu.sock \
	--resolution 5000x600
expect_bad_value "bad --resolution '800'" --device gpu --socket /tmp/gpu.sock --resolution 800
expect_bad_value "bad --outputs '17': 1..16" --device gpu --socket /tmp/gpu.sock --outputs 17
expect_bad_value "bad --screenshot 'shot.jpg'" --device gpu --socket /tmp/gpu.sock \
	--screenshot shot.jpg
expect_bad_value '--tag is not an option of device type gpu' --device gpu --socket /tmp/gpu.sock \
	--tag x
expect_bad_value '--outputs is not an option of device type fs' --device fs \
	--socket /tmp/fs.sock --outputs 2
printf '[device]\ntype = fs\nsocket = /tmp/fs.sock\ntag = \n' >/tmp/bad.conf
expect_bad_value 'bad.conf:4: bad --tag' --config /tmp/bad.conf
start=$(date +%s)
expect_error 'cannot connect.*/tmp/none.sock.*gave up waiting' --device blk \
	--socket /tmp/none.sock --connect-timeout 2
[ $(($(date +%s) - start)) -ge 2 ] || fail "--connect-timeout 2 did not wait"
grep -q 'waiting up to 2 s for the back-end at /tmp/none.sock' /tmp/err ||
	fail "no waiting line: $(cat /tmp/err)"
# --display sdl with no display to open: one line, nothing left.
vlb_load virtio_gpu
/usr/lib/qemu/vhost-user-gpu --socket-path=/tmp/gpu.sock >>"$VM_OUT/vhost-user-gpu.log" 2>&1 &
vlb_track $!
wait_for 10 test -S /tmp/gpu.sock
unset DISPLAY WAYLAND_DISPLAY
expect_error '--display sdl: SDL' --device gpu --socket /tmp/gpu.sock --display sdl
# virtiofsd has no config space: without --tag the device has no tag.
mkdir -p /tmp/share
/usr/lib/qemu/virtiofsd --socket-path=/tmp/fs.sock -o source=/tmp/share -o sandbox=chroot \
	>>"$VM_OUT/virtiofsd.log" 2>&1 &
vlb_track $!
wait_for 10 test -S /tmp/fs.sock
expect_error 'has no tag: give it one with --tag' --device fs --socket /tmp/fs.sock

python3 tests/lib/fake-backend.py --no-version1 /tmp/fake1.sock &
vlb_track $!
wait_for 10 test -S /tmp/fake1.sock
expect_error 'does not offer VIRTIO_F_VERSION_1' --device blk --socket /tmp/fake1.sock

python3 tests/lib/fake-backend.py --refuse-features /tmp/fake2.sock &
vlb_track $!
wait_for 10 test -S /tmp/fake2.sock
expect_error 'refused' --device rng --socket /tmp/fake2.sock

virtio-loopback-adapter --help | grep -q -- '--shm-size' || fail "--help lacks --shm-size"

# A good config file.
cat >/tmp/good.conf <<CONF
# one disk
[device]
type = blk
socket = /tmp/qsd.sock
queue-size = 128
shm-size = 4M
CONF
start_adapter --config /tmp/good.conf
wait_disks 1 >/dev/null
stop_adapter
echo "ok: a device from a config file"
unload
