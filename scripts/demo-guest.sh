#!/bin/sh
# Guest half of scripts/demo: one adapter, from one configuration file,
# gives the kernel's own virtio drivers five devices whose back-ends are
# ordinary vhost-user programs; each is then used. Prints what a user
# would look at.
set -eu
. tests/lib/vlb.sh

step() {
	printf '\n== %s\n' "$*"
}

# This run's logs only.
for f in adapter qsd virtiofsd console rng input; do
	: >"$VM_OUT/$f.log"
done

step "kernel $(uname -r): load the transport and the stock virtio drivers"
vlb_load virtio_blk virtiofs virtio_console virtio_rng virtio_input uinput evdev
ls -l /dev/virtio-loopback

step "start five vhost-user back-ends"
truncate -s 256M /tmp/disk.img
start_qsd /tmp/blk.sock /tmp/disk.img num-queues=2
echo "blk:     qemu-storage-daemon $(qemu-storage-daemon --version | head -n 1 | cut -d' ' -f3), a 256 MiB image"
mkdir -p /srv/share /mnt/share
mount -t tmpfs tmpfs /srv/share
echo "a file the host put in its shared directory" >/srv/share/from-host.txt
/usr/lib/qemu/virtiofsd --socket-path=/tmp/fs.sock -o source=/srv/share -o sandbox=chroot \
	>>"$VM_OUT/virtiofsd.log" 2>&1 &
vlb_track $!
echo "fs:      QEMU's virtiofsd, sharing /srv/share"
vhost-user-console --socket-path /tmp/con.sock --port unix:/tmp/port.sock,name=org.demo.port \
	>>"$VM_OUT/console.log" 2>&1 &
vlb_track $!
echo "console: vhost-user-console, one named port on the unix socket /tmp/port.sock"
vhost-user-rng --socket-path /tmp/rng.sock >>"$VM_OUT/rng.log" 2>&1 &
vlb_track $!
echo "rng:     vhost-user-rng"
mkfifo /tmp/keys
build/tests/bin/uinput-dev /tmp/uinput.path </tmp/keys >/dev/null 2>&1 &
vlb_track $!
exec 3>/tmp/keys
wait_for 10 test -s /tmp/uinput.path
vhost-user-input --evdev-path "$(cat /tmp/uinput.path)" --socket-path /tmp/in.sock \
	>>"$VM_OUT/input.log" 2>&1 &
vlb_track $!
echo "input:   vhost-user-input, passing through a uinput keyboard"

step "one adapter, one configuration file"
cat >/tmp/devices.conf <<'CONF'
[device]
type = blk
socket = /tmp/blk.sock
connect-timeout = 10

[device]
type = fs
socket = /tmp/fs.sock
tag = demo
connect-timeout = 10

[device]
type = console
socket = /tmp/con.sock
connect-timeout = 10

[device]
type = rng
socket = /tmp/rng.sock
connect-timeout = 10

[device]
type = input
socket = /tmp/in.sock
connect-timeout = 10
CONF
cat /tmp/devices.conf
echo "\$ virtio-loopback-adapter --config /tmp/devices.conf"
start_adapter --config /tmp/devices.conf
wait_for 60 sh -c "[ \$(ls -d $VLB_SYS/vlb*/virtio*/driver 2>/dev/null | wc -l) -eq 5 ]"
grep -E 'on the virtio bus' "$VM_OUT/adapter.log"
for d in "$VLB_SYS"/vlb*; do
	printf '  %s: %s driver\n' "${d##*/}" "$(basename "$(readlink "$d"/virtio*/driver)")"
done

step "blk: /dev/vdX with ext4; 32 MiB written, caches dropped, read back"
disk=$(wait_disks 1)
lsblk -o NAME,SIZE,TYPE "$disk"
mkfs.ext4 -q "$disk"
mkdir -p /mnt/disk
mount "$disk" /mnt/disk
head -c 32M /dev/urandom >/tmp/file
cp /tmp/file /mnt/disk/file
sync
echo 3 >/proc/sys/vm/drop_caches
cmp -s /tmp/file /mnt/disk/file || fail "data differs"
echo "32 MiB read back identical"
umount /mnt/disk

step "fs: mount -t virtiofs demo /mnt/share"
mount -t virtiofs demo /mnt/share
findmnt -o TARGET,SOURCE,FSTYPE /mnt/share
echo "\$ cat /mnt/share/from-host.txt"
cat /mnt/share/from-host.txt
echo "written in the guest" >/mnt/share/from-guest.txt
echo "\$ cat /srv/share/from-guest.txt   (the host's side of the share)"
cat /srv/share/from-guest.txt
umount /mnt/share

step "console: a line each way through the named port"
for p in /sys/class/virtio-ports/vport*; do
	[ "$(cat "$p/name")" = org.demo.port ] && port=/dev/${p##*/}
done
echo "$port is the port named $(cat /sys/class/virtio-ports/"${port#/dev/}"/name)"
echo "hello from the host side" | socat -t 5 - UNIX-CONNECT:/tmp/port.sock,shut-none >/tmp/host.got &
host=$!
wait_for 10 sh -c "grep -q 'client connected' $VM_OUT/console.log"
line=$(timeout 10 head -n 1 "$port")
echo "the guest read:  $line"
echo "hello from the guest" >"$port"
wait "$host" || true
echo "the host got:    $(cat /tmp/host.got)"

step "rng: /dev/hwrng is the virtio rng"
echo "rng_current: $(cat /sys/class/misc/hw_random/rng_current)"
echo "16 bytes: $(head -c 16 /dev/hwrng | od -An -tx1 | tr -d ' \n')"
rngtest -c 10 </dev/hwrng 2>&1 | grep -E 'successes|failures:' | head -n 2

step "input: keys pressed on the host keyboard reach the virtio event node"
node=/dev/input/$(basename "$(ls -d "$VLB_SYS"/vlb*/virtio*/input/input*/event*)")
echo "$node: $(build/tests/bin/evio name "$node")"
build/tests/bin/evio read "$node" 4 10 >/tmp/events &
reader=$!
sleep 1
echo "key 30" >&3
echo "key 48" >&3
wait "$reader" || fail "no key events"
sed 's/^1 30 1$/KEY_A pressed/; s/^1 30 0$/KEY_A released/; s/^1 48 1$/KEY_B pressed/; s/^1 48 0$/KEY_B released/' /tmp/events

step "transport counters, per device (stats/ in sysfs)"
printf '  %-5s %-14s %10s %10s\n' dev driver kicks interrupts
for d in "$VLB_SYS"/vlb*; do
	printf '  %-5s %-14s %10s %10s\n' "${d##*/}" "$(basename "$(readlink "$d"/virtio*/driver)")" \
		"$(cat "$d/stats/kicks")" "$(cat "$d/stats/interrupts")"
done

step "tear down: SIGTERM to the adapter removes every device; the module unloads"
stop_adapter
unload
echo "done"
