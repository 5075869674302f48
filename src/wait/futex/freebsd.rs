//! FreeBSD: `atomic-wait` (`_umtx_op`) and a timed `_umtx_op(UMTX_OP_WAIT_UINT_PRIVATE)`.

use core::ffi::{c_int, c_ulong, c_void};
use core::time::Duration;

use super::AtomicU32;

pub(super) use super::shared::{Wake, current_thread, now_from_clock_gettime as now, wait, wake_all, wake_one, yield_now};

const UMTX_OP_WAIT_UINT_PRIVATE: c_int = 15;

unsafe extern "C" {
    fn _umtx_op(obj: *mut c_void, op: c_int, val: c_ulong, uaddr: *mut c_void, uaddr2: *mut c_void) -> c_int;
}

/// One `_umtx_op` wait with a relative timeout (a null `uaddr` makes `uaddr2` a relative timespec).
pub(super) fn wait_for(word: &AtomicU32, expected: u32, timeout: Duration) -> Wake {
    let mut ts = libc::timespec {
        tv_sec: libc::time_t::try_from(timeout.as_secs()).unwrap_or(libc::time_t::MAX),
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
