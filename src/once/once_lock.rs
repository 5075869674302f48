//! `OnceLock`: a cell written once, a [`Once`] plus the value.

use core::convert::Infallible;
use core::fmt;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::panic::{RefUnwindSafe, UnwindSafe};
use core::time::Duration;

use super::Once;
use crate::primitive::{UnsafeCell, const_fn};
use crate::wait::{Wait, WaitTimeout};

/// A cell that is written at most once and then read by everyone (std's `OnceLock`), generic
/// over backend `W`.
///
/// [`get_or_init`](Self::get_or_init) runs its initialiser once however many threads race: one
/// runs it, the others block through the backend until the value is there. If the initialiser
/// panics, the cell stays empty and a later caller runs its own. Reading an initialised cell
/// ([`get`](Self::get), `get_or_init`) costs one load. A [`Once`] (four bytes) plus the value;
/// `const`-constructible. The value is dropped with the cell.
///
/// # Interrupt safety
///
/// `get` never blocks and may run in an interrupt handler; `get_or_init`, `set` and the other
/// initialising calls block while another context initialises, and must not.
///
/// # Examples
///
/// ```
/// use baresync::OnceLock;
///
/// static GREETING: OnceLock<String> = OnceLock::new();
///
/// std::thread::scope(|s| {
///     for _ in 0..4 {
///         s.spawn(|| assert_eq!(GREETING.get_or_init(|| "hello".repeat(2)), "hellohello"));
///     }
/// });
/// assert_eq!(GREETING.get().map(String::as_str), Some("hellohello"));
/// ```
pub struct OnceLock<T, W> {
    /// `COMPLETE` once `value` is written; see the module docs.
    once: Once<W>,
    /// Initialised exactly when `once` is complete; written only by the caller that holds the
    /// turn (the word is `RUNNING`), read only after an Acquire load that saw `COMPLETE`.
    value: UnsafeCell<MaybeUninit<T>>,
    /// The cell owns (and drops) a `T`, which `MaybeUninit` does not tell the drop checker.
    owns: PhantomData<T>,
}

// SAFETY: every thread that shares the cell reads the value (`T: Sync`), and the thread that
// sets it may not be the one that drops or takes it (`T: Send`), as for std's `OnceLock`. The
// value is written once, before the Release that publishes COMPLETE, and only read after.
unsafe impl<T: Sync + Send, W> Sync for OnceLock<T, W> {}

// A panic while the cell is shared leaves it empty or initialised, never half-written: the
// value is written whole, after the initialiser returned. As std's `OnceLock`.
impl<T: RefUnwindSafe + UnwindSafe, W> RefUnwindSafe for OnceLock<T, W> {}
impl<T: UnwindSafe, W> UnwindSafe for OnceLock<T, W> {}

impl<T, W> OnceLock<T, W> {
    const_fn! {
        /// Creates an empty cell.
        ///
        /// # Examples
        ///
        /// ```
        /// static CONFIG: baresync::OnceLock<u32> = baresync::OnceLock::new();
        /// assert_eq!(CONFIG.get(), None);
        /// ```
        pub fn new() -> Self {
            Self {
                once: Once::new(),
                value: UnsafeCell::new(MaybeUninit::uninit()),
                owns: PhantomData,
            }
        }
    }

    /// The value, if the cell is initialised: one load, never blocks.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = baresync::OnceLock::new();
    /// assert_eq!(cell.get(), None);
    /// cell.set(7).unwrap();
    /// assert_eq!(cell.get(), Some(&7));
    /// ```
    #[inline]
    pub fn get(&self) -> Option<&T> {
        if self.once.is_completed() {
            // SAFETY: `is_completed` saw COMPLETE with Acquire: the value is written and its
            // write is visible, and nothing writes it again while `&self` lives.
            Some(unsafe { self.get_unchecked() })
        } else {
            None
        }
    }

