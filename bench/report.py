#!/usr/bin/python3
"""Turn the benchmark guest's raw output into the results files.

Usage: bench/report.py RAW_DIR RESULTS_DIR

RAW_DIR holds what bench/guest.sh wrote (meta.txt, fio/*.json, cpu.csv,
updown.csv) plus bench/run's host.txt. Writes, in RESULTS_DIR:
  samples.csv   every sample (case, test, round, metric, value)
  results.csv   per case and metric: median, min, max, n, ratio to VDUSE
  results.json  the same with the run's versions and settings
  results.md    the tables
  results.png   the plot (gnuplot)
Medians over rounds; a ratio is the case's median over VDUSE's median from
the same run (for the round trip: loopback over VDUSE on the null node).
"""
import csv
import glob
import json
import os
import statistics
import subprocess
import sys

CASES = ["loop-qsd", "vduse-qsd", "loop-own", "loop-poll", "loop-mmap", "loop-mpoll", "loop-tuned",
         "kernel", "ublk"]
CASE_TITLES = {
    "loop-qsd": "virtio-loopback + qemu-storage-daemon",
    "vduse-qsd": "VDUSE + qemu-storage-daemon",
    "loop-own": "virtio-loopback + vhost-user-blk (project)",
    "loop-poll": "virtio-loopback + vhost-user-blk --poll-us (project, polling)",
    "loop-mmap": "virtio-loopback + vhost-user-blk --mmap (project, image mapped)",
    "loop-mpoll": "virtio-loopback + vhost-user-blk --mmap --poll-us (project, both)",
    "loop-tuned": "virtio-loopback --indirect off, 1024-entry rings + vhost-user-blk --mmap "
                  "(project, tuned)",
    "kernel": "in-kernel (null_blk, memory-backed)",
    "ublk": "ublk + ublk-ram",
    "rtt-loop": "virtio-loopback (QSD null-co)",
    "rtt-vduse": "VDUSE (QSD null-co)",
}
REFERENCE = {"rtt-loop": "rtt-vduse", "rtt-vduse": "rtt-vduse"}
USER_HZ_US = 10000  # one /proc/stat tick, in microseconds (USER_HZ = 100)

# Which metrics are better when higher (for the goal checks and the plot).
HIGHER_BETTER = ("iops", "mbps")


def read_kv(path):
    out = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.rstrip("\n")
                if "=" in line:
                    k, v = line.split("=", 1)
                    out[k] = v
    return out


def fio_samples(raw):
    """(case, test, round) -> {metric: value} from every fio job."""
    out = {}
    for path in sorted(glob.glob(os.path.join(raw, "fio", "*.json"))):
        with open(path) as f:
            text = f.read()
        # fio may print notes before the JSON object.
        for job in json.loads(text[text.index("{"):])["jobs"]:
            case, test, rnd = job["jobname"].rsplit(".", 2)
            if test.startswith("scale-"):
                # Many jobs at once share a name: their sum is the figure.
                m = out.setdefault((case, test, int(rnd)), {"iops": 0.0})
                m["iops"] += job["read"]["iops"]
                continue
            m = {}
            for d in ("read", "write"):
                s = job[d]
                if not s["total_ios"]:
                    continue
                m["iops"] = s["iops"]
                m["mbps"] = s["bw_bytes"] / 1e6
                pct = s.get("lat_ns", {}).get("percentile", {})
                if pct:
                    m["p50_us"] = pct["50.000000"] / 1e3
                    m["p99_us"] = pct["99.000000"] / 1e3
                m["mean_us"] = s["lat_ns"]["mean"] / 1e3
            out[(case, test, int(rnd))] = m
    return out


def cpu_samples(raw, samples):
    """CPU time and notifications per I/O over each job's window (cpu.csv)."""
    path = os.path.join(raw, "cpu.csv")
    if not os.path.exists(path):
        return
    with open(path) as f:
        for row in csv.DictReader(f):
            case, test, rnd = row["name"].rsplit(".", 2)
            ios = int(row["ios"])
            if ios <= 0:
                continue
            m = samples.setdefault((case, test, int(rnd)), {})
            m["cpu_us_per_io"] = int(row["cpu_ticks"]) * USER_HZ_US / ios
            m["cpu_util"] = int(row["cpu_ticks"]) * USER_HZ_US / int(row["window_us"])
            if row.get("kicks"):
                m["kicks_per_io"] = int(row["kicks"]) / ios
                m["irqs_per_io"] = int(row["irqs"]) / ios


