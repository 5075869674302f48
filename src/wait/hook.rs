//! The `Hook` backend: blocking supplied once, at link time, by the final binary.
//!
//! The primitives call four `extern "Rust"` functions (five with the clock) whose definitions the
//! binary provides with [`set_wait_hook!`](crate::set_wait_hook), as `critical-section` does for
//! `acquire`/`release`. The symbol names carry the hook ABI version (`1_0`), so two incompatible
//! versions of this crate in one binary fail to link instead of misbehaving.
//!
//! A hook-backed primitive that is only constructed, never waited on, links without a
//! registration: the symbols are referenced from the blocking paths only. A binary that blocks
//! without registering fails to link with `undefined symbol: _baresync_wait_1_0_wait` (see
//! "Troubleshooting" on [`Hook`]).
//!
//! A sixth function, the current context's id ([`ContextId`]), is registered only by binaries
//! that lock a hook-backed `ReentrantMutex`: `set_wait_hook!(T, context = C)`. Its symbol,
//! `_baresync_context_1_0_current`, is referenced only from the reentrant lock's locking paths,
//! so a binary that never locks one (or only constructs one) links without it.

use core::num::NonZeroUsize;
use core::time::Duration;

use super::{AtomicU32, Clock, ContextId, Wait, WaitTimeout};

unsafe extern "Rust" {
    fn _baresync_wait_1_0_wait(word: &AtomicU32, expected: u32);
    fn _baresync_wait_1_0_wait_timeout(word: &AtomicU32, expected: u32, timeout: Duration) -> bool;
    fn _baresync_wait_1_0_wake_one(word: *const AtomicU32);
    fn _baresync_wait_1_0_wake_all(word: *const AtomicU32);
    fn _baresync_wait_1_0_now() -> Duration;
    fn _baresync_context_1_0_current() -> NonZeroUsize;
}