    /// The value, mutably, if the cell is initialised: `&mut self` proves nobody else looks.
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = baresync::OnceLock::from(1);
    /// *cell.get_mut().unwrap() += 1;
    /// assert_eq!(cell.get(), Some(&2));
    /// ```
    #[inline]
    pub fn get_mut(&mut self) -> Option<&mut T> {
        if self.once.is_completed() {
            // SAFETY: complete, so initialised; `&mut self` makes the borrow unique.
            Some(unsafe { self.value.get_mut().assume_init_mut() })
        } else {
            None
        }
    }

    /// Takes the value out, leaving the cell empty (it may be initialised again).
    ///
    /// # Examples
    ///
    /// ```
    /// let mut cell = baresync::OnceLock::from(String::from("a"));
    /// assert_eq!(cell.take().as_deref(), Some("a"));
    /// assert_eq!(cell.get(), None);
    /// ```
    pub fn take(&mut self) -> Option<T> {
        if !self.once.is_completed() {
            return None;
        }
        // `&mut self`: nobody else looks at the word.
        self.once = Once::new();
        // SAFETY: it was complete, so the value is initialised; the word now says empty, so it
        // is read out exactly once and never dropped by the cell.
        Some(unsafe { self.value.get_mut().assume_init_read() })
    }

    /// Consumes the cell and returns its value, if it was initialised.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = baresync::OnceLock::<u8>::new();
    /// assert_eq!(cell.into_inner(), None);
    /// assert_eq!(baresync::OnceLock::<u8>::from(3).into_inner(), Some(3));
    /// ```
    pub fn into_inner(mut self) -> Option<T> {
        self.take()
    }

    /// The value, with no check.
    ///
    /// # Safety
    ///
    /// The caller has seen the word `COMPLETE` with an Acquire load (or holds `&mut self`).
    #[inline]
    unsafe fn get_unchecked(&self) -> &T {
        // SAFETY: the caller's promise: initialised, the write visible, never written again.
        self.value
            .with(|value| unsafe { (*value).assume_init_ref() })
    }
}

impl<T, W: Wait> OnceLock<T, W> {
    /// Stores `value` if the cell is empty; otherwise hands `value` back.
    ///
    /// Blocks while another thread initialises the cell; if that initialiser panics, this
    /// call stores its value.
    ///
    /// # Errors
    ///
    /// `Err(value)` when the cell was already initialised.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = baresync::OnceLock::new();
    /// assert_eq!(cell.set(1), Ok(()));
    /// assert_eq!(cell.set(2), Err(2));
    /// assert_eq!(cell.get(), Some(&1));
    /// ```
    pub fn set(&self, value: T) -> Result<(), T> {
        let mut value = Some(value);
        // The initialiser runs only if this call initialises, and then always finds the value.
        let _ = self.get_or_try_init(|| value.take().ok_or(()));
        match value {
            None => Ok(()),
            Some(value) => Err(value),
        }
    }

    /// The value, initialised with `f` if the cell is empty.
    ///
    /// Of callers that race on an empty cell, one runs its `f`; the others block through the
    /// backend until it returns, and then share its value. If `f` panics, the panic goes to
    /// its caller, the cell stays empty, and a blocked caller (or a later one) runs its own.
    /// Calling `get_or_init` on the same cell from inside `f` deadlocks.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = baresync::OnceLock::new();
    /// assert_eq!(*cell.get_or_init(|| 92), 92);
    /// assert_eq!(*cell.get_or_init(|| unreachable!()), 92);
    /// ```
    #[inline]
    pub fn get_or_init<F: FnOnce() -> T>(&self, f: F) -> &T {
        match self.get_or_try_init(|| Ok::<T, Infallible>(f())) {
            Ok(value) => value,
            Err(never) => match never {},
        }
    }

