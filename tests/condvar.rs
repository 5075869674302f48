//! `Condvar` on every backend: predicate loops, how many waiters `notify_one`, `notify_n` and
//! `notify_all` release (counted with tokens, since wake-ups may be spurious), and timeouts.

mod common;

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use common::scaled;
use common::timing::{HUGE, LONG, assert_waited, eventually, watchdog};

/// How a round of [`token_rounds`] notifies.
#[derive(Clone, Copy, Debug)]
enum Notify {
    One,
    All,
    N(u32),
}

/// The state the token waiters share.
#[derive(Default)]
struct Tokens {
    /// Handed out by the notifier; each waiter that proceeds takes one.
    tokens: u32,
    /// Waiters between registering and taking a token.
    waiting: u32,
    /// Waiters that took a token.
    proceeded: u32,
}

for_each_backend! {
    /// Starts `waiters` threads that each wait (in a predicate loop, timed so a broken condvar
    /// fails instead of hanging) until they can take a token. Once all of them wait, each round
    /// adds `tokens` and notifies once; the round passes when exactly that many more waiters
    /// have proceeded, with no further notification. Leftover waiters are released at the end.
    fn token_rounds(waiters: u32, rounds: &[(u32, Notify)]) {
        let state = sync::Mutex::new(Tokens::default());
        let cv = sync::Condvar::new();
        let notify = |how: Notify| match how {
            Notify::One => cv.notify_one(),
            Notify::All => cv.notify_all(),
            Notify::N(n) => cv.notify_n(n),
        };
        thread::scope(|s| {
            for _ in 0..waiters {
                s.spawn(|| {
                    let mut g = state.lock();
                    g.waiting += 1;
                    let (mut g, result) = cv.wait_timeout_while(g, LONG, |st| st.tokens == 0);
                    assert!(!result.timed_out(), "a waiter was never released");
                    g.tokens -= 1;
                    g.waiting -= 1;
                    g.proceeded += 1;
                });
            }
            // Registered under the lock and released it only inside the wait: once the count is
            // complete, every waiter is waiting as far as any later notification is concerned.
            assert!(eventually(|| state.lock().waiting == waiters), "waiters did not start");
            let mut expected = 0;
            let mut failure = None;
            for &(tokens, how) in rounds {
                state.lock().tokens += tokens;
                notify(how);
                expected += tokens;
                if !eventually(|| state.lock().proceeded == expected) {
                    failure = Some((tokens, how, state.lock().proceeded, expected));
                    break;
                }
                let g = state.lock();
                assert_eq!((g.proceeded, g.tokens), (expected, 0));
                assert_eq!(g.waiting, waiters - expected);
            }
            // Release whoever is left, then report.
            let left = waiters - state.lock().proceeded;
            state.lock().tokens += left;
            cv.notify_all();
            if let Some((tokens, how, proceeded, expected)) = failure {
                panic!(
                    "{how:?} with {tokens} new token(s): {proceeded} of the expected {expected} \
                     waiters proceeded"
                );
            }
        });
        let g = state.lock();
        assert_eq!((g.proceeded, g.waiting, g.tokens), (waiters, 0, 0));
    }

    #[test]
    fn notify_one_releases_one_waiter_per_call() {
        use Notify::*;
        token_rounds(4, &[(1, One), (1, One), (1, One), (1, One)]);
    }

    #[test]
    fn notify_n_releases_n_waiters() {
        use Notify::*;
        token_rounds(6, &[(2, N(2)), (3, N(3)), (1, N(1))]);
        token_rounds(3, &[(3, N(3))]);
        token_rounds(3, &[(2, N(5))]);
    }

    #[test]
    fn notify_all_releases_every_waiter() {
        use Notify::*;
        token_rounds(5, &[(5, All)]);
        token_rounds(5, &[(1, One), (4, All)]);
    }

    #[test]
    fn notify_n_u32_max_releases_every_waiter() {
        use Notify::*;
        token_rounds(5, &[(5, N(u32::MAX))]);
        token_rounds(4, &[(4, N(i32::MAX as u32 + 1))]);
    }

    #[test]
    fn notify_without_waiters_is_harmless() {
        let cv = sync::Condvar::new();
        cv.notify_one();
        cv.notify_n(0);
        cv.notify_n(3);
        cv.notify_n(u32::MAX);
        cv.notify_all();
        let m = sync::Mutex::new(());
        // A notification is not stored: a later wait still waits until its timeout.
        let timeout = Duration::from_millis(20);
        let start = Instant::now();
        let (g, result) = cv.wait_timeout_while(m.lock(), timeout, |_| true);
        assert!(result.timed_out());
        assert_waited(start.elapsed(), timeout);
        drop(g);
    }

    #[test]
    fn threshold_wait_while_sees_the_final_count() {
        static COUNT: sync::Mutex<u32> = sync::Mutex::new(0);
        static CHANGED: sync::Condvar = sync::Condvar::new();
        let _dog = watchdog("threshold_wait_while_sees_the_final_count");
        thread::scope(|s| {
            let checker = s.spawn(|| {
                let mut evaluations = 0;
                let g = CHANGED.wait_while(COUNT.lock(), |n| {
                    evaluations += 1;
                    *n < 5
                });
                assert!(COUNT.is_locked(), "wait_while returns with the lock held");
                (*g, evaluations)
            });
            for _ in 0..5 {
                s.spawn(|| {
                    *COUNT.lock() += 1;
                    CHANGED.notify_all();
                });
            }
            let (seen, evaluations) = checker.join().unwrap();
            assert_eq!(seen, 5, "wait_while returned before its predicate turned false");
            assert!(evaluations >= 1);
        });
    }

    #[test]
    fn ping_pong_with_wait_and_wait_while() {
        // Two threads hand a turn back and forth; a single lost notification hangs (watchdog).
        let _dog = watchdog("ping_pong_with_wait_and_wait_while");
        let turn = sync::Mutex::new(0u32);
        let cv = sync::Condvar::new();
        let rounds = scaled(5_000) as u32;
        thread::scope(|s| {
            s.spawn(|| {
                for i in 0..rounds {
                    let mut g = turn.lock();
                    // A hand-written predicate loop over plain `wait`.
                    while *g != 2 * i {
                        g = cv.wait(g);
                    }
                    *g += 1;
                    drop(g);
                    cv.notify_one();
                }
            });
            s.spawn(|| {
                for i in 0..rounds {
                    let mut g = cv.wait_while(turn.lock(), |t| *t != 2 * i + 1);
                    *g += 1;
                    cv.notify_one();
                }
            });
        });
        assert_eq!(turn.into_inner(), 2 * rounds);
    }

    #[test]
    fn ping_pong_with_timed_waits() {
        let turn = sync::Mutex::new(0u32);
        let cv = sync::Condvar::new();
        let rounds = scaled(5_000) as u32;
        thread::scope(|s| {
            for me in 0..2 {
                let (turn, cv) = (&turn, &cv);
                s.spawn(move || {
                    for i in 0..rounds {
                        let (mut g, result) =
                            cv.wait_timeout_while(turn.lock(), LONG, |t| *t != 2 * i + me);
                        assert!(!result.timed_out(), "round {i}: notification lost");
                        *g += 1;
                        cv.notify_one();
                    }
                });
            }
        });
        assert_eq!(turn.into_inner(), 2 * rounds);
    }

    #[test]
    fn bank_account_withdrawals_wait_for_deposits() {
        // Withdrawals of 5 wait until the balance covers them; deposits of 3 notify_all. The
        // deposits add up to exactly the withdrawals, so every withdrawal completes and the
        // balance never goes negative (an unsigned balance would panic).
        static BALANCE: sync::Mutex<u64> = sync::Mutex::new(0);
        static FUNDS: sync::Condvar = sync::Condvar::new();
        let _dog = watchdog("bank_account_withdrawals_wait_for_deposits");
        let per_withdrawer = scaled(600) as u64;
        let withdrawers = 3;
        let total = withdrawers * per_withdrawer * 5;
        assert_eq!(total % 6, 0);
        thread::scope(|s| {
            for _ in 0..withdrawers {
                s.spawn(|| {
                    for _ in 0..per_withdrawer {
                        let mut balance = FUNDS.wait_while(BALANCE.lock(), |b| *b < 5);
                        assert!(*balance >= 5);
                        *balance -= 5;
                    }
                });
            }
            for _ in 0..2 {
                s.spawn(|| {
                    for _ in 0..total / 6 {
                        *BALANCE.lock() += 3;
                        FUNDS.notify_all();
                    }
                });
            }
        });
        assert_eq!(*BALANCE.lock(), 0);
    }

    #[test]
    fn wait_timeout_while_never_returns_early() {
        let m = sync::Mutex::new(0u32);
        let cv = sync::Condvar::new();
        for ms in [1, 20, 100] {
            let timeout = Duration::from_millis(ms);
            let start = Instant::now();
            let (mut g, result) = cv.wait_timeout_while(m.lock(), timeout, |_| true);
            let elapsed = start.elapsed();
            assert!(result.timed_out());
            assert_waited(elapsed, timeout);
            assert!(m.is_locked(), "the guard is handed back locked");
            *g += 1;
        }
        assert_eq!(*m.lock(), 3);
    }

    #[test]
    fn wait_timeout_reports_timeout_only_after_it() {
        let m = sync::Mutex::new(());
        let cv = sync::Condvar::new();
        let timeout = Duration::from_millis(30);
        let mut g = m.lock();
        // Spurious returns are allowed, but not forever, and never labelled as timeouts early.
        let mut timed_out = false;
        for _ in 0..1000 {
            let start = Instant::now();
            let (next, result) = cv.wait_timeout(g, timeout);
            g = next;
            assert!(m.is_locked());
            if result.timed_out() {
                assert_waited(start.elapsed(), timeout);
                timed_out = true;
                break;
            }
        }
        assert!(timed_out, "1000 wake-ups without a notification or a timeout");
    }

    #[test]
    fn wait_timeout_while_returns_once_the_predicate_is_false() {
        let m = sync::Mutex::new(false);
        let cv = sync::Condvar::new();
        let waiting = AtomicBool::new(false);
        thread::scope(|s| {
            let waiter = s.spawn(|| {
                let g = m.lock();
                waiting.store(true, Ordering::Release);
                let start = Instant::now();
                let (g, result) = cv.wait_timeout_while(g, LONG, |ready| !*ready);
                (*g, result.timed_out(), start.elapsed())
            });
            while !waiting.load(Ordering::Acquire) {
                thread::yield_now();
            }
            *m.lock() = true;
            cv.notify_one();
            let (ready, timed_out, elapsed) = waiter.join().unwrap();
            assert!(ready && !timed_out);
            assert!(elapsed < LONG);
        });
    }

    #[test]
    fn wait_timeout_while_with_a_false_predicate_does_not_wait() {
        let m = sync::Mutex::new(7);
        let cv = sync::Condvar::new();
        let start = Instant::now();
        for timeout in [Duration::ZERO, Duration::from_secs(60), Duration::MAX] {
            let (g, result) = cv.wait_timeout_while(m.lock(), timeout, |n| *n != 7);
            assert!(!result.timed_out());
            assert_eq!(*g, 7);
        }
        assert!(start.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn zero_timeout_times_out_at_once() {
        let m = sync::Mutex::new(());
        let cv = sync::Condvar::new();
        let start = Instant::now();
        let (g, result) = cv.wait_timeout_while(m.lock(), Duration::ZERO, |_| true);
        assert!(result.timed_out());
        drop(g);
        let (g, _) = cv.wait_timeout(m.lock(), Duration::ZERO);
        assert!(m.is_locked());
        drop(g);
        assert!(start.elapsed() < Duration::from_secs(1), "a zero timeout must not wait");
    }

    #[test]
    fn huge_timeouts_wait_for_the_notification() {
        // An overflowing deadline computation would panic or time out at once.
        let m = sync::Mutex::new(false);
        let cv = sync::Condvar::new();
        for timeout in HUGE {
            *m.lock() = false;
            let waiting = AtomicU32::new(0);
            thread::scope(|s| {
                let waiter = s.spawn(|| {
                    let g = m.lock();
                    waiting.fetch_add(1, Ordering::Release);
                    let (g, result) = cv.wait_timeout_while(g, timeout, |ready| !*ready);
                    *g && !result.timed_out()
                });
                let plain = s.spawn(|| {
                    let mut g = m.lock();
                    waiting.fetch_add(1, Ordering::Release);
                    // Plain `wait_timeout`: may return spuriously, but never claim a timeout.
                    while !*g {
                        let (next, result) = cv.wait_timeout(g, timeout);
                        assert!(!result.timed_out(), "wait_timeout({timeout:?}) timed out");
                        g = next;
                    }
                });
                while waiting.load(Ordering::Acquire) != 2 {
                    thread::yield_now();
                }
                thread::sleep(Duration::from_millis(10));
                *m.lock() = true;
                cv.notify_all();
                assert!(waiter.join().unwrap(), "wait_timeout_while({timeout:?}) gave up");
                plain.join().unwrap();
            });
        }
    }
}
