//! A worker waits for an `Event` that a controller sets once its work is done.
//!
//! Ports Python's `threading.Event` pattern:
//!
//! ```text
//! ready = threading.Event()
//! # worker                       # controller
//! ready.wait()                   config = load(); ready.set()
//! use(config)
//! # bounded wait
//! if not ready.wait(timeout=0.02): ...
//! ```
//!
//! Steps, each checked:
//! 1. a bounded wait (`wait_timeout`) with nobody to set the event returns `false`, and not early;
//! 2. one worker blocks in `wait`, another polls with `wait_timeout` and reports while it waits;
//!    the controller publishes a configuration and sets the event; both workers see it;
//! 3. `clear` resets the event: `is_set` is `false` and a bounded wait times out again.
#![cfg_attr(target_os = "none", no_std, no_main)]
#![cfg_attr(
    target_os = "none",
    allow(dead_code, reason = "host-only on boards: nothing runs there")
)]

use baresync::{Event, Mutex};

/// Set by the controller once `CONFIG` holds its value.
static READY: Event = Event::new();
/// What the controller prepares before it sets `READY`.
static CONFIG: Mutex<Option<u32>> = Mutex::new(None);

/// The value the controller computes ("loads").
const SPEED: u32 = 115_200;

/// The controller's side: do the work, publish it, then signal.
fn publish_config() {
    *CONFIG.lock() = Some(SPEED);
    READY.set();
}

/// A worker's side once the event is set: read what the controller published.
fn read_config() -> u32 {
    CONFIG
        .lock()
        .expect("the event was set before the configuration was published")
}

#[cfg(not(target_os = "none"))]
fn main() {
    use std::thread;
    use std::time::{Duration, Instant};

    // 1. A bounded wait that nobody satisfies.
    let timeout = Duration::from_millis(20);
    let start = Instant::now();
    let was_set = READY.wait_timeout(timeout);
    let waited = start.elapsed();
    println!("main: wait_timeout({timeout:?}) with no controller -> {was_set} after {waited:?}");
    assert!(!was_set, "the event is not set yet");
    assert!(waited >= timeout, "wait_timeout returned early");

    // 2. Two workers, one controller.
    let (blocking, polling) = thread::scope(|s| {
        let blocking = s.spawn(|| {
            println!("worker A: waiting for the configuration");
            READY.wait();
            let speed = read_config();
            println!("worker A: woke up, speed = {speed}");
            speed
        });
        let polling = s.spawn(|| {
            let mut polls = 0;
            while !READY.wait_timeout(Duration::from_millis(25)) {
                polls += 1;
                println!("worker B: still waiting ({polls} bounded waits timed out)");
            }
            let speed = read_config();
            println!("worker B: woke up after {polls} timeouts, speed = {speed}");
            speed
        });
        s.spawn(|| {
            println!("controller: working...");
            thread::sleep(Duration::from_millis(100));
            publish_config();
            println!("controller: configuration published, event set");
        });
        (blocking.join().unwrap(), polling.join().unwrap())
    });
    assert_eq!(blocking, SPEED);
    assert_eq!(polling, SPEED);
    assert!(READY.is_set());

    // 3. Clearing resets the event.
    READY.clear();
    assert!(!READY.is_set(), "clear() did not reset the event");
    assert!(
        !READY.wait_timeout(Duration::from_millis(5)),
        "a cleared event must time out"
    );
    println!("main: cleared; is_set() = {}", READY.is_set());
    println!("ok: both workers saw the configuration only after the event was set");
}

// On a board (one core, see targets/): this pattern needs threads that block on each other, so
// the board build only reports that it is a host-only example and exits 0.
#[cfg(target_os = "none")]
#[path = "board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(board::host_only);
