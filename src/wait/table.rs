//! An address-keyed wait table: the part of an RTOS hook where lost wake-ups hide, written once.
//!
//! A [`Hook`](super::Hook) (or any [`Wait`](super::Wait) backend) for a scheduler without a
//! wait-on-address service forwards to a `static` [`WaitTable`], and the RTOS supplies two
//! operations through [`Task`]: block the running task, and unblock a given one.
//!
//! # Design
//!
//! - **Buckets.** `BUCKETS` lists, chosen by a hash of the word's address. Each bucket is guarded
//!   by a short critical section of the [`critical-section`](https://docs.rs/critical-section)
//!   crate, so wakes work from interrupt handlers and from other cores (the binary picks the
//!   implementation: an RTOS's own, or a multi-core HAL's). Words that share a bucket only share
//!   its lock: each record carries its address, and a wake reaches only the waiters of its own.
//! - **Records on the waiters' stacks.** A waiting task's record (address, task handle, link,
//!   state) lives in its own stack frame and is linked into the bucket's intrusive list while it
//!   waits. Nothing is allocated, and the table's size is `BUCKETS` pointers.
//! - **Wake under the lock.** A waker, inside the bucket's critical section, unlinks the record,
//!   calls [`Task::unblock`] on its task, and only then marks it woken. A record is therefore
//!   either linked and waiting, or unlinked and woken, never in between as seen from the lock.
//!
//! # Why no wake-up is lost
//!
//! The waiter checks the word and links its record in one critical section; the waker changes the
//! word first, then takes the same critical section to find records. If the waker's section comes
//! first, the waiter's check sees the change and it does not wait. If it comes after, the record
//! is linked and the waker unblocks it. Unblocking is *sticky* ([`Task`]): an `unblock` that comes
//! before the waiter's `block` makes that `block` return at once.
//!
//! After `block` returns, the waiter looks at its record's state: woken means done. Not woken
//! may mean a spurious return (or a token left by an earlier wait), or a waker that is inside its
//! critical section between `unblock` and marking the record: so the waiter takes the critical
//! section and looks again. Once it holds it, the waker has finished, and "not woken" really
//! means "still linked", so blocking again is safe: the token it consumed was not this wake's.
//!
//! A timed-out waiter takes the critical section and either finds itself woken (it reports a
//! wake) or unlinks itself (a timeout): a wake is never both delivered and reported as a timeout.
//! A waiter that returns (or unwinds) always leaves the list first, and a waker touches a record
//! only inside the critical section while it is linked, so no waker ever touches a record after
//! its task returned. In particular the task handle is no longer used once the waiter sees its
//! record woken: a task may exit or be deleted right after its wait returns.
//!
//! # Orderings
//!
//! Inside a bucket's critical section, everything is Relaxed: the critical section orders it (the
//! `critical-section` contract). The one access outside is the waiter's first look at its state
//! after `block` returns: an Acquire load that pairs with the waker's Release store, so that the
//! waker's last use of the record (the `unblock`) happens before the waiter frees it.
//!
use core::time::Duration;

use super::{AtomicU32, Clock, Deadline};
use crate::primitive::{Ordering, UnsafeCell, const_fn};

/// What a [`WaitTable`] needs of a scheduler: a handle of the running task, and a way to block it
/// until another context unblocks it.
///
/// # Contract
///
/// - **Sticky unblock.** [`unblock`](Task::unblock) of a task that is not blocked yet makes its
///   next [`block`](Task::block) return at once: a notification, a binary semaphore or an event
///   flag per task, not suspend/resume.
/// - **Spurious returns are fine.** `block` may return without an `unblock`; a token left over
///   from an earlier wait is such a return. The table re-checks its own state and blocks again.
/// - **`unblock` never blocks.** The table calls it inside a bucket's critical section, possibly
///   from an interrupt handler (a handler that wakes): use the scheduler's interrupt-safe variant
///   there.
/// - **Keep the tokens private.** If other code also unblocks tasks through the same mechanism,
///   its tokens only cause spurious returns; but if other code *consumes* it (waits on the same
///   notification), it can swallow the table's token and the waiter sleeps on. Give the table a
///   mechanism of its own (a FreeRTOS notification index, a semaphore per task).
///
/// # Examples
///
/// Host threads as tasks: `park` is a sticky block, `unpark` the unblock.
///
/// ```
/// use baresync::wait::Task;
///
/// struct Thread(std::thread::Thread);
///
/// impl Task for Thread {
///     fn current() -> Self {
///         Thread(std::thread::current())
///     }
///     fn block() {
///         std::thread::park();
///     }
///     fn unblock(task: &Self) {
///         task.0.unpark();
///     }
/// }
///
/// // An unblock before the block is not lost.
/// Thread::unblock(&Thread::current());
/// Thread::block();
/// ```
pub trait Task: Sized {
    /// The handle of the running task.
    fn current() -> Self;

