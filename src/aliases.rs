//! The macro that names every primitive and queue for one backend.

/// Declares, in the current module, every primitive and queue of this crate bound to backend `$w`.
///
/// This is how [`spin`](crate::spin), [`hook`](crate::hook), `futex` and the crate root are
/// made; use it to give your own [`Wait`](crate::wait::Wait) backend the same family of names.
///
/// `backend_aliases!(W, context)` adds the names that need to know which thread runs, for a
/// backend that also implements [`ContextId`](crate::wait::ContextId): `ReentrantMutex` and
/// `ReentrantMutexGuard` (and `RawThreadId` with the `lock_api` feature). With the `lock_api`
/// feature, both forms also name `RawMutex`.
///
/// # Examples
///
/// ```
/// mod my_backend {
///     // Any backend type works; here the spinning one.
///     baresync::backend_aliases!(baresync::wait::Spin);
/// }
/// static M: my_backend::Mutex<u8> = my_backend::Mutex::new(7);
/// assert_eq!(*M.lock(), 7);
/// ```
#[macro_export]
macro_rules! backend_aliases {
    ($w:ty, context) => {
        $crate::backend_aliases!($w);
        #[doc = concat!("A mutual-exclusion lock that its holder may lock again (Python's `RLock`), on the `", stringify!($w), "` backend.")]
        pub type ReentrantMutex<T> = $crate::generic::ReentrantMutex<T, $w>;
        #[doc = concat!("The guard of [`ReentrantMutex`] on the `", stringify!($w), "` backend.")]
        pub type ReentrantMutexGuard<'a, T> = $crate::generic::ReentrantMutexGuard<'a, T, $w>;
        $crate::__lock_api_context_aliases!($w);
    };
    ($w:ty) => {
        #[doc = concat!("A mutual-exclusion lock on the `", stringify!($w), "` backend; the generic form is `baresync::generic::Mutex`.")]
        pub type Mutex<T> = $crate::generic::Mutex<T, $w>;
        #[doc = concat!("The guard of [`Mutex`] on the `", stringify!($w), "` backend.")]
        pub type MutexGuard<'a, T> = $crate::generic::MutexGuard<'a, T, $w>;
        #[doc = concat!("A condition variable on the `", stringify!($w), "` backend.")]
        pub type Condvar = $crate::generic::Condvar<$w>;
        #[doc = concat!("A settable flag that waiters block on (Python's `threading.Event`), on the `", stringify!($w), "` backend.")]
        pub type Event = $crate::generic::Event<$w>;
        #[doc = concat!("A counting semaphore on the `", stringify!($w), "` backend.")]
        pub type Semaphore = $crate::generic::Semaphore<$w>;
        #[doc = concat!("A semaphore that refuses to be released above its initial count (Python's `BoundedSemaphore`), on the `", stringify!($w), "` backend.")]
        pub type BoundedSemaphore = $crate::generic::BoundedSemaphore<$w>;
        #[doc = concat!("A permit of [`Semaphore`] on the `", stringify!($w), "` backend.")]
        pub type SemaphorePermit<'a> = $crate::generic::SemaphorePermit<'a, $w>;
        #[doc = concat!("A reusable rendezvous of a fixed number of parties, on the `", stringify!($w), "` backend.")]
        pub type Barrier = $crate::generic::Barrier<$w>;
        #[doc = concat!("A wait-free single-producer single-consumer FIFO queue of `N` items on the `", stringify!($w), "` backend.")]
        pub type SpscQueue<T, const N: usize> = $crate::generic::SpscQueue<T, N, $w>;
        #[doc = concat!("The pushing half of [`SpscQueue`] on the `", stringify!($w), "` backend.")]
        pub type Producer<'a, T, const N: usize> = $crate::generic::Producer<'a, T, N, $w>;
        #[doc = concat!("The popping half of [`SpscQueue`] on the `", stringify!($w), "` backend.")]
        pub type Consumer<'a, T, const N: usize> = $crate::generic::Consumer<'a, T, N, $w>;
        #[doc = concat!("A lock-free multi-producer multi-consumer FIFO queue of `N` items on the `", stringify!($w), "` backend.")]
        pub type MpmcQueue<T, const N: usize> = $crate::generic::MpmcQueue<T, N, $w>;
        #[doc = concat!("A priority queue of `N` items (greatest first, equal items in push order) on the `", stringify!($w), "` backend.")]
        pub type PriorityQueue<T, const N: usize> = $crate::generic::PriorityQueue<T, N, $w>;
        #[doc = concat!("A last-in first-out queue of `N` items (Python's `LifoQueue`) on the `", stringify!($w), "` backend.")]
        pub type LifoQueue<T, const N: usize> = $crate::generic::LifoQueue<T, N, $w>;
        #[doc = concat!("A one-time initialisation (std's `Once`, without poisoning), on the `", stringify!($w), "` backend.")]
        pub type Once = $crate::generic::Once<$w>;
        #[doc = concat!("A cell written once (std's `OnceLock`), on the `", stringify!($w), "` backend.")]
        pub type OnceLock<T> = $crate::generic::OnceLock<T, $w>;
        #[doc = concat!("A value initialised on first use (std's `LazyLock`), on the `", stringify!($w), "` backend.")]
        pub type LazyLock<T, F = fn() -> T> = $crate::generic::LazyLock<T, F, $w>;
        #[doc = concat!("A writer-preferring reader-writer lock on the `", stringify!($w), "` backend; the generic form is `baresync::generic::RwLock`.")]
        pub type RwLock<T> = $crate::generic::RwLock<T, $w>;
        #[doc = concat!("The read guard of [`RwLock`] on the `", stringify!($w), "` backend.")]
        pub type RwLockReadGuard<'a, T> = $crate::generic::RwLockReadGuard<'a, T, $w>;
        #[doc = concat!("The write guard of [`RwLock`] on the `", stringify!($w), "` backend.")]
        pub type RwLockWriteGuard<'a, T> = $crate::generic::RwLockWriteGuard<'a, T, $w>;
        $crate::__lock_api_aliases!($w);
    };
}

