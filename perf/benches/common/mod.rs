//! What the multi-threaded benchmarks share: pinning threads to cores, running a fixed set of
//! threads from a common start to the last one's finish, and the subjects themselves (the queues
//! in `queue`, the mutexes in `locks`), so that the criterion suites and the fair harness
//! (`benches/compare/`) measure the same code.
//!
//! Every thread is pinned to one core before the clock starts. Unpinned, the scheduler moves the
//! threads of a hand-off between "both on one core" and "one per core" from sample to sample,
//! and those differ by two orders of magnitude (a futex wake-up on the same core costs a few
//! microseconds, across cores tens of microseconds), so the medians would measure the scheduler.

#![allow(dead_code, reason = "each bench file uses part of it")]

pub mod locks;
pub mod queue;

use std::sync::{Barrier, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// The cores this process may run on, in the order the OS lists them.
pub fn cores() -> &'static [core_affinity::CoreId] {
    static CORES: OnceLock<Vec<core_affinity::CoreId>> = OnceLock::new();
    CORES.get_or_init(|| core_affinity::get_core_ids().unwrap_or_default())
}

/// Where the threads of a benchmark run.
#[derive(Clone, Copy, Debug)]
pub enum Placement {
    /// Thread `k` on core `k mod n`, over the first `n` cores (fewer if the machine has fewer):
    /// `Spread(2)` puts two threads on a core each, and eight threads four to a core.
    Spread(usize),
    /// Every thread on the first core: hand-offs then go through the scheduler.
    SameCore,
    /// Not pinned: wherever the scheduler puts it (the load test, where other threads compete).
    Free,
}

impl Placement {
    /// Pins the calling thread, the `k`-th of its benchmark.
    fn pin(self, k: usize) {
        let cores = cores();
        if cores.is_empty() {
            return; // unknown topology: run unpinned rather than fail
        }
        let n = match self {
            Placement::Spread(n) => n.clamp(1, cores.len()),
            Placement::SameCore => 1,
            Placement::Free => return,
        };
        core_affinity::set_for_current(cores[k % n]);
    }
}

/// Runs `threads` threads placed by `placement`, each calling `body(k)` once, and returns the
/// time from the moment all of them are ready until the last one has returned, with the sum of
/// what they returned (checked by the caller after the clock has stopped).
///
/// Threads are spawned once per call, that is once per criterion sample (`iter_custom`), so
/// their start-up cost stays outside the measurement. Each thread reads the clock itself, after
/// the start barrier and after its body: the spawning thread is not pinned, and with every core
/// busy it may not run again until the workers are done, so its own clock would miss the run.
pub fn run<F>(threads: usize, placement: Placement, body: F) -> (Duration, u64)
where
    F: Fn(usize) -> u64 + Sync,
{
    let start = Barrier::new(threads);
    thread::scope(|s| {
        let (body, start) = (&body, &start);
        let handles: Vec<_> = (0..threads)
            .map(|k| {
                s.spawn(move || {
                    placement.pin(k);
                    start.wait();
                    let t0 = Instant::now();
                    let value = body(k);
                    (t0, Instant::now(), value)
                })
            })
            .collect();
        let ends: Vec<(Instant, Instant, u64)> =
            handles.into_iter().map(|h| h.join().unwrap()).collect();
        let first = ends.iter().map(|e| e.0).min().expect("one thread at least");
        let last = ends.iter().map(|e| e.1).max().expect("one thread at least");
        (last - first, ends.iter().map(|e| e.2).sum())
    })
}

/// The pause of a spinning benchmark loop after a failed attempt, the same for every subject:
/// a `spin_loop` hint, and a `yield_now` in place of every 64th one, so that a preempted partner
/// on an oversubscribed core costs a time slice at most. `failures` counts the caller's failed
/// attempts (never reset).
#[inline]
pub fn spin(failures: &mut u32) {
    *failures += 1;
    if *failures < 64 {
        std::hint::spin_loop();
    } else {
        *failures = 0;
        thread::yield_now();
    }
}
