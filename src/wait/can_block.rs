//! The debug check that a caller may block where it runs: the one place that reads the registers
//! telling handler mode and interrupt masks, behind `assert_can_block` and
//! `assert_can_sleep_until_interrupt` in `wait/mod.rs`.
//!
//! On in debug builds on bare-metal Cortex-M and RISC-V (`cfg_handler_check!`); a no-op
//! everywhere else. Each register below is read only when a blocking verb has to wait, so the
//! fast paths pay nothing, and a refusal is a panic naming the register:
//!
//! | architecture | register | why a wait there hangs | refused by |
//! | --- | --- | --- | --- |
//! | Cortex-M | IPSR != 0 | in a handler: the code it interrupted cannot run until it returns | every backend that checks (`Spin`, `Wfi`, `Wfe`) |
//! | Cortex-M | PRIMASK = 1 | every interrupt masked (a critical section) | same |
//! | ARMv7-M, ARMv8-M Mainline | FAULTMASK = 1 | every interrupt masked | same |
//! | ARMv7-M, ARMv8-M Mainline | BASEPRI != 0 | interrupts of that priority and lower masked (an RTIC lock): their handlers cannot end the wait | same |
//! | Cortex-M | CONTROL.nPRIV = 1 | unprivileged thread mode ignores `cpsid`, which reopens `Wfi`'s check-then-sleep race | `Wfi` |
//! | RISC-V | `mstatus.MIE` = 0 | masked (a critical section, or a trap handler: taking a trap clears it) | `Wfi` |
//! | RISC-V | `mie` with MSIE, MTIE and MEIE clear | no interrupt can end the `WFI` | `Wfi` |
//!
//! Why every Cortex-M mask is refused for every backend, but RISC-V's only for `Wfi`: on
//! Cortex-M the masks are clear out of reset and in thread mode, so a set mask means the program
//! masked interrupts on purpose and then blocked: a bug on any core count (on one core the
//! handler that would end the wait cannot run; on several, the other core is usually stuck on the
//! same critical section). On RISC-V, `mstatus.MIE` is clear out of reset and inside every trap
//! handler, and a multi-hart program may never enable interrupts at all: a clear `MIE` tells
//! nothing about a backend that another hart can end (`Spin`, `WfiIpi`), only about `Wfi`, which
//! nothing but an interrupt ends. The same fact lets `Wfi` catch a RISC-V handler that blocks
//! (there is no IPSR to read).
//!
//! BASEPRI names a priority, not an interrupt: the check cannot know whether the handler that
//! would end this wait is among the masked ones, so it refuses any non-zero BASEPRI. Blocking
//! inside a priority-masking lock is the bug either way: the wait holds the lock for as long as
//! it sleeps.

