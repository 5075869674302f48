//! Which thread (or execution context) is running: what a reentrant lock needs to know.
//!
//! A [`ReentrantMutex`](crate::generic::ReentrantMutex) lets the context that holds it lock it
//! again, so it must tell the holder from everyone else. A backend that can implements
//! [`ContextId`]; the reentrant types exist only for those backends.
//!
//! | backend | a context is | the id |
//! | --- | --- | --- |
//! | `Futex` | an OS thread | the thread pointer (Linux and Android on x86-64 and AArch64: `pthread_self()`'s value, read inline), `pthread_self()` (other Unix), `GetCurrentThreadId()` (Windows) |
//! | [`Hook`](super::Hook) | whatever the registration says (an RTOS task) | the function registered with `set_wait_hook!(T, context = C)` |
//! | `Wfi` on Cortex-M | thread mode, or one exception handler | the active exception number (IPSR) plus one |
//! | `Wfi` on RISC-V | (none) | no register tells a trap handler from the code it interrupted |
//! | [`Spin`](super::Spin) | (none) | see below |
//!
//! **Why `Spin` has none.** `Spin` is the backend that needs nothing: no OS, no registration,
//! any number of cores. On multi-core bare metal, where it is meant to run, nothing portable
//! tells two contexts apart: Cortex-M's IPSR is the same in thread mode on both cores of an
//! RP2040, and a hart id is the same for a RISC-V hart's main code and its trap handler. An id
//! that two live contexts share would let both into a reentrant lock at once, so `Spin` offers
//! none rather than a wrong one. Pair it with your own id in a backend of your own (a core id
//! register and the exception number, say): implement [`Wait`](super::Wait) by forwarding to
//! `Spin`, implement `ContextId`, and bind the family with
//! `backend_aliases!(YourBackend, context)`.
//!
//! **`Wfi`'s contexts.** `Wfi` runs on one core without an RTOS: thread mode is one context and
//! each exception handler another. On Cortex-M an exception cannot preempt itself, so while a
//! handler runs no other live context has its exception number, and IPSR + 1 is unique among
//! the contexts alive at any moment: a handler's `try_lock` on a lock that thread mode holds
//! returns `None`, as for another thread. (A handler must not block on it: see
//! [`Wfi`](super::Wfi)'s scope.) RISC-V machine mode has no such register (`mcause` keeps its
//! value after `mret`), so `Wfi` has no `ContextId` there.

use core::num::NonZeroUsize;

/// A backend that can tell which thread (or execution context) is running.
///
/// [`current`](Self::current) returns an id of the calling context: the same id every time
/// the same context asks, and an id that no other live context has. An id may be reused once
/// its context has ended (a thread has exited, a handler has returned), as an OS reuses thread
/// ids; this is the contract of `lock_api::GetThreadId`.
///
/// # Safety
///
/// `current` must never return the same value to two contexts that are alive at the same time
/// (running in parallel, or one interrupted by the other), and must return the same value to
/// one context for as long as it lives. A reentrant lock trusts it to tell its holder from
/// everyone else: two contexts with one id would both hold the lock at once and share data
/// that is not `Sync`.
///
/// # Examples
///
/// A backend for an RTOS whose tasks have a handle (here std's thread-local address stands in):
///
/// ```
/// use baresync::wait::{AtomicU32, ContextId, Wait};
/// use core::num::NonZeroUsize;
///
/// struct Rtos;
/// impl Wait for Rtos {
///     fn wait(word: &AtomicU32, expected: u32) {
///         baresync::wait::Futex::wait(word, expected)
///     }
///     fn wake_one(word: *const AtomicU32) {
///         baresync::wait::Futex::wake_one(word)
///     }
///     fn wake_all(word: *const AtomicU32) {
///         baresync::wait::Futex::wake_all(word)
///     }
/// }
///
/// // SAFETY: a thread-local's address is distinct for every live thread and fixed for a
/// // thread's life; it is never 0.
/// unsafe impl ContextId for Rtos {
///     fn current() -> NonZeroUsize {
///         std::thread_local!(static TASK: u8 = const { 0 });
///         TASK.with(|task| NonZeroUsize::new((task as *const u8).addr()).expect("not null"))
///     }
/// }
///
/// mod rtos {
///     baresync::backend_aliases!(super::Rtos, context);
/// }
///
/// fn main() {
///     let m = rtos::ReentrantMutex::new(5);
///     let outer = m.lock();
///     let inner = m.lock(); // the holder may lock again
///     assert_eq!(*outer + *inner, 10);
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot tell which thread is running, so it has no reentrant lock",
    note = "`ReentrantMutex` needs a backend implementing `baresync::wait::ContextId`: `Futex`, `Hook` (registered with a context), `Wfi` on Cortex-M; see `baresync::wait::ContextId`"
)]
pub unsafe trait ContextId {
    /// The id of the calling context: non-zero, unique among live contexts.
    fn current() -> NonZeroUsize;
}
