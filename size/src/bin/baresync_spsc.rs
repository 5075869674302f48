//! baresync SpscQueue<u32, 8> (Spin backend): try_push in SysTick, try_pop in main.
#![no_std]
#![no_main]

use baresync_size::sink;
use cortex_m_rt::{entry, exception};

static Q: baresync::spin::SpscQueue<u32, 8> = baresync::spin::SpscQueue::new();
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
    let (p, c) = Q.try_split().unwrap();
    // SAFETY: SysTick, the only other user, is not enabled yet.
    unsafe { PRODUCER = Some(p) };
    loop {
        if let Ok(v) = c.try_pop() {
            sink(v);
        }
    }
}