cfg_handler_check! {
    if {
        use core::fmt;

        /// Panics if the caller runs in an interrupt handler or with interrupts masked, where
        /// Cortex-M tells (see the module docs).
        #[inline]
        pub(super) fn check_can_block() {
            arch::check_can_block();
        }

        /// Panics if no interrupt could end a `WFI` here, or if the interrupt mask that makes
        /// `Wfi`'s check-then-sleep atomic would be ignored (see the module docs).
        #[inline]
        pub(super) fn check_can_sleep_until_interrupt() {
            arch::check_can_sleep_until_interrupt();
        }

        #[cfg(target_arch = "arm")]
        mod arch {
            use super::refuse;

            /// Reads an M-profile special register with `mrs`.
            macro_rules! mrs {
                ($reg:literal) => {{
                    let value: u32;
                    // SAFETY: `mrs` copies a special register into a general one; it touches no
                    // memory, stack or flags, and reading these registers is allowed in every
                    // mode.
                    unsafe {
                        core::arch::asm!(
                            concat!("mrs {}, ", $reg),
                            out(reg) value,
                            options(nomem, nostack, preserves_flags)
                        );
                    }
                    value
                }};
            }

            #[inline]
            pub(super) fn check_can_block() {
                let exception = mrs!("IPSR") & 0x1FF;
                if exception != 0 {
                    refuse(
                        format_args!("inside an interrupt handler (exception {exception})"),
                        "on one core it would deadlock. Use the try_ verbs in handlers.",
                    );
                }
                if mrs!("PRIMASK") & 1 != 0 {
                    refuse(
                        format_args!("with PRIMASK set (interrupts masked: inside a critical section?)"),
                        "the interrupt that would end the wait could never run. Block outside the \
                         critical section.",
                    );
                }
                #[cfg(baresync_cortex_m_mainline)]
                {
                    if mrs!("FAULTMASK") & 1 != 0 {
                        refuse(
                            format_args!("with FAULTMASK set (every interrupt masked)"),
                            "the interrupt that would end the wait could never run.",
                        );
                    }
                    let basepri = mrs!("BASEPRI") & 0xFF;
                    if basepri != 0 {
                        refuse(
                            format_args!(
                                "with BASEPRI = {basepri:#04x}, which masks every interrupt of \
                                 priority {basepri:#04x} or lower urgency (an RTIC resource lock?)"
                            ),
                            "if the handler that would end the wait is one of them, it could \
                             never run. Block outside the lock.",
                        );
                    }
                }
            }

            #[inline]
            pub(super) fn check_can_sleep_until_interrupt() {
                // Thread mode only: handler mode is always privileged, and `check_can_block` has
                // refused it already.
                if mrs!("CONTROL") & 1 != 0 {
                    refuse(
                        format_args!("on the Wfi backend in unprivileged thread mode (CONTROL.nPRIV set)"),
                        "`cpsid i` is ignored there, so an interrupt between Wfi's check and its \
                         WFI would be lost. Block on Wfi from privileged code, or use Wfe or Hook.",
                    );
                }
            }
        }

        #[cfg(any(target_arch = "riscv32", target_arch = "riscv64"))]
        mod arch {
            use super::refuse;

            /// `mstatus.MIE`: the machine-mode global interrupt enable.
            const MSTATUS_MIE: usize = 1 << 3;
            /// `mie`: machine software (MSIE), timer (MTIE) and external (MEIE) interrupt enables.
            const MIE_SOURCES: usize = (1 << 3) | (1 << 7) | (1 << 11);

            /// Nothing to read: a clear `mstatus.MIE` is also the reset state and a multi-hart
            /// program's normal one (see the module docs).
            #[inline(always)]
            pub(super) fn check_can_block() {}

            #[inline]
            pub(super) fn check_can_sleep_until_interrupt() {
                let (mstatus, mie): (usize, usize);
                // SAFETY: reads two machine-mode CSRs into registers (`Wfi` runs in machine
                // mode, see its docs); no memory, stack or other state is touched.
                unsafe {
                    core::arch::asm!(
                        "csrr {}, mstatus",
                        "csrr {}, mie",
                        out(reg) mstatus,
                        out(reg) mie,
                        options(nomem, nostack, preserves_flags)
                    );
                }
                if mstatus & MSTATUS_MIE == 0 {
                    refuse(
                        format_args!(
                            "on the Wfi backend with mstatus.MIE clear (in a trap handler, which \
                             clears it, or in a critical section)"
                        ),
                        "only an interrupt ends that wait, and none could run. Use the try_ \
                         verbs in handlers and block outside critical sections.",
                    );
                }
                if mie & MIE_SOURCES == 0 {
                    refuse(
                        format_args!(
                            "on the Wfi backend with every machine interrupt source disabled in \
                             mie (MSIE, MTIE and MEIE clear)"
                        ),
                        "no interrupt could end the WFI. Enable the interrupt that ends the wait \
                         before blocking on it.",
                    );
                }
            }
        }

        /// The panic of every refusal: one message shape, naming what the registers said.
        #[cold]
        #[inline(never)]
        fn refuse(why: fmt::Arguments<'_>, advice: &str) -> ! {
            panic!(
                "baresync: a blocking call (lock, wait, acquire, push, pop, join or a timed form) \
                 had to wait {why}; {advice}"
            )
        }
    } else {
        /// No check on this target or in this build.
        #[inline(always)]
        pub(super) fn check_can_block() {}

        cfg_wfi! {
            /// No check on this target or in this build.
            #[inline(always)]
            pub(super) fn check_can_sleep_until_interrupt() {}
        }
    }
}
