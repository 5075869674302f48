//! The raw locks behind [`lock_api`]'s traits (feature `lock_api`), for code written against
//! `lock_api::RwLock<R, T>` and friends, as for parking_lot's and spin's.
//!
//! Each is generic over the wait backend `W`; the alias modules name them per backend
//! (`baresync::futex::RawRwLock`, `baresync::spin::RawRwLock`, ..., and `baresync::RawRwLock`
//! on the default backend).

mod rwlock;

pub use rwlock::RawRwLock;
