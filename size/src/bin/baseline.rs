//! The empty baseline: a main loop and a SysTick handler, both writing the sink.
#![no_std]
#![no_main]

use baresync_size::sink;
use cortex_m_rt::{entry, exception};

#[exception]
fn SysTick() {
    sink(1);
}

#[entry]
fn main() -> ! {
    loop {
        sink(core::hint::black_box(3));
    }
}
