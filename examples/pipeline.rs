//! Three stages connected by queues; closing the first queue shuts the pipeline down in order.
//!
//! Ports Python's queue pipeline pattern, with `Queue.shutdown()` (3.13) travelling down the
//! pipeline instead of a sentinel that each stage forwards:
//!
//! ```text
//! def stage(inbox, outbox, f):
//!     while True:
//!         try: item = inbox.get()
//!         except queue.ShutDown: break
//!         outbox.put(f(item))
//!     outbox.shutdown()          # close my output once my input is closed and drained
//! ```
//!
//! The source feeds text into the first queue and closes it. Stage 1 parses numbers (and drops
//! what does not parse), stage 2 squares them, stage 3 collects the results. Each link is an
//! `SpscQueue` split into its halves: one stage owns the `Producer`, the next the `Consumer`. A
//! stage stops when `pop` returns `Err(Closed)` (its input is closed *and* drained) and then closes
//! its output, so the shutdown travels down the pipeline behind the last item.
//! Checked: the output is exactly the squares of the parsed inputs, in input order; the stages
//! stopped in pipeline order (1, 2, 3); every queue ends closed and empty.
#![cfg_attr(target_os = "none", no_std, no_main)]
#![cfg_attr(
    target_os = "none",
    allow(dead_code, reason = "host-only on boards: nothing runs there")
)]

use baresync::SpscQueue;
// portable-atomic's AtomicU32 (re-exported by baresync): `fetch_add` also on thumbv6m.
use baresync::wait::AtomicU32;
use core::sync::atomic::Ordering;

/// Source -> stage 1: raw text.
static TEXT: SpscQueue<&str, 4> = SpscQueue::new();
/// Stage 1 -> stage 2: parsed numbers.
static NUMBERS: SpscQueue<u32, 4> = SpscQueue::new();
/// Stage 2 -> stage 3: squares.
static SQUARES: SpscQueue<u32, 4> = SpscQueue::new();

/// Stages take a ticket here as they stop, so the shutdown order can be checked.
static STOPPED: AtomicU32 = AtomicU32::new(0);

/// What the source sends: one entry does not parse and is dropped by stage 1.
const INPUT: [&str; 10] = ["3", "1", "4", "1", "5", "nine", "2", "6", "5", "3"];

/// Takes the next shutdown ticket: 0 for the first stage to stop, then 1, ...
fn stop_ticket() -> u32 {
    // Relaxed is enough: a stage takes its ticket before it closes its output, and the next stage
    // stops only after seeing that close, so the tickets follow the pipeline (coherence order of
    // one atomic respects happens-before).
    STOPPED.fetch_add(1, Ordering::Relaxed)
}

#[cfg(not(target_os = "none"))]
fn main() {
    use baresync::{Consumer, Producer};
    use std::thread;

    /// One middle stage: applies `f` to every input item, forwards the `Some` results, and
    /// closes its output once its input is closed and drained. Returns (items in, shutdown ticket).
    fn stage<A, B, const N: usize, const M: usize>(
        name: &str,
        input: Consumer<'static, A, N>,
        output: Producer<'static, B, M>,
        f: impl Fn(A) -> Option<B>,
    ) -> (usize, u32) {
        let mut count = 0;
        while let Ok(item) = input.pop() {
            count += 1;
            if let Some(out) = f(item) {
                output.push(out).expect("only this stage closes its output");
            }
        }
        let ticket = stop_ticket();
        println!("{name}: input closed and drained after {count} items; closing my output");
        output.close();
        (count, ticket)
    }

    let (text_in, text_out) = TEXT.try_split().expect("split once");
    let (numbers_in, numbers_out) = NUMBERS.try_split().expect("split once");
    let (squares_in, squares_out) = SQUARES.try_split().expect("split once");

    let (parse, square, (output, collect_ticket)) = thread::scope(|s| {
        let parse = s.spawn(move || {
            stage("stage 1 (parse)", text_out, numbers_in, |text: &str| {
                let parsed = text.parse::<u32>().ok();
                if parsed.is_none() {
                    println!("stage 1 (parse): dropping {text:?}");
                }
                parsed
            })
        });
        let square = s.spawn(move || {
            stage("stage 2 (square)", numbers_out, squares_in, |n: u32| {
                Some(n * n)
            })
        });
        let collect = s.spawn(move || {
            let mut output = Vec::new();
            while let Ok(square) = squares_out.pop() {
                println!("stage 3 (collect): got {square}");
                output.push(square);
            }
            let ticket = stop_ticket();
            println!("stage 3 (collect): input closed and drained; done");
            (output, ticket)
        });

        for text in INPUT {
            text_in
                .push(text)
                .expect("only the source closes the first queue");
        }
        println!(
            "source: all {} inputs sent; closing the first queue",
            INPUT.len()
        );
        text_in.close();

        (
            parse.join().unwrap(),
            square.join().unwrap(),
            collect.join().unwrap(),
        )
    });

    let expected: Vec<u32> = INPUT
        .iter()
        .filter_map(|t| t.parse::<u32>().ok())
        .map(|n| n * n)
        .collect();
    println!("output: {output:?}");
    assert_eq!(
        output, expected,
        "the pipeline lost, added or reordered items"
    );
    assert_eq!(parse.0, INPUT.len(), "stage 1 saw every input");
    assert_eq!(square.0, expected.len(), "stage 2 saw every parsed number");
    assert_eq!(
        [parse.1, square.1, collect_ticket],
        [0, 1, 2],
        "the stages did not stop in pipeline order"
    );
    for (name, closed, empty) in [
        ("TEXT", TEXT.is_closed(), TEXT.is_empty()),
        ("NUMBERS", NUMBERS.is_closed(), NUMBERS.is_empty()),
        ("SQUARES", SQUARES.is_closed(), SQUARES.is_empty()),
    ] {
        assert!(closed && empty, "{name} should be closed and empty");
    }
    println!("ok: closing the first queue stopped stage 1, then 2, then 3, with nothing lost");
}

// On a board (one core, see targets/): this pattern needs threads that block on each other, so
// the board build only reports that it is a host-only example and exits 0.
#[cfg(target_os = "none")]
#[path = "board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(board::host_only);
