//! Linux and Android: the `futex` system call.

use core::num::NonZeroUsize;
use core::time::Duration;

use super::AtomicU32;

/// How one timed system call ended.
pub(super) enum Wake {
    /// Woken, or the word did not hold the expected value.
    Returned,
    /// A signal interrupted the call (EINTR).
    Interrupted,
    /// The call's own timeout ran out.
    TimedOut,
}

/// Every waiter matches (the kernel's `FUTEX_BITSET_MATCH_ANY`; missing from libc on Android).
const FUTEX_BITSET_MATCH_ANY: u32 = u32::MAX;

fn futex(word: *const AtomicU32, op: libc::c_int, val: u32, timeout: *const libc::timespec) -> libc::c_long {
    // SAFETY: FUTEX_WAIT* reads the aligned 32-bit word at `word` (a live `&AtomicU32` for every
    // wait call) and FUTEX_WAKE* never dereferences it: the kernel only hashes the address.
    // `timeout` is null or points at a live timespec. `uaddr2` and `val3` are ignored by these ops
    // except `val3` for the BITSET ops, which we pass as MATCH_ANY.
    unsafe {
        // The kernel's argument types exactly (`uint32_t *uaddr`, `int`, `uint32_t`,
        // `const struct timespec *`, `uint32_t *uaddr2`, `uint32_t`): the call is variadic, so
        // nothing converts them (and Miri checks them).
        libc::syscall(
            libc::SYS_futex,
            word.cast::<u32>().cast_mut(),
            op | libc::FUTEX_PRIVATE_FLAG,
            val,
            timeout,
            core::ptr::null_mut::<u32>(),
            FUTEX_BITSET_MATCH_ANY,
        )
    }
}

fn errno() -> libc::c_int {
    // SAFETY: `__errno_location` (Android: `__errno`) returns this thread's errno slot, always valid.
    unsafe {
        #[cfg(target_os = "linux")]
        let slot = libc::__errno_location();
        #[cfg(target_os = "android")]
        let slot = libc::__errno();
        *slot
    }
}

pub(super) fn wait(word: &AtomicU32, expected: u32) {
    // Any return (woken, EAGAIN, EINTR) is fine: callers re-check the word.
    futex(word, libc::FUTEX_WAIT, expected, core::ptr::null());
}

pub(super) fn wake_one(word: *const AtomicU32) {
    futex(word, libc::FUTEX_WAKE, 1, core::ptr::null());
}

pub(super) fn wake_all(word: *const AtomicU32) {
    futex(word, libc::FUTEX_WAKE, i32::MAX as u32, core::ptr::null());
}

/// Gives up the rest of this thread's time slice if another thread can use the core.
pub(super) fn yield_now() {
    // SAFETY: `sched_yield` takes no arguments and cannot fail on Linux.
    unsafe { libc::sched_yield() };
}

/// The calling thread's thread pointer, read inline: the address of its thread control block,
/// which the TLS ABI makes distinct for every live thread (each has its own block) and never 0.
/// On x86-64 the ABI stores that address at `%fs:0` (the block's self-pointer, what compilers
/// read for initial-exec TLS); on AArch64 it is `TPIDR_EL0`. The same value as `pthread_self()`
/// on glibc, without the call.
#[cfg(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(miri)))]
#[inline]
pub(super) fn current_thread() -> NonZeroUsize {
    let tp: usize;
    // SAFETY: reads the thread pointer into a register (the ABI guarantees `%fs:0` is mapped and
    // holds it); no stack or flags are touched, and it never changes for the calling thread.
    unsafe {
        #[cfg(target_arch = "x86_64")]
        core::arch::asm!("mov {}, qword ptr fs:[0]", out(reg) tp, options(nostack, readonly, preserves_flags, pure));
        #[cfg(target_arch = "aarch64")]
        core::arch::asm!("mrs {}, tpidr_el0", out(reg) tp, options(nomem, nostack, preserves_flags, pure));
    }
    // Never 0 (a pointer); the fallback keeps the call free of panics.
    NonZeroUsize::new(tp).unwrap_or(NonZeroUsize::MAX)
}

/// The calling thread's `pthread_self()`: the address of its control block, so distinct for
/// every live thread, and never 0. (Miri and the other architectures.)
#[cfg(not(all(any(target_arch = "x86_64", target_arch = "aarch64"), not(miri))))]
#[inline]
pub(super) fn current_thread() -> NonZeroUsize {
    // SAFETY: `pthread_self` takes no arguments and cannot fail.
    let id = unsafe { libc::pthread_self() } as usize;
    // Never 0 (a pointer); the fallback keeps the call free of panics.
    NonZeroUsize::new(id).unwrap_or(NonZeroUsize::MAX)
}

pub(super) fn now() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid out-pointer; CLOCK_MONOTONIC always exists on Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// One `FUTEX_WAIT_BITSET` call with an absolute `CLOCK_MONOTONIC` deadline `timeout` from now.
pub(super) fn wait_for(word: &AtomicU32, expected: u32, timeout: Duration) -> Wake {
    let Some(at) = now().checked_add(timeout) else {
        wait(word, expected);
        return Wake::Returned;
    };
    // A deadline past `time_t`'s range saturates: it is then "as long as the platform can".
    let ts = libc::timespec {
        tv_sec: libc::time_t::try_from(at.as_secs()).unwrap_or(libc::time_t::MAX),
        tv_nsec: at.subsec_nanos() as _,
    };
    if futex(word, libc::FUTEX_WAIT_BITSET, expected, &ts) == 0 {
        return Wake::Returned;
    }
    match errno() {
        libc::ETIMEDOUT => Wake::TimedOut,
        libc::EINTR => Wake::Interrupted,
        _ => Wake::Returned, // EAGAIN: the word had already changed.
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    /// The thread pointer read inline is the thread's `pthread_self()` (glibc and musl both
    /// return the control block's address), and differs between live threads.
    #[test]
    fn current_thread_is_pthread_self_and_distinct_per_thread() {
        // SAFETY: `pthread_self` takes no arguments and cannot fail.
        let me = unsafe { libc::pthread_self() } as usize;
        assert_eq!(super::current_thread().get(), me);
        let other = std::thread::spawn(|| {
            // SAFETY: as above.
            let id = unsafe { libc::pthread_self() } as usize;
            (super::current_thread().get(), id)
        })
        .join()
        .unwrap();
        assert_eq!(other.0, other.1);
        assert_ne!(other.0, me);
    }
}
