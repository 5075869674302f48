#!/usr/bin/env python3
"""Build BENCHMARKS.md from the results of perf/bench.sh.

Sources, all under the perf crate's target directory (TARGET, default $CARGO_TARGET_DIR, else
perf/target):
- compare/throughput.json, compare/throughput.md and compare/load.md, written by the fair
  harness (perf/benches/compare/): the queue and mutex goals, and its tables verbatim;
- criterion/**/new/*.json, written by the criterion suites (perf/benches/primitives.rs,
  perf/benches/queues.rs): the goals of the primitives, and a table of every workload;
- icount.md, written by perf/icount.sh: instruction counts and sizes;
- run-info.txt, written by perf/bench.sh: date, machine, load average, whether it was a smoke run.
Any of them may be missing; the report says what was not run. The hand-written parts come from
perf/method.md (the aim, how to run, how it measures) and perf/history.md (earlier results,
what the tuning changed), included unchanged.

Goals are judged by the WORSE of the loop styles a workload was measured in (the fair harness
runs every try_ workload in two): a lead in one style and a loss in the other is a loss.

Usage: perf/bench_report.py [TARGET] [--out FILE] [--svg FILE]
    --out FILE   write the report there (BENCHMARKS.md); default: print it
    --svg FILE   also write the chart of the goal ratios (perf/ratios.svg)
Standard library only.
"""

import json
import math
import os
import sys
from pathlib import Path

PERF = Path(__file__).resolve().parent

# The goals judged by the fair harness (compare/throughput.json):
# (label, workload id, baresync contender, anchors (the best by median is used), target).
HARNESS_GOALS = [
    ("SPSC try, capacity 1024", "spsc_try_cap1024", "baresync", ["rtrb"], 1.0),
    ("SPSC try, capacity 16", "spsc_try_cap16", "baresync", ["rtrb"], 1.0),
    ("SPSC blocking, capacity 1024", "spsc_blocking_cap1024", "baresync", ["crossbeam_channel"], 1.0),
    ("SPSC blocking, capacity 16", "spsc_blocking_cap16", "baresync", ["crossbeam_channel"], 1.0),
    ("MPMC try, 2p2c", "mpmc_try_2p2c", "baresync", ["crossbeam_arrayqueue"], 1.0),
    ("MPMC try, 4p4c", "mpmc_try_4p4c", "baresync", ["crossbeam_arrayqueue"], 1.0),
    ("MPMC blocking, 2p2c", "mpmc_blocking_2p2c", "baresync", ["crossbeam_channel"], 1.0),
    ("MPMC blocking, 4p4c", "mpmc_blocking_4p4c", "baresync", ["crossbeam_channel"], 1.0),
    ("PriorityQueue, 1p1c", "priority_1p1c", "baresync", ["parking_lot_heap"], 1.0),
    ("PriorityQueue, 2p2c", "priority_2p2c", "baresync", ["parking_lot_heap"], 1.0),
    ("Mutex, 2 threads on 2 cores (Futex)", "mutex_2t", "baresync", ["parking_lot"], 1.0),
    ("RwLock, read-mostly, 8 threads on 2 cores (Futex)", "rwlock_read_mostly_8t", "baresync",
     ["parking_lot", "spin"], 1.0),
]

# The goals judged by the criterion suites (one loop style each):
# (label, group, parameter, baresync function, anchors or None for every anchor, target).
CRITERION_GOALS = [
    ("Mutex, uncontended (Futex)", "mutex_uncontended", "1t", "baresync_futex", ["parking_lot"], 1.0),
    ("Mutex, uncontended (Spin)", "mutex_uncontended", "1t", "baresync_spin", ["spin"], 1.0),
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
]


# ---------------------------------------------------------------------------------------------
# Loading

def load_criterion(directory):
    """{(group, parameter, function): summary} for every criterion benchmark with a throughput."""
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
        results[key] = {"median": median, "min": min(per_sample, default=median),
                        "max": max(per_sample, default=median)}
    return results


def load_json(path):
    return json.loads(path.read_text()) if path.exists() else None