    /// Blocks the running task until it is unblocked (or spuriously); returns at once if an
    /// unblock came first.
    fn block();

    /// Unblocks `task` (or makes its next [`block`](Task::block) return at once). Called inside a
    /// critical section, possibly from an interrupt handler: must not block.
    fn unblock(task: &Self);
}

/// A [`Task`] that can also block for a bounded time: what a [`WaitTable`] needs for
/// [`wait_timeout`](WaitTable::wait_timeout).
///
/// # Examples
///
/// ```
/// use baresync::wait::{Clock, Task, TaskTimeout};
/// use core::time::Duration;
///
/// struct Thread(std::thread::Thread);
///
/// impl Task for Thread {
///     fn current() -> Self {
///         Thread(std::thread::current())
///     }
///     fn block() {
///         std::thread::park();
///     }
///     fn unblock(task: &Self) {
///         task.0.unpark();
///     }
/// }
///
/// struct Uptime;
/// impl Clock for Uptime {
///     fn now() -> Duration {
///         static BOOT: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
///         BOOT.get_or_init(std::time::Instant::now).elapsed()
///     }
/// }
///
/// impl TaskTimeout for Thread {
///     type Clock = Uptime;
///     fn block_timeout(timeout: Duration) {
///         std::thread::park_timeout(timeout);
///     }
/// }
///
/// let start = Uptime::now();
/// Thread::block_timeout(Duration::from_millis(5)); // nobody unblocks: it times out
/// assert!(Uptime::now() - start >= Duration::from_millis(5));
/// ```
pub trait TaskTimeout: Task {
    /// The clock the table measures deadlines on (the scheduler's tick count, for instance).
    type Clock: Clock;

    /// Blocks like [`Task::block`] for at most about `timeout`. It may return early (the table
    /// blocks again for the time left) but should not return much later.
    fn block_timeout(timeout: Duration);
}

/// The record's states.
const WAITING: u32 = 0;
const WOKEN: u32 = 1;

/// A waiting task's record, on its own stack while it waits (see the module docs).
struct Waiter<T> {
    /// The address of the word it waits on.
    key: usize,
    task: T,
    /// The next record of the bucket's list; read and written only in the bucket's critical
    /// section.
    next: UnsafeCell<*const Waiter<T>>,
    /// `WAITING` while linked, `WOKEN` once a waker unlinked it (set last, see the module docs).
    state: AtomicU32,
}

/// One list of waiting records, and what guards it.
struct Bucket<T> {
    /// The first record, or null; read and written only in the critical section.
    head: UnsafeCell<*const Waiter<T>>,
    /// Under loom, a loom mutex stands in for the critical section, so that the model sees it.
    #[cfg(loom)]
    lock: loom::sync::Mutex<()>,
}

impl<T> Bucket<T> {
    const_fn! {
        fn new() -> Self {
            Self {
                head: UnsafeCell::new(core::ptr::null()),
                #[cfg(loom)]
                lock: loom::sync::Mutex::new(()),
            }
        }
    }

    /// Runs `f` in this bucket's critical section.
    #[inline]
    fn locked<R>(&self, f: impl FnOnce() -> R) -> R {
        #[cfg(not(loom))]
        return critical_section::with(|_| f());
        #[cfg(loom)]
        {
            let _guard = self
                .lock
                .lock()
                .unwrap_or_else(|poison| poison.into_inner());
            f()
        }
    }

