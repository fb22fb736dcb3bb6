#!/usr/bin/env python3
"""Guest side of e2e/soak-devices: devices created, probed, used and
removed in a loop, then the leaks that loop would show, measured.

Usage: soak.py OUTDIR TYPE=CYCLES... [rebind=COUNT]

Each cycle starts an adapter for one device of TYPE, waits for its
driver to bind, uses the device (data read back, an event or a frame
received), and stops the adapter with SIGTERM (it must exit 0 with the
device gone). The back-ends started by e2e/soak-devices.sh serve every
cycle; virtiofsd and vhost-user-gpu (QEMU's, which end with their
front-end) are started for each. Three cycles of each type warm up
first; then the kernel's unreclaimable slab, the transport's module
refcount and the back-ends' fds and RSS are taken, and after the cycles
taken again and compared. rebind=COUNT then keeps one adapter with a
disk while its driver is unbound and bound COUNT times and its back-end
restarted every tenth, and compares the adapter's fds and RSS. Prints one line per type and one per check;
exits non-zero, with a one-line reason, at the first failure.
"""
import glob
import mmap
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time

VLB_SYS = "/sys/devices/virtual/misc/virtio-loopback"
WARMUP = 3
SLAB_SLACK_KIB = 512     # unreclaimable slab: the noise measured is < 200 KiB
RSS_SLACK_KIB = 256      # a back-end's RSS: allocator growth, not a leak per cycle


class Failure(Exception):
    pass


def wait_for(what, probe, seconds=30.0):
    end = time.monotonic() + seconds
    while True:
        got = probe()
        if got:
            return got
        if time.monotonic() > end:
            raise Failure("timed out waiting for " + what)
        time.sleep(0.005)


def one_device_dir():
    devs = glob.glob(VLB_SYS + "/vlb*/virtio*")
    return devs[0] if len(devs) == 1 else None


def bound(driver):
    """The loopback device's virtio directory once DRIVER is bound (its
    probe() may still be running: the driver core links first)."""
    def probe():
        d = one_device_dir()
        if d and os.path.basename(os.path.realpath(d + "/driver")) == driver:
            return d
        return None
    return wait_for(driver + " to bind", probe)


def node(pattern, what, devdir="/dev/"):
    """The node in DEVDIR of the one sysfs entry PATTERN names, once it exists."""
    def probe():
        hits = glob.glob(pattern)
        if len(hits) == 1 and os.path.exists(devdir + os.path.basename(hits[0])):
            return devdir + os.path.basename(hits[0])
        return None
    return wait_for(what, probe)


def with_alarm(seconds, fn, *args):
    def expired(signum, frame):
        raise Failure("no answer in %d s" % seconds)
    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        return fn(*args)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


def run(*cmd):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30)
    if p.returncode:
        raise Failure("%s exited %d: %s" % (" ".join(cmd), p.returncode,
                                             p.stdout.decode(errors="replace").strip()))
    return p.stdout.decode(errors="replace")


def start_listener(cmd, sock, log):
    """A back-end of QEMU's, started for one cycle."""
    if os.path.exists(sock):
        os.unlink(sock)
    p = subprocess.Popen(cmd, stdout=log, stderr=log)
    wait_for(sock, lambda: os.path.exists(sock), 20)
    return p


# ---- what a user of each type does with it --------------------------------

def use_blk(cycle, dev, ctx):
    disk = node(dev + "/block/*", "the disk node")
    out = mmap.mmap(-1, 4096)
    out[:24] = b"soak cycle %012d\n" % cycle
    back = mmap.mmap(-1, 4096)
    fd = os.open(disk, os.O_RDWR | os.O_DIRECT)
    try:
        os.pwrite(fd, out, (cycle % 1024) * 4096)
        os.preadv(fd, [back], (cycle % 1024) * 4096)
    finally:
        os.close(fd)
    if back[:24] != out[:24]:
        raise Failure("%s read back %r" % (disk, back[:24]))


