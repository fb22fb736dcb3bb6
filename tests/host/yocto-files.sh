#!/bin/sh
# The Yocto layer (dist/yocto/meta-virtio-loopback) cannot be built here (no
# Yocto toolchain can be fetched), so this checks what can be checked: the
# recipes call only make targets this suite runs, and the programs recipe's
# FILES, applied in PACKAGES order as bitbake does (the man pages and docs
# falling to ${PN}-doc), claim exactly what `make install-files` installs
# with the recipe's own EXTRA_OEMAKE and poky's paths: every file in one
# package, no FILES entry that matches nothing. layer.conf names the
# releases the README says.
set -eu
cd "$(dirname "$0")/../.."
layer=dist/yocto/meta-virtio-loopback
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
python3 - "$layer" "$stage" <<'PY'
import fnmatch, os, re, subprocess, sys
layer, stage = sys.argv[1:3]
# poky's defaults (bitbake.conf), systemd without usrmerge.
paths = {"prefix": "/usr", "bindir": "/usr/bin", "libexecdir": "/usr/libexec",
         "sysconfdir": "/etc", "mandir": "/usr/share/man", "docdir": "/usr/share/doc",
         "datadir": "/usr/share", "nonarch_libdir": "/usr/lib", "infodir": "/usr/share/info",
         "systemd_system_unitdir": "/lib/systemd/system", "BPN": "virtio-loopback",
         "PN": "virtio-loopback", "CC": "cc", "CFLAGS": "-O2", "LDFLAGS": ""}

def recipe(path):
    """name -> value, with += and line continuations; ${...} expanded."""
    text = open(path).read().replace("\\\n", " ")
    out = {}
    for line in text.splitlines():
        m = re.match(r'^([A-Za-z0-9_:${}.-]+)\s*(\?\?=|\?=|\+=|=\+|=)\s*"(.*)"\s*$', line)
        if not m:
            continue
        key, op, val = m.groups()
        key = expand(key)
        old = out.get(key, "")
        out[key] = {"+=": old + " " + val, "=+": val + " " + old}.get(op, val)
    return out

def expand(v):
    return re.sub(r"\$\{([A-Za-z_]+)\}", lambda m: paths.get(m.group(1), m.group(0)), v)

def fail(msg):
    sys.exit("FAIL: " + msg)

lc = open(os.path.join(layer, "conf/layer.conf")).read()
if not re.search(r'LAYERSERIES_COMPAT_virtio-loopback = "scarthgap[^"]*"', lc):
    fail("layer.conf does not name scarthgap first in LAYERSERIES_COMPAT")

# The make targets the recipes call, and the suite's tests that run them.
tested = {"installed-programs": "host/install (make install)", "install-files": "host/deb, here",
          "kmods": "host/install (modules_install)", "modules_install": "host/install"}
for bb in subprocess.check_output(["find", layer, "-name", "*.bb"], text=True).split():
    body = open(bb).read()
    for t in re.findall(r"oe_runmake\s+([a-z_-]+)", body) + \
            re.findall(r'(?:MAKE_TARGETS|MODULES_INSTALL_TARGET)\s*=\s*"([^"]+)"', body):
        if t not in tested:
            fail(f"{bb} calls make {t}, which no test runs")

prog = os.path.join(layer, "recipes-support/virtio-loopback/virtio-loopback_git.bb")
r = recipe(prog)
args = [a.strip("'") for a in re.findall(r"(\S+='[^']*'|\S+)", expand(r["EXTRA_OEMAKE"]))]
root = os.path.join(stage, "image")
subprocess.run(["make", "-s", "install-files", "DESTDIR=" + root] + args, check=True,
               stdout=subprocess.DEVNULL)
files = sorted("/" + os.path.relpath(os.path.join(d, f), root)
               for d, _, fs in os.walk(root) for f in fs)

pkgs = expand(r["PACKAGES"]).split() + ["virtio-loopback-doc", "virtio-loopback"]
pattern = {p: expand(r.get("FILES:" + p, "")).split() for p in pkgs}
pattern["virtio-loopback-doc"] = expand("${docdir} ${mandir} ${infodir}").split()
owner, used = {}, set()
for f in files:
    for p in pkgs:
        hit = [g for g in pattern[p] if fnmatch.fnmatch(f, g) or f.startswith(g.rstrip("/") + "/")]
        if hit:
            owner[f] = p
            used.update((p, g) for g in hit)
            break
    else:
        fail(f"{f} is installed but in no package's FILES")
for p in pkgs:
    if p == "virtio-loopback-doc":  # bitbake's default, not the recipe's
        continue
    for g in pattern[p]:
        if (p, g) not in used:
            fail(f"FILES:{p} names {g}, which make install-files does not install")
for p in pkgs:
    n = sum(1 for o in owner.values() if o == p)
    if n == 0:
        fail(f"package {p} would be empty")
print(f"ok: the layer's recipes call only tested make targets; its FILES place all "
      f"{len(files)} installed files, each in one of {len(pkgs)} packages, and name nothing else")
PY
