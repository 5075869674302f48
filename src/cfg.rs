//! The target predicates, written once.

/// Compiles its items only on targets with an OS wait-on-address call (the `Futex` backend).
///
/// Keep in sync with the `atomic-wait`/`libc` dependency tables in Cargo.toml and the two
/// `DefaultWait` definitions in `wait/mod.rs`.
macro_rules! cfg_futex {
    ($($item:item)*) => {
        $(
            #[cfg(any(
                target_os = "linux",
                target_os = "android",
                target_os = "freebsd",
                target_vendor = "apple",
                windows
            ))]
            $item
        )*
    };
}
