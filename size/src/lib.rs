//! What every size program shares: a panic handler and a volatile sink the optimiser cannot drop.
#![no_std]

use core::sync::atomic::{AtomicU32, Ordering};

static SINK: AtomicU32 = AtomicU32::new(0);

/// Keeps `v` observable.
#[inline(never)]
pub fn sink(v: u32) {
    SINK.store(v, Ordering::Relaxed);
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    loop {}
}
