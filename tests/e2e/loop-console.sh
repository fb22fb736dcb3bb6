#!/bin/sh
# The project's vhost-user-console through the loopback, with the kernel's
# own virtio_console: agetty on /dev/hvc0 shows a login prompt to a client
# of a unix socket port, and on /dev/hvc1 to a client of a TCP port; a
# named port appears as /dev/virtio-ports/NAME and carries 100000 random
# bytes each way, byte-exact.
# Four CPUs: Linux's hvc console write path holds the hvc lock and spins,
# interrupts off, until the device takes the data, while the hvc poll
# thread spins for that lock; the back-end needs a third CPU to run on.
# It runs pinned away from the console's writers, and logs to tmpfs, not
# to the 9p share whose interrupt CPU 0 takes, as docs/backends/console.md
# says a host should: unpinned, about one prompt in 25 hung an arm64 guest.
# vm-options: --cpus 4
# arm64: yes
set -eu
. tests/lib/vlb.sh

vlb_load virtio_console
# udev makes the /dev/virtio-ports/NAME links, as on a real host.
/lib/systemd/systemd-udevd --daemon
: >/tmp/console.log	# counted below: start empty
keep_log() {
	cp /tmp/console.log "$VM_OUT/" 2>/dev/null || true
	vlb_cleanup
}
trap keep_log EXIT
taskset -c 2-3 vhost-user-console --socket-path /tmp/con.sock \
	--port unix:/tmp/c0.sock,console \
	--port tcp:4555,console \
	--port unix:/tmp/data.sock,name=org.vlb.data \
	>>/tmp/console.log 2>&1 &
vlb_track $!
wait_for 10 test -S /tmp/con.sock
start_adapter --device console --socket /tmp/con.sock
wait_for 20 test -c /dev/hvc0
wait_for 20 test -c /dev/hvc1
taskset -pc 0-1 "$(pgrep -x khvcd)" >/dev/null || fail "cannot pin khvcd"

# login_prompt TTY CLIENT-ADDRESS: agetty on TTY, seen by a socat client.
login_prompt() {
	rm -f /tmp/in /tmp/out
	mkfifo /tmp/in
	socat "$2,shut-none" - </tmp/in >/tmp/out 2>>"$VM_OUT/socat.log" &
	client=$!
	vlb_track $client
	exec 4>/tmp/in
	taskset -c 0-1 agetty -L 115200 "$1" vt100 &
	vlb_track $!
	end=$(($(date +%s) + 30))
	until grep -q 'login:' /tmp/out; do
		[ "$(date +%s)" -lt "$end" ] || fail "no login prompt on $1 through $2: '$(cat /tmp/out)'"
		printf '\n' >&4	# an empty user name makes agetty ask again
		sleep 1
	done
	echo "ok: $1 shows '$(grep -a -m1 -o '[a-z]* login:' /tmp/out)' through $2"
	exec 4>&-
	kill "$client" 2>/dev/null || true
}
login_prompt hvc0 UNIX-CONNECT:/tmp/c0.sock
login_prompt hvc1 TCP:127.0.0.1:4555

wait_for 20 test -e /dev/virtio-ports/org.vlb.data
port=/dev/virtio-ports/org.vlb.data
echo "named port: $port -> $(readlink -f $port)"

# The host side connects first: a read of a port with nobody on the host
# side ends at once (EOF), by the driver's rules.
head -c 100000 /dev/urandom >/tmp/h2g
socat -t 60 -u FILE:/tmp/h2g UNIX-CONNECT:/tmp/data.sock,shut-none &
sender=$!
vlb_track $sender
wait_for 10 sh -c "grep -c 'client connected' /tmp/console.log | grep -qx 3"
timeout 60 head -c 100000 "$port" >/tmp/h2g.got || fail "the guest read $(stat -c %s /tmp/h2g.got) bytes"
kill "$sender" 2>/dev/null || true
cmp /tmp/h2g /tmp/h2g.got || fail "host-to-guest bytes differ"
echo "ok: 100000 bytes host to guest, byte-exact"

head -c 100000 /dev/urandom >/tmp/g2h
socat -u UNIX-CONNECT:/tmp/data.sock,shut-none OPEN:/tmp/g2h.got,creat,trunc &
vlb_track $!
wait_for 10 sh -c "grep -c 'client connected' /tmp/console.log | grep -qx 4"
timeout 60 cat /tmp/g2h >"$port" || fail "writing to the port failed"
wait_for 30 sh -c '[ "$(stat -c %s /tmp/g2h.got)" -ge 100000 ]'
cmp /tmp/g2h /tmp/g2h.got || fail "guest-to-host bytes differ"
echo "ok: 100000 bytes guest to host, byte-exact"
stop_adapter
unload
