//! The `Hook` backend forwards to the hook this test binary registers (`common::parking_hook`):
//! its clock, its timed wait and its wake-ups are the registered ones.

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use baresync::wait::{AtomicU32, Clock, Hook, HookClock, Wait, WaitTimeout};
use common::parking_hook::ParkingHook;

#[test]
fn hook_clock_is_the_registered_clock() {
    // Both read the same origin, so readings interleave in order.
    let a = HookClock::now();
    let b = ParkingHook::now();
    let c = HookClock::now();
    assert!(a <= b && b <= c, "{a:?} {b:?} {c:?}");
    thread::sleep(Duration::from_millis(20));
    let d = HookClock::now();
    assert!(
        d - c >= Duration::from_millis(20),
        "the hook clock advances with real time"
    );
}

#[test]
fn hook_wait_returns_at_once_on_a_changed_word() {
    let word = AtomicU32::new(1);
    let start = Instant::now();
    Hook::wait(&word, 0);
    assert!(Hook::wait_timeout(&word, 0, Duration::from_secs(60)));
    assert!(start.elapsed() < Duration::from_secs(1));
}

#[test]
fn hook_wait_timeout_runs_out() {
    let word = AtomicU32::new(0);
    let timeout = Duration::from_millis(30);
    let start = Instant::now();
    // Returns may be spurious; the registered hook reports `false` only when its time ran out.
    loop {
        let call = Instant::now();
        if !Hook::wait_timeout(&word, 0, timeout) {
            assert!(
                call.elapsed() >= timeout,
                "timed out early: {:?}",
                call.elapsed()
            );
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "never timed out");
    }
}

#[test]
fn hook_wake_all_releases_a_sleeper() {
    let word = AtomicU32::new(0);
    let inside = AtomicBool::new(false);
    thread::scope(|s| {
        let sleeper = s.spawn(|| {
            inside.store(true, Ordering::Release);
            let start = Instant::now();
            while word.load(Ordering::Acquire) == 0 {
                assert!(
                    Hook::wait_timeout(&word, 0, Duration::from_secs(30)),
                    "the registered hook never delivered the wake-up"
                );
            }
            start.elapsed()
        });
        while !inside.load(Ordering::Acquire) {
            thread::yield_now();
        }
        thread::sleep(Duration::from_millis(10));
        word.store(1, Ordering::Release);
        Hook::wake_all(&word);
        assert!(sleeper.join().unwrap() < Duration::from_secs(30));
    });
}

#[test]
fn hook_backed_primitive_blocks_and_wakes_through_the_hook() {
    static GATE: baresync::hook::Event = baresync::hook::Event::new();
    thread::scope(|s| {
        let waiter = s.spawn(|| GATE.wait_timeout(Duration::from_secs(30)));
        thread::sleep(Duration::from_millis(10));
        GATE.set();
        assert!(waiter.join().unwrap());
    });
}
