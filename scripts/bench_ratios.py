#!/usr/bin/env python3
"""Print baresync's queue throughput relative to the best anchor of each workload.

Reads what `cargo bench --bench queues` left in criterion's output directory:
`<criterion>/<group>/<function>/<parameter>/new/{benchmark,estimates,sample}.json`.
A workload is a (group, parameter) pair, e.g. `spsc_try cap16`. Functions whose name starts
with `baresync` are ours; every other function of the workload is an anchor, and the best anchor
is the one with the highest median throughput.

For each baresync function the table gives its median throughput and the range over the samples
(min-max), the same for the best anchor, and the ratio of the medians (above 1: baresync is
faster). The ratio range pairs baresync's slowest sample with the anchor's fastest one, and the
other way round, so it is wide on a noisy machine.

Usage: scripts/bench_ratios.py [CRITERION_DIR] [--all]
    CRITERION_DIR  defaults to $CARGO_TARGET_DIR/criterion, else target/criterion
    --all          also list every function's throughput
Standard library only.
"""

import json
import os
import sys
from pathlib import Path


def load(directory):
    """Yields one record per benchmark found under `directory`."""
    for bench_file in sorted(directory.glob("**/new/benchmark.json")):
        new = bench_file.parent
        bench = json.loads(bench_file.read_text())
        estimates = json.loads((new / "estimates.json").read_text())
        elements = (bench.get("throughput") or {}).get("Elements")
        if not elements:
            continue
        median_ns = estimates["median"]["point_estimate"]
        per_sample = []
        sample_file = new / "sample.json"
        if sample_file.exists():
            sample = json.loads(sample_file.read_text())
            per_sample = [
                elements * iters / time_ns * 1e3
                for iters, time_ns in zip(sample["iters"], sample["times"])
                if time_ns > 0
            ]
        median = elements / median_ns * 1e3  # elements per ns -> Melem/s
        yield {
            "workload": (bench["group_id"], bench.get("value_str") or ""),
            "function": bench["function_id"] or "",
            "median": median,
            "min": min(per_sample, default=median),
            "max": max(per_sample, default=median),
        }


def fmt(record):
    return f"{record['median']:.2f} ({record['min']:.2f}-{record['max']:.2f})"


def main(argv):
    show_all = "--all" in argv
    args = [a for a in argv if a != "--all"]
    if args:
        directory = Path(args[0])
    else:
        target = os.environ.get("CARGO_TARGET_DIR", "target")
        directory = Path(target) / "criterion"
    if not directory.is_dir():
        sys.exit(f"no criterion output in {directory}: run `cargo bench --bench queues` first")

    workloads = {}
    for record in load(directory):
        workloads.setdefault(record["workload"], []).append(record)
    if not workloads:
        sys.exit(f"no benchmark with a throughput found in {directory}")

    print("| workload | baresync | Melem/s median (min-max) | best anchor | Melem/s median (min-max) "
          "| ratio median (range) |")
    print("| --- | --- | --- | --- | --- | --- |")
    for (group, parameter), records in sorted(workloads.items()):
        ours = [r for r in records if r["function"].startswith("baresync")]
        anchors = [r for r in records if not r["function"].startswith("baresync")]
        if not ours or not anchors:
            continue
        best = max(anchors, key=lambda r: r["median"])
        for r in sorted(ours, key=lambda r: r["function"]):
            ratio = r["median"] / best["median"]
            low, high = r["min"] / best["max"], r["max"] / best["min"]
            print(f"| {group} {parameter} | {r['function']} | {fmt(r)} | {best['function']} "
                  f"| {fmt(best)} | **{ratio:.2f}** ({low:.2f}-{high:.2f}) |")

    if show_all:
        print()
        print("| workload | function | Melem/s median (min-max) |")
        print("| --- | --- | --- |")
        for (group, parameter), records in sorted(workloads.items()):
            for r in sorted(records, key=lambda r: -r["median"]):
                print(f"| {group} {parameter} | {r['function']} | {fmt(r)} |")


if __name__ == "__main__":
    main(sys.argv[1:])
