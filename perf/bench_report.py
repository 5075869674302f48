#!/usr/bin/env python3
"""Turn the criterion results of benches/primitives.rs and benches/queues.rs into the
performance report: a table of the goals (baresync's ratio to its anchor per workload), a table of
every workload, and an SVG chart of the goal ratios.

Reads `<criterion>/<group>/<function>/<parameter>/new/{benchmark,estimates,sample}.json`, as
written by `cargo bench` (every benchmark there reports a throughput in elements), and, if present,
`<criterion>/run-info.txt` (written by scripts/bench.sh: date, machine, load before and after).

A workload is a (group, parameter) pair, e.g. `spsc_try cap16`. Functions whose name starts with
`baresync` are ours; every other function is an anchor. Throughput is elements per second, so a
ratio above 1 means baresync is faster. For each benchmark the median is criterion's median
estimate, and min-max is over the samples. A ratio's range pairs baresync's slowest sample with
the anchor's fastest, and the other way round: on a noisy machine it is wide.

Usage: scripts/bench_report.py [CRITERION_DIR] [--svg FILE] [--readme FILE]
    CRITERION_DIR  defaults to $CARGO_TARGET_DIR/criterion, else target/criterion
    --svg FILE     also write the chart of the goal ratios
    --readme FILE  also replace the text between the markers
                   `<!-- bench-report:begin -->` and `<!-- bench-report:end -->` in FILE
                   with the report
Standard library only.
"""

import json
import os
import sys
from pathlib import Path

# The goals of issue 6. Each: (label, group, parameter, baresync function, anchors, target).
# Anchors are function names in the same workload, or "group/parameter/function" for an anchor
# measured in another workload; None means every anchor of the workload (the best one is used).
GOALS = [
    ("Mutex, uncontended (Futex)", "mutex_uncontended", "1t", "baresync_futex", ["parking_lot"], 1.0),
    ("Mutex, uncontended (Spin)", "mutex_uncontended", "1t", "baresync_spin", ["spin"], 1.0),
    ("Mutex, 2 threads (Futex)", "mutex_contended", "2t", "baresync_futex", ["parking_lot"], 1.0),
    ("Mutex, 8 threads on 2 cores (Futex)", "mutex_contended", "8t_2cores", "baresync_futex",
     ["parking_lot"], 1.0),
    ("Condvar::notify_one, no waiter", "notify_no_waiter", "1t", "baresync", None, 1.0),
    ("Condvar ping-pong, cross-core", "condvar_pingpong", "cross_core", "baresync", None, 5.0),
    ("Condvar ping-pong, same core", "condvar_pingpong", "same_core", "baresync", None, 1.0),
    ("Event ping-pong, cross-core", "event_pingpong", "cross_core", "baresync", None, 5.0),
    ("Event ping-pong, same core", "event_pingpong", "same_core", "baresync", None, 1.0),
    ("Semaphore ping-pong, cross-core", "semaphore_pingpong", "cross_core", "baresync", None, 5.0),
    ("Semaphore ping-pong, same core", "semaphore_pingpong", "same_core", "baresync", None, 1.0),
    ("Barrier, 2 threads", "barrier", "2t", "baresync", None, 1.0),
    ("Barrier, 4 threads on 2 cores", "barrier", "4t_2cores", "baresync", None, 1.0),
    ("SPSC try, capacity 1024", "spsc_try", "cap1024", "baresync", ["rtrb"], 1.0),
    ("SPSC try, capacity 16", "spsc_try", "cap16", "baresync", ["rtrb"], 1.0),
    ("SPSC blocking, capacity 16 (vs rtrb try-loop)", "spsc_blocking", "cap16", "baresync_spsc",
     ["spsc_try/cap16/rtrb"], 0.5),
    ("SPSC blocking, capacity 1024", "spsc_blocking", "cap1024", "baresync_spsc",
     ["crossbeam_channel"], 2.0),
    ("MPMC try, 2p2c", "mpmc_try", "2p2c_cap1024", "baresync", ["crossbeam_arrayqueue"], 1.0),
    ("MPMC try, 4p4c", "mpmc_try", "4p4c_cap1024", "baresync", ["crossbeam_arrayqueue"], 1.0),
    ("MPMC blocking, 2p2c", "mpmc_blocking", "2p2c_cap1024", "baresync", ["crossbeam_channel"], 1.0),
    ("MPMC blocking, 4p4c", "mpmc_blocking", "4p4c_cap1024", "baresync", ["crossbeam_channel"], 1.0),
    ("PriorityQueue, 1p1c", "priority", "1p1c_cap1024", "baresync", ["parking_lot_heap"], 1.0),
    ("PriorityQueue, 2p2c", "priority", "2p2c_cap1024", "baresync", ["parking_lot_heap"], 1.0),
]