def updown_samples(raw, samples, test="updown"):
    """Bring-up and tear-down times from TEST.csv (updown, updown16)."""
    path = os.path.join(raw, f"{test}.csv")
    if not os.path.exists(path):
        return
    with open(path) as f:
        for row in csv.DictReader(f):
            m = samples.setdefault((row["case"], test, int(row["round"])), {})
            m["up_ms"] = int(row["up_us"]) / 1e3
            m["down_ms"] = int(row["down_us"]) / 1e3


def summarise(samples):
    """(case, 'test.metric') -> {median, min, max, n, ratio, ratio_of_medians}.

    ratio is the median, over the rounds, of the case's value over VDUSE's
    value in the same round (the two ran minutes apart at most, VDUSE
    being the control); ratio_of_medians divides the medians instead.
    """
    values, by_round = {}, {}
    for (case, test, rnd), m in samples.items():
        for metric, v in m.items():
            key = (case, f"{test}.{metric}")
            values.setdefault(key, []).append(v)
            by_round.setdefault(key, {})[rnd] = v
    summary = {}
    for key, vs in values.items():
        summary[key] = {
            "median": statistics.median(vs),
            "min": min(vs),
            "max": max(vs),
            "n": len(vs),
        }
    for (case, metric), s in summary.items():
        ref_key = (REFERENCE.get(case, "vduse-qsd"), metric)
        ref = summary.get(ref_key)
        s["ratio_of_medians"] = (s["median"] / ref["median"]
                                 if ref and ref["median"] else None)
        mine, theirs = by_round[(case, metric)], by_round.get(ref_key, {})
        ratios = [mine[r] / theirs[r] for r in mine if theirs.get(r)]
        s["ratio"] = statistics.median(ratios) if ratios else None
        s["ratio_min"] = min(ratios) if ratios else None
        s["ratio_max"] = max(ratios) if ratios else None
    return summary


def fmt(v, digits=None):
    if v is None:
        return "–"
    if digits is None:
        digits = 0 if abs(v) >= 100 else (1 if abs(v) >= 10 else 2)
    return f"{v:.{digits}f}"


def cell(summary, case, metric):
    s = summary.get((case, metric))
    if not s:
        return "–"
    text = fmt(s["median"])
    if s["ratio"] is not None and not case.endswith("vduse") and case != "vduse-qsd":
        text += f" ({s['ratio']:.2f}×)"
    return text


def span(summary, case, metric):
    s = summary[(case, metric)]
    return f"{fmt(s['median'])} ({fmt(s['min'])}–{fmt(s['max'])})"


SCALE_DEVICES = (1, 2, 4, 8)
SCALE_QUEUES = (1, 2, 4)


def scale_section(add, meta, samples, summary):
    """The scaling table: aggregate IOPS, loop-own against ublk."""
    if not any(k[1].startswith("scale-") for k in summary):
        return
    add("## Scaling: aggregate 4K random-read IOPS, 1 to 8 disks at once")
    add("")
    add("Every disk at once, one fio job per disk and hardware queue, queue depth 32 "
        "each. The loopback: one adapter, a vhost-user-blk (project) per disk, 8 MiB "
        "pools; ublk: a ublk-ram per disk. Both drivers give a disk at most one "
        "queue per CPU (queues asked for, got: "
        + ", ".join(f"{q} → loopback {meta.get(f'scale_hwq.q{q}', '?').split(',')[0]}, "
                    f"ublk {meta.get(f'scale_hwq.q{q}', '?,?').split(',')[-1]}"
                    for q in SCALE_QUEUES)
        + f"). {meta.get('scale_rounds', '?')} rounds; medians, and the median (range) of "
        "the per-round ratio loopback / ublk, both measured back to back.")
    add("")
    add("| disks | queues per disk | loopback IOPS | ublk IOPS | loopback / ublk |")
    add("| --- | --- | --- | --- | --- |")
    for q in SCALE_QUEUES:
        for n in SCALE_DEVICES:
            t = f"scale-d{n}q{q}"
            a, b = summary.get(("loop-own", t + ".iops")), summary.get(("ublk", t + ".iops"))
            if not a or not b:
                continue
            ratios = [samples[("loop-own", t, r)]["iops"] / samples[("ublk", t, r)]["iops"]
                      for (c, tt, r) in samples
                      if c == "loop-own" and tt == t and samples.get(("ublk", t, r), {}).get("iops")]
            rtext = (f"{statistics.median(ratios):.2f} ({min(ratios):.2f}–{max(ratios):.2f})"
                     if ratios else "–")
            add(f"| {n} | {q} | {fmt(a['median'])} | {fmt(b['median'])} | {rtext} |")
    add("")


