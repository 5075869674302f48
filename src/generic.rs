//! The primitives and queues generic over their wait backend `W`, for user-written backends.
//!
//! Most code uses the aliases at the crate root or in [`spin`](crate::spin),
//! [`hook`](crate::hook) and `futex`; these are the types behind them. To bind a whole family
//! to your own backend at once, use [`backend_aliases!`](crate::backend_aliases).

pub use crate::barrier::Barrier;
pub use crate::condvar::Condvar;
pub use crate::event::Event;
pub use crate::mutex::{Mutex, MutexGuard};
pub use crate::once::{LazyLock, Once, OnceLock};
pub use crate::queue::lifo::LifoQueue;
pub use crate::queue::mpmc::MpmcQueue;
pub use crate::queue::priority::PriorityQueue;
pub use crate::queue::spsc::{Consumer, Producer, SpscQueue};
pub use crate::reentrant_mutex::{ReentrantMutex, ReentrantMutexGuard};
pub use crate::rwlock::{RwLock, RwLockReadGuard, RwLockWriteGuard};
pub use crate::semaphore::{BoundedSemaphore, Semaphore, SemaphorePermit};