BEGIN, END = "<!-- bench-report:begin -->", "<!-- bench-report:end -->"


def load(directory):
    """Returns {(group, parameter, function): record} for every benchmark under `directory`."""
    results = {}
    for bench_file in sorted(directory.glob("**/new/benchmark.json")):
        new = bench_file.parent
        bench = json.loads(bench_file.read_text())
        elements = (bench.get("throughput") or {}).get("Elements")
        if not elements:
            continue
        estimates = json.loads((new / "estimates.json").read_text())
        median = elements / estimates["median"]["point_estimate"] * 1e9  # elements per second
        per_sample = []
        sample_file = new / "sample.json"
        if sample_file.exists():
            sample = json.loads(sample_file.read_text())
            per_sample = [elements * iters / t * 1e9
                          for iters, t in zip(sample["iters"], sample["times"]) if t > 0]
        key = (bench["group_id"], bench.get("value_str") or "", bench["function_id"] or "")
        results[key] = {
            "key": key,
            "median": median,
            "min": min(per_sample, default=median),
            "max": max(per_sample, default=median),
        }
    return results


def rate(value):
    """Elements per second with a unit prefix: 12.3 M/s."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}/s"
    return f"{value:.3g} /s"


def spread(record):
    return f"{rate(record['median'])} ({rate(record['min'])}-{rate(record['max'])})"


def ratio(ours, anchor):
    """(median ratio, low, high) of two records."""
    return (ours["median"] / anchor["median"], ours["min"] / anchor["max"],
            ours["max"] / anchor["min"])


def anchor_name(record, group, parameter):
    g, p, f = record["key"]
    return f if (g, p) == (group, parameter) else f"{f} ({g} {p})"


def evaluate_goals(results):
    rows = []
    for label, group, parameter, ours_name, anchors, target in GOALS:
        ours = results.get((group, parameter, ours_name))
        if anchors is None:
            candidates = [r for (g, p, f), r in results.items()
                          if (g, p) == (group, parameter) and not f.startswith("baresync")]
        else:
            candidates = []
            for a in anchors:
                key = tuple(a.split("/")) if "/" in a else (group, parameter, a)
                if key in results:
                    candidates.append(results[key])
        if ours is None or not candidates:
            rows.append({"label": label, "missing": True, "target": target})
            continue
        best = max(candidates, key=lambda r: r["median"])
        mid, low, high = ratio(ours, best)
        rows.append({"label": label, "workload": f"{group} {parameter}", "ours": ours,
                     "anchor": best, "anchor_name": anchor_name(best, group, parameter),
                     "ratio": mid, "low": low, "high": high, "target": target,
                     "met": mid >= target})
    return rows


def goals_table(rows):
    out = ["| goal | baresync | median (min-max) | anchor | median (min-max) "
           "| ratio median (range) | target | met |",
           "| --- | --- | --- | --- | --- | --- | ---: | --- |"]
    for r in rows:
        if r.get("missing"):
            out.append(f"| {r['label']} | not measured | | | | | {r['target']:g} | |")
            continue
        out.append(f"| {r['label']} | `{r['ours']['key'][2]}` | {spread(r['ours'])} "
                   f"| `{r['anchor_name']}` | {spread(r['anchor'])} "
                   f"| **{r['ratio']:.2f}** ({r['low']:.2f}-{r['high']:.2f}) "
                   f"| {r['target']:g} | {'yes' if r['met'] else '**no**'} |")
    return "\n".join(out)


def workloads_table(results):
    workloads = {}
    for (g, p, f), r in results.items():
        workloads.setdefault((g, p), []).append(r)
    out = ["| workload | function | median (min-max) | ratio to best anchor |",
           "| --- | --- | --- | ---: |"]
    for (g, p), records in sorted(workloads.items()):
        anchors = [r for r in records if not r["key"][2].startswith("baresync")]
        best = max(anchors, key=lambda r: r["median"]) if anchors else None
        for r in sorted(records, key=lambda r: -r["median"]):
            name = r["key"][2]
            if name.startswith("baresync") and best:
                rel = f"{r['median'] / best['median']:.2f}"
            else:
                rel = "best anchor" if r is best else ""
            out.append(f"| {g} {p} | `{name}` | {spread(r)} | {rel} |")
    return "\n".join(out)


def run_info(directory):
    info_file = directory / "run-info.txt"
    if not info_file.exists():
        return {}
    info = {}
    for line in info_file.read_text().splitlines():
        if ":" in line:
            k, v = line.split(":", 1)
            info[k.strip()] = v.strip()
    return info


def svg_chart(rows, info):
    """A horizontal bar per goal on a log scale: the bar runs from 1 to the median ratio, the
    whisker spans the range, the tick marks the target."""
    import math
    rows = [r for r in rows if not r.get("missing")]
    left, width, right = 300, 520, 120
    top, row_h = 58, 22
    height = top + row_h * len(rows) + 44
    lo, hi = math.log10(0.01), math.log10(100)

    def x(v):
        v = min(max(v, 10 ** lo), 10 ** hi)
        return left + (math.log10(v) - lo) / (hi - lo) * width

    def esc(s):
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{left + width + right}" '
           f'height="{height}" font-family="sans-serif" font-size="12">',
           f'<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="18" font-size="14" font-weight="bold">baresync throughput / '
           f'anchor throughput (median; log scale)</text>']
    sub = "green: goal met; red: not met; whisker: range; black tick: target"
    if info.get("date"):
        sub += f"; {info['date']}, load {info.get('load_before', '?')} -> {info.get('load_after', '?')}"
    out.append(f'<text x="10" y="36" fill="#555">{esc(sub)}</text>')
    axis_y = top + row_h * len(rows) + 6
    for v in (0.01, 0.1, 0.5, 1, 2, 5, 10, 100):
        xv = x(v)
        stroke = "#000" if v == 1 else "#ddd"
        out.append(f'<line x1="{xv:.1f}" y1="{top - 6}" x2="{xv:.1f}" y2="{axis_y}" '
                   f'stroke="{stroke}"/>')
        out.append(f'<text x="{xv:.1f}" y="{axis_y + 14}" text-anchor="middle">{v:g}</text>')
    for i, r in enumerate(rows):
        y = top + i * row_h
        mid = y + row_h / 2
        out.append(f'<text x="{left - 8}" y="{mid + 4:.1f}" text-anchor="end">'
                   f'{esc(r["label"])}</text>')
        x1, x2 = sorted((x(1), x(r["ratio"])))
        color = "#2e7d32" if r["met"] else "#c62828"
        out.append(f'<rect x="{x1:.1f}" y="{y + 4}" width="{max(x2 - x1, 1):.1f}" '
                   f'height="{row_h - 8}" fill="{color}" fill-opacity="0.8"/>')
        out.append(f'<line x1="{x(r["low"]):.1f}" y1="{mid:.1f}" x2="{x(r["high"]):.1f}" '
                   f'y2="{mid:.1f}" stroke="#333"/>')
        tx = x(r["target"])
        out.append(f'<line x1="{tx:.1f}" y1="{y + 1}" x2="{tx:.1f}" y2="{y + row_h - 1}" '
                   f'stroke="#000" stroke-width="2"/>')
        out.append(f'<text x="{left + width + 8}" y="{mid + 4:.1f}">{r["ratio"]:.2f}'
                   f' (goal {r["target"]:g})</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def report(results, info, rows):
    lines = []
    if info:
        lines.append(f"Run of {info.get('date', '?')} on {info.get('machine', '?')}, "
                     f"{info.get('rustc', '?')}; 1-minute load average "
                     f"{info.get('load_before', '?')} at the start and "
                     f"{info.get('load_after', '?')} at the end; "
                     f"{info.get('wall_seconds', '?')} s in all.")
        lines.append("")
    met = sum(1 for r in rows if r.get("met"))
    lines.append(f"Goals met: {met} of {len(rows)}.")
    lines.append("")
    lines.append(goals_table(rows))
    lines.append("")
    lines.append("<details><summary>Every workload</summary>")
    lines.append("")
    lines.append(workloads_table(results))
    lines.append("")
    lines.append("</details>")
    return "\n".join(lines) + "\n"


def main(argv):
    args, svg_path, readme_path = [], None, None
    it = iter(argv)
    for a in it:
        if a == "--svg":
            svg_path = Path(next(it))
        elif a == "--readme":
            readme_path = Path(next(it))
        else:
            args.append(a)
    if args:
        directory = Path(args[0])
    else:
        directory = Path(os.environ.get("CARGO_TARGET_DIR", "target")) / "criterion"
    if not directory.is_dir():
        sys.exit(f"no criterion output in {directory}: run scripts/bench.sh first")
    results = load(directory)
    if not results:
        sys.exit(f"no benchmark with a throughput found in {directory}")
    info = run_info(directory)
    rows = evaluate_goals(results)
    text = report(results, info, rows)
    print(text, end="")
    if svg_path:
        svg_path.write_text(svg_chart(rows, info))
    if readme_path:
        readme = readme_path.read_text()
        if BEGIN not in readme or END not in readme:
            sys.exit(f"{readme_path} has no {BEGIN} ... {END} block")
        head, rest = readme.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        readme_path.write_text(f"{head}{BEGIN}\n\n{text}\n{END}{tail}")


if __name__ == "__main__":
    main(sys.argv[1:])
