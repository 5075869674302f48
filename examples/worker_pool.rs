//! A pool of workers takes jobs from one queue and returns results through another; the submitter
//! waits for all jobs with `join()`.
//!
//! Ports Python's worker-pool pattern with `Queue.task_done()` and `Queue.join()`:
//!
//! ```text
//! jobs, results = queue.Queue(), queue.Queue()
//! def worker():
//!     while True:
//!         n = jobs.get()
//!         results.put((n, collatz_steps(n)))
//!         jobs.task_done()
//! for _ in range(4): Thread(target=worker, daemon=True).start()
//! for n in range(1, 25): jobs.put(n)
//! jobs.join()                       # every job marked done
//! ```
//!
//! Every successful push adds one unfinished task; a worker calls `task_done` after it has pushed
//! the job's result, so once `join` returns every result is already in the results queue. Instead
//! of Python's daemon threads, the submitter closes the job queue afterwards and the workers exit.
//! Checked: exactly one result per job, each one correct; `join` left no unfinished task
//! (`join_timeout(0)` is `true`); a surplus `task_done` is an error (Python's `ValueError`).
#![cfg_attr(target_os = "none", no_std, no_main)]
#![cfg_attr(
    target_os = "none",
    allow(dead_code, reason = "host-only on boards: nothing runs there")
)]

use baresync::MpmcQueue;

const WORKERS: usize = 4;
/// Jobs 1..=JOBS are submitted.
const JOBS: u32 = 24;

/// Job numbers, waiting for a worker.
static JOB_QUEUE: MpmcQueue<u32, 8> = MpmcQueue::new();
/// (job, worker, result). Room for every result: the submitter reads them only after `join`, so a
/// smaller queue would leave workers blocked in `push` and `join` waiting for them.
static RESULTS: MpmcQueue<(u32, usize, u32), 32> = MpmcQueue::new();

/// The work: how many Collatz steps take `n` down to 1.
fn collatz_steps(mut n: u32) -> u32 {
    let mut steps = 0;
    while n != 1 {
        n = if n.is_multiple_of(2) {
            n / 2
        } else {
            3 * n + 1
        };
        steps += 1;
    }
    steps
}

#[cfg(not(target_os = "none"))]
fn main() {
    use baresync::TaskDoneError;
    use std::thread;
    use std::time::Duration;

    thread::scope(|s| {
        for worker in 0..WORKERS {
            s.spawn(move || {
                let mut done = 0;
                while let Ok(job) = JOB_QUEUE.pop() {
                    let steps = collatz_steps(job);
                    thread::sleep(Duration::from_millis(2)); // the job takes a while
                    RESULTS
                        .push((job, worker, steps))
                        .expect("RESULTS is never closed");
                    JOB_QUEUE.task_done().expect("one task_done per popped job");
                    done += 1;
                }
                println!("worker {worker}: job queue closed, did {done} jobs");
            });
        }

        for job in 1..=JOBS {
            JOB_QUEUE.push(job).expect("the job queue is open");
        }
        println!("submitter: {JOBS} jobs submitted, waiting with join()");
        JOB_QUEUE.join();
        println!(
            "submitter: join() returned; {} results waiting",
            RESULTS.len()
        );
        assert!(
            JOB_QUEUE.join_timeout(Duration::ZERO),
            "no task is unfinished"
        );
        assert_eq!(
            RESULTS.len(),
            JOBS as usize,
            "join returned before every result was in"
        );
        JOB_QUEUE.close(); // the workers drain nothing more and exit
    });

    let mut by_job = vec![None; JOBS as usize + 1];
    let mut per_worker = [0; WORKERS];
    while let Ok((job, worker, steps)) = RESULTS.try_pop() {
        println!("result: job {job:2} -> {steps:3} steps (worker {worker})");
        assert!(by_job[job as usize].is_none(), "job {job} was done twice");
        by_job[job as usize] = Some(steps);
        per_worker[worker] += 1;
    }
    for job in 1..=JOBS {
        assert_eq!(
            by_job[job as usize],
            Some(collatz_steps(job)),
            "job {job}: missing or wrong result"
        );
    }
    assert_eq!(collatz_steps(27), 111, "the work function itself");
    assert_eq!(
        JOB_QUEUE.task_done(),
        Err(TaskDoneError),
        "more task_done calls than pushed jobs"
    );
    println!("ok: {JOBS} jobs, {JOBS} correct results; jobs per worker {per_worker:?}");
}

// On a board (one core, see targets/): this pattern needs threads that block on each other, so
// the board build only reports that it is a host-only example and exits 0.
#[cfg(target_os = "none")]
#[path = "board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(board::host_only);
