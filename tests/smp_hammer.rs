//! Real parallelism without an OS: two harts hammer a `spin::Mutex` counter and a
//! `spin::MpmcQueue`, and nothing may be lost.
//!
//! `harness = false`, so it is a plain program that runs in three places:
//! - host (`cargo test`): two threads;
//! - `cargo test --target riscv32imac-unknown-none-elf --test smp_hammer`: QEMU `virt` with
//!   `-smp 2` (see `targets/riscv32imac-unknown-none-elf/`), where the two harts run on two host
//!   threads at once (multi-threaded TCG): real contention on the lock word and the queue's slots;
//! - on Cortex-M boards (one core) it only reports that it needs two harts.
//!
//! Each worker increments the shared counter under the mutex (a plain read-modify-write that only
//! the lock makes correct), and pushes its own numbered items into the shared queue in bursts,
//! popping as many as it pushed, whoever's they are. Checked: the counter is exact; the items
//! popped are exactly the items pushed (count, sum and sum of squares); and each consumer saw each
//! producer's items in increasing order (FIFO).
#![cfg_attr(target_os = "none", no_std, no_main)]

use baresync::spin::{MpmcQueue, Mutex};

const WORKERS: u32 = 2;
/// Increments per worker.
const INCREMENTS: u32 = if cfg!(miri) { 200 } else { 100_000 };
/// Items each worker pushes.
const ITEMS: u32 = if cfg!(miri) { 200 } else { 50_000 };
/// Items pushed (then popped) per round; two bursts fit the queue, so `push` never waits forever.
const BURST: u32 = 4;

static COUNTER: Mutex<u64> = Mutex::new(0);
static QUEUE: MpmcQueue<u32, 16> = MpmcQueue::new();

/// What one worker popped.
#[derive(Default, Clone, Copy)]
struct Popped {
    count: u64,
    sum: u64,
    sum_sq: u64,
    /// Times the worker found the counter's lock held by the other one (evidence of parallelism).
    contended: u64,
}

/// One worker's whole run. Items are `producer * ITEMS + i`.
fn worker(id: u32) -> Result<Popped, &'static str> {
    let mut popped = Popped::default();
    // The last item seen from each producer, for the FIFO check.
    let mut last = [None::<u32>; WORKERS as usize];
    let mut pushed = 0;
    while pushed < ITEMS {
        let burst = BURST.min(ITEMS - pushed);
        for i in pushed..pushed + burst {
            QUEUE.push(id * ITEMS + i).map_err(|_| "queue closed")?;
            let mut counter = COUNTER.try_lock().unwrap_or_else(|| {
                popped.contended += 1;
                COUNTER.lock()
            });
            let before = *counter;
            *counter = before + 1;
        }
        for _ in 0..burst {
            let item = QUEUE.pop().map_err(|_| "queue closed")?;
            let producer = (item / ITEMS) as usize;
            if last[producer].is_some_and(|prev| prev >= item) {
                return Err("items of one producer popped out of order");
            }
            last[producer] = Some(item);
            popped.count += 1;
            popped.sum += u64::from(item);
            popped.sum_sq += u64::from(item) * u64::from(item);
        }
        pushed += burst;
    }
    // Extra increments, so the lock is contended outside the queue's rhythm too.
    for _ in ITEMS..INCREMENTS {
        let mut counter = COUNTER.try_lock().unwrap_or_else(|| {
            popped.contended += 1;
            COUNTER.lock()
        });
        *counter += 1;
    }
    Ok(popped)
}

/// Checks the combined result of every worker.
fn check(results: &[Popped]) -> Result<(), &'static str> {
    let counter = *COUNTER.lock();
    if counter != u64::from(WORKERS) * u64::from(INCREMENTS.max(ITEMS)) {
        return Err("the mutex lost increments");
    }
    let all = u64::from(WORKERS * ITEMS);
    let count: u64 = results.iter().map(|p| p.count).sum();
    let sum: u64 = results.iter().map(|p| p.sum).sum();
    let sum_sq: u64 = results.iter().map(|p| p.sum_sq).sum();
    let expected_sum = all * (all - 1) / 2;
    let expected_sum_sq = (all - 1) * all * (2 * all - 1) / 6;
    if count != all || sum != expected_sum || sum_sq != expected_sum_sq {
        return Err("the queue lost or duplicated items");
    }
    if !QUEUE.is_empty() {
        return Err("items left in the queue");
    }
    Ok(())
}

