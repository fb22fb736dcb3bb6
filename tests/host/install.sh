#!/bin/sh
# make install into a staging tree (DESTDIR, PREFIX=/usr, SYSCONFDIR=/etc)
# puts exactly the expected files there, with the units' paths rewritten;
# an edited configuration file survives install and uninstall; uninstall
# leaves no file behind. make modules_install (KERNEL_SRC, INSTALL_MOD_PATH)
# puts both modules in updates/ of the kernel's module tree.
set -eu
cd "$(dirname "$0")/../.."
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

make -s install DESTDIR="$stage/root" PREFIX=/usr >"$stage/install.log" 2>&1 ||
	fail "make install: $(tail -n 5 "$stage/install.log")"
(cd "$stage/root" && find . -type f -o -type l | sed 's|^\.||' | grep -v '^/usr/share/doc/' | sort) \
	>"$stage/got"
{
	echo /usr/bin/virtio-loopback-adapter
	for b in backends/*; do echo "/usr/bin/vhost-user-${b#backends/}"; done
	for u in dist/systemd/*.service dist/systemd/*.socket; do echo "/usr/lib/systemd/system/${u##*/}"; done
	echo /usr/lib/modules-load.d/virtio-loopback.conf
	for f in dist/etc/*; do echo "/etc/virtio-loopback/${f##*/}"; done
	for m in man/*.1; do echo "/usr/share/man/man1/${m##*/}"; done
} | sort >"$stage/want"
diff -u "$stage/want" "$stage/got" >"$stage/diff" || fail "installed files differ: $(cat "$stage/diff")"
[ -f "$stage/root/usr/share/doc/virtio-loopback/README.md" ] &&
	[ -f "$stage/root/usr/share/doc/virtio-loopback/adapter.md" ] || fail "the docs are not installed"
! grep -rl '/usr/local' "$stage/root/usr/lib/systemd/system" || fail "a unit still names /usr/local"
grep -q '^ExecStart=/usr/bin/virtio-loopback-adapter --config /etc/virtio-loopback/adapter.conf' \
	"$stage/root/usr/lib/systemd/system/virtio-loopback-adapter.service" ||
	fail "the adapter's unit does not run /usr/bin with /etc's configuration"
for p in "$stage"/root/usr/bin/*; do
	"$p" --help >/dev/null || fail "$p --help failed"
done
echo "ok: make install staged $(wc -l <"$stage/got") files (and the docs) where they belong"

echo "# mine" >>"$stage/root/etc/virtio-loopback/adapter.conf"
make -s install DESTDIR="$stage/root" PREFIX=/usr >"$stage/install.log" 2>&1
tail -n 1 "$stage/root/etc/virtio-loopback/adapter.conf" | grep -qx '# mine' ||
	fail "make install replaced an edited configuration file"
make -s uninstall DESTDIR="$stage/root" PREFIX=/usr >"$stage/uninstall.log" 2>&1 ||
	fail "make uninstall: $(tail -n 5 "$stage/uninstall.log")"
left=$(cd "$stage/root" && find . -type f | sed 's|^\.||')
[ "$left" = /etc/virtio-loopback/adapter.conf ] || fail "after uninstall: $left"
echo "ok: an edited configuration file survives install and uninstall; uninstall leaves nothing else"

kver=$(scripts/kver)
make -s modules_install KERNEL_SRC="/lib/modules/$kver/build" INSTALL_MOD_PATH="$stage/mods" \
	>"$stage/mods.log" 2>&1 || fail "make modules_install: $(tail -n 5 "$stage/mods.log")"
got=$(cd "$stage/mods" && find . -name '*.ko' | sort | tr '\n' ' ')
[ "$got" = "./lib/modules/$kver/updates/virtio_can.ko ./lib/modules/$kver/updates/virtio_loopback.ko " ] ||
	fail "modules_install put: $got"
modinfo -F vermagic "$stage/mods/lib/modules/$kver/updates/virtio_loopback.ko" | grep -q "^$kver " ||
	fail "the installed module is not for $kver"
echo "ok: make modules_install put both modules in lib/modules/$kver/updates"
