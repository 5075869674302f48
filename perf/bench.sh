#!/usr/bin/env bash
# The whole performance suite in one command, then the report: BENCHMARKS.md at the repository
# root and its chart perf/ratios.svg (perf/bench_report.py). In order, with the time each takes
# on 2 cores:
#   1. the criterion suites, perf/benches/primitives.rs and perf/benches/queues.rs   about 6 min
#      (327 s in the full run of 2026-11-22 on 2 vCPUs)
#   2. the fair harness, throughput mode (perf/benches/compare/)                      5-8 min
#      (7 samples of 10 M items per contender; std's sync_channel at capacity 16 alone moves
#      about 1 M items/s, so it takes 1-4 min of it)
#   3. the fair harness, load mode: every sample capped at 250 ms                     about 1.5 min
#   4. instruction counts and sizes (perf/icount.sh), if valgrind is installed        under 1 min
# about 15 minutes in all.
#
# Usage: perf/bench.sh [--smoke] [criterion options]
#   perf/bench.sh                           everything, full sizes
#   perf/bench.sh --measurement-time 5      longer criterion samples (options go to criterion)
#   perf/bench.sh --smoke                   tiny sizes, about 3 minutes on 2 cores: proves that
#                                           everything runs; the report is marked as a smoke run
# The date, the machine and the 1-minute load average at the start and the end go to
# <target>/run-info.txt, which the report quotes: run it on a machine that is otherwise idle.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

smoke=no
if [[ ${1:-} == --smoke ]]; then
    smoke=yes
    shift
fi

target=${CARGO_TARGET_DIR:-$PWD/target}
mkdir -p "$target"
info=$target/run-info.txt
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
{
    echo "date: $(date -u +%Y-%m-%d)"
    echo "machine: $(nproc) vCPUs${cpu:+ ($cpu)}, $(uname -sr)"
    echo "rustc: $(rustc --version)"
    echo "smoke: $smoke"
    echo "load_before: $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')"
} >"$info"

# Results of an earlier run must not leak into this report.
rm -rf "$target/criterion" "$target/compare" "$target/icount.md"

if [[ $smoke == yes ]]; then
    criterion_args=(--warm-up-time 0.05 --measurement-time 0.1)
    compare_args=(--samples 2 --items 100000 --load-items 10000 --sample-ms 50)
    icount_n=1000
else
    criterion_args=()
    compare_args=()
    icount_n=100000
fi

start=$SECONDS
cargo bench --bench primitives -- "${criterion_args[@]}" "$@"
cargo bench --bench queues -- "${criterion_args[@]}" "$@"
cargo bench --bench compare -- throughput "${compare_args[@]}"
cargo bench --bench compare -- load "${compare_args[@]}"
if command -v valgrind >/dev/null; then
    ./icount.sh "$icount_n"
else
    echo "bench.sh: valgrind not installed, instruction counts skipped" >&2
fi
{
    echo "load_after: $(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo '?')"
    echo "wall_seconds: $((SECONDS - start))"
} >>"$info"

python3 bench_report.py "$target" --out ../BENCHMARKS.md --svg ratios.svg
echo "bench.sh: wrote BENCHMARKS.md and perf/ratios.svg in $((SECONDS - start)) s"
