#!/usr/bin/env python3
"""fdstore.py: run a program the way systemd runs a service with
FileDescriptorStoreMax= and Restart=, for guests without systemd.

    fdstore.py [--state FILE] [--restart-delay S] [--restart POLICY]
               [--listen PATH] [--max-restarts N] -- CMD...
    fdstore.py [--state FILE] [--max-restarts N] --unit FILE.service [--instance I]

It listens on a datagram socket named in $NOTIFY_SOCKET and keeps what the
program sends: READY=1, FDSTORE=1 with FDNAME= and the fds (a file already
stored is not stored twice, as systemd compares them), FDSTOREREMOVE=1 with
FDNAME=. When the program dies as POLICY says (on-failure, the default: of
a signal or a non-zero exit; always: any end but a stop; no: never), it is
started again after the delay, with the stored fds from 3 on and
LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES set. SIGTERM is passed on to the
program and ends the helper (with the program's status), closing the store.

--listen PATH is socket activation: a listening unix socket made once,
held across restarts, passed first (fd 3, named "listen").

--unit reads a service file instead: ExecStart= (with $VAR and ${VAR} from
Environment= and EnvironmentFile=), Restart=, RestartSec=,
FileDescriptorStoreMax= (0, systemd's default, keeps nothing), and the
socket unit of the same name, or the one in Requires=, for ListenStream=,
SocketMode= and DirectoryMode= (the socket's fd is named after it). %i is
the instance. A program named by an absolute path that does not exist is
looked up by its name in $PATH, so the units of an uninstalled tree run.

The state file gets one line per event, for tests to wait on:
"start PID", "ready PID", "stored NAME", "removed NAME", "exit PID STATUS".
"""
import argparse
import array
import fcntl
import os
import re
import shlex
import shutil
import signal
import socket
import sys
import tempfile
import time

MAX_FDS_PER_MESSAGE = 253


class Store:
    def __init__(self, state, max_fds=None):
        self.fds = []  # (name, fd), in the order they came
        self.state = state
        self.max_fds = max_fds  # None: no limit

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
        if self.max_fds is not None and len(self.fds) >= self.max_fds:
            os.close(fd)
            self.log("refused " + name)
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


def spawn(cmd, store, notify_path, listening):
    """Start cmd with the listening fds, then the stored ones, at 3, 4, ...
    (sd_listen_fds(3))."""
    fds = listening + store.fds
    pid = os.fork()
    if pid:
        store.log("start %d" % pid)
        return pid
    try:
        # Above the targets first, so that no dup2() lands on a source.
        n = len(fds)
        high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 3 + n) for _, fd in fds]
        for i, fd in enumerate(high):
            os.dup2(fd, 3 + i)
        os.closerange(3 + n, 65536)
        env = dict(os.environ, NOTIFY_SOCKET=notify_path)
        if fds:
            env.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS=str(len(fds)),
                       LISTEN_FDNAMES=":".join(n for n, _ in fds))
        os.execvpe(cmd[0], cmd, env)
    except OSError as e:
        print("fdstore.py: cannot run %s: %s" % (cmd[0], e), file=sys.stderr)
    os._exit(127)


def listen_unix(path, mode=0o666, dir_mode=0o755):
    os.makedirs(os.path.dirname(path) or ".", mode=dir_mode, exist_ok=True)
    if os.path.exists(path):
        os.unlink(path)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.bind(path)
    os.chmod(path, mode)
    sock.listen(16)
    return sock


def read_unit(path, instance):
    """The unit's settings: {section: {key: [values]}}, %i expanded."""
    text = open(path).read().replace("\\\n", " ")
    sections, cur = {}, None
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            cur = sections.setdefault(line.strip("[]"), {})
            continue
        key, _, value = line.partition("=")
        value = value.strip().replace("%i", instance).replace("%%", "%")
        cur.setdefault(key.strip(), []).append(value)
    return sections


def last(section, key, default=None):
    values = section.get(key)
    return values[-1] if values else default


def seconds(value):
    m = re.fullmatch(r"([0-9.]+)\s*(ms|s|sec|min)?", value)
    if not m:
        raise SystemExit("fdstore.py: cannot read the time span %r" % value)
    return float(m.group(1)) * {"ms": 0.001, "min": 60}.get(m.group(2), 1)


def expand(words, env):
    """ExecStart= words: "$VAR" alone becomes its value's words, ${VAR}
    its value as it is."""
    out = []
    for w in words:
        m = re.fullmatch(r"\$([A-Za-z_][A-Za-z0-9_]*)", w)
        if m:
            out += env.get(m.group(1), "").split()
            continue
        out.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}",
                          lambda v: env.get(v.group(1), ""), w))
    return out


