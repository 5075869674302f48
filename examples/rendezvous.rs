//! Three threads meet at a `Barrier` each round; the one the barrier names leader reports the round.
//!
//! Ports Python's `threading.Barrier` rendezvous pattern:
//!
//! ```text
//! barrier = threading.Barrier(3)
//! def runner(i):
//!     for round in range(ROUNDS):
//!         work(i, round)
//!         if barrier.wait() == 0:     # exactly one thread per round gets index 0
//!             print("round", round, "complete")
//! ```
//!
//! Checked each round: no thread leaves the barrier before all three have arrived, and exactly
//! one of them is the leader. The same barrier is reused for every round.
#![cfg_attr(target_os = "none", no_std, no_main)]
#![cfg_attr(
    target_os = "none",
    allow(dead_code, reason = "host-only on boards: nothing runs there")
)]

use baresync::Barrier;

const PARTIES: u32 = 3;
const ROUNDS: usize = 4;

static BARRIER: Barrier = Barrier::new(PARTIES);

#[cfg(not(target_os = "none"))]
fn main() {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::thread;
    use std::time::Duration;

    // Per round: how many threads arrived, and how many were told they lead.
    static ARRIVED: [AtomicU32; ROUNDS] = [const { AtomicU32::new(0) }; ROUNDS];
    static LEADERS: [AtomicU32; ROUNDS] = [const { AtomicU32::new(0) }; ROUNDS];

    assert_eq!(BARRIER.parties(), PARTIES);
    thread::scope(|s| {
        for id in 0..PARTIES {
            s.spawn(move || {
                for round in 0..ROUNDS {
                    // Uneven work, so the threads arrive in a different order each round.
                    let work_ms = (u64::from(id) * 7 + round as u64 * 11) % 25;
                    thread::sleep(Duration::from_millis(work_ms));
                    ARRIVED[round].fetch_add(1, Ordering::SeqCst);
                    let result = BARRIER.wait();
                    let arrived = ARRIVED[round].load(Ordering::SeqCst);
                    assert_eq!(arrived, PARTIES, "thread {id} left round {round} early");
                    if result.is_leader() {
                        LEADERS[round].fetch_add(1, Ordering::SeqCst);
                        println!("round {round}: all {PARTIES} arrived; thread {id} leads");
                    }
                }
            });
        }
    });

    for (round, leaders) in LEADERS.iter().enumerate() {
        let leaders = leaders.load(Ordering::SeqCst);
        assert_eq!(leaders, 1, "round {round} had {leaders} leaders");
    }
    assert_eq!(BARRIER.n_waiting(), 0);
    assert!(!BARRIER.is_broken());
    println!("ok: {ROUNDS} rounds, exactly one leader each");
}

// On a board (one core, see targets/): this pattern needs threads that block on each other, so
// the board build only reports that it is a host-only example and exits 0.
#[cfg(target_os = "none")]
#[path = "board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(board::host_only);
