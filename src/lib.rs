//! Blocking synchronization primitives and fixed-capacity queues for `#![no_std]`, with no
//! allocation, ever, and a pluggable way to wait.
//!
//! The names and behaviour follow `std::sync` and Python's `threading` and `queue` modules:
//! [`Mutex`], [`Condvar`], [`Event`], [`Semaphore`], [`Barrier`], [`RwLock`], [`Once`],
//! [`OnceLock`], [`LazyLock`], `ReentrantMutex` (Python's `RLock`), and the queues [`SpscQueue`],
//! [`MpmcQueue`], [`PriorityQueue`] and [`LifoQueue`] with Python's blocking `put`/`get`,
//! timeouts, `close` and `task_done`/`join`. How a blocked caller waits is a *backend*: a spin loop,
//! the operating system's futex, `WFI`/`WFE` on bare metal, or your RTOS's wait call, registered
//! once by the final binary ([`wait`]).
//!
//! - Every type has a `const fn new`: it lives in a `static`, with no `unsafe`, lazy initialiser or
//!   heap. `Mutex<()>`, `Condvar`, `Event`, `Semaphore` and `Once` are 4 bytes, `RwLock<()>` 8.
//! - Atomics come from [`portable-atomic`](https://docs.rs/portable-atomic): targets without
//!   compare-and-swap (`thumbv6m-none-eabi`) work through `critical-section`.
//! - Timed verbs exist only where the backend has a clock: a timed call never compiles into a
//!   busy loop that cannot end.
//!
//! # Example
//!
//! A withdrawal waits until deposits cover it (`examples/bank_account.rs` is the full program):
//!
//! ```
//! use baresync::{Condvar, Mutex};
//!
//! static BALANCE: Mutex<u32> = Mutex::new(0);
//! static FUNDS_ADDED: Condvar = Condvar::new();
//!
//! std::thread::scope(|s| {
//!     s.spawn(|| {
//!         // Sleeps until the balance is at least 30, re-checking after every wake-up.
//!         let mut balance = FUNDS_ADDED.wait_while(BALANCE.lock(), |b| *b < 30);
//!         *balance -= 30;
//!     });
//!     for _ in 0..5 {
//!         *BALANCE.lock() += 10;
//!         FUNDS_ADDED.notify_all();
//!     }
//! });
//! assert_eq!(*BALANCE.lock(), 20);
//! ```
//!
//! # Names and backends
//!
//! The crate root names the primitives on [`wait::DefaultWait`]: the OS futex on hosted targets,
//! [`wait::Spin`] on `target_os = "none"`. Every name also exists per backend, in a module of its
//! own: [`spin`], [`hook`], `futex` (hosted), `wfi` and `wfe` (bare metal); the forms generic over
//! any backend are in [`generic`], and [`backend_aliases!`] names the whole family for a backend
//! of your own.
//!
//! | backend | where | a waiter | a waker | timed verbs |
//! | --- | --- | --- | --- | --- |
//! | [`wait::Spin`] | everywhere | polls its word (`core::hint::spin_loop`) | does nothing | with a [`wait::Clock`]: `Spin<MyClock>` |
//! | `wait::Futex` | Linux, Android, macOS, iOS, Windows, FreeBSD | sleeps in the OS (`futex`, `__ulock_wait`, `WaitOnAddress`, `_umtx_op`) after a short polling phase | one system call, only when someone sleeps | on the monotonic clock |
//! | [`wait::Hook`] | an RTOS, a kernel | whatever the binary registered with [`set_wait_hook!`], usually on a [`wait::WaitTable`] | the registered wake | with the registered clock |
//! | `wait::Wfi` | one-core Cortex-M, RISC-V machine mode | masks interrupts, re-checks, `WFI` | nothing: the interrupt that changed the word ended the sleep | with a clock, e.g. `Wfi<TickClock>` |
//! | `wait::Wfe`, `wait::WfiIpi` | multi-core Cortex-M, multi-hart RISC-V | `WFE` / `WFI` | `SEV` / a software interrupt to the other harts | with a clock |
//!
//! Choosing: an application on an OS uses the root names; a library or driver that the firmware
//! should decide for uses [`hook`] (or stays generic); bare metal uses `Spin`, `Wfi` (one core)
//! or `Wfe`/`WfiIpi` (several cores). The [`wait`] module documents the contract and how to
//! write a backend; [`wait::Hook`] how to register one, map it onto FreeRTOS, Zephyr or Linux,
//! and what each linker error means.
//!
//! # Queues
//!
//! | queue | order | producers / consumers | `try_` verbs |
//! | --- | --- | --- | --- |
//! | [`SpscQueue`] | FIFO | one / one, through its [`Producer`] and [`Consumer`] halves | wait-free |
//! | [`MpmcQueue`] | FIFO | any / any | lock-free and linearizable |
//! | [`PriorityQueue`] | greatest first, equal items in push order | any / any | a short lock (a critical section on bare metal) |
//! | [`LifoQueue`] | last in, first out | any / any | a short lock (a critical section on bare metal) |
//!
//! Each holds exactly `N` items (any `N >= 1`), never allocates, and has Python's verbs:
//! `try_push`/`try_pop` (`put_nowait`/`get_nowait`), `push`/`pop` (`put`/`get`),
//! `push_timeout`/`pop_timeout`, `close` (Python's `shutdown`: pushes fail, queued items still
//! drain, every blocked caller wakes), and `task_done`/`join` on the multi-consumer ones. The
//! [`queue`] module documents the shared semantics: closing, task tracking, errors, progress.
//!
//! ```
//! use baresync::{MpmcQueue, TryPushError};
//!
//! static JOBS: MpmcQueue<u32, 4> = MpmcQueue::new();
//!
//! let total = std::thread::scope(|s| {
//!     let worker = s.spawn(|| {
//!         let mut total = 0;
//!         // Blocks while the queue is empty; fails only once it is closed and drained.
//!         while let Ok(job) = JOBS.pop() {
//!             total += job;
//!             JOBS.task_done().unwrap();
//!         }
//!         total
//!     });
//!     for job in 1..=10 {
//!         JOBS.push(job).unwrap(); // blocks while 4 jobs are waiting
//!     }
//!     JOBS.join(); // every job has been marked done
//!     JOBS.close(); // the worker drains what is left and stops
//!     worker.join().unwrap()
//! });
//! assert_eq!(total, 55);
//! assert_eq!(JOBS.try_push(11), Err(TryPushError::Closed(11)));
//! ```
//!
//! # Interrupt safety
//!
//! On bare metal the second "thread" is usually an interrupt handler. The rule: **handlers use
//! only the verbs that never block** (`try_lock`, `try_read`, `notify_*`, `set`, `release`,
//! `try_push`, `try_pop`, `close`, `task_done`, the snapshots), and the thread side blocks. On one
//! core a handler that blocks waits for the code it interrupted, which cannot run until the handler
//! returns. Each type's docs list its interrupt-safe verbs. Those verbs call the backend's wake
//! when someone sleeps, so with [`wait::Hook`] register a wake that is interrupt-safe (as an
//! RTOS's "give from ISR" calls are). On bare metal the locks of `PriorityQueue` and `LifoQueue`
//! are critical sections, so their `try_` verbs never wait for the context they interrupted.
//!
//! In debug builds on bare metal a blocking call that has to wait where nothing could end the wait
//! panics, naming the register, instead of hanging: in an interrupt handler (Cortex-M IPSR), with
//! interrupts masked (PRIMASK, FAULTMASK, a non-zero BASEPRI such as an RTIC lock), unprivileged
//! `Wfi` (where `cpsid` is ignored), and on RISC-V a `Wfi` wait with `mstatus.MIE` clear or no
//! interrupt source enabled. The check costs nothing on the fast paths: it sits in the backends'
//! wait, which a verb reaches only when it has to wait.
//!
//! # Timed verbs and clocks
//!
//! `lock_timeout`, `wait_timeout`, `acquire_timeout`, `pop_timeout`, ... exist for a backend that
//! implements [`wait::WaitTimeout`], which names a [`wait::Clock`]. `Futex` uses the OS monotonic
//! clock; [`wait::Spin`] takes its clock as a type parameter, defaulting to the OS clock on hosted
//! targets and to [`wait::NoClock`] (no timed verbs) on bare metal until you name one:
//!
//! ```
//! use baresync::wait::Clock;
//! use core::sync::atomic::{AtomicU32, Ordering};
//! use core::time::Duration;
//!
//! /// Milliseconds since boot; a timer interrupt would advance it (here every read does).
//! static UPTIME_MS: AtomicU32 = AtomicU32::new(0);
//!
//! struct MyClock;
//! impl Clock for MyClock {
//!     fn now() -> Duration {
//!         Duration::from_millis(u64::from(UPTIME_MS.fetch_add(1, Ordering::Relaxed)))
//!     }
//! }
//!
//! mod mysync {
//!     // `mysync::Mutex`, `mysync::Condvar`, ... all on `Spin<MyClock>`.
//!     baresync::backend_aliases!(baresync::wait::Spin<super::MyClock>);
//! }
//!
//! static SENSOR: mysync::Mutex<u32> = mysync::Mutex::new(0);
//!
//! fn main() {
//!     let held = SENSOR.lock();
//!     assert!(SENSOR.lock_timeout(Duration::from_millis(5)).is_none(), "gives up, never hangs");
//!     drop(held);
//!     assert!(SENSOR.lock_timeout(Duration::from_millis(5)).is_some());
//! }
//! ```
//!
//! A timed call never gives up before its timeout has passed on the backend's clock, and may
//! return later. A zero timeout is the `try_` verb: no pause, no sleep, no system call.
//! `Duration::MAX` and other huge timeouts mean "as long as the platform can" and never overflow.
//! On bare metal a clock driven by a timer interrupt is the usual choice (`wait::TickClock` ships
//! with `Wfi`).
//!
//! # Features
//!
//! | feature | adds |
//! | --- | --- |
//! | `std` | `wait::StdClock`, a clock over `std::time::Instant` |
//! | `critical-section` | compare-and-swap through `critical-section` on targets without it (forwarded to `portable-atomic`); the final binary supplies the implementation |
//! | `lock_api` | `raw::RawMutex`, `raw::RawRwLock`, `raw::RawThreadId`: the lock words behind lock_api 0.4's traits, named in every backend module |
//! | `defmt` | `defmt::Format` on the error types and wait results (a queue error prints `Full(..)`, never the item) |
//!
//! Cross-compiling, the boards the crate is tested on in QEMU, and how to pick a
//! `critical-section` implementation on a multi-core chip: `targets/README.md` in the repository.
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(any(test, feature = "std"))]
extern crate std;

