//! The sleeping backend for multi-hart RISC-V: `WFI` until an interrupt, and a machine software
//! interrupt (the CLINT's `msip`) to the other harts to wake them.
//!
//! Compiled only on bare-metal RISC-V (`cfg_wfi_ipi!` in `cfg.rs`), for machine mode.
//!
//! # Why the check-then-sleep is race-free across harts
//!
//! The waiter on hart H, in `wait`:
//! 1. clears `mstatus.MIE`, so that no interrupt is *taken* from here on, and sets `mie.MSIE`,
//!    so that a pending software interrupt still *ends* a `WFI` (the privileged spec: `WFI`
//!    resumes when any interrupt enabled in `mie` is pending, whatever `mstatus.MIE` says);
//! 2. clears its own `msip[H]`: a wake sent before this point was for a change that step 4 sees;
//! 3. `fence iorw, iorw`: the clear is ordered before the load;
//! 4. loads the word and, if it still holds `expected`, executes `WFI`;
//! 5. restores `mie.MSIE` and `mstatus.MIE` as it found them (a pending handler of this hart runs
//!    now) and returns; the caller re-checks.
//!
//! A waker on another hart changes the word (a), and then, because a sleeper may wait for that
//! change, calls `wake_*` (the primitives do whenever their bookkeeping says someone sleeps:
//! `WAKE_NEEDED` is `true`), which executes `fence iorw, iorw` (b) and sets `msip` of every other
//! hart (c).
//!
//! - If (c) reaches the CLINT before the waiter's clear (2), then (a) was ordered before (c) by
//!   (b), and (4) after (2) by (3): the load sees the change and the waiter does not sleep.
//! - If (c) comes after (2), `msip[H]` stays set: a `WFI` at (4) returns at once if (c) came
//!   first, or is ended by (c) if it came later.
//!
//! An interrupt handler of hart H itself is covered as in `Wfi`: with `mstatus.MIE` clear it
//! cannot run between (2) and (4), and an interrupt that becomes pending there ends the `WFI`
//! (its source is enabled in `mie`), then runs at (5). A `msip[H]` left set by a wake that came
//! after the waiter had already returned is cleared by the next wait's step 2: at most one
//! spurious return, never a lost one.
//!
//! # Orderings
//!
//! The word is loaded Relaxed: `wait` orders nothing (callers re-load with the ordering they
//! need). The two `fence iorw, iorw` order the word against the device writes (RVWMO orders
//! memory and I/O accesses only through fences that name them).

use core::marker::PhantomData;
use core::time::Duration;

use super::{
    AtomicU32, Clock, NoClock, Wait, WaitTimeout, assert_can_block, cpu, pause_until_deadline,
};
use crate::primitive::Ordering;

/// Where a RISC-V platform's machine software interrupts are: the `msip` registers of a CLINT
/// (or of an ACLINT MSWI device), one 32-bit register per hart, 4 bytes apart.
///
/// [`WfiIpi`] sets another hart's register to wake it and clears its own before it checks the
/// word. Implement it once for your chip on a marker type.
///
/// # Safety
///
/// `BASE` must be the address of hart 0's `msip` register, with the registers of harts `1` to
/// `HARTS - 1` following at 4-byte steps, each one writable from machine mode with no effect but
/// raising (1) or clearing (0) that hart's machine software interrupt; and every hart that waits
/// on or wakes through [`WfiIpi`] must have an `mhartid` below `HARTS`. `WfiIpi` writes there
/// with volatile stores.
///
/// # Examples
///
/// QEMU `virt`, SiFive FE310/FU540 and most CLINTs put `msip` at the base of the CLINT:
///
/// ```ignore
/// /// QEMU `virt` with `-smp 2`.
/// pub struct QemuVirt;
///
/// // SAFETY: QEMU virt's CLINT is at 0x0200_0000, `msip` of hart N at 0x0200_0000 + 4 * N, and
/// // the firmware runs on harts 0 and 1.
/// unsafe impl baresync::wait::Msip for QemuVirt {
///     const BASE: usize = 0x0200_0000;
///     const HARTS: usize = 2;
/// }
///
/// mod sync {
///     baresync::backend_aliases!(baresync::wait::WfiIpi<super::QemuVirt>);
/// }
/// ```
pub unsafe trait Msip {
    /// The address of hart 0's `msip` register.
    const BASE: usize;
    /// How many harts there are (ids `0..HARTS`); each wake writes to every other one.
    const HARTS: usize;
}

