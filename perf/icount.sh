#!/usr/bin/env bash
# Instruction counts of the uncontended paths, exact on a noisy machine: callgrind counts the
# instructions executed inside each `icount_<name>` function of perf/benches/icount.rs (callees
# included), for N and for 2N calls; the difference divided by N is the count of one call, with
# one-time costs (lazy binding, first use) cancelled. Then the sizes table.
#
# Usage: perf/icount.sh [N]   (default 100000; needs valgrind: apt-get install valgrind)
#   under a minute (25 s on 2 vCPUs; valgrind's start-up dominates: two runs per operation)
# Prints two Markdown tables and writes them to <target>/icount.md, where perf/bench_report.py
# picks them up for BENCHMARKS.md. A row's "net" subtracts the matching baseline (`increment`
# for the mutex and `rwlock_write` rows, which increment a counter under the lock; `empty`, a bare
# call and return, for the others).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

n=${1:-100000}
if ! command -v valgrind >/dev/null; then
    echo "icount.sh: needs valgrind (apt-get install valgrind)" >&2
    exit 1
fi

# Build, and find the binary from cargo's JSON messages (its name carries a hash).
exe=$(cargo bench --bench icount --no-run --message-format=json 2>/dev/null |
    python3 -c '
import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("reason") == "compiler-artifact" and msg["target"]["name"] == "icount" and msg.get("executable"):
        print(msg["executable"])
')
[[ -n $exe ]] || { echo "icount.sh: build failed (run cargo bench --bench icount --no-run)" >&2; exit 1; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Instructions collected inside icount_<name> over `count` calls.
collected() {
    local name=$1 count=$2 file="$out/$1.$2"
    valgrind --tool=callgrind --callgrind-out-file="$file" --toggle-collect="icount_$name" \
        "$exe" run "$name" "$count" >/dev/null 2>&1
    awk '/^(summary|totals):/ { print $2; exit }' "$file"
}

per_call() {
    local one two
    one=$(collected "$1" "$n")
    two=$(collected "$1" $((2 * n)))
    python3 -c "print(f'{($two - $one) / $n:.1f}'.rstrip('0').rstrip('.'))"
}

declare -A count
while IFS=$'\t' read -r name _; do
    count[$name]=$(per_call "$name")
done < <("$exe" list)

tables() {
    echo "Instructions per call (callgrind, $(uname -m), $(rustc --version | cut -d' ' -f2)); N = $n."
    echo
    echo "| operation | instructions | net of baseline |"
    echo "| --- | ---: | ---: |"
    while IFS=$'\t' read -r name what; do
        case $name in
            empty | increment) base="" ;;
            mutex_* | rwlock_write_*) base=${count[increment]} ;;
            *) base=${count[empty]} ;;
        esac
        net=${base:+$(python3 -c "print(f'{${count[$name]} - $base:.1f}'.rstrip('0').rstrip('.'))")}
        echo "| \`$name\`: $what | ${count[$name]} | ${net:--} |"
    done < <("$exe" list)
    echo
    echo "Sizes on $(uname -m): inline is \`size_of\` (what a \`static\` or a stack frame holds); heap is"
    echo "what the constructor allocates (a counting global allocator)."
    echo
    "$exe" sizes
}

target=${CARGO_TARGET_DIR:-$PWD/target}
mkdir -p "$target"
tables | tee "$target/icount.md"
