//! Shared by every host test binary: the test-only wait hook, the fault-injecting backend, the
//! sleeper-counting backend, timing and item helpers, the queue contract (`queue_contract!`),
//! and the macro that runs each test body once per backend (Futex, Spin, Hook, Faulty).

#![allow(
    dead_code,
    reason = "each test binary uses a different part of this module"
)]

pub mod faulty;
pub mod items;
pub mod parking_hook;
pub mod queue_contract;
pub mod timing;
pub mod watched;

/// Expands the test bodies once per backend, each in a module where `sync` names that backend's
/// family of types (`sync::Mutex`, `sync::MpmcQueue`, ...): the backends of
/// [`for_each_context_backend!`], and Spin.
#[macro_export]
macro_rules! for_each_backend {
    ($($body:tt)*) => {
        $crate::for_each_context_backend! { $($body)* }
        mod spin {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use baresync::spin as sync;
            $($body)*
        }
    };
}

/// As [`for_each_backend!`], for the backends that implement `wait::ContextId` (Futex, Hook,
/// Faulty; not Spin, which cannot tell threads apart): alone, for the bodies that use
/// `ReentrantMutex`.
#[macro_export]
macro_rules! for_each_context_backend {
    ($($body:tt)*) => {
        mod futex {
            #[allow(unused_imports)]
            use super::*;
            #[allow(unused_imports)]
            use baresync::futex as sync;
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