mod primitive;

#[macro_use]
mod cfg;

pub mod wait;

mod barrier;
mod condvar;
mod event;
mod mutex;
mod once;
mod reentrant_mutex;
mod rwlock;
mod semaphore;

pub mod generic;
pub mod queue;
#[cfg(all(feature = "lock_api", not(loom)))]
pub mod raw;

#[macro_use]
mod aliases;

/// Every primitive and queue bound to [`wait::Spin`]: available on every target.
pub mod spin {
    crate::backend_aliases!(crate::wait::Spin);
}

/// Every primitive and queue bound to [`wait::Hook`]: blocking registered by the final binary.
pub mod hook {
    crate::backend_aliases!(crate::wait::Hook, context);
}

cfg_futex! {
    /// Every primitive and queue bound to `wait::Futex`: the OS wait call (hosted targets only).
    pub mod futex {
        crate::backend_aliases!(crate::wait::Futex, context);
    }
}

cfg_wfi! {
    /// Every primitive and queue bound to `wait::Wfi`: sleep with `WFI` until an interrupt
    /// (single-core bare metal: Cortex-M, RISC-V machine mode; no timed methods, see
    /// `wait::Wfi` for naming a clock).
    pub mod wfi {
        // A context is thread mode or one handler on Cortex-M; RISC-V has none (`wait::ContextId`).
        #[cfg(target_arch = "arm")]
        crate::backend_aliases!(crate::wait::Wfi, context);
        #[cfg(not(target_arch = "arm"))]
        crate::backend_aliases!(crate::wait::Wfi);
    }
}

cfg_wfe! {
    /// Every primitive and queue bound to `wait::Wfe`: sleep with `WFE` until an event, wake
    /// every core with `SEV` (multi-core Cortex-M; no timed methods, see `wait::Wfe` for naming
    /// a clock).
    pub mod wfe {
        crate::backend_aliases!(crate::wait::Wfe);
    }
}

// The crate-root names: the primitives on the default backend (`Futex` hosted, `Spin` bare metal,
// which has no `ContextId`, hence no `ReentrantMutex` at the root there).
cfg_futex! {
    if {
        backend_aliases!(crate::wait::DefaultWait, context);
    } else {
        backend_aliases!(crate::wait::DefaultWait);
    }
}

pub use barrier::{BarrierWaitResult, BrokenBarrierError};
pub use condvar::WaitTimeoutResult;
pub use queue::{
    Closed, PopTimeoutError, PushTimeoutError, TaskDoneError, TryPopError, TryPushError,
};
pub use semaphore::SemaphoreOverflowError;

/// The README's code blocks, compiled and run as doc tests so that they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