    /// Appends `waiter` to the list (FIFO: `wake_one` takes the oldest).
    ///
    /// # Safety
    ///
    /// In the critical section; `waiter` is unlinked and stays alive until it is unlinked again.
    unsafe fn push(&self, waiter: *const Waiter<T>) {
        let mut link = &self.head;
        loop {
            let next = link.with(|next| {
                // SAFETY: in the critical section (caller), which guards every link.
                unsafe { *next }
            });
            if next.is_null() {
                break;
            }
            // SAFETY: every linked record is alive (a waiter leaves the list before it returns).
            link = unsafe { &(*next).next };
        }
        // SAFETY: in the critical section; `link` is the last link of the list.
        link.with_mut(|last| unsafe { *last = waiter });
    }

    /// Unlinks the first record for which `pick` holds, and returns it.
    ///
    /// # Safety
    ///
    /// In the critical section.
    unsafe fn unlink_first(&self, mut pick: impl FnMut(&Waiter<T>) -> bool) -> Option<&Waiter<T>> {
        let mut link = &self.head;
        loop {
            // SAFETY: in the critical section (caller), which guards every link.
            let current = link.with(|current| unsafe { *current });
            // SAFETY: every linked record is alive (a waiter leaves the list before it returns).
            let record = unsafe { current.as_ref() }?;
            if pick(record) {
                // SAFETY: in the critical section; `record` is reachable, so its `next` is too.
                let after = record.next.with(|next| unsafe { *next });
                // SAFETY: in the critical section.
                link.with_mut(|link| unsafe { *link = after });
                return Some(record);
            }
            link = &record.next;
        }
    }
}