/// The backend that forwards to the functions registered with [`set_wait_hook!`](crate::set_wait_hook).
///
/// Use it for an RTOS or a kernel: the library (or a driver crate) is written against `Hook`, and
/// the firmware decides once, for the whole binary, how a task blocks.
///
/// A scheduler without a wait-on-address service does not write the address-keyed bookkeeping
/// itself: it builds the registered backend on a [`WaitTable`](super::WaitTable) and two calls
/// of its own (block the running task, unblock a given one; see [`Task`](super::Task)), whose
/// documentation has the complete FreeRTOS hook (indexed task notifications) and the Zephyr
/// mapping. A scheduler without a clock registers with `set_wait_hook!(untimed: T)`.
///
/// # Mapping the hook onto an RTOS or a kernel
///
/// The registered backend is futex-shaped: `wait(word, expected)` sleeps only while the word
/// still holds `expected`, that check being atomic with respect to `wake_*`, and the word's
/// address is nothing but a key.
///
/// | system | how a task blocks and is woken | clock for `WaitTimeout` |
/// | --- | --- | --- |
/// | FreeRTOS | a [`WaitTable`](super::WaitTable) over a task-notification index of its own (`configTASK_NOTIFICATION_ARRAY_ENTRIES` >= 2): block with `xTaskNotifyWaitIndexed`, unblock with `xTaskNotifyGiveIndexed` (`vTaskNotifyGiveIndexedFromISR` in a handler). Index 0 is shared with stream buffers and drivers, which would take or send tokens | `xTaskGetTickCount()` times the tick period |
/// | Zephyr | a `WaitTable` over a `k_sem` (or `k_poll_signal`) per thread: `k_sem_take` / `k_sem_give` | `k_uptime_ticks()` through `k_ticks_to_ns_floor64` |
/// | Linux kernel | no table: `wait_var_event(word, atomic_read(word) != expected)` (timed: `wait_var_event_timeout`), woken by `wake_up_var(word)`; waking all is correct since the woken re-check | `ktime_get_ns()` |
///
/// Only the functions are forwarded: `wait`, `wake_one`, `wake_all`, and for a timed
/// registration `wait_timeout` and the clock. The registered type's constants and provided
/// methods (`POLLS`, `poll_pause`, `WAKE_NEEDED`, ...) are not: `hook::` primitives poll with the
/// default spin ramp (63 spin hints) before they call the registered `wait`, and always wake.
/// For other choices, name the backend type itself (`generic::Mutex<T, YourBackend>`).
///
/// Whatever the system, three rules:
/// - A wake sent by an interrupt handler between the re-check and the sleep must not be lost:
///   the re-check and the registration of the sleeper happen under the lock (or critical
///   section) that `wake_*` takes.
/// - `wake_*` may run after the primitive was freed: the address is never dereferenced.
/// - Returning spuriously is allowed: every primitive re-checks its word.
///
/// # Troubleshooting
///
/// - `undefined symbol: _baresync_wait_1_0_wait` (GNU ld: ``undefined reference``): the binary
///   blocks on a `hook::` primitive and nothing registered the hook. Add
///   `baresync::set_wait_hook!(YourBackend);` once, in the final binary.
/// - `duplicate symbol: _baresync_wait_1_0_wait` (GNU ld: ``multiple definition``): two crates
///   register, typically a library and the binary. Only the binary registers. Two registrations
///   in one crate already fail to compile (``symbol `_baresync_wait_1_0_now` is already
///   defined``).
/// - `undefined symbol: _baresync_context_1_0_current`: the binary locks a `hook::ReentrantMutex`
///   and registered no context: use `set_wait_hook!(YourBackend, context = YourTaskId)`.
/// - `undefined symbol: _baresync_wait_1_0_wait_timeout` (or `_now`): the hook was registered
///   `untimed:` and the binary calls a timed method on a `hook::` name. Drop the call, or give
///   the scheduler a clock and register `set_wait_hook!(T)` with `T: WaitTimeout`.
/// - `undefined symbol: _critical_section_1_0_acquire` with a `WaitTable`, or on
///   `thumbv6m-none-eabi`: the binary needs a `critical-section` implementation (cortex-m's
///   `critical-section-single-core` on one core; a multi-core HAL's or the RTOS's otherwise).
///
/// # Examples
///
/// ```
/// use baresync::wait::{AtomicU32, Clock, Wait, WaitTimeout};
/// use core::sync::atomic::Ordering;
/// use core::time::Duration;
///
/// /// A stand-in for an RTOS: yield to the scheduler until the word changes.
/// struct Rtos;
/// impl Wait for Rtos {
///     fn wait(word: &AtomicU32, expected: u32) {
///         while word.load(Ordering::Relaxed) == expected {
///             std::thread::yield_now();
///         }
///     }
///     fn wake_one(_: *const AtomicU32) {}
///     fn wake_all(_: *const AtomicU32) {}
/// }
/// impl Clock for Rtos {
///     fn now() -> Duration {
///         static T0: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
///         T0.get_or_init(std::time::Instant::now).elapsed()
///     }
/// }
/// impl WaitTimeout for Rtos {
///     type Clock = Rtos;
///     fn wait_timeout(word: &AtomicU32, expected: u32, timeout: Duration) -> bool {
///         // `None`: no end. `timeout` may be `Duration::MAX` ("as long as the platform can").
///         let end = Rtos::now().checked_add(timeout);
///         while word.load(Ordering::Relaxed) == expected {
///             if end.is_some_and(|end| Rtos::now() >= end) {
///                 return false;
///             }
///             std::thread::yield_now();
///         }
///         true
///     }
/// }
///
/// baresync::set_wait_hook!(Rtos);
///
/// static READY: baresync::hook::Event = baresync::hook::Event::new();
/// std::thread::scope(|s| {
///     s.spawn(|| READY.set());
///     READY.wait();
/// });
/// assert!(READY.is_set());
///
/// // The longest timeout reaches the backend as `Duration::MAX`.
/// let word = AtomicU32::new(0);
/// std::thread::scope(|s| {
///     s.spawn(|| word.store(1, Ordering::Relaxed));
///     assert!(Rtos::wait_timeout(&word, 0, Duration::MAX));
/// });
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Hook;

