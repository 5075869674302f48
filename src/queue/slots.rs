//! Item storage: the only code in the crate that writes, reads or drops queued items.
//!
//! - [`Ring`] is a fixed array of slots shared between contexts (`&self`), for the lock-free
//!   queues. Its accessors are `unsafe fn`s: the queue's protocol (positions and stamps) decides
//!   who may touch which slot when, and each call site says why it holds that right. A slot carries
//!   a `stamp` of type `S` next to its value: `AtomicUsize` for the MPMC queue (the per-slot
//!   sequence number), `()` for the SPSC queue.
//!
//! The lock-based queues keep their items in `heapless` containers (`BinaryHeap`, `Vec`).

use core::mem::MaybeUninit;

use crate::primitive::{AtomicUsize, UnsafeCell, const_fn};

/// One storage cell: a possibly-initialized `T` plus the queue's per-slot bookkeeping.
pub(crate) struct Slot<T, S> {
    /// Protocol state for this slot, owned by the queue that uses the ring.
    pub(crate) stamp: S,
    value: UnsafeCell<MaybeUninit<T>>,
}

impl<T, S> Slot<T, S> {
    /// Moves `value` into the slot, which must be free.
    ///
    /// # Safety
    ///
    /// The caller has the exclusive right to write the slot now: no other context reads or
    /// writes it until the caller publishes it. The slot holds no initialized item (one there
    /// would be leaked, never dropped).
    #[inline]
    pub(crate) unsafe fn write(&self, value: T) {
        // SAFETY: exclusivity of the slot is the caller's promise.
        self.value.with_mut(|slot| unsafe { (*slot).write(value) });
    }

    /// Moves the item out, leaving the slot free.
    ///
    /// # Safety
    ///
    /// The slot holds an initialized item whose publication happens-before this call, and the
    /// caller has the exclusive right to take it: nobody else reads, writes or drops it, and the
    /// slot is treated as free afterwards (reading it twice would duplicate the item).
    #[inline]
    pub(crate) unsafe fn read(&self) -> T {
        // SAFETY: initialized and exclusively ours, by the caller's promise. Moving the item out
        // is a write access to the slot: under loom it must happen-after the push that wrote it.
        self.value
            .with_mut(|slot| unsafe { (*slot).assume_init_read() })
    }
}

/// `N` slots, each initialized or not as the owning queue's protocol says.
///
/// The ring never drops its items by itself: the owning queue knows which slots are initialized
/// and drops them with [`Ring::drop_in_place`] in its own `Drop`. `repr(transparent)`: the
/// ring is its array, which `Storage` relies on to index two rings as one.
#[repr(transparent)]
pub(crate) struct Ring<T, S, const N: usize> {
    slots: [Slot<T, S>; N],
}

impl<T, const N: usize> Ring<T, AtomicUsize, N> {
    const_fn! {
        /// An empty ring whose stamps are all zero (the MPMC queue's "lap 0, free" state).
        pub(crate) fn new() -> Self {
            Self { slots: new_slots() }
        }
    }
}

#[cfg(not(loom))]
const fn new_slots<T, const N: usize>() -> [Slot<T, AtomicUsize>; N] {
    [const {
        Slot {
            stamp: AtomicUsize::new(0),
            value: UnsafeCell::new(MaybeUninit::uninit()),
        }
    }; N]
}

// loom's atomics and cells have no `const fn new`.
#[cfg(loom)]
fn new_slots<T, const N: usize>() -> [Slot<T, AtomicUsize>; N] {
    core::array::from_fn(|_| Slot {
        stamp: AtomicUsize::new(0),
        value: UnsafeCell::new(MaybeUninit::uninit()),
    })
}

impl<T, const N: usize> Ring<T, (), N> {
    /// An empty ring without stamps.
    #[cfg(not(loom))]
    pub(crate) const fn new() -> Self {
        Self {
            slots: [const {
                Slot {
                    stamp: (),
                    value: UnsafeCell::new(MaybeUninit::uninit()),
                }
            }; N],
        }
    }

    /// An empty ring without stamps (loom's cells have no `const fn new`).
    #[cfg(loom)]
    pub(crate) fn new() -> Self {
        Self {
            slots: core::array::from_fn(|_| Slot {
                stamp: (),
                value: UnsafeCell::new(MaybeUninit::uninit()),
            }),
        }
    }
}

