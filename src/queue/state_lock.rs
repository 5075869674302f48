//! `StateLock`: how the lock-based queues (`PriorityQueue`, `LifoQueue`) guard their state.
//!
//! | target | lock | a verb that finds it held |
//! | --- | --- | --- |
//! | hosted (and `cfg(loom)`) | the crate's [`Mutex`](crate::generic::Mutex) on the queue's backend `W` | polls briefly, then sleeps through `W` while the holder runs |
//! | bare metal (`target_os = "none"`) | a critical section ([`critical_section::with`]) | cannot: nothing preempts a holder |
//!
//! On one core, a handler that interrupts the holder of an ordinary lock can never take it: a
//! `try_push` or `try_pop` there would wait for code that cannot run until the handler returns.
//! A critical section masks interrupts (and, in a multi-core implementation, takes a spinlock
//! held only by running code), so a holder is never preempted and every verb, the `try_` ones
//! in interrupt handlers included, takes the lock at once. The section lasts one bounded step of
//! the store: `O(log N)` comparisons for the heap, `O(1)` for the stack. The final binary supplies
//! the critical-section implementation, as for `heapless` and `embassy-sync`.
//!
//! On hosted targets another thread is the only other context, and the scheduler runs a
//! preempted holder: the `Mutex` keeps waiting cheap and off the CPU.

use crate::primitive::const_fn;

cfg_critical_section_lock! {
    if {
        use core::cell::RefCell;
        use core::marker::PhantomData;

        /// `T` guarded by a critical section (see the module docs).
        pub(crate) struct StateLock<T, W> {
            state: critical_section::Mutex<RefCell<T>>,
            backend: PhantomData<fn() -> W>,
        }

        impl<T, W> StateLock<T, W> {
            const_fn! {
                /// A lock around `state`.
                pub(crate) fn new(state: T) -> Self {
                    Self {
                        state: critical_section::Mutex::new(RefCell::new(state)),
                        backend: PhantomData,
                    }
                }
            }

            /// Runs `f` on the state inside a critical section.
            ///
            /// # Panics
            ///
            /// If `f` reaches this lock again (a `T::cmp` that uses its own queue): the
            /// `RefCell` refuses the second borrow where a lock would deadlock.
            #[inline]
            pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
                critical_section::with(|cs| f(&mut self.state.borrow_ref_mut(cs)))
            }
        }
    } else {
        use crate::mutex::Mutex;
        use crate::wait::Wait;

        /// `T` guarded by the crate's `Mutex` on backend `W` (see the module docs).
        pub(crate) struct StateLock<T, W> {
            state: Mutex<T, W>,
        }

        impl<T, W> StateLock<T, W> {
            const_fn! {
                /// A lock around `state`.
                pub(crate) fn new(state: T) -> Self {
                    Self { state: Mutex::new(state) }
                }
            }
        }

        impl<T, W: Wait> StateLock<T, W> {
            /// Runs `f` on the state with the lock held (released on unwind too).
            #[inline]
            pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
                f(&mut self.state.lock())
            }
        }
    }
}