def service_from_unit(path, instance):
    """(cmd, restart policy, delay, fd store size, listening sockets)."""
    unit = read_unit(path, instance)
    svc = unit.get("Service", {})
    env = {}
    for e in svc.get("Environment", []):
        for word in shlex.split(e):
            k, _, v = word.partition("=")
            env[k] = v
    for f in svc.get("EnvironmentFile", []):
        optional = f.startswith("-")
        f = f.lstrip("-")
        if not os.path.exists(f) and optional:
            continue
        for line in open(f):
            line = line.strip()
            if line and line[0] not in "#;" and "=" in line:
                k, _, v = line.partition("=")
                env[k.strip()] = v.strip().strip("\"'")
    cmd = expand(shlex.split(last(svc, "ExecStart").lstrip("-@+!")), env)
    if os.path.isabs(cmd[0]) and not os.path.exists(cmd[0]):
        found = shutil.which(os.path.basename(cmd[0]))
        if not found:
            raise SystemExit("fdstore.py: %s is neither installed nor in $PATH" % cmd[0])
        cmd[0] = found
    listening = []
    base = re.sub(r"\.service$", "", os.path.basename(path))
    sockets = [u for u in " ".join(unit.get("Unit", {}).get("Requires", [])).split()
               if u.endswith(".socket")]
    sock_unit = sockets[0].replace("%i", instance) if sockets else \
        (base.replace("@", "@" + instance) if "@" in base else base) + ".socket"
    sock_path = os.path.join(os.path.dirname(path), re.sub(r"@[^.]*\.", "@.", sock_unit))
    if os.path.exists(sock_path):
        sock = read_unit(sock_path, instance).get("Socket", {})
        for addr in sock.get("ListenStream", []):
            listening.append((sock_unit, listen_unix(
                addr, int(last(sock, "SocketMode", "0666"), 8),
                int(last(sock, "DirectoryMode", "0755"), 8))))
    return (cmd, last(svc, "Restart", "no"), seconds(last(svc, "RestartSec", "0.1")),
            int(last(svc, "FileDescriptorStoreMax", "0")), listening)


def should_restart(policy, status):
    if policy == "always":
        return True
    if policy == "on-failure":
        return status != 0
    return False


def main():
    ap = argparse.ArgumentParser(
        description="Run CMD, or a unit's service, as systemd would with an fd store and Restart=.")
    ap.add_argument("--state", default="/tmp/fdstore.state",
                    help="file that gets one line per event (default %(default)s)")
    ap.add_argument("--restart-delay", type=float, default=0.5,
                    help="seconds between an end and the restart (default %(default)s)")
    ap.add_argument("--restart", choices=["on-failure", "always", "no"], default="on-failure",
                    help="when to start the program again (default %(default)s)")
    ap.add_argument("--listen", metavar="PATH",
                    help="pass a listening unix socket at PATH as fd 3 (socket activation)")
    ap.add_argument("--max-restarts", type=int, default=100,
                    help="give up after this many restarts (default %(default)s)")
    ap.add_argument("--unit", metavar="FILE", help="take the service from this unit file")
    ap.add_argument("--instance", default="", help="%%i of a template unit")
    ap.add_argument("cmd", nargs="*", help="the program and its arguments")
    args = ap.parse_args()
    if bool(args.unit) == bool(args.cmd):
        ap.error("give either --unit or a command")

    if args.unit:
        cmd, policy, delay, max_fds, listening = service_from_unit(args.unit, args.instance)
    else:
        cmd, policy, delay, max_fds = args.cmd, args.restart, args.restart_delay, None
        listening = [("listen", listen_unix(args.listen))] if args.listen else []
    listen_fds = [(name, sock.fileno()) for name, sock in listening]
    store = Store(args.state, max_fds)
    tmp = tempfile.mkdtemp(prefix="fdstore.")
    notify_path = os.path.join(tmp, "notify")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(notify_path)
    sock.setblocking(False)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))

    restarts = 0
    pid = spawn(cmd, store, notify_path, listen_fds)
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
        if stopping or not should_restart(policy, status) or restarts >= args.max_restarts:
            break
        time.sleep(delay)
        restarts += 1
        pid = spawn(cmd, store, notify_path, listen_fds)
    store.close()
    sock.close()
    for name, lsock in listening:
        path = lsock.getsockname()
        lsock.close()
        if os.path.exists(path):
            os.unlink(path)
    os.unlink(notify_path)
    os.rmdir(tmp)
    sys.exit(status if status >= 0 else 128 - status)


if __name__ == "__main__":
    main()
