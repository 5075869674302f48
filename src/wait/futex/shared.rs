//! What the non-Linux futex files share: the timed-wait outcome, untimed calls through
//! `atomic-wait` (macOS, FreeBSD), the yield.

#[cfg(not(windows))]
use super::AtomicU32;

/// How one timed system call ended.
pub(super) enum Wake {
    /// Woken, or the word did not hold the expected value.
    Returned,
    /// A signal interrupted the call.
    #[cfg_attr(windows, expect(dead_code, reason = "WaitOnAddress is not interrupted by signals"))]
    Interrupted,
    /// The call's own timeout ran out.
    TimedOut,
}

/// `atomic-wait` takes `core`'s atomic type; ours is `portable_atomic::AtomicU32`.
#[cfg(not(windows))]
fn as_core(word: *const AtomicU32) -> *const core::sync::atomic::AtomicU32 {
    // portable-atomic documents `AtomicU32` as having the same in-memory representation as `u32`,
    // which is also `core::sync::atomic::AtomicU32`'s.
    word.cast()
}

#[cfg(not(windows))]
pub(super) fn wait(word: &AtomicU32, expected: u32) {
    // SAFETY: `word` is a live reference and the two types share their representation.
    atomic_wait::wait(unsafe { &*as_core(word) }, expected)
}

#[cfg(not(windows))]
pub(super) fn wake_one(word: *const AtomicU32) {
    atomic_wait::wake_one(as_core(word))
}

#[cfg(not(windows))]
pub(super) fn wake_all(word: *const AtomicU32) {
    atomic_wait::wake_all(as_core(word))
}

/// Gives up the rest of this thread's time slice if another thread can use the core.
#[cfg(not(windows))]
pub(super) fn yield_now() {
    // SAFETY: `sched_yield` takes no arguments; its only error (none on these systems) is ignored.
    unsafe { libc::sched_yield() };
}

/// Gives up the rest of this thread's time slice if another thread can use the core.
#[cfg(windows)]
pub(super) fn yield_now() {
    // SAFETY: `SwitchToThread` takes no arguments; it reports whether another thread ran.
    unsafe { windows_sys::Win32::System::Threading::SwitchToThread() };
}

/// The calling thread's `pthread_self()`: a pointer to its control block (an integer of that
/// width on some systems, a pointer type on others), so distinct for every live thread, never 0.
#[cfg(not(windows))]
#[inline]
pub(super) fn current_thread() -> core::num::NonZeroUsize {
    // SAFETY: `pthread_self` takes no arguments and cannot fail.
    // `as`: `pthread_t` is `usize` on macOS and a pointer on FreeBSD; both convert losslessly.
    let id = unsafe { libc::pthread_self() } as usize;
    // Never 0 (a pointer); the fallback keeps the call free of panics.
    core::num::NonZeroUsize::new(id).unwrap_or(core::num::NonZeroUsize::MAX)
}

/// The calling thread's `GetCurrentThreadId()`: unique among running threads, never 0.
#[cfg(windows)]
#[inline]
pub(super) fn current_thread() -> core::num::NonZeroUsize {
    // SAFETY: `GetCurrentThreadId` takes no arguments and cannot fail.
    let id = unsafe { windows_sys::Win32::System::Threading::GetCurrentThreadId() } as usize;
    // Never 0 for a user thread; the fallback keeps the call free of panics.
    core::num::NonZeroUsize::new(id).unwrap_or(core::num::NonZeroUsize::MAX)
}

#[cfg(not(windows))]
pub(super) fn now_from_clock_gettime() -> core::time::Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid out-pointer; CLOCK_MONOTONIC always exists here.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    core::time::Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}