impl<T, S, const N: usize> Ring<T, S, N> {
    /// Slot `index`, without a bounds check in release builds: the queues' index arithmetic keeps
    /// every index below `N` (a `debug_assert!` says so in debug builds), and a panicking bounds
    /// check in every push and pop would cost code a microcontroller pays for.
    ///
    /// # Safety
    ///
    /// `index < N`.
    #[inline]
    unsafe fn slot(&self, index: usize) -> &Slot<T, S> {
        debug_assert!(index < N, "slot index {index} out of 0..{N}");
        // SAFETY: `index < N`, by the caller's promise.
        unsafe { self.slots.get_unchecked(index) }
    }

    /// Moves `value` into slot `index`, which must be free.
    ///
    /// # Safety
    ///
    /// `index < N`, and the caller has the exclusive right to write slot `index` now: no other
    /// context reads or writes it until the caller publishes it. The slot holds no initialized
    /// item (one there would be leaked, never dropped).
    #[inline]
    pub(crate) unsafe fn write(&self, index: usize, value: T) {
        // SAFETY: `index < N` and exclusivity of the slot are the caller's promise.
        unsafe { self.slot(index).write(value) }
    }

    /// Moves the item out of slot `index`, leaving the slot free.
    ///
    /// # Safety
    ///
    /// `index < N`; slot `index` holds an initialized item whose publication happens-before this
    /// call, and the caller has the exclusive right to take it: nobody else reads, writes or drops
    /// it, and the slot is treated as free afterwards (reading it twice would duplicate the item).
    #[inline]
    pub(crate) unsafe fn read(&self, index: usize) -> T {
        // SAFETY: in bounds, initialized and exclusively ours, by the caller's promise.
        unsafe { self.slot(index).read() }
    }

    /// A shared reference to the item in slot `index`.
    ///
    /// # Safety
    ///
    /// `index < N`; slot `index` holds an initialized item whose publication happens-before this
    /// call, and nobody takes, overwrites or drops it while the returned reference lives.
    #[inline]
    pub(crate) unsafe fn get(&self, index: usize) -> &T {
        // SAFETY: in bounds, initialized and not mutated for the reference's lifetime, by the
        // caller's promise.
        unsafe { self.slot(index) }
            .value
            .with(|slot| unsafe { (*slot).assume_init_ref() })
    }

    /// Drops the item in slot `index` in place, leaving the slot free.
    ///
    /// # Safety
    ///
    /// As for [`read`](Self::read): `index < N`, and the slot holds an initialized item that the
    /// caller exclusively owns and treats as gone afterwards.
    #[inline]
    unsafe fn drop_in_place(&self, index: usize) {
        // SAFETY: in bounds, initialized and exclusively ours, by the caller's promise.
        unsafe { self.slot(index) }
            .value
            .with_mut(|slot| unsafe { (*slot).assume_init_drop() });
    }

    /// Drops the `count` items in the slots from `first` on, wrapping past the end of the ring,
    /// for a queue's `Drop`.
    ///
    /// If one item's `drop` panics, the rest are still dropped before the panic goes on, as
    /// `Vec` and `VecDeque` do (a second panic aborts, as there).
    ///
    /// # Safety
    ///
    /// Those `count` slots hold initialized items that nobody else can reach (`&mut self`); they
    /// are treated as free afterwards.
    pub(crate) unsafe fn drop_run(&mut self, first: usize, count: usize) {
        /// The items not dropped yet; dropping it (also while unwinding) drops them.
        struct Rest<'a, T, S, const N: usize> {
            ring: &'a Ring<T, S, N>,
            next: usize,
            left: usize,
        }
        impl<T, S, const N: usize> Rest<'_, T, S, N> {
            fn drop_all(&mut self) {
                while self.left > 0 {
                    let index = self.next;
                    // Moved on first, so a panic in this item's drop leaves it behind for good.
                    self.next = if index + 1 == N { 0 } else { index + 1 };
                    self.left -= 1;
                    // SAFETY: one of the `count` initialized, unreachable items (the caller's
                    // promise), each visited once.
                    unsafe { self.ring.drop_in_place(index) };
                }
            }
        }
        impl<T, S, const N: usize> Drop for Rest<'_, T, S, N> {
            fn drop(&mut self) {
                self.drop_all();
            }
        }
        Rest {
            ring: self,
            next: first,
            left: count,
        }
        .drop_all();
    }
}