def use_rng(cycle, dev, ctx):
    # virtio_rng registers its hwrng after probe, from its scan callback.
    wait_for("virtio_rng to be the current hwrng", lambda: open(
        "/sys/class/misc/hw_random/rng_current").read().startswith("virtio_rng"), 10)
    fd = os.open("/dev/hwrng", os.O_RDONLY)
    try:
        data = with_alarm(10, os.read, fd, 64)
    finally:
        os.close(fd)
    if len(data) == 0 or len(set(data)) < 8:
        raise Failure("/dev/hwrng gave %r" % data)


def console_client(ctx):
    if ctx.get("con") is None:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect("/tmp/soak-data.sock")
        ctx["con"] = s
    return ctx["con"]


def use_console(cycle, dev, ctx):
    def probe():
        for p in glob.glob(dev + "/virtio-ports/vport*"):
            try:
                if open(p + "/name").read().strip() == "org.vlb.soak" and \
                        os.path.exists("/dev/" + os.path.basename(p)):
                    return "/dev/" + os.path.basename(p)
            except OSError:
                pass
        return None
    port = wait_for("the console port", probe)
    line = b"console cycle %d\n" % cycle
    for attempt in (1, 2):
        s = console_client(ctx)
        fd = os.open(port, os.O_WRONLY)
        try:
            with_alarm(10, os.write, fd, line)
        finally:
            os.close(fd)
        got = b""
        end = time.monotonic() + 10
        while line not in got and time.monotonic() < end:
            r, _, _ = select.select([s], [], [], 0.5)
            if r:
                chunk = s.recv(4096)
                if not chunk:
                    break   # the back-end let the client go: connect again
                got += chunk
        if line in got:
            return
        s.close()
        ctx["con"] = None
    raise Failure("the console port's bytes did not reach the host side: %r" % got)


def use_input(cycle, dev, ctx):
    ev = node(dev + "/input/input*/event*", "the event node", "/dev/input/")
    fd = os.open(ev, os.O_RDONLY | os.O_NONBLOCK)
    try:
        code = (30, 48)[cycle % 2]   # KEY_A, KEY_B: keys uinput-dev has
        ctx["uinput"].write(b"key %d\n" % code)
        ctx["uinput"].flush()
        buf = b""
        end = time.monotonic() + 10
        while time.monotonic() < end:
            r, _, _ = select.select([fd], [], [], 0.5)
            if r:
                buf += os.read(fd, 24 * 16)
            for i in range(0, len(buf) - len(buf) % 24, 24):
                _, _, typ, c, val = struct.unpack("qqHHi", buf[i:i + 24])
                if typ == 1 and c == code and val == 1:
                    return
        raise Failure("key %d did not arrive on %s" % (code, ev))
    finally:
        os.close(fd)


def use_fs(cycle, dev, ctx):
    with open("/srv/soak/file", "w") as f:
        f.write("fs cycle %d\n" % cycle)
    # The tag is known once probe() is done, a little after "driver" appears.
    wait_for("a virtiofs mount", lambda: subprocess.run(
        ["mount", "-t", "virtiofs", "soak", "/mnt/soak"], stderr=subprocess.DEVNULL).returncode == 0,
        10)
    try:
        got = open("/mnt/soak/file").read()
    finally:
        run("umount", "/mnt/soak")
    if got != "fs cycle %d\n" % cycle:
        raise Failure("the virtiofs mount reads %r" % got)


def use_gpio(cycle, dev, ctx):
    chips = wait_for("the gpiochip", lambda: glob.glob(dev + "/gpiochip*"), 10)
    chip = wait_for("the gpiochip node",
                    lambda: os.path.exists("/dev/" + os.path.basename(chips[0])) and
                    os.path.basename(chips[0]))
    # Line 1 is an input nothing drives, pulled up by the back-end.
    if run("gpioget", chip, "1").strip() != "1":
        raise Failure("the pulled-up line does not read 1")


def can_socket(ifname):
    s = socket.socket(socket.AF_CAN, socket.SOCK_RAW, socket.CAN_RAW)
    s.bind((ifname,))
    return s


