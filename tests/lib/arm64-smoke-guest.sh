#!/bin/sh
# Guest side of tests/host/arm64-smoke.sh, in the arm64 guest: the
# cross-built upstream drivers load by name, the peers the end-to-end tests
# drive run, and the cross-built programs find their libraries.
set -eu
. tests/lib/assert.sh

[ "$(uname -m)" = aarch64 ] || fail "the guest is $(uname -m), not aarch64"
uname -r >"$VM_OUT/kver"

modprobe virtio_snd
modprobe vduse
lsmod | grep -q '^virtio_snd ' || fail "virtio_snd is not loaded"
lsmod | grep -q '^vhost_iotlb ' || fail "modprobe vduse did not load vhost_iotlb"
[ -c /dev/vduse/control ] || fail "/dev/vduse/control is missing"

# The project's own modules (if any are built yet) were built for this kernel.
for ko in build/arm64/modules/*.ko; do
	[ -f "$ko" ] || continue
	v=$(modinfo -F vermagic "$ko")
	case "$v" in "$(uname -r) "*) ;; *) fail "$ko has vermagic '$v'" ;; esac
done

v=$(fio --version)
case "$v" in fio-*) ;; *) fail "fio --version printed '$v'" ;; esac
q=$(qemu-storage-daemon --version | head -n 1)
case "$q" in "qemu-storage-daemon version "*) ;; *) fail "qemu-storage-daemon --version printed '$q'" ;; esac

# Every program in build/arm64/bin (first on PATH) links in this guest.
for p in build/arm64/bin/*; do
	[ -x "$p" ] || continue
	ldd "$p" >"$VM_OUT/ldd" 2>&1 || fail "ldd $p failed: $(cat "$VM_OUT/ldd")"
	! grep -q 'not found' "$VM_OUT/ldd" || fail "$p lacks libraries: $(grep 'not found' "$VM_OUT/ldd")"
	[ "$(command -v "$(basename "$p")")" = "$PWD/$p" ] || fail "$(basename "$p") is not found first on PATH"
done
echo "$v" >"$VM_OUT/fio"
echo "ok: upstream drivers, $v and $q run in the arm64 guest"