/// An address-keyed wait table with `BUCKETS` buckets, for writing a [`Wait`](super::Wait)
/// backend (usually the one registered with [`set_wait_hook!`](crate::set_wait_hook)) over a
/// scheduler that can block and unblock tasks ([`Task`]).
///
/// Its methods have the signatures and the contract of [`Wait`](super::Wait) and
/// [`WaitTimeout`](super::WaitTimeout), so a backend forwards to a `static` table. No allocation:
/// each waiting task's record lives on its own stack, linked into a bucket's list while it waits.
/// Each bucket is a short critical section of the `critical-section` crate, so wakes work from
/// interrupt handlers and other cores; a waker unblocks a task inside that critical section and
/// only then marks its record woken, which is why no wake-up is lost and no record is touched
/// after its task returned (the full argument is in the module source, `src/wait/table.rs`).
/// Below are the FreeRTOS and Zephyr mappings.
///
/// `BUCKETS` trades memory (one pointer each) for how often unrelated words share a bucket's
/// list; 16 to 64 is plenty for a firmware's handful of blocking primitives. Each operation takes
/// one bucket's critical section for a walk of that bucket's list (`wake_all` for all of its
/// matching records), so keep waiters per bucket few.
///
/// # On an RTOS
///
/// **FreeRTOS**, with a task notification index of its own, so that other users of index 0
/// (stream buffers, a driver's `ulTaskNotifyTake`) never consume the table's tokens nor send it
/// theirs:
///
/// | [`Task`] | FreeRTOS |
/// | --- | --- |
/// | `current()` | `xTaskGetCurrentTaskHandle()` |
/// | `block()` | `xTaskNotifyWaitIndexed(INDEX, 0, u32::MAX, NULL, portMAX_DELAY)` |
/// | `block_timeout(t)` ([`TaskTimeout`]) | the same with `t` in ticks, rounded up |
/// | `unblock(task)` | `xTaskNotifyGiveIndexed(task, INDEX)`; in an interrupt `vTaskNotifyGiveIndexedFromISR`, then `portYIELD_FROM_ISR` |
/// | clock ([`TaskTimeout::Clock`]) | `xTaskGetTickCount()` (`xTaskGetTickCountFromISR()` in an interrupt) times the tick period |
/// | critical section | `taskENTER_CRITICAL_FROM_ISR` / `taskEXIT_CRITICAL_FROM_ISR` behind `critical_section::set_impl!` (callable from tasks and from interrupts up to `configMAX_SYSCALL_INTERRUPT_PRIORITY`) |
///
/// `INDEX` must be below `configTASK_NOTIFICATION_ARRAY_ENTRIES` (set it to 2 or more and use
/// 1). The `...Indexed` names are C macros over `xTaskGenericNotifyWait`,
/// `xTaskGenericNotify(task, INDEX, 0, eIncrement, NULL)` and `vTaskGenericNotifyGiveFromISR`,
/// which Rust calls directly. The complete hook (FreeRTOS 10.4 or later, 32-bit ticks, a 1 kHz
/// tick; the C API is declared by hand, so it needs no bindings crate):
///
/// ```
/// use baresync::wait::{AtomicU32, Clock, Task, TaskTimeout, Wait, WaitTable, WaitTimeout};
/// use core::ffi::c_void;
/// use core::time::Duration;
///
/// type TaskHandle = *mut c_void;
/// const PD_TRUE: i32 = 1;
/// const PORT_MAX_DELAY: u32 = u32::MAX;
/// const E_INCREMENT: u32 = 2; // eNotifyAction::eIncrement
/// const TICK_HZ: u64 = 1_000; // configTICK_RATE_HZ
/// /// The table's own notification index (configTASK_NOTIFICATION_ARRAY_ENTRIES >= 2).
/// const INDEX: u32 = 1;
///
/// unsafe extern "C" {
///     fn xTaskGetCurrentTaskHandle() -> TaskHandle;
///     fn xTaskGenericNotifyWait(index: u32, clear_on_entry: u32, clear_on_exit: u32,
///                               value: *mut u32, ticks: u32) -> i32;
///     fn xTaskGenericNotify(task: TaskHandle, index: u32, value: u32, action: u32,
///                           previous: *mut u32) -> i32;
///     fn vTaskGenericNotifyGiveFromISR(task: TaskHandle, index: u32, woken: *mut i32);
///     fn xPortIsInsideInterrupt() -> i32;
///     fn xTaskGetTickCount() -> u32;
///     fn xTaskGetTickCountFromISR() -> u32;
///     fn vPortYieldFromISR(); // what portYIELD_FROM_ISR(pdTRUE) does (pend PendSV on Cortex-M)
/// }
///
/// struct FreeRtosTask(TaskHandle);
/// // SAFETY: a task handle may be used from any task or interrupt.
/// unsafe impl Sync for FreeRtosTask {}
///
/// impl Task for FreeRtosTask {
///     fn current() -> Self {
///         // SAFETY: called from a task (blocking calls never run in interrupts).
///         FreeRtosTask(unsafe { xTaskGetCurrentTaskHandle() })
///     }
///     fn block() {
///         // SAFETY: waits on the table's own index of the calling task's notifications.
///         unsafe { xTaskGenericNotifyWait(INDEX, 0, u32::MAX, core::ptr::null_mut(), PORT_MAX_DELAY) };
///     }
///     fn unblock(task: &Self) {
///         // SAFETY: the handle is a live task's: the table unblocks only linked waiters.
///         unsafe {
///             if xPortIsInsideInterrupt() == PD_TRUE {
///                 let mut woken = 0;
///                 vTaskGenericNotifyGiveFromISR(task.0, INDEX, &mut woken);
///                 if woken == PD_TRUE {
///                     vPortYieldFromISR();
///                 }
///             } else {
///                 xTaskGenericNotify(task.0, INDEX, 0, E_INCREMENT, core::ptr::null_mut());
///             }
///         }
///     }
/// }
///
/// struct Ticks;
/// impl Clock for Ticks {
///     fn now() -> Duration {
///         // SAFETY: plain reads of the tick count, in the context's own flavour.
///         let ticks = unsafe {
///             if xPortIsInsideInterrupt() == PD_TRUE { xTaskGetTickCountFromISR() } else { xTaskGetTickCount() }
///         };
///         // A 32-bit tick count wraps after 49 days at 1 kHz; extend it if the firmware runs longer.
///         Duration::from_millis(u64::from(ticks) * 1_000 / TICK_HZ)
///     }
/// }
///
/// impl TaskTimeout for FreeRtosTask {
///     type Clock = Ticks;
///     fn block_timeout(timeout: Duration) {
///         let ticks = timeout.as_nanos().div_ceil(1_000_000_000 / u128::from(TICK_HZ));
///         let ticks = u32::try_from(ticks).unwrap_or(PORT_MAX_DELAY - 1).min(PORT_MAX_DELAY - 1);
///         // SAFETY: as in `block`, bounded.
///         unsafe { xTaskGenericNotifyWait(INDEX, 0, u32::MAX, core::ptr::null_mut(), ticks) };
///     }
/// }
///
/// static TABLE: WaitTable<FreeRtosTask, 32> = WaitTable::new();
///
/// struct FreeRtosWait;
/// impl Wait for FreeRtosWait {
///     fn wait(word: &AtomicU32, expected: u32) {
///         TABLE.wait(word, expected);
///     }
///     fn wake_one(word: *const AtomicU32) {
///         TABLE.wake_one(word);
///     }
///     fn wake_all(word: *const AtomicU32) {
///         TABLE.wake_all(word);
///     }
/// }
/// impl WaitTimeout for FreeRtosWait {
///     type Clock = Ticks;
///     fn wait_timeout(word: &AtomicU32, expected: u32, timeout: Duration) -> bool {
///         TABLE.wait_timeout(word, expected, timeout)
///     }
/// }
///
/// baresync::set_wait_hook!(FreeRtosWait);
///
/// // Tasks (here: host threads) block on `hook::` names; an interrupt handler would `set` too.
/// static FRAME_READY: baresync::hook::Event = baresync::hook::Event::new();
///
/// fn main() {
///     std::thread::scope(|s| {
///         s.spawn(|| FRAME_READY.set());
///         FRAME_READY.wait();
///         assert!(FRAME_READY.wait_timeout(Duration::from_millis(1)));
///     });
/// }
/// # // Host stand-ins for the FreeRTOS kernel (each thread is a task with one notification
/// # // slot at INDEX), and the binary's critical-section implementation.
/// # mod kernel {
/// #     use std::sync::{Condvar, Mutex};
/// #     use std::time::{Duration, Instant};
/// #     pub struct Slot { value: Mutex<u32>, posted: Condvar }
/// #     std::thread_local!(static SLOT: &'static Slot = Box::leak(Box::new(Slot { value: Mutex::new(0), posted: Condvar::new() })));
/// #     #[unsafe(no_mangle)] extern "C" fn xTaskGetCurrentTaskHandle() -> super::TaskHandle {
/// #         SLOT.with(|s| *s as *const Slot as super::TaskHandle)
/// #     }
/// #     #[unsafe(no_mangle)] extern "C" fn xTaskGenericNotifyWait(index: u32, _: u32, _: u32, _: *mut u32, ticks: u32) -> i32 {
/// #         assert_eq!(index, super::INDEX);
/// #         let slot = SLOT.with(|s| *s);
/// #         let end = Instant::now() + Duration::from_millis(u64::from(ticks.min(60_000)));
/// #         let mut value = slot.value.lock().unwrap();
/// #         while *value == 0 {
/// #             let left = end.saturating_duration_since(Instant::now());
/// #             if left.is_zero() { return 0; }
/// #             value = slot.posted.wait_timeout(value, left).unwrap().0;
/// #         }
/// #         *value = 0;
/// #         1
/// #     }
/// #     #[unsafe(no_mangle)] extern "C" fn xTaskGenericNotify(task: super::TaskHandle, index: u32, _: u32, action: u32, _: *mut u32) -> i32 {
/// #         assert_eq!((index, action), (super::INDEX, super::E_INCREMENT));
/// #         // SAFETY: handles are leaked slots.
/// #         let slot = unsafe { &*(task as *const Slot) };
/// #         *slot.value.lock().unwrap() += 1;
/// #         slot.posted.notify_one();
/// #         1
/// #     }
/// #     #[unsafe(no_mangle)] extern "C" fn vTaskGenericNotifyGiveFromISR(task: super::TaskHandle, index: u32, woken: *mut i32) {
/// #         xTaskGenericNotify(task, index, 0, super::E_INCREMENT, core::ptr::null_mut());
/// #         // SAFETY: the caller passes a valid pointer.
/// #         unsafe { *woken = 0 };
/// #     }
/// #     #[unsafe(no_mangle)] extern "C" fn xPortIsInsideInterrupt() -> i32 { 0 }
/// #     #[unsafe(no_mangle)] extern "C" fn vPortYieldFromISR() {}
/// #     fn ticks() -> u32 {
/// #         static BOOT: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
/// #         BOOT.get_or_init(Instant::now).elapsed().as_millis() as u32
/// #     }
/// #     #[unsafe(no_mangle)] extern "C" fn xTaskGetTickCount() -> u32 { ticks() }
/// #     #[unsafe(no_mangle)] extern "C" fn xTaskGetTickCountFromISR() -> u32 { ticks() }
/// #     struct HostCs;
/// #     critical_section::set_impl!(HostCs);
/// #     static CS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
/// #     // SAFETY: a global spin lock; the table never nests critical sections.
/// #     unsafe impl critical_section::Impl for HostCs {
/// #         unsafe fn acquire() -> critical_section::RawRestoreState {
/// #             use std::sync::atomic::Ordering::{Acquire, Relaxed};
/// #             while CS.compare_exchange_weak(false, true, Acquire, Relaxed).is_err() { std::thread::yield_now(); }
/// #         }
/// #         unsafe fn release(_: critical_section::RawRestoreState) {
/// #             CS.store(false, std::sync::atomic::Ordering::Release);
/// #         }
/// #     }
/// # }
/// ```
///
/// **Zephyr**, with a semaphore per thread (a `k_poll_signal` works the same way):
///
/// | [`Task`] | Zephyr |
/// | --- | --- |
/// | `current()` | a pointer to the running thread's `struct k_sem` (limit 1), kept with `k_thread_custom_data_set()` or in a thread-local |
/// | `block()` | `k_sem_take(sem, K_FOREVER)` |
/// | `block_timeout(t)` | `k_sem_take(sem, K_NSEC(t))` |
/// | `unblock(task)` | `k_sem_give(sem)` (callable from interrupts) |
/// | clock | `k_uptime_ticks()` through `k_ticks_to_ns_floor64` |
/// | critical section | `irq_lock`/`irq_unlock` (one core) or a `k_spinlock` (SMP) |
///
/// `k_wakeup` and `k_thread_resume` are not sticky (an unblock that comes first is lost), so they
/// do not fit `Task`; `k_futex_wait` would need each word to be a `struct k_futex` kernel object.
///
/// # Examples
///
/// A complete backend on host threads (an RTOS would use its own `Task`; the critical section
/// is the binary's `critical-section` implementation, here a stand-in):
///
/// ```
/// use baresync::wait::{AtomicU32, Task, Wait, WaitTable};
///
/// struct Thread(std::thread::Thread);
/// impl Task for Thread {
///     fn current() -> Self {
///         Thread(std::thread::current())
///     }
///     fn block() {
///         std::thread::park();
///     }
///     fn unblock(task: &Self) {
///         task.0.unpark();
///     }
/// }
///
/// static TABLE: WaitTable<Thread, 16> = WaitTable::new();
///
/// struct TableWait;
/// impl Wait for TableWait {
///     fn wait(word: &AtomicU32, expected: u32) {
///         TABLE.wait(word, expected);
///     }
///     fn wake_one(word: *const AtomicU32) {
///         TABLE.wake_one(word);
///     }
///     fn wake_all(word: *const AtomicU32) {
///         TABLE.wake_all(word);
///     }
/// }
///
/// mod sync {
///     baresync::backend_aliases!(super::TableWait);
/// }
///
/// static COUNT: sync::Mutex<u32> = sync::Mutex::new(0);
///
/// fn main() {
///     std::thread::scope(|s| {
///         for _ in 0..4 {
///             s.spawn(|| {
///                 for _ in 0..1000 {
///                     *COUNT.lock() += 1;
///                 }
///             });
///         }
///     });
///     assert_eq!(*COUNT.lock(), 4000);
/// }
/// # // The binary's critical-section implementation (an RTOS supplies its own).
/// # struct HostCs;
/// # critical_section::set_impl!(HostCs);
/// # static CS: std::sync::Mutex<()> = std::sync::Mutex::new(());
/// # std::thread_local!(static GUARD: std::cell::RefCell<Option<std::sync::MutexGuard<'static, ()>>> = const { std::cell::RefCell::new(None) });
/// # // SAFETY: acquire and release pair up per thread; nesting is not used here.
/// # unsafe impl critical_section::Impl for HostCs {
/// #     unsafe fn acquire() -> critical_section::RawRestoreState {
/// #         let guard = CS.lock().unwrap_or_else(|p| p.into_inner());
/// #         GUARD.with(|g| *g.borrow_mut() = Some(guard));
/// #     }
/// #     unsafe fn release(_: critical_section::RawRestoreState) {
/// #         GUARD.with(|g| g.borrow_mut().take());
/// #     }
/// # }
/// ```
pub struct WaitTable<T, const BUCKETS: usize> {
    buckets: [Bucket<T>; BUCKETS],
}

