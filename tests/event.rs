//! `Event` on every backend: set before and after wait, `clear`, timeouts, and `set()` then at
//! once `clear()` still releasing every thread already waiting (CPython issue 13502).

mod common;

use std::sync::Mutex as StdMutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::scaled;
use common::timing::{HUGE, LONG, assert_waited, wait_count, watchdog};

/// Where a thread stood just before it called a blocking method: its kernel thread id and the CPU
/// time it had used, so another thread can tell when it is really inside the call.
#[derive(Clone, Copy)]
struct Probe {
    tid: u32,
    cpu_ticks: u64,
}

/// The calling thread's `(state, utime + stime in clock ticks)` from `/proc` (Linux only).
fn thread_stat(tid: u32) -> Option<(char, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/self/task/{tid}/stat")).ok()?;
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    let state = fields.first()?.chars().next()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((state, utime + stime))
}

/// Taken by a thread right before it blocks; `None` where `/proc` is unavailable.
fn probe_self() -> Option<Probe> {
    // Miri isolates the program from the file system: fall back to sleeping.
    if cfg!(miri) {
        return None;
    }
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    let tid = link.file_name()?.to_str()?.parse().ok()?;
    let (_, cpu_ticks) = thread_stat(tid)?;
    Some(Probe { tid, cpu_ticks })
}

/// Waits until every probed thread is provably inside its blocking call: asleep in the kernel
/// (Futex, Hook), or having burnt two clock ticks of CPU since its probe, which only a spinning
/// wait can do (Spin). Without `/proc`, falls back to a generous sleep.
fn wait_until_blocked(probes: &[Option<Probe>]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    for probe in probes {
        let Some(probe) = probe else {
            thread::sleep(Duration::from_millis(200));
            continue;
        };
        while Instant::now() < deadline {
            match thread_stat(probe.tid) {
                Some((state, ticks)) if state == 'S' || ticks >= probe.cpu_ticks + 2 => break,
                Some(_) => thread::sleep(Duration::from_millis(1)),
                None => break,
            }
        }
    }
    // Not needed for correctness; gives stragglers on a loaded machine a moment more.
    thread::sleep(Duration::from_millis(10));
}

