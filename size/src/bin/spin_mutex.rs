//! Anchor: spin::Mutex, lock in main, try_lock in SysTick.
#![no_std]
#![no_main]

use baresync_size::sink;
use cortex_m_rt::{entry, exception};

static M: spin::Mutex<u32> = spin::Mutex::new(0);

#[exception]
fn SysTick() {
    if let Some(mut g) = M.try_lock() {
        *g += 1;
    }
}

#[entry]
fn main() -> ! {
    loop {
        let v = {
            let mut g = M.lock();
            *g += core::hint::black_box(3);
            *g
        };
        sink(v);
    }
}