// SAFETY: the lists hold pointers to records on waiting tasks' stacks; every access to a list or
// a record other than the waiter's own state load happens inside the bucket's critical section,
// and a waker uses a record's task only as `&T` from another context, hence `T: Sync`.
unsafe impl<T: Sync, const BUCKETS: usize> Sync for WaitTable<T, BUCKETS> {}

impl<T: Task, const BUCKETS: usize> WaitTable<T, BUCKETS> {
    const_fn! {
        /// An empty table.
        ///
        /// # Panics
        ///
        /// At compile time if `BUCKETS` is 0.
        pub fn new() -> Self {
            const { assert!(BUCKETS > 0, "a WaitTable needs at least one bucket") };
            #[cfg(not(loom))]
            return Self {
                buckets: [const { Bucket::new() }; BUCKETS],
            };
            #[cfg(loom)]
            return Self {
                buckets: core::array::from_fn(|_| Bucket::new()),
            };
        }
    }

    /// The bucket of the word at `key`.
    #[inline]
    fn bucket(&self, key: usize) -> &Bucket<T> {
        // Fibonacci hashing of the word index (words are 4-byte aligned).
        let hash = (key >> 2).wrapping_mul(0x9E37_79B9);
        &self.buckets[hash % BUCKETS]
    }

    /// Blocks the running task while `*word == expected`, until a [`wake_one`](Self::wake_one)
    /// or [`wake_all`](Self::wake_all) on `word` reaches it. The [`Wait::wait`](super::Wait::wait)
    /// contract: the check is atomic with respect to the wakes, so a wake that follows a change
    /// of the word is never lost.
    pub fn wait(&self, word: &AtomicU32, expected: u32) {
        let waiter = Waiter::new(word, T::current());
        let Some(linked) = self.link(&waiter, word, expected) else {
            return;
        };
        loop {
            T::block();
            if linked.woken() {
                return;
            }
        }
    }