def run_info(path):
    info = {}
    if path.exists():
        for line in path.read_text().splitlines():
            if ":" in line:
                k, v = line.split(":", 1)
                info[k.strip()] = v.strip()
    return info


# ---------------------------------------------------------------------------------------------
# Goals

def ratio(ours, anchor):
    """(median ratio, low, high): the range pairs the slowest with the fastest sample."""
    return (ours["median"] / anchor["median"], ours["min"] / anchor["max"],
            ours["max"] / anchor["min"])


def harness_goals(throughput):
    """One row per goal, judged by the worse loop style."""
    workloads = {w["id"]: w for w in (throughput or {}).get("results", [])}
    rows = []
    for label, wid, ours_name, anchors, target in HARNESS_GOALS:
        row = {"label": label, "source": "harness", "target": target, "styles": []}
        w = workloads.get(wid)
        styles = []
        for c in (w or {}).get("contenders", []):
            if c["style"] not in styles:
                styles.append(c["style"])
        for style in styles:
            by_name = {c["contender"]: c["summary"] for c in w["contenders"] if c["style"] == style}
            candidates = [(a, by_name[a]) for a in anchors if a in by_name]
            if ours_name not in by_name or not candidates:
                continue
            anchor, best = max(candidates, key=lambda c: c[1]["median"])
            mid, low, high = ratio(by_name[ours_name], best)
            row["styles"].append({"style": style, "anchor": anchor, "ratio": mid,
                                  "low": low, "high": high})
        if row["styles"]:
            worse = min(row["styles"], key=lambda s: s["ratio"])
            row.update(judged=worse, met=worse["ratio"] >= target)
        rows.append(row)
    return rows


def criterion_goals(results):
    rows = []
    for label, group, parameter, ours_name, anchors, target in CRITERION_GOALS:
        row = {"label": label, "source": "criterion", "target": target, "styles": []}
        ours = results.get((group, parameter, ours_name))
        if anchors is None:
            candidates = [(f, r) for (g, p, f), r in results.items()
                          if (g, p) == (group, parameter) and not f.startswith("baresync")]
        else:
            candidates = [(a, results[(group, parameter, a)]) for a in anchors
                          if (group, parameter, a) in results]
        if ours and candidates:
            anchor, best = max(candidates, key=lambda c: c[1]["median"])
            mid, low, high = ratio(ours, best)
            judged = {"style": "criterion", "anchor": anchor, "ratio": mid, "low": low, "high": high}
            row.update(styles=[judged], judged=judged, met=mid >= target)
        rows.append(row)
    return rows


def goals_table(rows):
    out = ["| goal | judged by | anchor | ratio per loop style: median (range) | worse style | target | met |",
           "| --- | --- | --- | --- | ---: | ---: | --- |"]
    for r in rows:
        if "judged" not in r:
            out.append(f"| {r['label']} | {r['source']} | | not measured in this run | | "
                       f"{r['target']:g} | |")
            continue
        per_style = "; ".join(f"{s['style']} {s['ratio']:.2f} ({s['low']:.2f}-{s['high']:.2f})"
                              for s in r["styles"])
        anchors = sorted({s["anchor"] for s in r["styles"]})
        j = r["judged"]
        out.append(f"| {r['label']} | {r['source']} | {', '.join(f'`{a}`' for a in anchors)} "
                   f"| {per_style} | **{j['ratio']:.2f}** ({j['style']}) | {r['target']:g} "
                   f"| {'yes' if r['met'] else '**no**'} |")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Criterion tables

def rate(value):
    """Elements per second with a unit prefix: 12.3 M/s."""
    for unit, scale in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if value >= scale:
            return f"{value / scale:.3g} {unit}/s"
    return f"{value:.3g} /s"


def criterion_table(results):
    workloads = {}
    for (g, p, f), r in results.items():
        workloads.setdefault((g, p), []).append((f, r))
    out = ["| workload | function | median (min-max) | ratio to best anchor |",
           "| --- | --- | --- | ---: |"]
    for (g, p), records in sorted(workloads.items()):
        anchors = [(f, r) for f, r in records if not f.startswith("baresync")]
        best = max(anchors, key=lambda a: a[1]["median"]) if anchors else None
        for f, r in sorted(records, key=lambda fr: -fr[1]["median"]):
            if f.startswith("baresync") and best:
                rel = f"{r['median'] / best[1]['median']:.2f}"
            else:
                rel = "best anchor" if best and f == best[0] else ""
            out.append(f"| {g} {p} | `{f}` | {rate(r['median'])} "
                       f"({rate(r['min'])}-{rate(r['max'])}) | {rel} |")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------
