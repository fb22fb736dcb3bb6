#!/bin/sh
# make deb builds virtio-loopback and virtio-loopback-dkms (and the
# debug symbols) with no lintian error; the programs' package holds
# exactly what make install stages for PREFIX=/usr, and the DKMS package
# the modules' sources with a dkms.conf naming both modules.
set -eu
cd "$(dirname "$0")/../.."
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

make -s deb >"$stage/deb.log" 2>&1 || fail "make deb: $(tail -n 20 "$stage/deb.log")"
prog=$(ls build/deb/virtio-loopback_*.deb)
dkms=$(ls build/deb/virtio-loopback-dkms_*_all.deb)
version=$(dpkg-deb -f "$prog" Version)
echo "ok: make deb built $(ls build/deb/*.deb | wc -l) packages, version $version, no lintian error"

dpkg-deb -c "$prog" | awk '$1 !~ /^d/ { sub(/^\./, "", $6); print $6 }' |
	grep -v '^/usr/share/doc/' | sed 's/\.gz$//' | sort >"$stage/deb"
make -s install DESTDIR="$stage/root" PREFIX=/usr >"$stage/install.log" 2>&1
(cd "$stage/root" && find . -type f | sed 's|^\.||' | grep -v '^/usr/share/doc/' | sort) >"$stage/staged"
diff -u "$stage/staged" "$stage/deb" >"$stage/diff" || fail "package and make install differ: $(cat "$stage/diff")"
echo "ok: $(wc -l <"$stage/deb") files in $(basename "$prog"), the same as make install stages"

dpkg-deb -c "$dkms" >"$stage/dkms.list"
grep -q "usr/src/virtio-loopback-$version/dkms.conf" "$stage/dkms.list" || fail "no dkms.conf"
dpkg-deb --fsys-tarfile "$dkms" | tar -xO "./usr/src/virtio-loopback-$version/dkms.conf" >"$stage/dkms.conf"
grep -qx "PACKAGE_VERSION=\"$version\"" "$stage/dkms.conf" || fail "dkms.conf has the wrong version"
for m in virtio_loopback virtio_can; do
	grep -q "BUILT_MODULE_NAME\[[0-9]\]=\"$m\"" "$stage/dkms.conf" || fail "dkms.conf does not build $m"
	grep -q "usr/src/virtio-loopback-$version/kernel/$m/Kbuild" "$stage/dkms.list" ||
		fail "$m's sources are not in the package"
done
dpkg-deb -f "$dkms" Depends | grep -q '^dkms' ||
	fail "the DKMS package does not depend on dkms"
echo "ok: $(basename "$dkms") holds both modules' sources and a dkms.conf for $version"