/// The `lock_api` names of [`backend_aliases!`] (feature `lock_api`): decided by this crate's
/// features, not by those of the crate that invokes `backend_aliases!`.
#[cfg(all(feature = "lock_api", not(loom)))]
#[doc(hidden)]
#[macro_export]
macro_rules! __lock_api_aliases {
    ($w:ty) => {
        #[doc = concat!("The lock of [`Mutex`] for `lock_api` (`lock_api::Mutex<RawMutex, T>`), on the `", stringify!($w), "` backend.")]
        pub type RawMutex = $crate::raw::RawMutex<$w>;
        #[doc = concat!("The raw reader-writer lock for `lock_api::RwLock`, on the `", stringify!($w), "` backend.")]
        pub type RawRwLock = $crate::raw::RawRwLock<$w>;
    };
}

/// The `lock_api` names of `backend_aliases!(W, context)` (feature `lock_api`).
#[cfg(all(feature = "lock_api", not(loom)))]
#[doc(hidden)]
#[macro_export]
macro_rules! __lock_api_context_aliases {
    ($w:ty) => {
        #[doc = concat!("The thread id for `lock_api::ReentrantMutex<RawMutex, RawThreadId, T>`, on the `", stringify!($w), "` backend.")]
        pub type RawThreadId = $crate::raw::RawThreadId<$w>;
    };
}

/// Without the `lock_api` feature: no names.
#[cfg(not(all(feature = "lock_api", not(loom))))]
#[doc(hidden)]
#[macro_export]
macro_rules! __lock_api_aliases {
    ($w:ty) => {};
}

/// Without the `lock_api` feature: no names.
#[cfg(not(all(feature = "lock_api", not(loom))))]
#[doc(hidden)]
#[macro_export]
macro_rules! __lock_api_context_aliases {
    ($w:ty) => {};
}
