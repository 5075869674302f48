//! The target predicates, written once.

/// Compiles its items only on targets with an OS wait-on-address call (the `Futex` backend),
/// and never under `cfg(loom)`: loom cannot see a kernel futex, so the model checker runs on
/// `Spin` (and on test-only backends) instead.
///
/// `cfg_futex! { items }`, or `cfg_futex! { if { futex items } else { the other targets' items } }`
/// for the definitions that differ (`DefaultWait`, `DefaultSpinClock` in `wait/mod.rs`).
///
/// Keep in sync with the `atomic-wait`/`libc` dependency tables in Cargo.toml.
macro_rules! cfg_futex {
    (if { $($yes:item)* } else { $($no:item)* }) => {
        $(
            #[cfg(all(
                not(loom),
                any(
                    target_os = "linux",
                    target_os = "android",
                    target_os = "freebsd",
                    target_vendor = "apple",
                    windows
                )
            ))]
            $yes
        )*
        $(
            #[cfg(not(all(
                not(loom),
                any(
                    target_os = "linux",
                    target_os = "android",
                    target_os = "freebsd",
                    target_vendor = "apple",
                    windows
                )
            )))]
            $no
        )*
    };
    ($($item:item)*) => {
        cfg_futex! { if { $($item)* } else {} }
    };
}

/// Compiles its items only where the `Wfi` backend exists: bare metal (`target_os = "none"`) on
/// Cortex-M (the `baresync_cortex_m` cfg that build.rs sets for `thumbv6m`/`thumbv7m`/`thumbv7em`/
/// `thumbv8m.*`; A- and R-profile ARM cores have no PRIMASK) and on RISC-V (machine mode).
macro_rules! cfg_wfi {
    ($($item:item)*) => {
        $(
            #[cfg(all(
                target_os = "none",
                any(baresync_cortex_m, target_arch = "riscv32", target_arch = "riscv64")
            ))]
            $item
        )*
    };
}

/// Compiles its items only where the `Wfe` backend exists: bare-metal Cortex-M (every profile has
/// `WFE` and `SEV`).
macro_rules! cfg_wfe {
    ($($item:item)*) => {
        $(
            #[cfg(all(target_os = "none", baresync_cortex_m))]
            $item
        )*
    };
}

/// Compiles its items only where the `WfiIpi` backend exists: bare-metal RISC-V (machine mode,
/// a CLINT or ACLINT software-interrupt device).
macro_rules! cfg_wfi_ipi {
    ($($item:item)*) => {
        $(
            #[cfg(all(target_os = "none", any(target_arch = "riscv32", target_arch = "riscv64")))]
            $item
        )*
    };
}

/// Picks items by whether a blocking call checks that it may block here (not in an interrupt
/// handler, no interrupt masked): on in debug builds on bare-metal Cortex-M and RISC-V, whose
/// registers tell (see `wait/can_block.rs`).
///
/// `cfg_handler_check! { if { checked items } else { unchecked items } }`
macro_rules! cfg_handler_check {
    (if { $($yes:item)* } else { $($no:item)* }) => {
        $(
            #[cfg(all(
                debug_assertions,
                target_os = "none",
                any(baresync_cortex_m, target_arch = "riscv32", target_arch = "riscv64")
            ))]
            $yes
        )*
        $(
            #[cfg(not(all(
                debug_assertions,
                target_os = "none",
                any(baresync_cortex_m, target_arch = "riscv32", target_arch = "riscv64")
            )))]
            $no
        )*
    };
}

/// Picks how the lock-based queues guard their state: with a critical section on bare metal
/// (`target_os = "none"`), where a handler must never wait for the context it interrupted, and
/// with the crate's `Mutex` everywhere else (and under `cfg(loom)`, which runs on the host).
///
/// `cfg_critical_section_lock! { if { bare-metal items } else { hosted items } }`
macro_rules! cfg_critical_section_lock {
    (if { $($yes:item)* } else { $($no:item)* }) => {
        $(
            #[cfg(all(target_os = "none", not(loom)))]
            $yes
        )*
        $(
            #[cfg(not(all(target_os = "none", not(loom))))]
            $no
        )*
    };
}