    /// Blocks the running task while `*word == expected`, for at most about `timeout`; returns
    /// `false` when the time ran out without a wake, `true` otherwise (woken, or the word had
    /// changed). The [`WaitTimeout::wait_timeout`](super::WaitTimeout::wait_timeout) contract.
    pub fn wait_timeout(&self, word: &AtomicU32, expected: u32, timeout: Duration) -> bool
    where
        T: TaskTimeout,
    {
        let deadline = Deadline::<T::Clock>::after(timeout);
        let waiter = Waiter::new(word, T::current());
        let Some(linked) = self.link(&waiter, word, expected) else {
            return true;
        };
        while let Some(left) = deadline.remaining() {
            T::block_timeout(left);
            if linked.woken() {
                return true;
            }
        }
        linked.leave()
    }

    /// Wakes the task that has waited longest on `word`, if any; returns whether there was one.
    /// Callable from interrupt handlers (the [`Task::unblock`] of `T` permitting). `word` is only
    /// a key: it is never dereferenced.
    pub fn wake_one(&self, word: *const AtomicU32) -> bool {
        let key = word.addr();
        let bucket = self.bucket(key);
        bucket.locked(|| {
            // SAFETY: in the bucket's critical section.
            let record = unsafe { bucket.unlink_first(|record| record.key == key) };
            record.map(Waiter::wake).is_some()
        })
    }

