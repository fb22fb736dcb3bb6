#!/usr/bin/env python3
"""fdstore.py: run a program the way systemd runs a Type=notify service with
FileDescriptorStoreMax= and Restart=on-failure, for guests without systemd.

    fdstore.py [--state FILE] [--restart-delay S] [--max-restarts N] -- CMD...

It listens on a datagram socket named in $NOTIFY_SOCKET and keeps what the
program sends: READY=1, FDSTORE=1 with FDNAME= and the fds (a file already
stored is not stored twice, as systemd compares them), FDSTOREREMOVE=1 with
FDNAME=. When the program dies of a signal or exits non-zero, it is started
again after the delay, with the stored fds from 3 on and LISTEN_PID,
LISTEN_FDS and LISTEN_FDNAMES set. A clean exit ends the helper (with the
program's status) and closes the store; SIGTERM is passed on to the program.

The state file gets one line per event, for tests to wait on:
"start PID", "ready PID", "stored NAME", "removed NAME", "exit PID STATUS".
"""
import argparse
import array
import fcntl
import os
import signal
import socket
import sys
import tempfile
import time

MAX_FDS_PER_MESSAGE = 253


class Store:
    def __init__(self, state):
        self.fds = []  # (name, fd), in the order they came
        self.state = state

    def log(self, line):
        with open(self.state, "a") as f:
            f.write(line + "\n")

    def add(self, name, fd):
        st = os.fstat(fd)
        for _, old in self.fds:
            ost = os.fstat(old)
            if (ost.st_dev, ost.st_ino) == (st.st_dev, st.st_ino):
                os.close(fd)
                return
        self.fds.append((name, fd))
        self.log("stored " + name)

    def remove(self, name):
        for n, fd in [e for e in self.fds if e[0] == name]:
            os.close(fd)
            self.fds.remove((n, fd))
            self.log("removed " + name)

    def close(self):
        for _, fd in self.fds:
            os.close(fd)
        self.fds = []


def receive(sock, store, pid):
    """Handle every message waiting on the notify socket."""
    while True:
        try:
            data, anc, _, _ = sock.recvmsg(
                4096, socket.CMSG_SPACE(MAX_FDS_PER_MESSAGE * 4))
        except BlockingIOError:
            return
        fds = array.array("i")
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(payload[:len(payload) - len(payload) % 4])
        fields = dict(line.split("=", 1) for line in
                      data.decode(errors="replace").split("\n") if "=" in line)
        name = fields.get("FDNAME", "stored")
        if fields.get("FDSTORE") == "1":
            for fd in fds:
                store.add(name, fd)
        else:
            for fd in fds:
                os.close(fd)
        if fields.get("FDSTOREREMOVE") == "1":
            store.remove(name)
        if fields.get("READY") == "1":
            store.log("ready %d" % pid)


def spawn(cmd, store, notify_path):
    """Start cmd with the stored fds at 3, 4, ... (sd_listen_fds(3))."""
    pid = os.fork()
    if pid:
        store.log("start %d" % pid)
        return pid
    try:
        # Above the targets first, so that no dup2() lands on a source.
        n = len(store.fds)
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 3 + n) for _, fd in store.fds]
        for i, fd in enumerate(high):
            os.dup2(fd, 3 + i)
        os.closerange(3 + n, 65536)
        env = dict(os.environ, NOTIFY_SOCKET=notify_path)
        if store.fds:
            env.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS=str(len(store.fds)),
                       LISTEN_FDNAMES=":".join(n for n, _ in store.fds))
        os.execvpe(cmd[0], cmd, env)
    except OSError as e:
        print("fdstore.py: cannot run %s: %s" % (cmd[0], e), file=sys.stderr)
    os._exit(127)


def main():
    ap = argparse.ArgumentParser(
        description="Run CMD as systemd would with an fd store and Restart=on-failure.")
    ap.add_argument("--state", default="/tmp/fdstore.state",
                    help="file that gets one line per event (default %(default)s)")
    ap.add_argument("--restart-delay", type=float, default=0.5,
                    help="seconds between a failure and the restart (default %(default)s)")
    ap.add_argument("--max-restarts", type=int, default=100,
                    help="give up after this many restarts (default %(default)s)")
    ap.add_argument("cmd", nargs="+", help="the program and its arguments")
    args = ap.parse_args()

    store = Store(args.state)
    tmp = tempfile.mkdtemp(prefix="fdstore.")
    notify_path = os.path.join(tmp, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(notify_path)
    sock.setblocking(False)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))

    restarts = 0
    pid = spawn(args.cmd, store, notify_path)
    forwarded = False
    status = 0
    while True:
        receive(sock, store, pid)
        if stopping and not forwarded:
            os.kill(pid, signal.SIGTERM)
            forwarded = True
        done, wstatus = os.waitpid(pid, os.WNOHANG)
        if not done:
            time.sleep(0.02)
            continue
        receive(sock, store, pid)
        status = os.waitstatus_to_exitcode(wstatus)
        store.log("exit %d %d" % (pid, status))
        if status == 0 or stopping or restarts >= args.max_restarts:
            break
        time.sleep(args.restart_delay)
        restarts += 1
        pid = spawn(args.cmd, store, notify_path)
    store.close()
    sock.close()
    os.unlink(notify_path)
    os.rmdir(tmp)
    sys.exit(status if status >= 0 else 128 - status)


if __name__ == "__main__":
    main()
