//! Asymmetric fences on Linux: `membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED)`.
//!
//! A queue's publisher stores a position and then loads the signal word to see whether anyone
//! sleeps; a waiter announces itself on the signal word and then re-loads the position. Each
//! side needs a store-load (full) fence between its two steps, or both can miss the other's
//! store and the waiter sleeps through the item (see `queue/eventcount.rs`). Publishing happens on
//! every item and sleeping rarely, so the fence is split unevenly: the publisher gets a compiler
//! fence only, and the waiter, right before it re-checks, asks the kernel to run a full memory
//! barrier on every thread of the process that is running at that moment (a thread that is not
//! running passes one when it is switched back in). Whichever point of the publisher's
//! instruction stream that barrier lands on, either its store is visible to the waiter's re-check
//! or its load comes after the waiter's announcement. The same split is known as an asymmetric
//! fence (Folly's `asymmetricHeavyBarrier`, liburcu's `urcu-memb` flavour).
//!
//! The expedited command needs a one-time registration per process. The first publisher to ask
//! makes it; until it has succeeded, and for good if the kernel refuses it (older than 4.14, or
//! a seccomp filter), publishers keep their `SeqCst` stores and waiters skip the system call.

use core::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, Ordering};
use core::time::Duration;

use super::os;

/// Not asked yet.
const UNKNOWN: u8 = 0;
/// Registered: publishers may use compiler fences; waiters must call `heavy_fence`.
const ENABLED: u8 = 1;
/// Refused by the kernel: every publisher uses `SeqCst`.
const DISABLED: u8 = 2;

/// Moves once, from `UNKNOWN` to `ENABLED` or `DISABLED`.
static STATE: AtomicU8 = AtomicU8::new(UNKNOWN);

/// A barrier that took longer than this was slow: it had to interrupt other cores running
/// threads of the process. Measured here (a 2-vCPU VM): 0.4 µs with the other core idle or
/// running another process, 10 to 11 µs with it running a busy thread of this one.
const SLOW_FENCE: Duration = Duration::from_micros(4);

/// A slow barrier that started less than this after the previous one ended makes barriers
/// costly: the process then spends a fifth of its time or more in them (about 11 µs in every
/// 60), more than a full barrier in each publication would cost its queues (heavy mode). A slow
/// barrier now and then, as a queue that sleeps rarely makes, is not.
const FREQUENT_FENCES_US: u32 = 50;

/// Whether the last barrier was costly (`is_costly`).
static COSTLY: AtomicBool = AtomicBool::new(false);

/// When the last barrier ended: the monotonic clock in microseconds, wrapping (only differences
/// of a few hundred microseconds are used).
static LAST_END_US: AtomicU32 = AtomicU32::new(0);

use libc::{MEMBARRIER_CMD_PRIVATE_EXPEDITED, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED};

fn membarrier(cmd: libc::c_int) -> bool {
    // SAFETY: `membarrier(cmd, flags, cpu_id)` reads no memory of ours; an unknown command or a
    // kernel without the call fails with an error code, which we report.
    unsafe { libc::syscall(libc::SYS_membarrier, cmd, 0 as libc::c_uint, 0 as libc::c_int) == 0 }
}

/// Whether publishers may order their store before the signal load with a compiler fence only.
///
/// Built on x86 and x86-64 only, where a `SeqCst` store is a locked `xchg` and a release store a
/// plain `mov`. On AArch64 both are the same instruction (`stlr`), already ordered before the
/// `SeqCst` load (`ldar`) that follows: the fence would save the publisher nothing.
#[inline]
pub(super) fn light_publish() -> bool {
    // Relaxed: the state only says which of two correct protocols to use, and it changes once:
    // `ENABLED` or `DISABLED`, once seen, is final, and `UNKNOWN` sends the caller to `register`,
    // whose read-modify-write reads the final value if there is one. A publisher that sees
    // `ENABLED` relies on every waiter's `heavy_fence`, which therefore sees `ENABLED` too.
    match STATE.load(Ordering::Relaxed) {
        ENABLED => true,
        DISABLED => false,
        _ => register(),
    }
}

/// Registers the process for expedited barriers; returns whether that worked.
#[cold]
fn register() -> bool {
    let state = if membarrier(MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED) {
        ENABLED
    } else {
        DISABLED
    };
    // Relaxed: as in `light_publish`. Another thread may have registered first: keep its result.
    match STATE.compare_exchange(UNKNOWN, state, Ordering::Relaxed, Ordering::Relaxed) {
        Ok(_) => state == ENABLED,
        Err(first) => first == ENABLED,
    }
}

/// The waiter's half: a full barrier on every running thread of the process, if any publisher
/// may be using the light half. Returns whether it ran (or was not needed).
///
/// The call can fail even after the registration: `ENOMEM` when the kernel cannot allocate its
/// CPU mask, or a seccomp filter that only some threads have. The caller then must not sleep
/// on its announcement (`EventCount::prepare` re-checks and tries again).
#[inline]
pub(super) fn heavy_fence() -> bool {
    // `light_publish` returns `ENABLED` or `DISABLED` only once the state holds it for good, or
    // reads the state with a read-modify-write (`register`): if any publisher has seen `ENABLED`,
    // so do we. A waiter that registers the process itself fences as well, for publishers that
    // see its registration right away.
    if light_publish() {
        let start = os::now();
        if !membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED) {
            return false;
        }
        let end = os::now();
        // Relaxed, here and below: hints for the queues' waiters (`Wait::heavy_fence_is_costly`);
        // any value is safe to act on.
        let previous_end = LAST_END_US.swap(micros(end), Ordering::Relaxed);
        let frequent = micros(start).wrapping_sub(previous_end) < FREQUENT_FENCES_US;
        let slow = end.saturating_sub(start) > SLOW_FENCE;
        COSTLY.store(slow && frequent, Ordering::Relaxed);
    }
    true
}

/// `time` in microseconds, wrapping at 2^32 (71 minutes).
fn micros(time: Duration) -> u32 {
    time.as_micros() as u32
}

/// Whether the last barrier of the process was costly: slow, and soon after the one before.
#[inline]
pub(super) fn is_costly() -> bool {
    // Relaxed: as in `heavy_fence`.
    COSTLY.load(Ordering::Relaxed)
}
