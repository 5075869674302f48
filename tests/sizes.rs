//! Compile-time layout and auto-trait checks on every backend: the four-byte primitives (`Once`
//! too), a barrier of two words and a function pointer, a reader-writer lock of eight bytes,
//! `OnceLock` a `Once` plus the value, `const` construction in `static`s, and `Send`/`Sync`.

mod common;

use std::cell::Cell;

/// Compiles only for `Sync` types.
fn assert_sync<T: ?Sized + Sync>() {}

/// Compiles only for `Send` types.
fn assert_send<T: ?Sized + Send>() {}

for_each_backend! {
    const _: () = assert!(size_of::<sync::Mutex<()>>() == 4);
    const _: () = assert!(size_of::<sync::Mutex<u32>>() == 8);
    const _: () = assert!(size_of::<sync::Condvar>() == 4);
    const _: () = assert!(size_of::<sync::Event>() == 4);
    const _: () = assert!(size_of::<sync::Semaphore>() == 4);
    // The state word, the party count and the optional action (`Option<fn()>`, one pointer).
    const _: () = assert!(size_of::<sync::Barrier>() == 8 + size_of::<fn()>());
    const _: () = assert!(size_of::<sync::Once>() == 4);
    const _: () = assert!(size_of::<sync::OnceLock<()>>() == 4);
    const _: () = assert!(size_of::<sync::OnceLock<u32>>() == 8);
    const _: () = assert!(size_of::<sync::OnceLock<u64>>() == 16);
    const _: () = assert!(size_of::<sync::RwLock<()>>() == 8);
    const _: () = assert!(size_of::<sync::RwLock<u32>>() == 12);

    // Every primitive is `const`-constructible into a `static`, with no lazy initialiser.
    static MUTEX: sync::Mutex<[u8; 3]> = sync::Mutex::new([1, 2, 3]);
    static CONDVAR: sync::Condvar = sync::Condvar::new();
    static EVENT: sync::Event = sync::Event::new();
    static SEMAPHORE: sync::Semaphore = sync::Semaphore::new(2);
    static BOUNDED: sync::BoundedSemaphore = sync::BoundedSemaphore::new(2);
    static BARRIER: sync::Barrier = sync::Barrier::new(1);
    static BARRIER_WITH_ACTION: sync::Barrier = sync::Barrier::with_action(1, || {});
    static ONCE: sync::Once = sync::Once::new();
    static ONCE_LOCK: sync::OnceLock<[u8; 3]> = sync::OnceLock::new();
    static LAZY: sync::LazyLock<[u8; 3]> = sync::LazyLock::new(|| [4, 5, 6]);
    static RWLOCK: sync::RwLock<[u8; 3]> = sync::RwLock::new([4, 5, 6]);

    #[test]
    fn sizes_at_run_time() {
        // The `const _` items above already fail the build; this reports the sizes by name.
        assert_eq!(size_of::<sync::Mutex<()>>(), 4, "Mutex<()>");
        assert_eq!(size_of::<sync::Condvar>(), 4, "Condvar");
        assert_eq!(size_of::<sync::Event>(), 4, "Event");
        assert_eq!(size_of::<sync::Semaphore>(), 4, "Semaphore");
        assert_eq!(size_of::<sync::Barrier>(), 8 + size_of::<fn()>(), "Barrier");
        assert_eq!(size_of::<sync::Once>(), 4, "Once");
        assert_eq!(size_of::<sync::OnceLock<u32>>(), 8, "OnceLock<u32>");
        assert_eq!(size_of::<sync::RwLock<()>>(), 8, "RwLock<()>");
    }

    #[test]
    fn statics_start_in_their_initial_state() {
        assert_eq!(*MUTEX.lock(), [1, 2, 3]);
        assert!(!MUTEX.is_locked());
        CONDVAR.notify_all();
        assert!(!EVENT.is_set());
        assert_eq!(SEMAPHORE.available_permits(), 2);
        assert_eq!(BOUNDED.available_permits(), 2);
        assert_eq!(BARRIER.parties(), 1);
        assert!(BARRIER.wait().is_leader());
        assert_eq!(BARRIER_WITH_ACTION.parties(), 1);
        assert!(BARRIER_WITH_ACTION.wait().is_leader());
        assert!(!ONCE.is_completed());
        assert_eq!(ONCE_LOCK.get(), None);
        assert_eq!(*LAZY, [4, 5, 6]);
        assert_eq!(*RWLOCK.read(), [4, 5, 6]);
        assert!(!RWLOCK.is_locked());
    }

    #[test]
    fn primitives_are_send_and_sync() {
        // `Mutex<T>` needs only `T: Send` to be shared: `Cell` is `Send` but not `Sync`.
        assert_sync::<sync::Mutex<Cell<u32>>>();
        assert_send::<sync::Mutex<Cell<u32>>>();
        assert_sync::<sync::Mutex<[u8]>>();
        assert_sync::<sync::Mutex<()>>();
        assert_sync::<sync::MutexGuard<'static, u32>>();
        assert_sync::<sync::Condvar>();
        assert_send::<sync::Condvar>();
        assert_sync::<sync::Event>();
        assert_send::<sync::Event>();
        assert_sync::<sync::Semaphore>();
        assert_send::<sync::Semaphore>();
        assert_sync::<sync::BoundedSemaphore>();
        assert_send::<sync::BoundedSemaphore>();
        assert_sync::<sync::Barrier>();
        assert_send::<sync::Barrier>();
        assert_sync::<sync::Once>();
        assert_send::<sync::Once>();
        assert_sync::<sync::OnceLock<Vec<u8>>>();
        assert_send::<sync::OnceLock<Vec<u8>>>();
        // Not `Sync` for `T: !Sync` (tests/ui/once_lock_needs_sync.rs), but `Send` for `T: Send`.
        assert_send::<sync::OnceLock<Cell<u8>>>();
        assert_sync::<sync::LazyLock<Vec<u8>>>();
        assert_send::<sync::LazyLock<Vec<u8>>>();
        assert_unwind_safe::<sync::Once>();
        assert_unwind_safe::<sync::OnceLock<Vec<u8>>>();
        assert_unwind_safe::<sync::LazyLock<Vec<u8>>>();
        // `RwLock<T>` is shared by readers on several threads: it needs `T: Send + Sync`.
        assert_sync::<sync::RwLock<u32>>();
        assert_send::<sync::RwLock<Cell<u32>>>();
        assert_sync::<sync::RwLock<[u8]>>();
        assert_sync::<sync::RwLockReadGuard<'static, u32>>();
        assert_sync::<sync::RwLockWriteGuard<'static, u32>>();
    }

    #[test]
    fn shared_cell_through_a_static_mutex() {
        // What `Mutex<Cell<_>>: Sync` is for: a `static` shared by threads.
        static CELL: sync::Mutex<Cell<u32>> = sync::Mutex::new(Cell::new(0));
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..common::scaled(1_000) {
                        let g = CELL.lock();
                        g.set(g.get() + 1);
                    }
                });
            }
        });
        assert_eq!(CELL.lock().get(), 4 * common::scaled(1_000) as u32);
    }
}

