#!/bin/sh
# QEMU's unmodified C virtiofsd serves a directory through the loopback,
# and the kernel's own virtiofs mounts it by the tag the adapter supplies
# (--tag; virtiofsd has no config space of its own). The adapter starts
# before virtiofsd and waits for it (--connect-timeout). Files written on
# either side are seen on the other; a tree of a thousand files and a
# 32 MiB file survive the trip (on arm64, whose TCG guest is slower and
# whose run shows the architecture works, 500 files and 16 MiB); rename,
# unlink, mkdir, symlink, chmod and truncate work. Then virtiofsd is killed in the middle of a copy: the copy
# fails with an I/O error, nothing hangs, the mount goes away, and a new
# virtiofsd serves a new mount on the same device.
# vm-options: --mem 2G
# arm64: yes
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

VIRTIOFSD=/usr/lib/qemu/virtiofsd
case $(uname -m) in
aarch64) NFILES=500 BIG=16 ;;
*) NFILES=1000 BIG=32 ;;
esac
SHARE=/srv/share
MNT=/mnt/fs

vlb_load virtiofs
mkdir -p $SHARE $MNT
mount -t tmpfs -o size=1G tmpfs $SHARE

virtiofsd() {
	rm -f /tmp/fs.sock
	$VIRTIOFSD --socket-path=/tmp/fs.sock -o source=$SHARE -o sandbox=chroot \
		>>"$VM_OUT/virtiofsd.log" 2>&1 &
	VFS=$!
	vlb_track $VFS
}

# wait_fs: until the virtiofs driver has bound the loopback device.
wait_fs() {
	wait_for 30 sh -c "readlink $VLB_SYS/vlb*/virtio*/driver | grep -q '/virtiofs\$'"
}

# The adapter first: it waits for the socket to appear.
start_adapter --device fs --socket /tmp/fs.sock --tag share --connect-timeout 60
sleep 2
kill -0 "$ADAPTER_PID" || fail "the adapter did not wait for the back-end"
grep -q 'waiting up to 60 s for the back-end at /tmp/fs.sock' "$VM_OUT/adapter.log" ||
	fail "no waiting line in the adapter log: $(cat "$VM_OUT/adapter.log")"
virtiofsd
wait_fs
mount -t virtiofs share $MNT
findmnt -n -o FSTYPE,SOURCE $MNT | grep -qx 'virtiofs share' || fail "not a virtiofs mount: $(findmnt $MNT)"
echo "ok: virtiofsd started after the adapter; mounted by tag 'share'"

# Either side sees the other's writes (cache=auto: within a second or so).
echo "from the guest" >$MNT/g
[ "$(cat $SHARE/g)" = "from the guest" ] || fail "the host side does not see the guest's file"
echo "from the host" >$SHARE/h
wait_for 10 grep -qx "from the host" $MNT/h
echo "changed on the host" >$SHARE/g
wait_for 10 grep -qx "changed on the host" $MNT/g
echo "ok: files written on either side are seen on the other"

# A tree of NFILES files: small ones from /usr/share/doc (and more of
# the system's when that is short), with directories and symlinks.
nfiles=$(sample_tree /tmp/tree $NFILES)
[ "$nfiles" -ge $((NFILES * 3 / 4)) ] || fail "only $nfiles files to copy"
cp -a /tmp/tree $MNT/tree
diff -r --no-dereference /tmp/tree $MNT/tree >/tmp/diff.txt ||
	fail "the copy differs in the guest: $(head -n 5 /tmp/diff.txt)"
diff -r --no-dereference /tmp/tree $SHARE/tree >/tmp/diff.txt ||
	fail "the copy differs on the host side: $(head -n 5 /tmp/diff.txt)"
echo "ok: $nfiles files in $(find /tmp/tree -type d | wc -l) directories, and" \
	"$(find /tmp/tree -type l | wc -l) symlinks, compare equal on both sides"

