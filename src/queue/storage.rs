//! `Storage`: `N + SPARE` item slots indexed as one array, each with a word of protocol state.
//!
//! `MpmcQueue` holds `N` items but keeps `SPARE` more slots: a push owns a slot while it writes
//! its item, before the item is queued, and a pop owns one after its item left the queue, until it
//! has moved the item out (see the queue's module docs). Stable Rust cannot size one array
//! `N + SPARE`, so the slots are two [`Ring`]s, `main` (`N` slots) and `spare` (`SPARE`), laid
//! out back to back (`repr(C)`), and this type indexes them as the one array they form: slot
//! `i < N` is `main[i]`, slot `N + j` is `spare[j]`, with no branch on the seam and no bounds
//! check (on thumbv7em, 144 bytes fewer for a program that pushes and pops).

use crate::primitive::{AtomicUsize, Ordering, const_fn};

use super::slots::{Ring, Slot};

/// `N + SPARE` slots, each an `AtomicUsize` word beside a possibly-initialized `T`; which slots
/// hold items is the owning queue's business.
///
/// `repr(C)`, with `repr(transparent)` rings: `spare` starts where `main` ends, since both are
/// arrays of the same `Slot` type, whose size is a multiple of its alignment.
#[repr(C)]
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

    /// Slot `i` of the one array of `N + SPARE` slots, without a bounds check in release builds
    /// (a `debug_assert!` checks it in debug builds): the queue's positions and entries keep
    /// every index below `LEN`.
    ///
    /// # Safety
    ///
    /// `i < N + SPARE`.
    #[inline]
    unsafe fn slot(&self, i: usize) -> &Slot<T, AtomicUsize> {
        debug_assert!(i < Self::LEN, "slot index {i} out of 0..{}", Self::LEN);
        // SAFETY: `repr(C)` puts `main` at offset 0 and `spare` right after it (both are arrays
        // of `Slot`, whose size is a multiple of its alignment, so no padding lies between), and
        // the rings are `repr(transparent)`: the struct is an array of `N + SPARE` slots, of which
        // `i` is one by the caller's promise. The pointer comes from `self` whole, so it may reach
        // both fields.
        unsafe { &*(self as *const Self).cast::<Slot<T, AtomicUsize>>().add(i) }
    }

    /// The word of slot `i`.
    ///
    /// # Safety
    ///
    /// `i < N + SPARE`.
    #[inline]
    pub(crate) unsafe fn word(&self, i: usize) -> &AtomicUsize {
        // SAFETY: `i < N + SPARE`, by the caller's promise.
        unsafe { &self.slot(i).stamp }
    }

    /// Moves `value` into slot `i`.
    ///
    /// # Safety
    ///
    /// `i < N + SPARE`, and as for [`Slot::write`]: the caller alone may write slot `i` now, and
    /// it holds no item.
    #[inline]
    pub(crate) unsafe fn write(&self, i: usize, value: T) {
        // SAFETY: the caller's promise, passed on.
        unsafe { self.slot(i).write(value) }
    }

    /// Moves the item out of slot `i`.
    ///
    /// # Safety
    ///
    /// `i < N + SPARE`, and as for [`Slot::read`]: slot `i` holds an item whose write
    /// happens-before this call, and the caller alone may take it.
    #[inline]
    pub(crate) unsafe fn read(&self, i: usize) -> T {
        // SAFETY: the caller's promise, passed on.
        unsafe { self.slot(i).read() }
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
        // Relaxed: `&mut self` excludes every other access. Checked: it is the drop, not a push
        // or pop, and the walk below stays within `LEN` only by counting.
        let holds = |s: &Self, i: usize| {
            assert!(i < Self::LEN, "slot index {i} out of 0..{}", Self::LEN);
            // SAFETY: just checked.
            holds_item(unsafe { s.word(i) }.load(Ordering::Relaxed))
        };
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
