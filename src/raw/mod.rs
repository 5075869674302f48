//! The raw locks for `lock_api` (feature `lock_api`): this crate's lock words behind
//! `lock_api`'s traits, on any backend.
//!
//! With them, `lock_api::Mutex<RawMutex<W>, T>`, `lock_api::RwLock<RawRwLock<W>, T>`,
//! `lock_api::ReentrantMutex<RawMutex<W>, RawThreadId<W>, T>` and any code generic over `lock_api::RawMutex` run on a baresync backend:
//! a futex on a host, a registered RTOS hook, a spin loop on bare metal. Each backend module
//! names them too (`baresync::futex::RawMutex`, `baresync::hook::RawThreadId`, ...).
//!
//! | type | implements | needs |
//! | --- | --- | --- |
//! | [`RawMutex<W>`] | `lock_api::RawMutex`, and `RawMutexTimed` | `W: Wait`; `W: WaitTimeout` for the timed trait |
//! | [`RawThreadId<W>`] | `lock_api::GetThreadId` | `W: ContextId` |
//! | [`RawRwLock<W>`] | `lock_api::RawRwLock`, `RawRwLockDowngrade`, and `RawRwLockTimed` | `W: Wait`; `W: WaitTimeout` for the timed trait |
//!
//! Timed locking measures time on the backend's clock: `RawMutexTimed::Instant` is a
//! `Duration` since that clock's origin ([`Clock::now`](crate::wait::Clock::now)), as the
//! backend's own deadlines are.

mod mutex;
mod rwlock;

pub use mutex::{RawMutex, RawThreadId};
pub use rwlock::RawRwLock;
