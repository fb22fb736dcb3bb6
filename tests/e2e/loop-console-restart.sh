#!/bin/sh
# The project's vhost-user-console SIGKILLed 4 times while a guest program
# writes 300000 numbered lines to a named port, and restarted 1 s later:
# the port stays (no reset, the program's open file goes on), the writer
# waits while no back-end or host client is there, and the host clients,
# one per back-end, together receive every line: what a back-end had
# taken from the ring and not finished is written again by the next one
# (a line may come twice, none is lost). Then host input reaches the same
# guest file, which the restarted back-end must take as still open.
# shared-boot: yes
set -eu
. tests/lib/vlb.sh

vlb_load virtio_console
/lib/systemd/systemd-udevd --daemon
backend() {
	vhost-user-console --socket-path /tmp/con.sock \
		--port unix:/tmp/data.sock,name=org.vlb.data >>"$VM_OUT/console.log" 2>&1 &
	CON=$!
	vlb_track "$CON"
}
backend
wait_for 10 test -S /tmp/con.sock
start_adapter --device console --socket /tmp/con.sock
wait_for 20 test -e /dev/virtio-ports/org.vlb.data
port=/dev/virtio-ports/org.vlb.data
dev=$(ls -d "$VLB_SYS"/vlb*)

# Host side: one client per back-end, each into its own file, until told
# to stop; a client ends when its back-end dies, and the next one comes
# 2 s later, after the back-end is back. It reads slowly, so the guest's
# writes back up: the back-end holds a buffer it could write only in
# part, and the ring is full of buffers it has not taken yet.
mkdir -p /tmp/got
python3 tests/lib/slow-client.py /tmp/data.sock /tmp/got /tmp/stop 2 &
clients=$!
vlb_track $clients

lines=300000
seq -f %08.0f 1 "$lines" >/tmp/sent
exec 5<>"$port"	# one open of the guest side for the whole test
(cat /tmp/sent >&5) &
writer=$!
vlb_track $writer

got() {
	cat /tmp/got/* 2>/dev/null | wc -c
}
restarts=0
while [ $restarts -lt 4 ]; do
	before=$(got)
	wait_for 60 sh -c "[ \$(cat /tmp/got/* 2>/dev/null | wc -c) -gt $((before + 250000)) ]"
	kill -KILL "$CON"
	wait "$CON" 2>/dev/null || true
	sleep 1
	backend
	restarts=$((restarts + 1))
done
wait "$writer" || fail "the guest's writes to $port failed"
size=$(stat -c %s /tmp/sent)
wait_for 60 sh -c "tail -n 1 \"\$(ls /tmp/got/* | tail -n 1)\" | grep -qx $(printf %08d $lines)"
touch /tmp/stop
wait "$clients" 2>/dev/null || true

# Every line reached the host: whole in one client's file, or split
# between the end of one and the start of the next (the dead back-end had
# finished the buffer before the split, so the next one did not write it
# again). Within one client each line follows the one before; from one
# client to the next none is skipped (some may come twice).
python3 - "$lines" /tmp/got/* >/tmp/check.txt <<'PY' || fail "lines lost: $(tail -n 3 /tmp/check.txt)"
import sys
n = int(sys.argv[1])
def line(b):
    return int(b) if len(b) == 8 and b.isdigit() else None
seen, prev_last, repeated, tail = set(), 0, 0, b''
for path in sys.argv[2:]:
    parts = open(path, 'rb').read().split(b'\n')
    if not parts[-1:] or parts == [b'']:
        continue
    # parts[-1] is what follows the last newline: an unfinished line
    first = line(parts[0]) if len(parts) > 1 else None
    if first is None and len(parts) > 1:
        first = line(tail + parts[0])
    vals = ([first] if first is not None else []) + \
        [v for v in map(line, parts[1:-1]) if v is not None]
    tail = parts[-1]
    if not vals:
        continue
    for a, b in zip(vals, vals[1:]):
        if b != a + 1:
            sys.exit(f"{path}: line {b} after {a}")
    if vals[0] > prev_last + 1:
        sys.exit(f"{path}: starts at line {vals[0]}, the client before ended at {prev_last}")
    repeated += max(0, prev_last - vals[0] + 1)
    prev_last = max(prev_last, vals[-1])
    seen.update(vals)
missing = n - len(seen & set(range(1, n + 1)))
if missing:
    sys.exit(f"{missing} of {n} lines never reached the host")
print(f"{len(sys.argv) - 2} clients, all {n} lines, {repeated} written twice")
PY
echo "ok: $restarts restarts of the back-end under a guest writer: $(cat /tmp/check.txt)"
[ "$(cat "$dev/stats/failed_requests")" = 0 ] || fail "the kernel failed requests"

# Host to guest, into the file opened before the restarts.
head -c 100000 /dev/urandom >/tmp/h2g
socat -t 60 -u FILE:/tmp/h2g UNIX-CONNECT:/tmp/data.sock,shut-none &
vlb_track $!
# Until the driver hears of the client, a read ends at once (EOF).
: >/tmp/h2g.got
end=$(($(date +%s) + 60))
while [ "$(stat -c %s /tmp/h2g.got)" -lt 100000 ]; do
	[ "$(date +%s)" -lt "$end" ] ||
		fail "the guest read $(stat -c %s /tmp/h2g.got) bytes after the restarts"
	timeout 60 head -c $((100000 - $(stat -c %s /tmp/h2g.got))) <&5 >>/tmp/h2g.got
	sleep 0.2
done
cmp /tmp/h2g /tmp/h2g.got || fail "host-to-guest bytes differ"
echo "ok: 100000 bytes host to guest after the restarts, byte-exact"
exec 5>&-
stop_adapter
unload
