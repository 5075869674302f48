#!/usr/bin/env bash
# Code size on Cortex-M4F (thumbv7em-none-eabihf), measured and printed, never asserted.
#
# 1. The size programs in size/ (release: opt-level "s", fat LTO, one codegen unit, panic=abort):
#    an empty baseline (main loop + SysTick handler), baresync's spin Mutex (lock in main,
#    try_lock in SysTick), baresync's SpscQueue (try_push in SysTick; try_pop, or blocking pop on
#    the Wfi backend, in main), and two anchors: spin::Mutex and heapless::spsc::Queue.
# 2. Every board example (examples/*.rs) built the same way. They carry semihosting output and
#    formatting, so their deltas are mostly not baresync.
#
# Usage: scripts/size.sh [target]   (default thumbv7em-none-eabihf; llvm-size must be installed)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

target=${1:-thumbv7em-none-eabihf}
target_dir=${CARGO_TARGET_DIR:-$PWD/target}
size_tool=$(command -v llvm-size || command -v rust-size || true)
if [[ -z $size_tool ]]; then
    echo "size.sh: needs llvm-size (apt-get install llvm) or rust-size (cargo-binutils)" >&2
    exit 1
fi

# Prints "<.text> <.bss> <.data>" of an ELF (`.text` excludes the vector table,
# `.vector_table`; `.data` is RAM whose initial image also takes flash).
sections() {
    "$size_tool" -A "$1" |
        awk '$1 == ".text" { t = $2 } $1 == ".bss" { b = $2 } $1 == ".data" { d = $2 } END { print t + 0, b + 0, d + 0 }'
}

release_s=(--release
    --config 'profile.release.opt-level="s"' --config 'profile.release.lto=true'
    --config 'profile.release.codegen-units=1' --config 'profile.release.panic="abort"')

(cd size && CARGO_TARGET_DIR="$target_dir/size" cargo build --quiet --release --bins --target "$target")
cargo build --quiet "${release_s[@]}" --examples --target "$target" ${2:+"$2"}

bins="$target_dir/size/$target/release"
read -r base_text base_bss base_data < <(sections "$bins/baseline")

printf '\n%s, opt-level "s", LTO. Delta = .text minus the baseline'"'"'s %s B.\n\n' "$target" "$base_text"
printf '| %-58s | %6s | %6s | %5s | %5s |\n' "program" ".text" "delta" ".bss" ".data"
printf '| %-58s | %6s | %6s | %5s | %5s |\n' "---" "---:" "---:" "---:" "---:"
row() {
    local name=$1 elf=$2 text bss data
    read -r text bss data < <(sections "$elf")
    printf '| %-58s | %6s | %+6d | %5s | %5s |\n' "$name" "$text" $((text - base_text)) "$bss" "$data"
}
row "baseline (main loop + SysTick)" "$bins/baseline"
row "baresync spin::Mutex: lock in main, try_lock in SysTick" "$bins/baresync_mutex"
row "spin::Mutex (spin 0.12), same use" "$bins/spin_mutex"
row "baresync SpscQueue<u32, 8>: try_push in SysTick, try_pop" "$bins/baresync_spsc"
row "  the same, split through &mut as the heapless anchor" "$bins/baresync_spsc_split"
row "baresync wfi::SpscQueue<u32, 8>: try_push in SysTick, pop" "$bins/baresync_spsc_wfi"
row "heapless::spsc::Queue<u32, 8> (0.9): enqueue/dequeue" "$bins/heapless_spsc"
row "baresync spin::MpmcQueue<u32, 8>: try_push in SysTick, try_pop" "$bins/baresync_mpmc"
row "heapless::mpmc::Queue<u32, 8> (0.9): enqueue/dequeue" "$bins/heapless_mpmc"
for ex in examples/*.rs; do
    name=$(basename "$ex" .rs)
    row "example $name" "$target_dir/$target/release/examples/$name"
done
