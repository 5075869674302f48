//! A bank account guarded by a `Mutex`, with withdrawals that wait on a `Condvar`.
//!
//! Ports Python's `threading.Condition` bank-account pattern:
//!
//! ```text
//! with cond:                                   # withdraw
//!     cond.wait_for(lambda: balance >= amount)
//!     balance -= amount
//! with cond:                                   # deposit
//!     balance += amount
//!     cond.notify_all()
//! ```
//!
//! Three customers try to withdraw before there is money; a teller deposits in small amounts and
//! wakes every waiter after each deposit. A withdrawal always waits in a predicate loop
//! (`Condvar::wait_while`), so spurious and early wake-ups are harmless. Every withdrawal is covered
//! in the end, and the final balance is checked: deposits (280) minus withdrawals (260) = 20.
#![cfg_attr(target_os = "none", no_std, no_main)]
#![cfg_attr(
    target_os = "none",
    allow(dead_code, reason = "the board main uses part of the shared code")
)]

use baresync::{Condvar, Mutex};

/// The balance, in whole currency units.
static BALANCE: Mutex<u64> = Mutex::new(0);
/// Notified after every deposit.
static FUNDS_ADDED: Condvar = Condvar::new();

const DEPOSITS: [u64; 6] = [50, 20, 80, 40, 60, 30];
const WITHDRAWALS: [u64; 3] = [100, 70, 90];

/// Adds `amount` and wakes every waiting withdrawal; returns the new balance.
fn deposit(amount: u64) -> u64 {
    let mut balance = BALANCE.lock();
    *balance += amount;
    FUNDS_ADDED.notify_all();
    *balance
}

/// Waits until the balance covers `amount`, then takes it; returns the new balance.
fn withdraw(amount: u64) -> u64 {
    let mut balance = FUNDS_ADDED.wait_while(BALANCE.lock(), |balance| *balance < amount);
    *balance = balance
        .checked_sub(amount)
        .expect("wait_while returned before the balance covered the withdrawal");
    *balance
}

#[cfg(not(target_os = "none"))]
fn main() {
    use std::thread;
    use std::time::Duration;

    let deposited: u64 = DEPOSITS.iter().sum();
    let withdrawn: u64 = WITHDRAWALS.iter().sum();
    assert!(deposited >= withdrawn, "the example must be able to finish");

    thread::scope(|s| {
        for (customer, amount) in WITHDRAWALS.into_iter().enumerate() {
            s.spawn(move || {
                println!("customer {customer}: wants to withdraw {amount}");
                let left = withdraw(amount);
                println!("customer {customer}: withdrew {amount}, balance now {left}");
            });
        }
        s.spawn(|| {
            for amount in DEPOSITS {
                // Give the customers time to find the account short and start waiting.
                thread::sleep(Duration::from_millis(20));
                let balance = deposit(amount);
                println!("teller: deposited {amount}, balance now {balance}");
            }
        });
    });

    let balance = *BALANCE.lock();
    let expected = deposited - withdrawn;
    println!("final balance: {balance} (deposited {deposited}, withdrew {withdrawn})");
    assert_eq!(balance, expected, "final balance is wrong");
    println!("ok: every withdrawal waited until it was covered");
}

// On a board (one core, see targets/): `main` is the customers, withdrawing one after the other
// (each waits in `wait_while`), and a timer interrupt is the teller. The handler may not block:
// it deposits with `try_lock` (retrying on the next tick if it interrupted `main` inside the
// lock) and wakes the waiter with `notify_all`.
#[cfg(target_os = "none")]
#[path = "board/mod.rs"]
mod board;

#[cfg(target_os = "none")]
board::entry!(board_main);

#[cfg(target_os = "none")]
mod on_board {
    use super::{BALANCE, DEPOSITS, FUNDS_ADDED};
    use core::sync::atomic::{AtomicUsize, Ordering};

    /// The next deposit the teller makes (the handler is the only writer).
    pub(crate) static NEXT_DEPOSIT: AtomicUsize = AtomicUsize::new(0);

    /// The teller, in the timer interrupt: `try_lock` and `notify_all` only.
    pub(crate) fn on_tick() {
        let next = NEXT_DEPOSIT.load(Ordering::Relaxed);
        let Some(&amount) = DEPOSITS.get(next) else {
            return;
        };
        if let Some(mut balance) = BALANCE.try_lock() {
            *balance += amount;
            drop(balance);
            NEXT_DEPOSIT.store(next + 1, Ordering::Relaxed);
            FUNDS_ADDED.notify_all();
        }
    }
}

#[cfg(target_os = "none")]
fn board_main() -> Result<(), &'static str> {
    use core::sync::atomic::Ordering;

    let deposited: u64 = DEPOSITS.iter().sum();
    let withdrawn: u64 = WITHDRAWALS.iter().sum();
    board::start_ticks(core::time::Duration::from_millis(1), on_board::on_tick);
    for amount in WITHDRAWALS {
        let left = withdraw(amount);
        board::println!(
            "customer: withdrew {amount} after {} deposits, balance now {left}",
            on_board::NEXT_DEPOSIT.load(Ordering::Relaxed)
        );
    }
    while on_board::NEXT_DEPOSIT.load(Ordering::Relaxed) < DEPOSITS.len() {
        core::hint::spin_loop();
    }
    let balance = *BALANCE.lock();
    board::println!("final balance: {balance} (deposited {deposited}, withdrew {withdrawn})");
    if balance != deposited - withdrawn {
        return Err("final balance is wrong");
    }
    Ok(())
}
