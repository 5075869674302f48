//! `Storage`: `N + SPARE` item slots indexed as one array, each with a word of protocol state.
//!
//! `MpmcQueue` holds `N` items but keeps `SPARE` more slots: a push owns a slot while it writes
//! its item, before the item is queued, and a pop owns one after its item left the queue, until it
//! has moved the item out (see the queue's module docs). Stable Rust cannot size one array
//! `N + SPARE`, so the slots are two [`Ring`]s, `main` (`N` slots) and `spare` (`SPARE`), and
//! this type hides the seam: slot `i < N` is `main[i]`, slot `N + j` is `spare[j]`.

use crate::primitive::{AtomicUsize, Ordering, const_fn};

use super::slots::Ring;

/// `N + SPARE` slots, each an `AtomicUsize` word beside a possibly-initialized `T`; which slots
/// hold items is the owning queue's business.
pub(crate) struct Storage<T, const N: usize, const SPARE: usize> {
    main: Ring<T, AtomicUsize, N>,
    spare: Ring<T, AtomicUsize, SPARE>,
}

impl<T, const N: usize, const SPARE: usize> Storage<T, N, SPARE> {
    /// The number of slots.
    pub(crate) const LEN: usize = N + SPARE;

    const_fn! {
        /// Empty slots whose words are all zero.
        pub(crate) fn new() -> Self {
            Self { main: Ring::<T, AtomicUsize, N>::new(), spare: Ring::<T, AtomicUsize, SPARE>::new() }
        }
    }

    /// The word of slot `i`.
    ///
    /// # Panics
    ///
    /// If `i >= N + SPARE` (a bug in the queue's index arithmetic).
    #[inline]
    pub(crate) fn word(&self, i: usize) -> &AtomicUsize {
        if i < N {
            self.main.stamp(i)
        } else {
            self.spare.stamp(i - N)
        }
    }

    /// Moves `value` into slot `i`.
    ///
    /// # Safety
    ///
    /// `i < N + SPARE`, and as for [`Ring::write`]: the caller alone may write slot `i` now, and
    /// it holds no item.
    #[inline]
    pub(crate) unsafe fn write(&self, i: usize, value: T) {
        // SAFETY: the caller's promise, passed on; `i < N + SPARE` puts the index within `main`
        // or, less `N`, within `spare`.
        unsafe {
            if i < N {
                self.main.write(i, value);
            } else {
                self.spare.write(i - N, value);
            }
        }
    }

    /// Moves the item out of slot `i`.
    ///
    /// # Safety
    ///
    /// `i < N + SPARE`, and as for [`Ring::read`]: slot `i` holds an item whose write
    /// happens-before this call, and the caller alone may take it.
    #[inline]
    pub(crate) unsafe fn read(&self, i: usize) -> T {
        // SAFETY: the caller's promise, passed on; `i < N + SPARE` puts the index within `main`
        // or, less `N`, within `spare`.
        unsafe {
            if i < N {
                self.main.read(i)
            } else {
                self.spare.read(i - N)
            }
        }
    }

    /// Drops the item of every slot whose word satisfies `holds_item`, for the queue's `Drop`.
    ///
    /// The items are first moved into `main[0..count]` (moves never panic), so that one
    /// [`Ring::drop_run`] drops them all, and still drops the rest if one item's `drop` panics.
    ///
    /// # Safety
    ///
    /// Exactly the slots whose word satisfies `holds_item` hold an initialized item, at most `N`
    /// of them, and nobody else can reach them (`&mut self`). They are treated as free afterwards.
    pub(crate) unsafe fn drop_items(&mut self, holds_item: impl Fn(usize) -> bool) {
        // Relaxed: `&mut self` excludes every other access.
        let holds = |s: &Self, i: usize| holds_item(s.word(i).load(Ordering::Relaxed));
        let count = (0..Self::LEN).filter(|&i| holds(self, i)).count();
        debug_assert!(count <= N, "at most N items");
        // Every item at or after `count` fills a hole before it: there are as many of each. Moving
        // an item leaves the words alone, and no word is read after its slot was filled or emptied.
        let mut hole = 0;
        for from in count..Self::LEN {
            if holds(self, from) {
                while holds(self, hole) {
                    hole += 1;
                }
                // SAFETY: both indices are below `LEN`; `from` holds an item and `hole < count` none (the caller's promise about
                // the words, which moving does not change); `&mut self` makes both ours alone.
                unsafe {
                    let item = self.read(from);
                    self.write(hole, item);
                }
                hole += 1;
            }
        }
        // SAFETY: `main[0..count]` now holds exactly the items, unreachable by anyone else.
        unsafe { self.main.drop_run(0, count) };
    }
}
