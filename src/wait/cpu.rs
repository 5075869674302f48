//! The few instructions the bare-metal backends (`Wfi`, `Wfe`, `WfiIpi`) and `TickClock` need,
//! per architecture: the one place with their inline assembly.
//!
//! Every block that masks, unmasks or sleeps is an `asm!` without `nomem`: a compiler barrier, so
//! the loads and stores of the backend's check stay between them.

#[cfg(target_arch = "arm")]
pub(super) use self::arm::*;
#[cfg(any(target_arch = "riscv32", target_arch = "riscv64"))]
pub(super) use self::riscv::*;

#[cfg(target_arch = "arm")]
mod arm {
    use core::arch::asm;

    /// Masks interrupts (PRIMASK = 1); returns whether they were enabled before.
    #[inline(always)]
    pub(in crate::wait) fn disable_interrupts() -> bool {
        let primask: u32;
        // SAFETY: reads PRIMASK into a register; no memory, stack or flags are touched.
        unsafe {
            asm!("mrs {}, PRIMASK", out(reg) primask, options(nomem, nostack, preserves_flags))
        };
        // SAFETY: `cpsid i` only sets PRIMASK (privileged code: `Wfi`'s docs, and its debug
        // check). No `nomem`: it is a compiler barrier, so the word is loaded after masking.
        unsafe { asm!("cpsid i", options(nostack, preserves_flags)) };
        primask & 1 == 0
    }

    /// Unmasks interrupts (PRIMASK = 0); a pending handler runs right after.
    #[inline(always)]
    pub(in crate::wait) fn enable_interrupts() {
        // SAFETY: `cpsie i` only clears PRIMASK; the caller masked it and it was clear before.
        // No `nomem`: handlers that run now may write memory the caller reads next.
        unsafe { asm!("cpsie i", options(nostack, preserves_flags)) };
    }

    /// Sleeps until an interrupt is pending (also when PRIMASK masks it).
    #[inline(always)]
    pub(in crate::wait) fn wait_for_interrupt() {
        // SAFETY: `wfi` only suspends execution until an interrupt or debug event is pending.
        unsafe { asm!("wfi", options(nostack, preserves_flags)) };
    }

    /// The active exception number (IPSR bits 0..9): 0 in thread mode.
    #[inline(always)]
    pub(in crate::wait) fn exception_number() -> u32 {
        let ipsr: u32;
        // SAFETY: reads IPSR into a register; no memory, stack or flags are touched.
        unsafe { asm!("mrs {}, IPSR", out(reg) ipsr, options(nomem, nostack, preserves_flags)) };
        ipsr & 0x1FF
    }

    /// Sleeps until the event register is set, and clears it (at once if it already was).
    #[inline(always)]
    pub(in crate::wait) fn wait_for_event() {
        // SAFETY: `wfe` only suspends execution until an event (a `sev` on any core, an
        // exception entry or return, a debug event); it may also return at once. No `nomem`:
        // the word is re-loaded after it.
        unsafe { asm!("wfe", options(nostack, preserves_flags)) };
    }

    /// Completes every earlier memory access, then sets the event register of every core.
    #[inline(always)]
    pub(in crate::wait) fn send_event() {
        // SAFETY: `dsb` waits for earlier memory accesses to complete (so a core that wakes sees
        // the store that preceded this wake), `sev` signals an event; neither touches memory.
        unsafe { asm!("dsb", "sev", options(nostack, preserves_flags)) };
    }
}

#[cfg(any(target_arch = "riscv32", target_arch = "riscv64"))]
mod riscv {
    use core::arch::asm;

    /// `mstatus.MIE`: machine-mode global interrupt enable.
    const MSTATUS_MIE: usize = 1 << 3;
    /// `mie.MSIE`: machine software interrupt enable.
    const MIE_MSIE: usize = 1 << 3;

    /// Clears `mstatus.MIE`; returns whether it was set before.
    #[inline(always)]
    pub(in crate::wait) fn disable_interrupts() -> bool {
        let mstatus: usize;
        // SAFETY: atomically reads `mstatus` and clears MIE (machine mode, see the backends'
        // docs). No `nomem`: it is a compiler barrier, so the word is loaded after masking.
        unsafe { asm!("csrrci {}, mstatus, 8", out(reg) mstatus, options(nostack)) };
        mstatus & MSTATUS_MIE != 0
    }

    /// Sets `mstatus.MIE`; a pending handler runs right after.
    #[inline(always)]
    pub(in crate::wait) fn enable_interrupts() {
        // SAFETY: sets MIE, which the caller cleared and which was set before. No `nomem`:
        // handlers that run now may write memory the caller reads next.
        unsafe { asm!("csrsi mstatus, 8", options(nostack)) };
    }

    /// Sleeps until an interrupt enabled in `mie` is pending (also while `mstatus.MIE` masks it).
    #[inline(always)]
    pub(in crate::wait) fn wait_for_interrupt() {
        // SAFETY: `wfi` only stalls the hart until an interrupt is pending (it may also return
        // at once, which the callers' re-check tolerates).
        unsafe { asm!("wfi", options(nostack)) };
    }

    /// Sets `mie.MSIE`, so that a pending software interrupt ends a `WFI`; returns whether it
    /// was set before.
    #[inline(always)]
    pub(in crate::wait) fn enable_software_interrupt() -> bool {
        let mie: usize;
        // SAFETY: atomically reads `mie` and sets MSIE (machine mode). With `mstatus.MIE` clear
        // (the caller masked it) the interrupt is never taken, it only ends `wfi`.
        unsafe { asm!("csrrsi {}, mie, 8", out(reg) mie, options(nostack)) };
        mie & MIE_MSIE != 0
    }

    /// Clears `mie.MSIE` again.
    #[inline(always)]
    pub(in crate::wait) fn disable_software_interrupt() {
        // SAFETY: clears MSIE, which the caller set and which was clear before.
        unsafe { asm!("csrci mie, 8", options(nostack)) };
    }

    /// This hart's id (`mhartid`).
    #[inline(always)]
    pub(in crate::wait) fn hart_id() -> usize {
        let id: usize;
        // SAFETY: reads a read-only machine CSR into a register.
        unsafe { asm!("csrr {}, mhartid", out(reg) id, options(nomem, nostack, preserves_flags)) };
        id
    }

    /// Orders every earlier memory and device access before every later one (`fence iorw,
    /// iorw`): between a store to the word and a device write that wakes another hart, and
    /// between clearing this hart's wake-up and loading the word.
    #[inline(always)]
    pub(in crate::wait) fn fence_memory_and_devices() {
        // SAFETY: a fence only orders accesses. No `nomem`: it must not be moved across them.
        unsafe { asm!("fence iorw, iorw", options(nostack, preserves_flags)) };
    }
}