    /// Wakes every task waiting on `word`, in one critical section; returns how many there
    /// were. Callable from interrupt handlers, as [`wake_one`](Self::wake_one).
    pub fn wake_all(&self, word: *const AtomicU32) -> usize {
        let key = word.addr();
        let bucket = self.bucket(key);
        bucket.locked(|| {
            let mut woken = 0;
            // SAFETY: in the bucket's critical section.
            while let Some(record) = unsafe { bucket.unlink_first(|record| record.key == key) } {
                record.wake();
                woken += 1;
            }
            woken
        })
    }

    /// How many tasks wait on `word` right now: a snapshot, for diagnostics and tests (it takes
    /// the bucket's critical section for a walk of its list).
    pub fn waiting(&self, word: *const AtomicU32) -> usize {
        let key = word.addr();
        let bucket = self.bucket(key);
        bucket.locked(|| {
            let mut count = 0;
            // SAFETY: in the bucket's critical section; `pick` never picks, so nothing is
            // unlinked: it only visits every record.
            unsafe {
                bucket.unlink_first(|record| {
                    count += usize::from(record.key == key);
                    false
                })
            };
            count
        })
    }

    /// Links `waiter` if `*word` still holds `expected`, in one critical section.
    fn link<'a>(
        &'a self,
        waiter: &'a Waiter<T>,
        word: &AtomicU32,
        expected: u32,
    ) -> Option<Linked<'a, T>> {
        let bucket = self.bucket(waiter.key);
        bucket.locked(|| {
            // Relaxed: the critical section orders this load after any waker's critical
            // section that came first, and a waker changes the word before its wake.
            if word.load(Ordering::Relaxed) != expected {
                return None;
            }
            // SAFETY: in the critical section; `waiter` is not linked yet, and the `Linked`
            // returned unlinks it before the waiter's frame ends, even when unwinding.
            unsafe { bucket.push(waiter) };
            Some(Linked { bucket, waiter })
        })
    }
}

