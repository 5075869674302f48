//! Anchor: heapless::mpmc::Queue<u32, 8>: enqueue in SysTick, dequeue in main.
#![no_std]
#![no_main]

use baresync_size::sink;
use cortex_m_rt::{entry, exception};
use heapless::mpmc::Queue;

// heapless 0.9 deprecates `new` because a preempted call can stall the others (not lock-free);
// measured anyway, as the smallest MPMC queue a firmware author would otherwise pick.
#[expect(deprecated, reason = "the anchor's only constructor")]
static Q: Queue<u32, 8> = Queue::new();

#[exception]
fn SysTick() {
    let _ = Q.enqueue(core::hint::black_box(7));
}

#[entry]
fn main() -> ! {
    loop {
        if let Some(v) = Q.dequeue() {
            sink(v);
        }
    }
}