#[cfg(not(target_os = "none"))]
fn main() {
    let results: Vec<Popped> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..WORKERS).map(|id| s.spawn(move || worker(id))).collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap().unwrap_or_else(|why| panic!("{why}")))
            .collect()
    });
    check(&results).unwrap_or_else(|why| panic!("{why}"));
    println!(
        "smp_hammer (host, {WORKERS} threads): counter {} exact, {} items each popped once, \
         lock found held {} times",
        *COUNTER.lock(),
        WORKERS * ITEMS,
        results.iter().map(|p| p.contended).sum::<u64>()
    );
    println!("smp_hammer: 2 passed, 0 failed");
}

#[cfg(target_os = "none")]
#[path = "../examples/board/mod.rs"]
mod board;

#[cfg(all(target_os = "none", target_arch = "arm"))]
board::entry!(one_core);

#[cfg(all(target_os = "none", target_arch = "arm"))]
fn one_core() -> Result<(), &'static str> {
    board::println!("smp_hammer: needs two cores; the Cortex-M boards have one (skipped)");
    Ok(())
}

#[cfg(all(
    target_os = "none",
    any(target_arch = "riscv32", target_arch = "riscv64")
))]
mod harts {
    use super::*;
    use core::sync::atomic::{AtomicU32, Ordering};

    /// What hart 1 found, published before `DONE` is set.
    static HART1: Mutex<Option<Result<Popped, &'static str>>> = Mutex::new(None);
    static DONE: baresync::spin::Event = baresync::spin::Event::new();

    /// Hart 1 waits in `_mp_hook` until this holds `GO` (set once hart 0 has initialised .data
    /// and .bss, which riscv-rt does on hart 0 only).
    #[unsafe(no_mangle)]
    static BARESYNC_SMP_GO: AtomicU32 = AtomicU32::new(0);
    const GO: u32 = 0x600D_F00D;

    // riscv-rt calls `_mp_hook(hartid)` on every hart before `main`; it must return true on the
    // one hart that initialises memory. Hart 1 spins until hart 0 says go.
    core::arch::global_asm!(
        r#".section .init.mp_hook, "ax"
        .global _mp_hook
    _mp_hook:
        beqz a0, 2f
        li t1, 0x600DF00D
        la t0, BARESYNC_SMP_GO
    1:  lw t2, 0(t0)
        bne t2, t1, 1b
        fence r, rw
        li a0, 0
        ret
    2:  li a0, 1
        ret
    "#
    );

    #[riscv_rt::entry]
    fn main() -> ! {
        let hart = riscv::register::mhartid::read();
        if hart != 0 {
            let result = worker(1);
            *HART1.lock() = Some(result);
            DONE.set();
            loop {
                riscv::asm::wfi();
            }
        }
        // Release: hart 1's Acquire (the `fence r, rw` after its load) sees initialised memory.
        BARESYNC_SMP_GO.store(GO, Ordering::Release);
        board::finish(run_hart0())
    }

    fn run_hart0() -> Result<(), &'static str> {
        let mine = worker(0)?;
        DONE.wait();
        let theirs = HART1.lock().take().ok_or("hart 1 reported nothing")??;
        check(&[mine, theirs])?;
        board::println!(
            "smp_hammer (riscv32, 2 harts in parallel): counter {} exact, {} items each popped \
             once, per-producer FIFO held; lock found held by the other hart {} times",
            *COUNTER.lock(),
            WORKERS * ITEMS,
            mine.contended + theirs.contended
        );
        board::println!("smp_hammer: 2 passed, 0 failed");
        Ok(())
    }
}