def use_can(cycle, dev, ctx):
    nets = wait_for("the CAN interface", lambda: glob.glob(dev + "/net/*"))
    ifname = os.path.basename(nets[0])
    run("ip", "link", "set", ifname, "up")
    rx = ctx.setdefault("vcan", can_socket("vcan0"))
    tx = can_socket(ifname)
    try:
        data = struct.pack(">Q", cycle)
        tx.send(struct.pack("=IB3x8s", 0x123, 8, data))
        end = time.monotonic() + 10
        while time.monotonic() < end:
            r, _, _ = select.select([rx], [], [], 0.5)
            if r:
                can_id, dlc, got = struct.unpack("=IB3x8s", rx.recv(16))
                if can_id == 0x123 and got == data:
                    return
        raise Failure("the frame of cycle %d did not reach vcan0" % cycle)
    finally:
        tx.close()


def use_sound(cycle, dev, ctx):
    wait_for("the sound card", lambda: os.path.exists("/proc/asound/SoundCard"))
    run("aplay", "-q", "-D", "hw:SoundCard,0", "/tmp/soak-tone.wav")


def use_gpu(cycle, dev, ctx):
    # The DRM card's parent is the transport's device, as a PCI GPU's is
    # its PCI device. Writing "detect" makes the driver probe the output.
    def probe():
        for s in glob.glob(os.path.dirname(dev) + "/drm/card*/card*-*/status"):
            with open(s, "w") as f:
                f.write("detect")
            if open(s).read().strip() == "connected":
                return s
        return None
    status = wait_for("a connected GPU output", probe, 10)
    modes = open(os.path.dirname(status) + "/modes").read().split()
    if "800x600" not in modes:
        raise Failure("the GPU output offers %s" % modes)


# type: (driver, adapter options, use, QEMU back-end to start per cycle).
# The smallest pools that serve: a pool is allocated, zeroed and mapped at
# each creation, and 32 MiB of it cost 0.45 s a cycle under TCG. The
# console's driver keeps a page in the pool for every rx slot of a port.
TYPES = {
    "blk": ("virtio_blk", ["--socket", "/tmp/soak-blk.sock", "--shm-size", "1M"], use_blk, None),
    "rng": ("virtio_rng", ["--socket", "/tmp/soak-rng.sock", "--shm-size", "1M"], use_rng, None),
    "console": ("virtio_console", ["--socket", "/tmp/soak-con.sock", "--shm-size", "4M"], use_console, None),
    "input": ("virtio_input", ["--socket", "/tmp/soak-in.sock", "--shm-size", "1M"], use_input, None),
    "gpio": ("gpio_virtio", ["--socket", "/tmp/soak-gpio.sock", "--shm-size", "1M"], use_gpio, None),
    "can": ("virtio_can", ["--socket", "/tmp/soak-can.sock", "--shm-size", "1M"], use_can, None),
    "sound": ("virtio_snd", ["--socket", "/tmp/soak-snd.sock", "--shm-size", "1M"], use_sound, None),
    "fs": ("virtiofs", ["--socket", "/tmp/soak-fs.sock", "--tag", "soak"], use_fs,
           ["/usr/lib/qemu/virtiofsd", "--socket-path=/tmp/soak-fs.sock",
            "-o", "source=/srv/soak", "-o", "sandbox=chroot"]),
    "gpu": ("virtio_gpu", ["--socket", "/tmp/soak-gpu.sock", "--display", "headless",
                           "--resolution", "800x600"], use_gpu,
            ["/usr/lib/qemu/vhost-user-gpu", "--socket-path=/tmp/soak-gpu.sock"]),
}


