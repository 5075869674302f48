//! FreeBSD: `atomic-wait` (`_umtx_op`) and a timed `_umtx_op(UMTX_OP_WAIT_UINT_PRIVATE)`.

use core::ffi::{c_int, c_ulong, c_void};
use core::time::Duration;

use super::AtomicU32;

pub(super) use super::shared::{Wake, current_thread, now_from_clock_gettime as now, wait, wake_all, wake_one, yield_now};

const UMTX_OP_WAIT_UINT_PRIVATE: c_int = 15;

unsafe extern "C" {
    fn _umtx_op(obj: *mut c_void, op: c_int, val: c_ulong, uaddr: *mut c_void, uaddr2: *mut c_void) -> c_int;
}

/// The longest timeout one `_umtx_op` call gets. The kernel turns a relative timeout into a
/// deadline by adding it to `CLOCK_REALTIME` with no overflow check (`umtx_abs_timeout_init`), and
/// a deadline that wrapped negative times out at once: a `Duration::MAX` wait ("as long as the
/// platform can") would spin on the system call. A day fits any `time_t`, 32-bit ones included,
/// until 2038; longer waits are capped and the caller loops, one call a day.
const LONGEST_WAIT: Duration = Duration::from_secs(24 * 60 * 60);

/// One `_umtx_op` wait of at most `timeout`, capped at [`LONGEST_WAIT`] (the caller loops). A
/// null `uaddr` makes `uaddr2` a relative timespec.
pub(super) fn wait_for(word: &AtomicU32, expected: u32, timeout: Duration) -> Wake {
    let timeout = timeout.min(LONGEST_WAIT);
    let mut ts = libc::timespec {
        // At most a day: fits every `time_t`.
        tv_sec: timeout.as_secs() as libc::time_t,
        tv_nsec: timeout.subsec_nanos() as _,
    };
    // SAFETY: `word` is a live, aligned 32-bit atomic; `ts` outlives the call.
    let r = unsafe {
        _umtx_op(
            word as *const AtomicU32 as *mut c_void,
            UMTX_OP_WAIT_UINT_PRIVATE,
            c_ulong::from(expected),
            core::ptr::null_mut(),
            (&mut ts as *mut libc::timespec).cast(),
        )
    };
    if r == 0 {
        return Wake::Returned;
    }
    // SAFETY: `__error` returns this thread's errno slot, always valid.
    match unsafe { *libc::__error() } {
        libc::ETIMEDOUT => Wake::TimedOut,
        libc::EINTR => Wake::Interrupted,
        _ => Wake::Returned,
    }
}

#[cfg(test)]
mod tests {
    extern crate std;

    use super::*;
    use core::sync::atomic::Ordering;

    /// A `Duration::MAX` wait sleeps until woken. Uncapped, the kernel's deadline wrapped to the
    /// past and every call answered `ETIMEDOUT` at once, so the caller spun on the system call.
    #[test]
    fn the_longest_wait_sleeps_until_woken() {
        let word = AtomicU32::new(0);
        std::thread::scope(|s| {
            s.spawn(|| {
                std::thread::sleep(Duration::from_millis(20)); // let the waiter reach the kernel
                word.store(1, Ordering::Relaxed);
                wake_all(&word);
            });
            // Before the fix: `TimedOut` at once, unless the word had changed already.
            assert!(!matches!(wait_for(&word, 0, Duration::MAX), Wake::TimedOut));
        });
    }
}
