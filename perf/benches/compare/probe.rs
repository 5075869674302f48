//! The machine's state in one figure: how long a cache line takes to go from one core to the
//! other and back.
//!
//! On this project's 2-vCPU VMs the same program runs at rates 2 to 5 times apart from one run
//! to the next, and the queues that move lines between cores more often (more read-modify-writes
//! per item) swing the most. Each workload's tables quote the round trip measured just before
//! and just after the workload ran, so a reader can see whether a change of rates between runs
//! came with a change in how fast lines move between the cores.

use std::hint::spin_loop;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::common::{Placement, run};

/// Round trips per measurement.
const TRIPS: u64 = 100_000;

/// A counter alone on its cache lines.
#[repr(align(128))]
struct Line(AtomicU64);

/// The median, over five measurements, of the time a value takes to go from a thread on the
/// first core to a thread on the second and back (two line transfers), in nanoseconds; `None`
/// on a machine with one pinnable core (the two threads would take turns by time slices).
pub fn line_round_trip_ns() -> Option<f64> {
    if crate::common::cores().len() < 2 {
        return None;
    }
    let mut trips: Vec<f64> = (0..5).map(|_| measure()).collect();
    trips.sort_by(f64::total_cmp);
    Some(trips[2])
}

/// A round trip for a caption: `"105 ns"`, or `"?"` where it could not be measured.
pub fn describe(round_trip: Option<f64>) -> String {
    round_trip.map_or_else(|| "?".to_owned(), |ns| format!("{ns:.0} ns"))
}

fn measure() -> f64 {
    let line = Line(AtomicU64::new(0));
    let (elapsed, _) = run(2, Placement::Spread(2), |k| {
        // Thread 0 writes the odd values and waits for the next even one; thread 1 answers.
        // Acquire/Release: a hand-off, as in the queues (x86 compiles both to plain moves).
        let odd = k as u64 ^ 1;
        for trip in 0..TRIPS {
            let (wait_for, then_write) = if odd == 1 {
                (2 * trip, 2 * trip + 1)
            } else {
                (2 * trip + 1, 2 * trip + 2)
            };
            while line.0.load(Ordering::Acquire) != wait_for {
                spin_loop();
            }
            line.0.store(then_write, Ordering::Release);
        }
        0
    });
    elapsed.as_nanos() as f64 / TRIPS as f64
}
