#![doc = include_str!("../README.md")]
#![no_std]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(any(test, feature = "std"))]
extern crate std;

mod primitive;

#[macro_use]
mod cfg;

pub mod wait;

mod barrier;
mod condvar;
mod event;
mod mutex;
mod once;
mod reentrant_mutex;
mod rwlock;
mod semaphore;

pub mod generic;
pub mod queue;
#[cfg(all(feature = "lock_api", not(loom)))]
pub mod raw;

#[macro_use]
mod aliases;

/// Every primitive and queue bound to [`wait::Spin`]: available on every target.
pub mod spin {
    crate::backend_aliases!(crate::wait::Spin);
}

/// Every primitive and queue bound to [`wait::Hook`]: blocking registered by the final binary.
pub mod hook {
    crate::backend_aliases!(crate::wait::Hook, context);
}

cfg_futex! {
    /// Every primitive and queue bound to `wait::Futex`: the OS wait call (hosted targets only).
    pub mod futex {
        crate::backend_aliases!(crate::wait::Futex, context);
    }
}

cfg_wfi! {
    /// Every primitive and queue bound to `wait::Wfi`: sleep with `WFI` until an interrupt
    /// (single-core bare metal: Cortex-M, RISC-V machine mode; no timed methods, see
    /// `wait::Wfi` for naming a clock).
    pub mod wfi {
        // A context is thread mode or one handler on Cortex-M; RISC-V has none (`wait::ContextId`).
        #[cfg(target_arch = "arm")]
        crate::backend_aliases!(crate::wait::Wfi, context);
        #[cfg(not(target_arch = "arm"))]
        crate::backend_aliases!(crate::wait::Wfi);
    }
}

cfg_wfe! {
    /// Every primitive and queue bound to `wait::Wfe`: sleep with `WFE` until an event, wake
    /// every core with `SEV` (multi-core Cortex-M; no timed methods, see `wait::Wfe` for naming
    /// a clock).
    pub mod wfe {
        crate::backend_aliases!(crate::wait::Wfe);
    }
}

// The crate-root names: the primitives on the default backend (`Futex` hosted, `Spin` bare metal,
// which has no `ContextId`, hence no `ReentrantMutex` at the root there).
cfg_futex! {
    if {
        backend_aliases!(crate::wait::DefaultWait, context);
    } else {
        backend_aliases!(crate::wait::DefaultWait);
    }
}

pub use barrier::{BarrierWaitResult, BrokenBarrierError};
pub use condvar::WaitTimeoutResult;
pub use queue::{
    Closed, PopTimeoutError, PushTimeoutError, TaskDoneError, TryPopError, TryPushError,
};
pub use semaphore::SemaphoreOverflowError;