def markdown(meta, summary, cases, samples):
    lines = []
    add = lines.append
    add("# Benchmark results")
    add("")
    add(f"Generated by `make bench` (bench/run) on {meta.get('date', '?')}.")
    add("")
    add("| | |")
    add("| --- | --- |")
    for key, label in [
        ("project", "project (git describe)"),
        ("guest_kernel", "guest kernel"),
        ("qemu", "QEMU (TCG emulator)"),
        ("qsd", "qemu-storage-daemon"),
        ("fio", "fio"),
        ("host_cpu", "host CPU"),
        ("host_cpus", "host CPUs"),
        ("cpus", "guest CPUs"),
        ("rounds", "rounds (medians reported)"),
        ("runtime", "seconds per fio run"),
        ("queue_size", "virtqueue size (virtio cases but loop-tuned), queues: 1"),
        ("tuned_queue_size", "virtqueue size of loop-tuned"),
        ("loop_pool_size", "loopback pool (bytes)"),
        ("clocksource", "guest clocksource"),
        ("copy_mbps", "guest memory copy speed (MB/s, kernel to user, 128 KiB blocks)"),
        ("vm_wall_s", "guest run wall time (s)"),
    ]:
        if key in meta:
            val = meta[key]
            if key == "vm_wall_s":
                val = f"{float(val):.0f}"
            add(f"| {label} | {val} |")
    add("")
    add("Medians over the rounds; in brackets the ratio to VDUSE (IOPS, MB/s: higher is "
        "better; latency, CPU: lower is better): the median over the rounds of the "
        "case's figure divided by VDUSE's in the same round. "
        "fio, libaio, O_DIRECT, on a 128 MiB RAM-backed disk; latency is fio's "
        "total latency (submission to completion). CPU: guest user+nice+system+"
        "irq+softirq time over a window of the run (from 0.3 s after its I/O starts, "
        "for the run's length less 1 s), divided by the I/Os completed in it. Absolute numbers come from an emulated (TCG) machine "
        "shared with other work: compare within one run only.")
    add("")
    add("## Block I/O")
    add("")
    add("| case | 4K randread QD1 IOPS | QD1 p50 µs | QD1 p99 µs | 4K randread QD32 IOPS | "
        "128K seq read MB/s | 128K seq write MB/s |")
    add("| --- | --- | --- | --- | --- | --- | --- |")
    for c in cases:
        add(f"| {CASE_TITLES[c]} | {cell(summary, c, 'qd1.iops')} | "
            f"{cell(summary, c, 'qd1.p50_us')} | {cell(summary, c, 'qd1.p99_us')} | "
            f"{cell(summary, c, 'qd32.iops')} | {cell(summary, c, 'seqread.mbps')} | "
            f"{cell(summary, c, 'seqwrite.mbps')} |")
    add("")
    add("## CPU time per I/O (guest, µs)")
    add("")
    add("| case | QD1 | QD32 | seq read 128K | seq write 128K |")
    add("| --- | --- | --- | --- | --- |")
    for c in cases:
        add(f"| {CASE_TITLES[c]} | {cell(summary, c, 'qd1.cpu_us_per_io')} | "
            f"{cell(summary, c, 'qd32.cpu_us_per_io')} | "
            f"{cell(summary, c, 'seqread.cpu_us_per_io')} | "
            f"{cell(summary, c, 'seqwrite.cpu_us_per_io')} |")
    add("")
    loops = [c for c in cases if (c, "qd32.irqs_per_io") in summary]
    if loops:
        add("## Loopback notifications per I/O (kicks / interrupts, from the device's counters)")
        add("")
        add("| case | QD1 | QD32 | seq read 128K | seq write 128K |")
        add("| --- | --- | --- | --- | --- |")
        for c in loops:
            row = []
            for t in ("qd1", "qd32", "seqread", "seqwrite"):
                k, i = summary.get((c, t + ".kicks_per_io")), summary.get((c, t + ".irqs_per_io"))
                row.append(f"{k['median']:.2f} / {i['median']:.2f}" if k and i else "–")
            add(f"| {CASE_TITLES[c]} | " + " | ".join(row) + " |")
        add("")
    if any(k[0] == "rtt-loop" for k in summary):
        add("## Notification round trip (512-byte QD1 read, QSD null-co node)")
        add("")
        add("| path | p50 µs | p99 µs | IOPS | CPU µs/IO |")
        add("| --- | --- | --- | --- | --- |")
        for c in ("rtt-loop", "rtt-vduse"):
            add(f"| {CASE_TITLES[c]} | {cell(summary, c, 'rtt.p50_us')} | "
                f"{cell(summary, c, 'rtt.p99_us')} | {cell(summary, c, 'rtt.iops')} | "
                f"{cell(summary, c, 'rtt.cpu_us_per_io')} |")
        add("")
    if any(k[1] == "updown.up_ms" for k in summary):
        add("## Bring-up and tear-down (ms)")
        add("")
        add("Bring-up: from starting the adapter (loopback), `vdpa dev add` (VDUSE) or "
            "ublk-ram (ublk), its back-end already running, until a direct read of the "
            "new disk succeeds. Tear-down: from SIGTERM to the adapter or ublk-ram, or "
            "`vdpa dev del`, until the disk is gone.")
        add("")
        add("| case | bring-up | tear-down |")
        add("| --- | --- | --- |")
        for c in cases:
            if (c, "updown.up_ms") in summary:
                add(f"| {CASE_TITLES[c]} | {cell(summary, c, 'updown.up_ms')} | "
                    f"{cell(summary, c, 'updown.down_ms')} |")
        add("")
    if ("loop-own", "updown16.up_ms") in summary and ("ublk", "updown16.up_ms") in summary:
        add("## Bring-up and tear-down of 16 disks (ms)")
        add("")
        add("One adapter with 16 blk devices, each on its own vhost-user-blk (4 MiB "
            "pools), against 16 ublk-ram servers, all started at once: up until every "
            "disk reads, down from SIGTERM until every disk is gone. Median (range of "
            "the rounds); the ratio divides the medians.")
        add("")
        add("| case | bring-up | tear-down |")
        add("| --- | --- | --- |")
        for c in ("loop-own", "ublk"):
            add(f"| {CASE_TITLES[c]} | {span(summary, c, 'updown16.up_ms')} | "
                f"{span(summary, c, 'updown16.down_ms')} |")
        ups = [summary[(c, "updown16.up_ms")]["median"] for c in ("loop-own", "ublk")]
        downs = [summary[(c, "updown16.down_ms")]["median"] for c in ("loop-own", "ublk")]
        add(f"| loopback / ublk | {ups[0] / ups[1]:.2f} | {downs[0] / downs[1]:.2f} |")
        add("")
    scale_section(add, meta, samples, summary)
    add("## Goals")
    add("")
    for metric, label, better in [
        ("qd32.iops", "4K randread QD32 IOPS", "higher"),
        ("qd1.p50_us", "4K randread QD1 latency p50", "lower"),
        ("qd1.p99_us", "4K randread QD1 latency p99", "lower"),
        ("rtt.p50_us", "round trip p50", "lower"),
    ]:
        a_case, b_case = ("rtt-loop", "rtt-vduse") if metric.startswith("rtt") else (
            "loop-qsd", "vduse-qsd")
        a, b = summary.get((a_case, metric)), summary.get((b_case, metric))
        if not a or not b:
            continue
        r = a["ratio"]
        ok = r is not None and (r >= 1 if better == "higher" else r <= 1)
        add(f"- {label}: loopback {fmt(a['median'])} (range {fmt(a['min'])}–{fmt(a['max'])}), "
            f"VDUSE {fmt(b['median'])} (range {fmt(b['min'])}–{fmt(b['max'])}); "
            f"paired ratio {fmt(r, 2)} (rounds {fmt(a['ratio_min'], 2)}–"
            f"{fmt(a['ratio_max'], 2)}): {'met' if ok else 'NOT met'} ({better} is better).")
    add("")
    goals = [("qd32.iops", "4K randread QD32 IOPS", "higher"),
             ("qd1.p50_us", "4K randread QD1 latency p50", "lower"),
             ("qd32.cpu_us_per_io", "CPU per I/O at QD32", "lower")]
    for case, title in (("loop-own", "the project's vhost-user-blk"),
                        ("loop-poll", "the project's vhost-user-blk polling its rings "
                         "(--poll-us, opt-in)"),
                        ("loop-mmap", "the project's vhost-user-blk serving the image from "
                         "a mapping, as ublk-ram does (--mmap, opt-in)"),
                        ("loop-mpoll", "the project's vhost-user-blk with both "
                         "(--mmap --poll-us, opt-in)"),
                        ("loop-tuned", "the project's vhost-user-blk --mmap, the adapter's "
                         "--indirect off, 1024-entry rings (opt-in)")):
        if not any((case, m) in summary and ("ublk", m) in summary for m, _, _ in goals):
            continue
        add(f"### Against ublk (issue 16): {title}, ublk + ublk-ram")
        add("")
        for metric, label, better in goals:
            a, b = summary.get((case, metric)), summary.get(("ublk", metric))
            if not a or not b:
                continue
            r = a["median"] / b["median"]
            ok = r >= 1 if better == "higher" else r <= 1
            add(f"- {label}: loopback {fmt(a['median'])} (range {fmt(a['min'])}–{fmt(a['max'])}), "
                f"ublk {fmt(b['median'])} (range {fmt(b['min'])}–{fmt(b['max'])}); "
                f"ratio of the medians {fmt(r, 2)}, goal {'≥' if better == 'higher' else '≤'} 1.0: "
                f"{'met' if ok else 'NOT met'}.")
        add("")
    return "\n".join(lines)