/// Compiles only for types whose shared references may cross `catch_unwind`.
fn assert_unwind_safe<T: ?Sized + std::panic::RefUnwindSafe + std::panic::UnwindSafe>() {}

mod context {
    use super::*;

    for_each_context_backend! {
        // A `Mutex<()>`, the guard count and the holder's id.
        const _: () = assert!(size_of::<sync::ReentrantMutex<()>>() == 8 + size_of::<usize>());

        static REENTRANT: sync::ReentrantMutex<[u8; 3]> = sync::ReentrantMutex::new([7, 8, 9]);

        #[test]
        fn reentrant_mutex_layout_static_and_auto_traits() {
            assert_eq!(size_of::<sync::ReentrantMutex<()>>(), 8 + size_of::<usize>());
            assert_eq!(*REENTRANT.lock(), [7, 8, 9]);
            assert!(!REENTRANT.is_locked());
            // Like `Mutex`, shared for `T: Send` (one context at a time reads `T`).
            assert_sync::<sync::ReentrantMutex<Cell<u32>>>();
            assert_send::<sync::ReentrantMutex<Cell<u32>>>();
            assert_sync::<sync::ReentrantMutexGuard<'static, u32>>();
        }
    }
}

// On hosted targets the crate-root names are the `futex` names, and they infer with no annotation.
#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "freebsd",
    target_vendor = "apple",
    windows
))]
#[test]
fn root_names_are_the_futex_names() {
    let m = baresync::Mutex::new(0);
    let _: &baresync::futex::Mutex<i32> = &m;
    let _: baresync::futex::Condvar = baresync::Condvar::new();
    let _: baresync::futex::Event = baresync::Event::new();
    let _: baresync::futex::Semaphore = baresync::Semaphore::new(1);
    let _: baresync::futex::BoundedSemaphore = baresync::BoundedSemaphore::new(1);
    let _: baresync::futex::Barrier = baresync::Barrier::new(1);
    let _: baresync::futex::Once = baresync::Once::new();
    let _: baresync::futex::OnceLock<u8> = baresync::OnceLock::new();
    let _: &baresync::futex::LazyLock<u8> = &baresync::LazyLock::new(|| 1);
    let _: baresync::futex::ReentrantMutex<u8> = baresync::ReentrantMutex::new(1);
    let _: baresync::futex::RwLock<u8> = baresync::RwLock::new(0);
    assert_eq!(*m.lock(), 0);
}

const _: () = assert!(size_of::<baresync::Mutex<()>>() == 4);
const _: () = assert!(size_of::<baresync::Once>() == 4);
const _: () = assert!(size_of::<baresync::RwLock<()>>() == 8);

#[test]
fn error_types_are_send_sync_errors() {
    fn assert_error<E: std::error::Error + Send + Sync + 'static>() {}
    assert_error::<baresync::SemaphoreOverflowError>();
    assert_error::<baresync::BrokenBarrierError>();
    assert_send::<baresync::WaitTimeoutResult>();
    assert_sync::<baresync::BarrierWaitResult>();
}