def start_backends(ctx, log):
    """The project's back-ends, each serving every cycle of its type."""
    tone = "/tmp/soak-tone.wav"
    run("sox", "-n", "-r", "48000", "-c", "2", "-b", "16", "-e", "signed-integer", tone,
        "synth", "0.05", "sine", "440")
    uin = subprocess.Popen(["build/tests/bin/uinput-dev", "/tmp/soak-uinput.path"],
                           stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
    ctx["uinput"] = uin.stdin
    ctx["procs"] = [uin]
    evdev = wait_for("uinput-dev", lambda: os.path.exists("/tmp/soak-uinput.path") and
                     open("/tmp/soak-uinput.path").read().strip())
    for cmd in (["vhost-user-blk", "--blk-file", "/tmp/soak-disk.img"],
                ["vhost-user-rng"],
                ["vhost-user-console", "--port", "unix:/tmp/soak-data.sock,name=org.vlb.soak"],
                ["vhost-user-input", "--evdev-path", evdev],
                ["vhost-user-gpio", "--lines", "2", "--pull", "up"],
                ["vhost-user-can", "--can-device", "vcan0"],
                ["vhost-user-sound", "--backend", "file", "--playback-file",
                 "/tmp/soak-out.wav", "--capture-file", "/tmp/soak-in.wav"]):
        kind = {"vhost-user-blk": "blk", "vhost-user-rng": "rng",
                "vhost-user-console": "console", "vhost-user-input": "input",
                "vhost-user-gpio": "gpio", "vhost-user-can": "can",
                "vhost-user-sound": "sound"}[cmd[0]]
        ctx["procs"].append(start_listener(cmd + ["--socket-path", TYPES[kind][1][1]],
                                           TYPES[kind][1][1], log))
    ctx["blk"] = ctx["procs"][1]


def stop_backends(ctx):
    if ctx.get("uinput"):
        ctx["uinput"].close()
    for p in ctx.get("procs", []):
        if p.poll() is None:
            p.terminate()
        p.wait()


def cycle(kind, n, ctx, log):
    driver, opts, use, qemu_backend = TYPES[kind]
    peer = start_listener(qemu_backend, opts[1], log) if qemu_backend else None
    adapter = subprocess.Popen(["virtio-loopback-adapter", "--device", kind] + opts,
                               stdout=log, stderr=log)
    try:
        use(n, bound(driver), ctx)
    finally:
        adapter.send_signal(signal.SIGTERM)
        rc = adapter.wait(30)
    if rc != 0:
        raise Failure("%s cycle %d: the adapter exited %d on SIGTERM" % (kind, n, rc))
    if glob.glob(VLB_SYS + "/vlb*"):
        raise Failure("%s cycle %d: a device remains after the adapter stopped" % (kind, n))
    if peer:
        try:
            peer.wait(10)
        except subprocess.TimeoutExpired:
            peer.kill()
            peer.wait()


def restart_blk(ctx, log):
    """vhost-user-blk SIGKILLed and started again: the adapter holds the
    queues and reconnects (docs/reliability.md)."""
    old = ctx["blk"]
    old.kill()
    old.wait()
    sock = TYPES["blk"][1][1]
    new = start_listener(["vhost-user-blk", "--blk-file", "/tmp/soak-disk.img",
                          "--socket-path", sock], sock, log)
    ctx["procs"][ctx["procs"].index(old)] = new
    ctx["blk"] = new


def rebind_soak(count, ctx, log):
    """One adapter, one disk: the driver unbound and bound again COUNT
    times, the back-end killed and restarted every tenth; the adapter's
    fds and RSS must be back where they were after warm-up."""
    adapter = subprocess.Popen(["virtio-loopback-adapter", "--device", "blk"] +
                               TYPES["blk"][1], stdout=log, stderr=log)
    drv = "/sys/bus/virtio/drivers/virtio_blk/"
    try:
        dev = bound("virtio_blk")
        name = os.path.basename(dev)

        def rebind(n):
            with open(drv + "unbind", "w") as f:
                f.write(name)
            with open(drv + "bind", "w") as f:
                f.write(name)
            if n % 10 == 9:
                restart_blk(ctx, log)
            use_blk(n, bound("virtio_blk"), ctx)

        for n in range(WARMUP):
            rebind(n)
        fds0, rss0 = footprint(adapter.pid)
        t = time.monotonic()
        for n in range(WARMUP, WARMUP + count):
            rebind(n)
        secs = time.monotonic() - t
        fds1, rss1 = footprint(adapter.pid)
        print("ok: one adapter: virtio_blk unbound and bound %d times, the back-end restarted "
              "%d times, in %.1f s" % (count, (WARMUP + count) // 10 - WARMUP // 10, secs))
        if fds1 != fds0:
            raise Failure("the adapter has %d open fds, %d after warm-up" % (fds1, fds0))
        if rss1 - rss0 > RSS_SLACK_KIB:
            raise Failure("the adapter's RSS grew from %d to %d KiB" % (rss0, rss1))
        print("ok: the adapter: %d fds as after warm-up, RSS %d -> %d KiB" % (fds0, rss0, rss1))
    finally:
        adapter.send_signal(signal.SIGTERM)
        rc = adapter.wait(30)
    if rc != 0:
        raise Failure("the long-lived adapter exited %d on SIGTERM" % rc)


# ---- what leaks would show -------------------------------------------------

def meminfo_kib(field):
    for line in open("/proc/meminfo"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise Failure("no %s in /proc/meminfo" % field)


def settled_slab():
    """Unreclaimable slab once RCU-freed objects and caches have gone."""
    for _ in range(3):
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        time.sleep(0.5)
    return meminfo_kib("SUnreclaim")


def refcount():
    return int(open("/sys/module/virtio_loopback/refcnt").read())


def footprint(pid):
    fds = len(os.listdir("/proc/%d/fd" % pid))
    for line in open("/proc/%d/status" % pid):
        if line.startswith("VmRSS:"):
            return fds, int(line.split()[1])
    raise Failure("no VmRSS for pid %d" % pid)


def main():
    if len(sys.argv) < 3 or sys.argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(sys.argv) > 1 else 2
    out = sys.argv[1]
    plan = []
    for arg in sys.argv[2:]:
        kind, _, count = arg.partition("=")
        if (kind not in TYPES and kind != "rebind") or not count.isdigit() or int(count) < 1:
            print("soak.py: bad TYPE=CYCLES '%s' (types: %s)" % (arg, " ".join(TYPES)),
                  file=sys.stderr)
            return 2
        plan.append((kind, int(count)))
    log = open(out + "/soak.log", "a")
    ctx = {}
    try:
        start_backends(ctx, log)
        rebinds = sum(c for k, c in plan if k == "rebind")
        plan = [(k, c) for k, c in plan if k != "rebind"]
        for kind, _ in plan:
            for n in range(WARMUP):
                cycle(kind, n, ctx, log)
        slab0, ref0 = settled_slab(), refcount()
        procs = {p.args[0]: p.pid for p in ctx["procs"][1:]}
        before = {name: footprint(pid) for name, pid in procs.items()}
        for kind, count in plan:
            t = time.monotonic()
            for n in range(WARMUP, WARMUP + count):
                cycle(kind, n, ctx, log)
            secs = time.monotonic() - t
            print("ok: %s: %d cycles of create, probe, use and remove in %.1f s (%.0f ms each)"
                  % (kind, count, secs, 1000 * secs / count), flush=True)
        slab1, ref1 = settled_slab(), refcount()
        total = sum(c for _, c in plan)
        print("ok: unreclaimable slab %d KiB after warm-up, %d KiB after %d cycles (%+d KiB)"
              % (slab0, slab1, total, slab1 - slab0))
        if slab1 - slab0 > SLAB_SLACK_KIB:
            raise Failure("the kernel's unreclaimable slab grew by %d KiB over %d cycles "
                          "(more than %d KiB)" % (slab1 - slab0, total, SLAB_SLACK_KIB))
        if ref1 != ref0:
            raise Failure("virtio_loopback's refcount is %d, %d after warm-up" % (ref1, ref0))
        print("ok: virtio_loopback's refcount is back at %d" % ref0)
        for name, pid in sorted(procs.items()):
            fds0, rss0 = before[name]
            fds1, rss1 = footprint(pid)
            if fds1 != fds0:
                raise Failure("%s has %d open fds, %d after warm-up" % (name, fds1, fds0))
            if rss1 - rss0 > RSS_SLACK_KIB:
                raise Failure("%s's RSS grew from %d to %d KiB" % (name, rss0, rss1))
            print("ok: %s: %d fds as after warm-up, RSS %d -> %d KiB" % (name, fds0, rss0, rss1))
        if rebinds:
            rebind_soak(rebinds, ctx, log)
    except (Failure, OSError, subprocess.SubprocessError) as e:
        print("FAIL: %s" % e, file=sys.stderr)
        return 1
    finally:
        stop_backends(ctx)
    return 0


if __name__ == "__main__":
    sys.exit(main())