def plot(summary, cases, results, raw):
    tput = [("qd1.iops", "QD1 IOPS"), ("qd32.iops", "QD32 IOPS"),
            ("seqread.mbps", "seq read"), ("seqwrite.mbps", "seq write")]
    lat = [("qd1.p50_us", "QD1 p50"), ("qd1.p99_us", "QD1 p99"),
           ("rtt.p50_us", "RTT p50"), ("rtt.p99_us", "RTT p99")]
    tput_path = os.path.join(raw, "plot-tput.dat")
    lat_path = os.path.join(raw, "plot-lat.dat")
    with open(tput_path, "w") as f:
        f.write("metric " + " ".join(f'"{c}"' for c in cases) + "\n")
        for metric, label in tput:
            row = []
            for c in cases:
                s = summary.get((c, metric))
                row.append(f"{s['ratio']:.4f}" if s and s["ratio"] else "?")
            f.write(f'"{label}" ' + " ".join(row) + "\n")
    with open(lat_path, "w") as f:
        f.write("metric " + " ".join(f'"{c}"' for c in cases) + "\n")
        for metric, label in lat:
            row = []
            for c in cases:
                key = c
                if metric.startswith("rtt"):
                    key = {"loop-qsd": "rtt-loop", "vduse-qsd": "rtt-vduse"}.get(c)
                s = summary.get((key, metric)) if key else None
                row.append(f"{s['median']:.1f}" if s else "?")
            f.write(f'"{label}" ' + " ".join(row) + "\n")
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "plot.gp")
    out = os.path.join(results, "results.png")
    subprocess.run(["gnuplot", "-e",
                    f"tput='{tput_path}'; lat='{lat_path}'; out='{out}'; ncases={len(cases)}",
                    script], check=True)


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: bench/report.py RAW_DIR RESULTS_DIR")
    raw, results = sys.argv[1], sys.argv[2]
    meta = read_kv(os.path.join(raw, "meta.txt"))
    meta.update(read_kv(os.path.join(raw, "host.txt")))
    samples = fio_samples(raw)
    cpu_samples(raw, samples)
    updown_samples(raw, samples)
    updown_samples(raw, samples, "updown16")
    if not samples:
        sys.exit("bench/report.py: no samples in " + raw)
    summary = summarise(samples)
    cases = [c for c in CASES if any(k[0] == c for k in summary)]

    with open(os.path.join(results, "samples.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["case", "test", "round", "metric", "value"])
        for (case, test, rnd), m in sorted(samples.items()):
            for metric, v in sorted(m.items()):
                w.writerow([case, test, rnd, metric, f"{v:.4g}"])
    with open(os.path.join(results, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["case", "metric", "median", "min", "max", "n", "ratio_to_vduse",
                    "ratio_min", "ratio_max", "ratio_of_medians"])
        opt = lambda v: f"{v:.3f}" if v is not None else ""
        for (case, metric), s in sorted(summary.items()):
            w.writerow([case, metric, f"{s['median']:.4g}", f"{s['min']:.4g}",
                        f"{s['max']:.4g}", s["n"], opt(s["ratio"]), opt(s["ratio_min"]),
                        opt(s["ratio_max"]), opt(s["ratio_of_medians"])])
    doc = {"meta": meta, "results": {}}
    for (case, metric), s in sorted(summary.items()):
        doc["results"].setdefault(case, {})[metric] = s
    with open(os.path.join(results, "results.json"), "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
        f.write("\n")
    md = markdown(meta, summary, cases, samples)
    with open(os.path.join(results, "results.md"), "w") as f:
        f.write(md + "\n")
    # Only block-I/O runs give the plot anything to draw.
    if any(k[1] in ("qd1.iops", "qd32.iops", "seqread.mbps", "seqwrite.mbps", "qd1.p50_us", "rtt.p50_us") for k in summary):
        plot(summary, cases, results, raw)
    print(md)


if __name__ == "__main__":
    main()