impl Wait for Hook {
    #[inline]
    fn wait(word: &AtomicU32, expected: u32) {
        // SAFETY: the symbol is defined by `set_wait_hook!` with exactly this signature; a
        // missing definition is a link error, never a call into nothing.
        unsafe { _baresync_wait_1_0_wait(word, expected) }
    }

    #[inline]
    #[expect(
        clippy::not_unsafe_ptr_arg_deref,
        reason = "the address is a key: it is never dereferenced"
    )]
    fn wake_one(word: *const AtomicU32) {
        // SAFETY: as in `wait`; the address is passed on as a key, never dereferenced here.
        unsafe { _baresync_wait_1_0_wake_one(word) }
    }

    #[inline]
    #[expect(
        clippy::not_unsafe_ptr_arg_deref,
        reason = "the address is a key: it is never dereferenced"
    )]
    fn wake_all(word: *const AtomicU32) {
        // SAFETY: as in `wake_one`.
        unsafe { _baresync_wait_1_0_wake_all(word) }
    }
}

/// The clock of the registered hook (its `WaitTimeout::Clock`).
#[derive(Debug, Clone, Copy)]
pub struct HookClock;

impl Clock for HookClock {
    #[inline]
    fn now() -> Duration {
        // SAFETY: as in `Hook::wait`.
        unsafe { _baresync_wait_1_0_now() }
    }
}

impl WaitTimeout for Hook {
    type Clock = HookClock;

    #[inline]
    fn wait_timeout(word: &AtomicU32, expected: u32, timeout: Duration) -> bool {
        // SAFETY: as in `Hook::wait`.
        unsafe { _baresync_wait_1_0_wait_timeout(word, expected, timeout) }
    }
}

// SAFETY: `_baresync_context_1_0_current` is defined by `set_wait_hook!(T, context = C)` as
// `C::current()`, and `C: ContextId` is the registrant's promise of exactly this contract. (A
// definition written by hand needs `#[unsafe(no_mangle)]`: the same promise, made unsafely.)
unsafe impl ContextId for Hook {
    #[inline]
    fn current() -> NonZeroUsize {
        // SAFETY: as in `Hook::wait`; a binary that reaches this call without registering a
        // context fails to link with `undefined symbol: _baresync_context_1_0_current`.
        unsafe { _baresync_context_1_0_current() }
    }
}