    /// The value, initialised with `f` if the cell is empty; `f`'s error leaves it empty.
    ///
    /// As [`get_or_init`](Self::get_or_init), with a fallible initialiser: an `Err` is handed
    /// to the caller and, like a panic, leaves the cell to the next initialiser (a blocked
    /// caller wakes and runs its own).
    ///
    /// # Errors
    ///
    /// `f`'s error, when this call ran `f` and it failed.
    ///
    /// # Examples
    ///
    /// ```
    /// let cell = baresync::OnceLock::new();
    /// assert_eq!(cell.get_or_try_init(|| "x".parse::<u8>()).ok(), None);
    /// assert_eq!(cell.get(), None);
    /// assert_eq!(cell.get_or_try_init(|| "8".parse::<u8>()), Ok(&8));
    /// ```
    #[inline]
    pub fn get_or_try_init<F, E>(&self, f: F) -> Result<&T, E>
    where
        F: FnOnce() -> Result<T, E>,
    {
        if let Some(value) = self.get() {
            return Ok(value);
        }
        self.initialize(f)?;
        // SAFETY: `initialize` returned `Ok` only after seeing the word COMPLETE with Acquire
        // (or after completing it itself).
        Ok(unsafe { self.get_unchecked() })
    }

    /// Blocks until the cell is initialised (by another thread: this call runs nothing), then
    /// returns the value.
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::OnceLock;
    ///
    /// static ANSWER: OnceLock<u32> = OnceLock::new();
    /// std::thread::scope(|s| {
    ///     s.spawn(|| ANSWER.set(42));
    ///     assert_eq!(*ANSWER.wait(), 42);
    /// });
    /// ```
    #[inline]
    pub fn wait(&self) -> &T {
        self.once.wait();
        // SAFETY: `wait` returns only after an Acquire load saw COMPLETE.
        unsafe { self.get_unchecked() }
    }

    /// Runs `f` as the initialiser of [`Once::initialize`] and writes its value.
    #[cold]
    fn initialize<F, E>(&self, f: F) -> Result<(), E>
    where
        F: FnOnce() -> Result<T, E>,
    {
        self.once.initialize(|| {
            let value = f()?;
            // SAFETY: this caller holds the turn (the word is RUNNING): nobody else writes the
            // value, and nobody reads it until the Release that ends the attempt publishes it.
            self.value.with_mut(|slot| unsafe { (*slot).write(value) });
            Ok(())
        })
    }
}

impl<T, W: WaitTimeout> OnceLock<T, W> {
    /// Blocks until the cell is initialised or `timeout` elapses; `None` if it stayed empty.
    ///
    /// A zero timeout is [`get`](Self::get); `Duration::MAX` waits as long as the platform can.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let cell = baresync::OnceLock::new();
    /// assert_eq!(cell.wait_timeout(Duration::from_millis(5)), None);
    /// cell.set('x').unwrap();
    /// assert_eq!(cell.wait_timeout(Duration::from_millis(5)), Some(&'x'));
    /// ```
    pub fn wait_timeout(&self, timeout: Duration) -> Option<&T> {
        // SAFETY: `wait_timeout` returns `true` only after an Acquire load saw COMPLETE.
        self.once
            .wait_timeout(timeout)
            .then(|| unsafe { self.get_unchecked() })
    }
}

impl<T, W> Drop for OnceLock<T, W> {
    fn drop(&mut self) {
        if self.once.is_completed() {
            // SAFETY: complete, so initialised; the cell is going away, so nothing reads it again.
            unsafe { self.value.get_mut().assume_init_drop() };
        }
    }
}

impl<T, W> Default for OnceLock<T, W> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, W> From<T> for OnceLock<T, W> {
    /// A cell initialised with `value`.
    fn from(value: T) -> Self {
        Self {
            once: Once::completed(),
            value: UnsafeCell::new(MaybeUninit::new(value)),
            owns: PhantomData,
        }
    }
}

impl<T: Clone, W> Clone for OnceLock<T, W> {
    fn clone(&self) -> Self {
        match self.get() {
            Some(value) => Self::from(value.clone()),
            None => Self::new(),
        }
    }
}

impl<T: PartialEq, W> PartialEq for OnceLock<T, W> {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

impl<T: Eq, W> Eq for OnceLock<T, W> {}

impl<T: fmt::Debug, W> fmt::Debug for OnceLock<T, W> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_tuple("OnceLock");
        match self.get() {
            Some(value) => d.field(value),
            None => d.field(&format_args!("<uninit>")),
        };
        d.finish()
    }
}
