//! A thread-safe dictionary whose methods call each other under one lock: Python's `RLock`.
//!
//! ```text
//! class SafeDict:
//!     def __init__(self):
//!         self._lock = threading.RLock()
//!         self._data = {}
//!     def get(self, key, default=None):
//!         with self._lock:
//!             return self._data.get(key, default)
//!     def set(self, key, value):
//!         with self._lock:
//!             self._data[key] = value
//!     def increment(self, key):
//!         with self._lock:                      # held across the get and the set...
//!             self.set(key, self.get(key, 0) + 1)  # ...which take it again
//!     def transfer(self, src, dst, amount):
//!         with self._lock:
//!             self.set(src, self.get(src, 0) - amount)
//!             self.set(dst, self.get(dst, 0) + amount)
//! ```
//!
//! With a plain `Mutex`, `increment` would deadlock on its own lock; with no outer lock, two
//! threads could both read 5 and both write 6. A `ReentrantMutex` gives both: the public
//! methods compose, and each compound one is atomic. Guards give `&T`, so the map sits in a
//! `RefCell`, borrowed only inside one method at a time.
//!
//! Four threads increment counters and move amounts between accounts; the example checks that
//! no increment is lost and that the transfers conserve the total, and exits non-zero otherwise.
//! Host only: `ReentrantMutex` needs a backend that tells threads apart (`wait::ContextId`),
//! and the board's default backend, `Spin`, cannot.
#![cfg_attr(target_os = "none", no_std, no_main)]

#[cfg(not(target_os = "none"))]
mod dict {
    use std::cell::RefCell;
    use std::collections::HashMap;

    use baresync::ReentrantMutex;

    /// A dictionary of counters shared by threads.
    #[derive(Default)]
    pub struct SafeDict {
        data: ReentrantMutex<RefCell<HashMap<String, i64>>>,
    }

    impl SafeDict {
        /// The value of `key`, or `default`.
        pub fn get(&self, key: &str, default: i64) -> i64 {
            let data = self.data.lock();
            let value = data.borrow().get(key).copied();
            value.unwrap_or(default)
        }

        /// Sets `key` to `value`.
        pub fn set(&self, key: &str, value: i64) {
            let data = self.data.lock();
            data.borrow_mut().insert(key.to_owned(), value);
        }

        /// Adds one to `key`: a `get` and a `set` under one lock, which both take it again.
        pub fn increment(&self, key: &str) {
            let _atomic = self.data.lock();
            self.set(key, self.get(key, 0) + 1);
        }

        /// Moves `amount` from `src` to `dst`, atomically.
        pub fn transfer(&self, src: &str, dst: &str, amount: i64) {
            let _atomic = self.data.lock();
            self.set(src, self.get(src, 0) - amount);
            self.set(dst, self.get(dst, 0) + amount);
        }

        /// The sum of the values of `keys`, taken at one moment: `get` under the outer lock.
        pub fn sum(&self, keys: &[&str]) -> i64 {
            let _atomic = self.data.lock();
            keys.iter().map(|key| self.get(key, 0)).sum()
        }
    }
}

#[cfg(not(target_os = "none"))]
fn main() {
    use std::thread;

    const THREADS: i64 = 4;
    const ROUNDS: i64 = 5_000;
    const ACCOUNTS: [&str; 3] = ["alice", "bob", "carol"];

    let dict = dict::SafeDict::default();
    for account in ACCOUNTS {
        dict.set(account, 1_000);
    }
    thread::scope(|s| {
        for t in 0..THREADS {
            let dict = &dict;
            s.spawn(move || {
                for round in 0..ROUNDS {
                    dict.increment("hits");
                    let from = ACCOUNTS[((t + round) % 3) as usize];
                    let to = ACCOUNTS[((t + round + 1) % 3) as usize];
                    dict.transfer(from, to, round % 7);
                    // A reader among the transfers never sees one half done.
                    assert_eq!(dict.sum(&ACCOUNTS), 3_000, "a transfer was seen half done");
                }
            });
        }
    });
    let hits = dict.get("hits", 0);
    let money = dict.sum(&ACCOUNTS);
    println!("hits = {hits}; accounts hold {money} in total");
    assert_eq!(hits, THREADS * ROUNDS, "increments were lost");
    assert_eq!(money, 3_000, "transfers created or destroyed money");
    println!("ok: {THREADS} threads x {ROUNDS} increments and transfers, nothing lost");
}

#[cfg(target_os = "none")]
#[path = "board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(board::host_only);
