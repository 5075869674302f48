//! The macro that names every primitive and queue for one backend.

/// Declares, in the current module, every primitive and queue of this crate bound to backend `$w`.
///
/// This is how [`spin`](crate::spin), [`hook`](crate::hook), `futex` and the crate root are
/// made; use it to give your own [`Wait`](crate::wait::Wait) backend the same family of names.
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
        #[doc = concat!("A writer-preferring reader-writer lock on the `", stringify!($w), "` backend; the generic form is `baresync::generic::RwLock`.")]
        pub type RwLock<T> = $crate::generic::RwLock<T, $w>;
        #[doc = concat!("The read guard of [`RwLock`] on the `", stringify!($w), "` backend.")]
        pub type RwLockReadGuard<'a, T> = $crate::generic::RwLockReadGuard<'a, T, $w>;
        #[doc = concat!("The write guard of [`RwLock`] on the `", stringify!($w), "` backend.")]
        pub type RwLockWriteGuard<'a, T> = $crate::generic::RwLockWriteGuard<'a, T, $w>;
        $crate::__lock_api_aliases!($w);
    };
}

/// The `lock_api` names of [`backend_aliases!`]; empty without the feature. A separate macro
/// because a `#[cfg(feature = ...)]` inside `backend_aliases!`'s expansion would be evaluated
/// against the features of the crate that invokes it, not this crate's.
#[cfg(feature = "lock_api")]
#[doc(hidden)]
#[macro_export]
macro_rules! __lock_api_aliases {
    ($w:ty) => {
        #[doc = concat!("The raw reader-writer lock for `lock_api::RwLock`, on the `", stringify!($w), "` backend (feature `lock_api`).")]
        pub type RawRwLock = $crate::raw::RawRwLock<$w>;
    };
}

/// The `lock_api` names of [`backend_aliases!`]: none without the feature.
#[cfg(not(feature = "lock_api"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __lock_api_aliases {
    ($w:ty) => {};
}
