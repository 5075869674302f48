//! Anchor: heapless::spsc::Queue<u32, 8>: enqueue in SysTick, dequeue in main.
#![no_std]
#![no_main]

use baresync_size::sink;
use cortex_m_rt::{entry, exception};
use heapless::spsc::{Producer, Queue};

static mut Q: Queue<u32, 8> = Queue::new();
/// Moved here once by `main`, then used only by the handler (the usual no-wrapper setup).
static mut PRODUCER: Option<Producer<'static, u32>> = None;

#[exception]
fn SysTick() {
    // SAFETY: `main` wrote PRODUCER before anything could enable this interrupt, and only this
    // handler touches it afterwards.
    let slot = &raw mut PRODUCER;
    if let Some(p) = unsafe { (*slot).as_mut() } {
        let _ = p.enqueue(core::hint::black_box(7));
    }
}

#[entry]
fn main() -> ! {
    // SAFETY: split once, before the interrupt that uses the producer is enabled.
    let queue = &raw mut Q;
    let (p, mut c) = unsafe { (*queue).split() };
    // SAFETY: SysTick, the only other user, is not enabled yet.
    unsafe { PRODUCER = Some(p) };
    loop {
        if let Some(v) = c.dequeue() {
            sink(v);
        }
    }
}
