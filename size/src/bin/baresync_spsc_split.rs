//! baresync SpscQueue<u32, 8> (Spin backend), set up exactly as the heapless anchor: a `static mut`
//! queue split once through `&mut` (no `try_split`), so only the try verbs differ.
#![no_std]
#![no_main]

use baresync_size::sink;
use cortex_m_rt::{entry, exception};

static mut Q: baresync::spin::SpscQueue<u32, 8> = baresync::spin::SpscQueue::new();
/// Moved here once by `main`, then used only by the handler (the usual no-wrapper setup).
static mut PRODUCER: Option<baresync::spin::Producer<'static, u32, 8>> = None;

#[exception]
fn SysTick() {
    // SAFETY: `main` wrote PRODUCER before anything could enable this interrupt, and only this
    // handler touches it afterwards.
    let slot = &raw mut PRODUCER;
    if let Some(p) = unsafe { (*slot).as_mut() } {
        let _ = p.try_push(core::hint::black_box(7));
    }
}

#[entry]
fn main() -> ! {
    // SAFETY: split once, before the interrupt that uses the producer is enabled.
    let queue = &raw mut Q;
    let (p, c) = unsafe { (*queue).split() };
    // SAFETY: SysTick, the only other user, is not enabled yet.
    unsafe { PRODUCER = Some(p) };
    loop {
        if let Ok(v) = c.try_pop() {
            sink(v);
        }
    }
}
