//! `LazyLock`: a value initialised on first use, an [`OnceLock`] plus its initialiser.

use core::fmt;
use core::ops::Deref;
use core::panic::{RefUnwindSafe, UnwindSafe};

use super::OnceLock;
use crate::primitive::{UnsafeCell, const_fn};
use crate::wait::Wait;

/// A value initialised by `F` on first use (std's `LazyLock`), generic over backend `W`.
///
/// The first dereference (or [`force`](Self::force)) runs the initialiser; threads that race
/// with it block through the backend until the value is there, and every later access costs
/// one load. `const`-constructible, so it lives in a `static` without a macro.
///
/// If the initialiser panics, the panic goes to the caller that ran it and the value stays
/// uninitialised, but the initialiser is gone (it was `FnOnce`): every later access panics too,
/// as with std's `LazyLock`. For a cell that a later caller can initialise with a closure of
/// its own, use [`OnceLock`].
///
/// Most code names it through an alias, `baresync::LazyLock<T, F = fn() -> T>` (the default
/// backend) or the backend modules' `LazyLock`.
///
/// # Interrupt safety
///
/// The first access blocks while another context initialises: use a `LazyLock` from an
/// interrupt handler only once it is forced (or use [`OnceLock::get`] there).
///
/// # Examples
///
/// ```
/// use baresync::LazyLock;
///
/// static PRIMES: LazyLock<Vec<u32>> = LazyLock::new(|| {
///     (2..50u32).filter(|n| (2..*n).all(|d| n % d != 0)).collect()
/// });
///
/// std::thread::scope(|s| {
///     for _ in 0..4 {
///         s.spawn(|| assert_eq!(PRIMES[..4], [2, 3, 5, 7]));
///     }
/// });
/// assert_eq!(PRIMES.len(), 15);
/// ```
pub struct LazyLock<T, F, W> {
    cell: OnceLock<T, W>,
    /// The initialiser until the attempt that runs it takes it; touched only by the caller that
    /// holds the cell's turn (or through `&mut self`).
    init: UnsafeCell<Option<F>>,
}

// SAFETY: shared, the value is read by every thread (`T: Sync`) and may be dropped by a thread
// other than the one that made it (`T: Send`); the initialiser is taken and run by exactly one
// thread, the one holding the cell's turn (`F: Send`). As std's `LazyLock`.
unsafe impl<T: Sync + Send, F: Send, W> Sync for LazyLock<T, F, W> {}

// As std's `LazyLock`: a panicking initialiser leaves no half-made value behind.
impl<T: RefUnwindSafe + UnwindSafe, F: UnwindSafe, W> RefUnwindSafe for LazyLock<T, F, W> {}

impl<T, F, W> LazyLock<T, F, W> {
    const_fn! {
        /// A lazy value that `f` will initialise on first use.
        ///
        /// # Examples
        ///
        /// ```
        /// static TABLE: baresync::LazyLock<[u8; 4]> = baresync::LazyLock::new(|| [1, 2, 4, 8]);
        /// assert_eq!(TABLE[3], 8);
        /// ```
        pub fn new(f: F) -> Self {
            Self {
                cell: OnceLock::new(),
                init: UnsafeCell::new(Some(f)),
            }
        }
    }
}

impl<T, F: FnOnce() -> T, W: Wait> LazyLock<T, F, W> {
    /// The value, initialised first if this is the first use; the same as `*this`.
    ///
    /// # Panics
    ///
    /// If the initialiser panics, and on every later call once it has.
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::LazyLock;
    ///
    /// let lazy = LazyLock::new(|| 6 * 7);
    /// assert_eq!(*LazyLock::force(&lazy), 42);
    /// ```
    #[inline]
    pub fn force(this: &Self) -> &T {
        this.cell.get_or_init(|| {
            // SAFETY: inside the cell's initialiser this caller holds the turn: no other access
            // to `init` runs until the attempt ends.
            match this.init.with_mut(|init| unsafe { (*init).take() }) {
                Some(f) => f(),
                None => panic!("LazyLock: the initialiser panicked on an earlier call"),
            }
        })
    }
}

impl<T, F: FnOnce() -> T, W: Wait> Deref for LazyLock<T, F, W> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        Self::force(self)
    }
}

impl<T: Default, W> Default for LazyLock<T, fn() -> T, W> {
    /// A lazy `T::default()`.
    fn default() -> Self {
        Self::new(T::default)
    }
}

impl<T: fmt::Debug, F, W> fmt::Debug for LazyLock<T, F, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_tuple("LazyLock");
        match self.cell.get() {
            Some(value) => d.field(value),
            None => d.field(&format_args!("<uninit>")),
        };
        d.finish()
    }
}