# BIG MiB each way, checked after dropping the guest's caches.
head -c ${BIG}M /dev/urandom >/tmp/big
cp /tmp/big $MNT/big
head -c ${BIG}M /dev/urandom >$SHARE/big2
echo 3 >/proc/sys/vm/drop_caches
[ "$(sum $SHARE/big)" = "$(sum /tmp/big)" ] || fail "$BIG MiB written by the guest differ"
[ "$(sum $MNT/big)" = "$(sum /tmp/big)" ] || fail "$BIG MiB read back by the guest differ"
[ "$(sum $MNT/big2)" = "$(sum $SHARE/big2)" ] || fail "$BIG MiB written on the host differ"
echo "ok: $BIG MiB files written on either side have equal checksums"

# Name and attribute operations, checked on the host side.
mkdir $MNT/d
mv $MNT/g $MNT/d/renamed
[ -f $SHARE/d/renamed ] && [ ! -e $SHARE/g ] || fail "rename"
mv $MNT/d $MNT/d2
[ -f $SHARE/d2/renamed ] || fail "directory rename"
ln -s d2/renamed $MNT/link
[ "$(readlink $SHARE/link)" = "d2/renamed" ] || fail "symlink"
[ "$(cat $MNT/link)" = "changed on the host" ] || fail "reading through a symlink"
chmod 640 $MNT/h
[ "$(stat -c %a $SHARE/h)" = 640 ] || fail "chmod"
truncate -s 1000 $MNT/big
[ "$(stat -c %s $SHARE/big)" = 1000 ] || fail "truncate"
cmp -n 1000 $MNT/big /tmp/big || fail "truncate changed the data it kept"
rm $MNT/h $MNT/link
[ ! -e $SHARE/h ] && [ ! -L $SHARE/link ] || fail "unlink"
rm -r $MNT/tree
[ ! -e $SHARE/tree ] || fail "recursive removal"
echo "ok: mkdir, rename, symlink, chmod, truncate, unlink and rmdir"

umount $MNT
stop_adapter
unload
echo "ok: unmounted, the device removed, the module unloaded"

# virtiofsd killed in the middle of a copy.
vlb_load virtiofs
virtiofsd
wait_for 10 test -S /tmp/fs.sock
start_adapter --device fs --socket /tmp/fs.sock --tag share
wait_fs
mount -t virtiofs share $MNT
echo "before the crash" >$MNT/kept
head -c 512M /dev/zero >/tmp/huge
stats=$(ls -d "$VLB_SYS"/vlb*)/stats
k0=$(cat "$stats/kicks")
timeout 120 cp /tmp/huge $MNT/huge 2>/tmp/cp.err &
cp_pid=$!
wait_for 30 sh -c "[ \$(cat $stats/kicks) -gt $((k0 + 100)) ]"
kill -KILL $VFS
rc=0
wait $cp_pid || rc=$?
[ "$rc" -ne 0 ] || fail "the copy did not notice the crash"
[ "$rc" -ne 124 ] || fail "the copy hung after the crash"
grep -q 'Input/output error' /tmp/cp.err || fail "the copy failed without an I/O error: $(cat /tmp/cp.err)"
echo "ok: the copy failed at once: $(cat /tmp/cp.err)"
rc=0
timeout 30 ls $MNT >/dev/null 2>&1 || rc=$?
[ "$rc" -ne 124 ] || fail "ls hung on the mount of a dead back-end"
timeout 30 umount $MNT || fail "umount failed or hung"
echo "ok: nothing hangs; unmounted ($(cat "$stats/failed_requests") requests failed by the kernel)"

# A new virtiofsd on the same device: the adapter reconnects, and a new
# mount sees what the old one wrote.
virtiofsd
wait_for 30 grep -q 'reconnected' "$VM_OUT/adapter.log"
mount -t virtiofs share $MNT
[ "$(cat $MNT/kept)" = "before the crash" ] || fail "the new mount does not see the old file"
echo "after" >$MNT/new
[ "$(cat $SHARE/new)" = "after" ] || fail "the new mount cannot write"
umount $MNT
echo "ok: a new virtiofsd serves a new mount on the same device"
stop_adapter
unload
