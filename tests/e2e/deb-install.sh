#!/bin/sh
# The Debian packages `make deb` built (build/deb/; host/deb builds them
# earlier in the suite) installed with dpkg -i on the guest's writable
# root, the guest kernel's headers visible as on a real host: DKMS builds
# both modules for the running kernel, modprobe loads the transport from
# updates/dkms, and the installed adapter and vhost-user-blk serve a disk
# that reads back what was written. Then dpkg -r keeps only the
# configuration files, dpkg -P removes them too and DKMS forgets the
# modules: nothing the packages listed is left.
# vm-options: --mem 2G
set -eu
. tests/lib/vlb.sh

kver=$(uname -r)
prog=$(ls build/deb/virtio-loopback_*.deb 2>/dev/null) || fail "no build/deb/*.deb: run make deb"
dkmsdeb=$(ls build/deb/virtio-loopback-dkms_*_all.deb)
[ -d "/lib/modules/$kver/build" ] || fail "no headers for $kver"
# The harness's module index links the project's own modules (extra/)
# and the upstream drivers (updates/): keep only the latter, as real
# files' links, so the transport can only come from DKMS.
moddir=/lib/modules/$kver
up=$(readlink -f "$moddir/updates")
rm -f "$moddir/extra" "$moddir/updates"
mkdir -p "$moddir/updates"
cp -as "$up/." "$moddir/updates/"
rm -f /var/lib/man-db/auto-update	# no man index rebuild under TCG
export DEBIAN_FRONTEND=noninteractive

# The compiler's debug info is all DKMS strips from what it installs
# (strip -g): left unmade (KCFLAGS, which dkms passes on), the build under
# TCG takes an eighth less (100 to 109 s against 115 to 123 s, alternating
# in one guest).
KCFLAGS=-g0 dpkg -i "$prog" "$dkmsdeb" >"$VM_OUT/dpkg-install.log" 2>&1 || {
	cp /var/lib/dkms/virtio-loopback/*/build/make.log "$VM_OUT/dkms-make.log" 2>/dev/null || true
	fail "dpkg -i failed: $(tail -n 20 "$VM_OUT/dpkg-install.log")"
}
dkms status >"$VM_OUT/dkms-status.txt" 2>&1
grep -q "^virtio-loopback/.*, $kver, .*: installed" "$VM_OUT/dkms-status.txt" ||
	fail "dkms did not install the modules for $kver: $(cat "$VM_OUT/dkms-status.txt")"
for m in virtio_loopback virtio_can; do
	path=$(modinfo -n "$m") || fail "$m is not known after the install"
	case $path in
	"$moddir/updates/dkms/$m.ko"*) ;;
	*) fail "$m is $path, not DKMS's" ;;
	esac
done
echo "ok: dpkg -i: DKMS built and installed both modules for $kver ($(dpkg-deb -f "$prog" Version))"

modprobe virtio_loopback || fail "modprobe virtio_loopback failed"
modprobe virtio_blk
[ "$(cat /sys/module/virtio_loopback/srcversion)" = \
	"$(modinfo -F srcversion "$moddir/updates/dkms/virtio_loopback.ko"*)" ] ||
	fail "the loaded virtio_loopback is not the one DKMS built"
truncate -s 64M /tmp/disk.img
/usr/bin/vhost-user-blk --blk-file /tmp/disk.img --socket-path /tmp/blk.sock >>"$VM_OUT/blk.log" 2>&1 &
vlb_track $!
wait_for 10 test -S /tmp/blk.sock
/usr/bin/virtio-loopback-adapter --device blk --socket /tmp/blk.sock >>"$VM_OUT/adapter.log" 2>&1 &
ADAPTER_PID=$!
vlb_track $ADAPTER_PID
disk=$(wait_disks 1)
head -c 4M /dev/urandom >/tmp/data
dd if=/tmp/data of="$disk" bs=1M oflag=direct conv=fsync 2>/dev/null
dd if="$disk" of=/tmp/back bs=1M count=4 iflag=direct 2>/dev/null
[ "$(sum /tmp/back)" = "$(sum /tmp/data)" ] || fail "the disk read back different data"
echo "ok: the installed adapter and vhost-user-blk serve $disk, which reads back what was written"
stop_adapter
unload

dpkg -L virtio-loopback virtio-loopback-dkms >/tmp/listed
dpkg -r virtio-loopback >"$VM_OUT/dpkg-remove.log" 2>&1 || fail "dpkg -r failed: $(tail -n 5 "$VM_OUT/dpkg-remove.log")"
[ -e /etc/virtio-loopback/adapter.conf ] || fail "dpkg -r removed the configuration"
[ ! -e /usr/bin/virtio-loopback-adapter ] || fail "dpkg -r left the adapter"
dpkg -P virtio-loopback virtio-loopback-dkms >"$VM_OUT/dpkg-purge.log" 2>&1 ||
	fail "dpkg -P failed: $(tail -n 5 "$VM_OUT/dpkg-purge.log")"
left=$(while read -r f; do [ -d "$f" ] || [ ! -e "$f" ] || echo "$f"; done </tmp/listed)
[ -z "$left" ] || fail "files left after dpkg -P: $left"
[ ! -e /etc/virtio-loopback ] || fail "dpkg -P left /etc/virtio-loopback"
dkms status 2>&1 | grep -q virtio-loopback && fail "dkms still knows virtio-loopback: $(dkms status)"
[ ! -e /var/lib/dkms/virtio-loopback ] || fail "dkms left /var/lib/dkms/virtio-loopback"
ls "$moddir/updates/dkms/" 2>/dev/null | grep -q virtio && fail "modules left in updates/dkms"
modinfo virtio_loopback >/dev/null 2>&1 && fail "virtio_loopback is still known after the purge"
echo "ok: dpkg -r kept the configuration; dpkg -P left none of the $(wc -l </tmp/listed) listed paths, and DKMS forgot the modules"
