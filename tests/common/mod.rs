//! Shared by every host test binary: the test-only wait hook, the fault-injecting backend, the
//! sleeper-counting backend, timing and item helpers, and the macro that runs each test body once per backend (Futex, Spin, Hook,
//! Faulty).

#![allow(
    dead_code,
    reason = "each test binary uses a different part of this module"
)]

pub mod faulty;
pub mod items;
pub mod parking_hook;
pub mod timing;
pub mod watched;

/// Expands the test bodies once per backend, each in a module where `sync` names that backend's
/// family of types (`sync::Mutex`, `sync::MpmcQueue`, ...).
#[macro_export]
macro_rules! for_each_backend {
    ($($body:tt)*) => {
        mod futex {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use baresync::futex as sync;
            $($body)*
        }
        mod spin {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use baresync::spin as sync;
            $($body)*
        }
        mod hook {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use baresync::hook as sync;
            $($body)*
        }
        mod faulty {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use $crate::common::faulty::sync;
            $($body)*
        }
    };
}

/// Scales an iteration count down under Miri, which is orders of magnitude slower.
pub const fn scaled(n: usize) -> usize {
    if cfg!(miri) {
        if n / 1000 > 10 { n / 1000 } else { 10 }
    } else {
        n
    }
}