for_each_backend! {
    #[test]
    fn set_before_wait_returns_at_once() {
        static E: sync::Event = sync::Event::new();
        assert!(!E.is_set());
        E.set();
        assert!(E.is_set());
        E.set();
        assert!(E.is_set(), "setting a set event keeps it set");
        let start = Instant::now();
        E.wait();
        assert!(E.wait_timeout(Duration::ZERO));
        assert!(E.wait_timeout(Duration::from_secs(60)));
        thread::scope(|s| {
            assert!(s.spawn(|| E.wait_timeout(LONG)).join().unwrap());
            s.spawn(|| E.wait()).join().unwrap();
        });
        assert!(start.elapsed() < Duration::from_secs(1), "a set event must not block");
        assert!(E.is_set(), "waiting does not consume the flag");
    }

    #[test]
    fn wait_before_set() {
        let e = sync::Event::new();
        let inside = AtomicU32::new(0);
        let _dog = watchdog("wait_before_set");
        thread::scope(|s| {
            let timed = s.spawn(|| {
                inside.fetch_add(1, Ordering::Release);
                e.wait_timeout(LONG)
            });
            let plain = s.spawn(|| {
                inside.fetch_add(1, Ordering::Release);
                e.wait();
                e.is_set()
            });
            wait_count(&inside, 2);
            thread::sleep(Duration::from_millis(20));
            assert!(!timed.is_finished() && !plain.is_finished(), "returned before the set");
            e.set();
            assert!(timed.join().unwrap(), "wait_timeout missed the set");
            assert!(plain.join().unwrap());
        });
    }

    #[test]
    fn one_set_releases_many_waiters() {
        static E: sync::Event = sync::Event::new();
        let _dog = watchdog("one_set_releases_many_waiters");
        let released = AtomicU32::new(0);
        thread::scope(|s| {
            for i in 0..6 {
                let released = &released;
                s.spawn(move || {
                    if i % 2 == 0 {
                        E.wait();
                    } else {
                        assert!(E.wait_timeout(LONG));
                    }
                    released.fetch_add(1, Ordering::Relaxed);
                });
            }
            thread::sleep(Duration::from_millis(10));
            E.set();
        });
        assert_eq!(released.into_inner(), 6);
    }

    #[test]
    fn clear_makes_waiters_block_again() {
        let e = sync::Event::new();
        e.set();
        e.clear();
        assert!(!e.is_set());
        e.clear();
        assert!(!e.is_set(), "clearing a clear event keeps it clear");
        let timeout = Duration::from_millis(30);
        let start = Instant::now();
        assert!(!e.wait_timeout(timeout), "a cleared event reported set");
        assert_waited(start.elapsed(), timeout);
        e.set();
        assert!(e.wait_timeout(timeout));
    }

    #[test]
    fn wait_timeout_never_returns_early() {
        let e = sync::Event::new();
        for ms in [1, 20, 100] {
            let timeout = Duration::from_millis(ms);
            let start = Instant::now();
            assert!(!e.wait_timeout(timeout));
            assert_waited(start.elapsed(), timeout);
        }
    }

    #[test]
    fn zero_timeout_is_is_set() {
        let e = sync::Event::new();
        let start = Instant::now();
        assert!(!e.wait_timeout(Duration::ZERO));
        assert!(start.elapsed() < Duration::from_secs(1), "a zero timeout must not wait");
        e.set();
        assert!(e.wait_timeout(Duration::ZERO));
        e.clear();
        assert!(!e.wait_timeout(Duration::ZERO));
    }

    #[test]
    fn huge_timeouts_on_a_set_event() {
        let e = sync::Event::new();
        e.set();
        for timeout in HUGE {
            assert!(e.wait_timeout(timeout), "{timeout:?}");
        }
    }

    #[test]
    fn huge_timeouts_wait_for_the_set() {
        // An overflowing deadline computation would panic or time out at once.
        for timeout in HUGE {
            let e = sync::Event::new();
            let inside = AtomicU32::new(0);
            thread::scope(|s| {
                let waiter = s.spawn(|| {
                    inside.fetch_add(1, Ordering::Release);
                    e.wait_timeout(timeout)
                });
                wait_count(&inside, 1);
                thread::sleep(Duration::from_millis(10));
                e.set();
                assert!(waiter.join().unwrap(), "wait_timeout({timeout:?}) gave up");
            });
        }
    }

    #[test]
    fn set_then_clear_releases_every_blocked_waiter() {
        // CPython issue 13502: a waiter that was blocked when the event was set must return, even
        // if the event was cleared again before it ran. Every waiter is provably inside its wait
        // before the set, so each of them must return `true` (the timed ones) or return at all
        // (the plain ones, under the watchdog).
        let _dog = watchdog("set_then_clear_releases_every_blocked_waiter");
        let waiters = 4;
        for round in 0..3 {
            let e = sync::Event::new();
            let probes = StdMutex::new(Vec::new());
            let inside = AtomicU32::new(0);
            thread::scope(|s| {
                let handles: Vec<_> = (0..waiters)
                    .map(|i| {
                        let (e, probes, inside) = (&e, &probes, &inside);
                        s.spawn(move || {
                            probes.lock().unwrap().push(probe_self());
                            inside.fetch_add(1, Ordering::Release);
                            if i % 2 == 0 {
                                e.wait_timeout(LONG)
                            } else {
                                e.wait();
                                true
                            }
                        })
                    })
                    .collect();
                wait_count(&inside, waiters);
                wait_until_blocked(&probes.lock().unwrap());
                e.set();
                e.clear();
                for (i, handle) in handles.into_iter().enumerate() {
                    assert!(handle.join().unwrap(), "round {round}: waiter {i} missed the set");
                }
            });
            assert!(!e.is_set());
        }
    }

    #[test]
    fn ping_pong_publishes_writes() {
        // Two events hand a turn back and forth; the value written before each `set` must be
        // visible after the matching wait.
        let (ping, pong) = (sync::Event::new(), sync::Event::new());
        let value = AtomicU32::new(0);
        let rounds = scaled(3_000) as u32;
        thread::scope(|s| {
            s.spawn(|| {
                for i in 0..rounds {
                    assert!(ping.wait_timeout(LONG), "round {i}: ping lost");
                    ping.clear();
                    assert_eq!(value.load(Ordering::Relaxed), 2 * i + 1);
                    value.store(2 * i + 2, Ordering::Relaxed);
                    pong.set();
                }
            });
            for i in 0..rounds {
                value.store(2 * i + 1, Ordering::Relaxed);
                ping.set();
                assert!(pong.wait_timeout(LONG), "round {i}: pong lost");
                pong.clear();
                assert_eq!(value.load(Ordering::Relaxed), 2 * i + 2);
            }
        });
        assert!(!ping.is_set() && !pong.is_set());
    }

    #[test]
    fn set_wakes_a_plain_waiter_many_times() {
        // Repeated clear/wait/set cycles on plain `wait`: one lost wake-up hangs (watchdog).
        let _dog = watchdog("set_wakes_a_plain_waiter_many_times");
        let (go, done) = (sync::Event::new(), sync::Event::new());
        let stop = AtomicBool::new(false);
        let rounds = scaled(2_000);
        thread::scope(|s| {
            s.spawn(|| {
                loop {
                    go.wait();
                    go.clear();
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    done.set();
                }
            });
            for _ in 0..rounds {
                go.set();
                done.wait();
                done.clear();
            }
            stop.store(true, Ordering::Relaxed);
            go.set();
        });
    }
}