# Chart

def svg_chart(rows, subtitle):
    """A horizontal bar per goal on a log scale: from 1 to the judged (worse) ratio, a whisker
    over that style's range, a black tick at the target."""
    rows = [r for r in rows if "judged" in r]
    left, width, right = 300, 520, 170
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
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="18" font-size="14" font-weight="bold">baresync throughput / '
           'anchor throughput, worse loop style (median; log scale)</text>',
           f'<text x="10" y="36" fill="#555">{esc(subtitle)}</text>']
    axis_y = top + row_h * len(rows) + 6
    for v in (0.01, 0.1, 0.5, 1, 2, 5, 10, 100):
        xv = x(v)
        stroke = "#000" if v == 1 else "#ddd"
        out.append(f'<line x1="{xv:.1f}" y1="{top - 6}" x2="{xv:.1f}" y2="{axis_y}" '
                   f'stroke="{stroke}"/>')
        out.append(f'<text x="{xv:.1f}" y="{axis_y + 14}" text-anchor="middle">{v:g}</text>')
    for i, r in enumerate(rows):
        j = r["judged"]
        y = top + i * row_h
        mid = y + row_h / 2
        out.append(f'<text x="{left - 8}" y="{mid + 4:.1f}" text-anchor="end">'
                   f'{esc(r["label"])}</text>')
        x1, x2 = sorted((x(1), x(j["ratio"])))
        color = "#2e7d32" if r["met"] else "#c62828"
        out.append(f'<rect x="{x1:.1f}" y="{y + 4}" width="{max(x2 - x1, 1):.1f}" '
                   f'height="{row_h - 8}" fill="{color}" fill-opacity="0.8"/>')
        out.append(f'<line x1="{x(j["low"]):.1f}" y1="{mid:.1f}" x2="{x(j["high"]):.1f}" '
                   f'y2="{mid:.1f}" stroke="#333"/>')
        tx = x(r["target"])
        out.append(f'<line x1="{tx:.1f}" y1="{y + 1}" x2="{tx:.1f}" y2="{y + row_h - 1}" '
                   f'stroke="#000" stroke-width="2"/>')
        out.append(f'<text x="{left + width + 8}" y="{mid + 4:.1f}">{j["ratio"]:.2f} '
                   f'{esc(j["style"])} (goal {r["target"]:g})</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------
# The report

def section_text(path, missing):
    """A harness section without its generated-by comment, or a note that it was not run."""
    if not path.exists():
        return missing
    lines = [l for l in path.read_text().splitlines() if not l.startswith("<!-- ")]
    return "\n".join(lines).strip()


def report(target, svg_name):
    info = run_info(target / "run-info.txt")
    throughput = load_json(target / "compare" / "throughput.json")
    load = load_json(target / "compare" / "load.json")
    criterion_dir = target / "criterion"
    criterion = load_criterion(criterion_dir) if criterion_dir.is_dir() else {}
    rows = harness_goals(throughput) + criterion_goals(criterion)

    smoke = info.get("smoke") == "yes" or any(
        (doc or {}).get("meta", {}).get("smoke") for doc in (throughput, load))
    when = info.get("date") or "date unknown"
    subtitle = f"{when}; green: goal met; red: not met; whisker: range; black tick: target"
    if smoke:
        subtitle = "SMOKE RUN, not a measurement; " + subtitle

    # method.md: its lead paragraph opens the report, its sections follow the goals.
    method = section_text(PERF / "method.md", "")
    lead, _, method_sections = method.partition("\n## ")
    out = ["# baresync benchmarks", "",
           "<!-- Generated by perf/bench_report.py from the results of perf/bench.sh: do not "
           "edit by hand. Hand-written parts: perf/method.md and perf/history.md. -->", ""]
    if smoke:
        out += ["> **Smoke run.** These results come from a run with tiny sizes (few items, few "
                "samples, short criterion times) on a machine that was not idle. They prove that "
                "the suite and this report work; they measure nothing. Run `perf/bench.sh` on a "
                "quiet machine for figures to quote.", ""]
    if info:
        out += [f"Run of {when} on {info.get('machine', '?')}, {info.get('rustc', '?')}; "
                f"1-minute load average {info.get('load_before', '?')} at the start and "
                f"{info.get('load_after', '?')} at the end; {info.get('wall_seconds', '?')} s "
                f"in all.", ""]
    trips = [t for w in (throughput or {}).get("results", [])
             for t in w.get("line_round_trip_ns") or [] if t is not None]
    if trips:
        out += [f"The machine's state during the fair harness: a cache line went from one core to "
                f"the other and back in {min(trips):.0f} to {max(trips):.0f} ns (measured before "
                f"and after each workload, quoted in its table). The queues that move lines "
                f"between the cores most often swing most between runs: compare ratios within one "
                f"table, and across runs together with this figure.", ""]
    out += [lead.strip(), ""]

    judged = [r for r in rows if "judged" in r]
    met = sum(1 for r in judged if r["met"])
    out += ["## Goals", "",
            "Each goal is baresync's throughput over the anchor's (above 1, baresync is faster), "
            "**judged by the worse of the loop styles** the workload was measured in: the fair "
            "harness runs every `try_` workload with the spin-hint loop and with "
            "`crossbeam_utils::Backoff`, and blocking workloads with blocking verbs. The queue "
            "goals and the contended mutex come from the harness; the uncontended paths, the "
            "hand-offs and the barriers from criterion. How each is measured: below the table.",
            "",
            f"Goals met: {met} of {len(rows)}"
            + (f" ({len(rows) - len(judged)} not measured in this run)." if len(judged) < len(rows) else "."),
            "", goals_table(rows), "",
            f"![baresync's throughput over the anchor's, per goal, worse loop style (log scale)]({svg_name})",
            ""]
    out += ["## " + method_sections, ""]
    out += ["## The fair harness: throughput", "",
            section_text(target / "compare" / "throughput.md",
                         "Not run: `cd perf && cargo bench --bench compare -- throughput`."), ""]
    out += ["## The fair harness: load", "",
            section_text(target / "compare" / "load.md",
                         "Not run: `cd perf && cargo bench --bench compare -- load`."), ""]
    out += ["## The criterion suites", ""]
    if criterion:
        out += ["<details><summary>Every criterion workload</summary>", "",
                criterion_table(criterion), "", "</details>", ""]
    else:
        out += ["Not run: `cd perf && cargo bench --bench primitives && cargo bench --bench queues`.", ""]
    out += ["## Instruction counts and sizes", "",
            section_text(target / "icount.md", "Not run in this run (`perf/icount.sh` needs "
                         "valgrind); the last counts are under Earlier results below."), ""]
    out += [section_text(PERF / "history.md", ""), ""]
    return "\n".join(out).rstrip("\n") + "\n", rows, subtitle


def main(argv):
    args, out_path, svg_path = [], None, None
    it = iter(argv)
    for a in it:
        if a == "--out":
            out_path = Path(next(it))
        elif a == "--svg":
            svg_path = Path(next(it))
        elif a in ("-h", "--help"):
            sys.exit(__doc__)
        else:
            args.append(a)
    if args:
        target = Path(args[0])
    else:
        target = Path(os.environ.get("CARGO_TARGET_DIR") or PERF / "target")
    if not target.is_dir():
        sys.exit(f"no results in {target}: run perf/bench.sh first")
    svg_name = "perf/ratios.svg"
    if svg_path and out_path:
        svg_name = os.path.relpath(svg_path.resolve(), out_path.resolve().parent)
    text, rows, subtitle = report(target, svg_name)
    if out_path:
        out_path.write_text(text)
    else:
        print(text, end="")
    if svg_path:
        svg_path.write_text(svg_chart(rows, subtitle))


if __name__ == "__main__":
    main(sys.argv[1:])
