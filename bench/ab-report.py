#!/usr/bin/python3
"""Summarise a bench/ab run: bench/ab-report.py RAW_DIR.

For each test and metric: the medians of A and B, each one's paired ratio to
the VDUSE run right after it, and B over A paired by round (median, and
the range over the rounds).
"""
import importlib.util
import os
import statistics
import sys

spec = importlib.util.spec_from_file_location(
    "report", os.path.join(os.path.dirname(os.path.abspath(__file__)), "report.py"))
report = importlib.util.module_from_spec(spec)
spec.loader.exec_module(report)


def main():
    raw = sys.argv[1]
    samples = report.fio_samples(raw)
    report.cpu_samples(raw, samples)
    by = {}
    for (case, test, rnd), m in samples.items():
        for metric, v in m.items():
            by.setdefault((test, metric), {}).setdefault(case, {})[rnd] = v
    print(f"{'test.metric':28} {'A':>9} {'B':>9} {'A/VDUSE':>8} {'B/VDUSE':>8} {'B/A':>6} "
          f"{'B/A range':>11}")
    for (test, metric), cases in sorted(by.items()):
        if metric in ("mean_us", "cpu_util") or "loop-A" not in cases or "loop-B" not in cases:
            continue
        la, lb = cases["loop-A"], cases["loop-B"]
        va, vb = cases.get("vduse-A", {}), cases.get("vduse-B", {})

        def ratios(x, y):
            return [x[r] / y[r] for r in x if y.get(r)]

        def paired(x, y):
            rs = ratios(x, y)
            return statistics.median(rs) if rs else float("nan")

        ba = ratios(lb, la) or [float("nan")]

        print(f"{test + '.' + metric:28} {statistics.median(la.values()):9.4g} "
              f"{statistics.median(lb.values()):9.4g} {paired(la, va):8.3f} "
              f"{paired(lb, vb):8.3f} {paired(lb, la):6.3f} "
              f"{min(ba):5.2f}-{max(ba):<5.2f}")


if __name__ == "__main__":
    main()