/// The sleeping backend for multi-hart RISC-V (machine mode): waiters sleep in `WFI`, wakers
/// raise the machine software interrupt of every other hart.
///
/// Use it where another hart may change the word and the waiter should sleep rather than spin;
/// interrupt handlers of the waiter's own hart end its wait too, as with [`Wfi`](super::Wfi).
/// `M` says where the software-interrupt registers are ([`Msip`]). Name the family with
/// `baresync::backend_aliases!(baresync::wait::WfiIpi<YourChip>)`. The race-freedom argument is
/// in the module source (`src/wait/wfi_ipi.rs`).
///
/// - `wait` polls for a moment first (a partner on another hart often answers within it), then
///   masks interrupts (`mstatus.MIE`), enables `mie.MSIE` for the sleep, clears its own `msip`,
///   re-checks the word, executes `WFI`, and restores both as it found them.
/// - `wake_one` and `wake_all` set `msip` of every other hart (the address is not tracked, so
///   each sleeping hart re-checks its own word): `HARTS - 1` device writes per wake. The
///   primitives call them only when their bookkeeping says someone sleeps.
/// - **The backend owns the machine software interrupt.** It only ever enables `mie.MSIE` with
///   `mstatus.MIE` clear, so the interrupt ends a `WFI` and is never taken; a `msip` left set
///   stays pending harmlessly. A firmware that enables `MSIE` itself must give it a handler that
///   clears `msip` of its hart and does nothing else.
/// - Machine mode: it reads and writes `mstatus`, `mie` and `mhartid`.
///
/// `C` is the [`Clock`] for timed waits; it defaults to [`NoClock`] (no timed methods). A timed
/// wait checks its deadline each time the hart wakes (an interrupt enabled in `mie`, such as the
/// machine timer, also wakes it while masked).
///
/// # Examples
///
/// Hart 1 produces, hart 0 sleeps in `pop` (`tests/smp_hammer.rs` runs this on QEMU `virt
/// -smp 2`, with the [`Msip`] example's `QemuVirt`):
///
/// ```ignore
/// static ITEMS: sync::SpscQueue<u32, 8> = sync::SpscQueue::new();
///
/// // hart 1
/// producer.push(sample())?; // raises hart 0's msip if it sleeps
///
/// // hart 0: WFI between items instead of spinning
/// let item = consumer.pop()?;
/// ```
pub struct WfiIpi<M, C = NoClock>(PhantomData<fn() -> (M, C)>);

impl<M, C> core::fmt::Debug for WfiIpi<M, C> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("WfiIpi")
    }
}

impl<M: Msip, C> Wait for WfiIpi<M, C> {
    #[inline]
    fn wait(word: &AtomicU32, expected: u32) {
        assert_can_block();
        sleep_while::<M>(word, expected);
    }

    #[inline]
    fn wake_one(_word: *const AtomicU32) {
        wake_other_harts::<M>();
    }

    #[inline]
    fn wake_all(_word: *const AtomicU32) {
        wake_other_harts::<M>();
    }
}

impl<M: Msip, C: Clock> WaitTimeout for WfiIpi<M, C> {
    type Clock = C;

    fn wait_timeout(word: &AtomicU32, expected: u32, timeout: Duration) -> bool {
        assert_can_block();
        pause_until_deadline::<C>(word, expected, timeout, || sleep_while::<M>(word, expected))
    }
}

/// Steps 1 to 5 of the module docs: one masked check, and a `WFI` if the word still holds
/// `expected`.
fn sleep_while<M: Msip>(word: &AtomicU32, expected: u32) {
    let hart = cpu::hart_id();
    debug_assert!(
        hart < M::HARTS,
        "baresync: WfiIpi waits on hart {hart}, but its Msip names only {} harts",
        M::HARTS
    );
    let was_enabled = cpu::disable_interrupts();
    let had_msie = cpu::enable_software_interrupt();
    set_msip::<M>(hart, 0);
    cpu::fence_memory_and_devices();
    // Relaxed: the caller re-loads with the ordering it needs; the fence above orders the load
    // after the clear.
    if word.load(Ordering::Relaxed) == expected {
        cpu::wait_for_interrupt();
    }
    if !had_msie {
        cpu::disable_software_interrupt();
    }
    if was_enabled {
        cpu::enable_interrupts();
    }
}

/// Steps (b) and (c) of the module docs: the word's change before the wake-ups, then a software
/// interrupt to every other hart.
fn wake_other_harts<M: Msip>() {
    cpu::fence_memory_and_devices();
    let me = cpu::hart_id();
    for hart in (0..M::HARTS).filter(|&hart| hart != me) {
        set_msip::<M>(hart, 1);
    }
}

/// Writes `value` to the `msip` register of `hart`.
#[inline]
fn set_msip<M: Msip>(hart: usize, value: u32) {
    let register = (M::BASE + 4 * hart) as *mut u32;
    // SAFETY: `Msip`'s contract: `BASE + 4 * hart` is the `msip` register of `hart` (every caller
    // passes an id below `HARTS`: its own, checked in debug builds, or one from `0..HARTS`), and
    // writing 0 or 1 there only clears or raises that hart's software interrupt.
    unsafe { register.write_volatile(value) };
}