/// Registers the wait backend behind [`wait::Hook`](crate::wait::Hook) for the whole binary.
///
/// `$t` must implement [`WaitTimeout`](crate::wait::WaitTimeout) (and so [`Wait`](crate::wait::Wait));
/// with `untimed:` in front (below), only [`Wait`](crate::wait::Wait). A scheduler without an
/// address wait builds `$t` on a [`WaitTable`](crate::wait::WaitTable).
/// Invoke it exactly once, in the final binary (firmware, kernel or test executable), never in a
/// library: a second registration is a duplicate-symbol link error, a missing one an
/// undefined-symbol error naming `_baresync_wait_1_0_wait`.
///
/// `set_wait_hook!(T, context = C)` also registers `C`'s [`ContextId`](crate::wait::ContextId)
/// (often `C` is `T`): which task runs, for `hook::ReentrantMutex`. Only a binary that locks a
/// hook-backed reentrant lock needs it; without it, such a lock fails to link with
/// `undefined symbol: _baresync_context_1_0_current`.
///
/// # Examples
///
/// See [`wait::Hook`](crate::wait::Hook). With a context:
///
/// ```
/// use baresync::wait::Futex;
///
/// // The OS futex as the "RTOS", its thread ids as the task ids.
/// baresync::set_wait_hook!(Futex, context = Futex);
///
/// static LOG: baresync::hook::ReentrantMutex<()> = baresync::hook::ReentrantMutex::new(());
/// let outer = LOG.lock();
/// let inner = LOG.lock(); // the same task: no deadlock
/// drop((inner, outer));
/// assert!(!LOG.is_locked());
/// ```
///
/// # Untimed form, for a scheduler without a clock
///
/// `set_wait_hook!(untimed: T)` needs only [`Wait`](crate::wait::Wait) of `T` (no `WaitTimeout`,
/// no `Clock`) and defines only the three untimed symbols. The timed methods of the `hook::`
/// names then have nothing to call: a binary that uses one (`lock_timeout`, `pop_timeout`, ...)
/// fails to link with `undefined symbol: _baresync_wait_1_0_wait_timeout` (or `..._now`), the
/// link-time form of the crate's rule that a backend without a clock has no timed methods.
///
/// ```
/// use baresync::wait::{AtomicU32, Wait};
/// use core::sync::atomic::Ordering;
///
/// /// A stand-in for a clockless scheduler: yield until the word changes.
/// struct Rtos;
/// impl Wait for Rtos {
///     fn wait(word: &AtomicU32, expected: u32) {
///         while word.load(Ordering::Relaxed) == expected {
///             std::thread::yield_now();
///         }
///     }
///     fn wake_one(_: *const AtomicU32) {}
///     fn wake_all(_: *const AtomicU32) {}
/// }
///
/// baresync::set_wait_hook!(untimed: Rtos);
///
/// static READY: baresync::hook::Event = baresync::hook::Event::new();
/// std::thread::scope(|s| {
///     s.spawn(|| READY.set());
///     READY.wait(); // untimed verbs only: no READY.wait_timeout(..) in this binary
/// });
/// assert!(READY.is_set());
/// ```
#[macro_export]
macro_rules! set_wait_hook {
    ($t:ty, context = $c:ty) => {
        $crate::set_wait_hook!($t);
        const _: () = {
            #[unsafe(no_mangle)]
            fn _baresync_context_1_0_current() -> ::core::num::NonZeroUsize {
                <$c as $crate::wait::ContextId>::current()
            }
        };
    };
    (untimed: $t:ty) => {
        const _: () = {
            #[unsafe(no_mangle)]
            fn _baresync_wait_1_0_wait(word: &$crate::wait::AtomicU32, expected: u32) {
                <$t as $crate::wait::Wait>::wait(word, expected)
            }
            #[unsafe(no_mangle)]
            fn _baresync_wait_1_0_wake_one(word: *const $crate::wait::AtomicU32) {
                <$t as $crate::wait::Wait>::wake_one(word)
            }
            #[unsafe(no_mangle)]
            fn _baresync_wait_1_0_wake_all(word: *const $crate::wait::AtomicU32) {
                <$t as $crate::wait::Wait>::wake_all(word)
            }
        };
    };
    ($t:ty) => {
        const _: () = {
            #[unsafe(no_mangle)]
            fn _baresync_wait_1_0_wait(word: &$crate::wait::AtomicU32, expected: u32) {
                <$t as $crate::wait::Wait>::wait(word, expected)
            }
            #[unsafe(no_mangle)]
            fn _baresync_wait_1_0_wait_timeout(
                word: &$crate::wait::AtomicU32,
                expected: u32,
                timeout: ::core::time::Duration,
            ) -> bool {
                <$t as $crate::wait::WaitTimeout>::wait_timeout(word, expected, timeout)
            }
            #[unsafe(no_mangle)]
            fn _baresync_wait_1_0_wake_one(word: *const $crate::wait::AtomicU32) {
                <$t as $crate::wait::Wait>::wake_one(word)
            }
            #[unsafe(no_mangle)]
            fn _baresync_wait_1_0_wake_all(word: *const $crate::wait::AtomicU32) {
                <$t as $crate::wait::Wait>::wake_all(word)
            }
            #[unsafe(no_mangle)]
            fn _baresync_wait_1_0_now() -> ::core::time::Duration {
                <<$t as $crate::wait::WaitTimeout>::Clock as $crate::wait::Clock>::now()
            }
        };
    };
}