impl<T, const BUCKETS: usize> core::fmt::Debug for WaitTable<T, BUCKETS> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The buckets' lists are read under their locks only; their length is what is free to show.
        f.debug_struct("WaitTable")
            .field("buckets", &BUCKETS)
            .finish_non_exhaustive()
    }
}

impl<T: Task, const BUCKETS: usize> Default for WaitTable<T, BUCKETS> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> Waiter<T> {
    fn new(word: &AtomicU32, task: T) -> Self {
        Self {
            key: (word as *const AtomicU32).addr(),
            task,
            next: UnsafeCell::new(core::ptr::null()),
            state: AtomicU32::new(WAITING),
        }
    }
}

impl<T: Task> Waiter<T> {
    /// Unblocks the record's task, then marks it woken: the waker's last touch of the record.
    /// In the critical section, right after unlinking it.
    fn wake(&self) {
        T::unblock(&self.task);
        // Release: pairs with the Acquire in `Linked::woken`, so that the `unblock` above
        // happens before the waiter frees the record.
        self.state.store(WOKEN, Ordering::Release);
    }
}

/// A record linked into its bucket: unlinked again (if no waker did it) before the waiter's
/// frame ends, whether it returns or unwinds.
struct Linked<'a, T> {
    bucket: &'a Bucket<T>,
    waiter: &'a Waiter<T>,
}

impl<T> Linked<'_, T> {
    /// Whether a waker has unlinked and woken the record (see the module docs for why the
    /// critical section is taken when the quick look says no).
    fn woken(&self) -> bool {
        // Acquire: pairs with the Release in `Waiter::wake`.
        self.waiter.state.load(Ordering::Acquire) == WOKEN
            || self
                .bucket
                .locked(|| self.waiter.state.load(Ordering::Relaxed) == WOKEN)
    }

    /// Unlinks the record unless a waker did; returns whether one did (a wake, not a timeout).
    fn leave(self) -> bool {
        let woken = self.unlink();
        core::mem::forget(self);
        woken
    }

    /// `leave`, for `leave` and `drop`.
    fn unlink(&self) -> bool {
        // Acquire: as in `woken`.
        if self.waiter.state.load(Ordering::Acquire) == WOKEN {
            return true;
        }
        self.bucket.locked(|| {
            if self.waiter.state.load(Ordering::Relaxed) == WOKEN {
                return true;
            }
            // SAFETY: in the critical section; the record is still linked (not woken).
            let unlinked = unsafe {
                self.bucket
                    .unlink_first(|record| core::ptr::eq(record, self.waiter))
            };
            debug_assert!(unlinked.is_some(), "a waiting record is always linked");
            false
        })
    }
}

impl<T> Drop for Linked<'_, T> {
    fn drop(&mut self) {
        self.unlink();
    }
}
