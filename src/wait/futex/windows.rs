//! Windows: `WaitOnAddress` / `WakeByAddressSingle` / `WakeByAddressAll`, through `windows-sys`
//! (the crate's one binding to the Windows API).

use core::ffi::c_void;
use core::time::Duration;

use windows_sys::Win32::Foundation::{ERROR_TIMEOUT, GetLastError};
use windows_sys::Win32::System::Performance::{QueryPerformanceCounter, QueryPerformanceFrequency};
use windows_sys::Win32::System::Threading::{
    INFINITE, WaitOnAddress, WakeByAddressAll, WakeByAddressSingle,
};

use super::AtomicU32;

pub(super) use super::shared::{Wake, current_thread, yield_now};

/// One `WaitOnAddress` of `millis` (or `INFINITE`); returns whether it timed out.
fn wait_on_address(word: &AtomicU32, expected: u32, millis: u32) -> bool {
    // SAFETY: `word` is a live, aligned 4-byte atomic and `expected` a 4-byte value to compare.
    let ok = unsafe {
        WaitOnAddress(
            (word as *const AtomicU32).cast::<c_void>(),
            (&expected as *const u32).cast::<c_void>(),
            4,
            millis,
        )
    };
    // SAFETY: reads this thread's last-error value.
    ok == 0 && unsafe { GetLastError() } == ERROR_TIMEOUT
}

pub(super) fn wait(word: &AtomicU32, expected: u32) {
    // Any return (woken, spurious) is fine: callers re-check the word.
    wait_on_address(word, expected, INFINITE);
}

pub(super) fn wake_one(word: *const AtomicU32) {
    // SAFETY: the address is only a key for the kernel; it is never dereferenced.
    unsafe { WakeByAddressSingle(word.cast::<c_void>()) }
}

pub(super) fn wake_all(word: *const AtomicU32) {
    // SAFETY: as in `wake_one`.
    unsafe { WakeByAddressAll(word.cast::<c_void>()) }
}

pub(super) fn now() -> Duration {
    let (mut ticks, mut freq) = (0i64, 0i64);
    // SAFETY: both are valid out-pointers; the calls cannot fail on Windows XP and later.
    unsafe {
        QueryPerformanceCounter(&mut ticks);
        QueryPerformanceFrequency(&mut freq);
    }
    let (ticks, freq) = (ticks as u64, (freq as u64).max(1));
    let secs = ticks / freq;
    let nanos = (ticks % freq) * 1_000_000_000 / freq;
    Duration::new(secs, nanos as u32)
}

/// One `WaitOnAddress` of at most `timeout`, rounded up to a millisecond (capped; the caller loops).
pub(super) fn wait_for(word: &AtomicU32, expected: u32, timeout: Duration) -> Wake {
    let millis = timeout.as_nanos().div_ceil(1_000_000);
    let millis = u32::try_from(millis).unwrap_or(INFINITE - 1).min(INFINITE - 1);
    if wait_on_address(word, expected, millis) {
        Wake::TimedOut
    } else {
        Wake::Returned
    }
}
