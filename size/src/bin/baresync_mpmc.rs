//! baresync MpmcQueue<u32, 8> (Spin backend): try_push in SysTick, try_pop in main.
#![no_std]
#![no_main]

use baresync_size::sink;
use cortex_m_rt::{entry, exception};

static Q: baresync::spin::MpmcQueue<u32, 8> = baresync::spin::MpmcQueue::new();

#[exception]
fn SysTick() {
    let _ = Q.try_push(core::hint::black_box(7));
}

#[entry]
fn main() -> ! {
    loop {
        if let Ok(v) = Q.try_pop() {
            sink(v);
        }
    }
}
