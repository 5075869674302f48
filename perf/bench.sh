#!/usr/bin/env bash
# The whole performance suite in one command: both criterion benchmarks (perf/benches/primitives.rs,
# perf/benches/queues.rs), then the report (perf/bench_report.py): the goals table, every
# workload, and the chart, written to <criterion>/ratios.svg.
#
# Usage: perf/bench.sh [criterion options]
#   perf/bench.sh                               everything, about ten minutes on 2 cores
#   perf/bench.sh --measurement-time 5          longer samples
#   UPDATE_README=1 perf/bench.sh               also rewrite the report block in README.md and
#                                                  the committed chart perf/ratios.svg
# The machine, the date and the 1-minute load average at the start and the end go to
# <criterion>/run-info.txt, which the report quotes: run it on a machine that is otherwise idle.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

criterion_dir=${CARGO_TARGET_DIR:-target}/criterion
mkdir -p "$criterion_dir"
info=$criterion_dir/run-info.txt
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
{
    echo "date: $(date -u +%Y-%m-%d)"
    echo "machine: $(nproc) vCPUs${cpu:+ ($cpu)}, $(uname -sr)"
    echo "rustc: $(rustc --version)"
    echo "load_before: $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')"
} >"$info"

start=$SECONDS
cargo bench --bench primitives -- "$@"
cargo bench --bench queues -- "$@"
{
    echo "load_after: $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')"
    echo "wall_seconds: $((SECONDS - start))"
} >>"$info"

report=(python3 bench_report.py "$criterion_dir" --svg "$criterion_dir/ratios.svg")
if [[ ${UPDATE_README:-} == 1 ]]; then
    "${report[@]}" --readme ../README.md >/dev/null
    cp "$criterion_dir/ratios.svg" ratios.svg
fi
"${report[@]}"
