//! macOS and iOS: `atomic-wait` (`__ulock_wait`/`__ulock_wake`) and a timed `__ulock_wait`.

use core::ffi::{c_int, c_void};
use core::time::Duration;

use super::AtomicU32;

pub(super) use super::shared::{Wake, current_thread, now_from_clock_gettime as now, wait, wake_all, wake_one, yield_now};

const UL_COMPARE_AND_WAIT: u32 = 1;
const ULF_NO_ERRNO: u32 = 0x0100_0000;

unsafe extern "C" {
    // The call std and atomic-wait use on Apple platforms (libSystem, stable since macOS 10.12).
    fn __ulock_wait(operation: u32, addr: *mut c_void, value: u64, timeout_us: u32) -> c_int;
}

/// One `__ulock_wait` of at most `timeout` (rounded up to a microsecond; capped, the caller loops).
pub(super) fn wait_for(word: &AtomicU32, expected: u32, timeout: Duration) -> Wake {
    // 0 would mean "forever": wait at least one microsecond.
    let micros = u32::try_from(timeout.as_micros()).unwrap_or(u32::MAX).max(1);
    // SAFETY: `word` is a live, aligned 32-bit atomic; the kernel only reads it.
    let r = unsafe {
        __ulock_wait(
            UL_COMPARE_AND_WAIT | ULF_NO_ERRNO,
            word as *const AtomicU32 as *mut c_void,
            u64::from(expected),
            micros,
        )
    };
    match -r {
        libc::ETIMEDOUT => Wake::TimedOut,
        libc::EINTR => Wake::Interrupted,
        _ => Wake::Returned,
    }
}
