//! The errors of the queue verbs. Every error that was given an item hands it back.
//!
//! `Debug` never requires `T: Debug` (it prints `Full(..)`, as std's channel errors do), so
//! `queue.push(item).unwrap()` works for any `T`; `Clone`, `Copy`, `PartialEq`, `Eq` and `Hash`
//! follow the payload.

use core::fmt;

/// Declares a push error: an enum of `$other(T)` and `Closed(T)` that hands the item back,
/// with `into_inner`, the two predicates, `Debug` without `T: Debug`, `Display`, `Error`, and
/// `From<Closed<T>>`.
macro_rules! push_error {
    (
        $(#[$attr:meta])*
        $name:ident { $(#[$other_doc:meta])* $other:ident => $is_other:ident, $why:literal }
    ) => {
        $(#[$attr])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name<T> {
            $(#[$other_doc])*
            $other(T),
            /// The queue was closed; the rejected item is inside.
            Closed(T),
        }

        impl<T> $name<T> {
            #[doc = concat!("Returns the item that could not be pushed.

# Examples

```
let e = baresync::", stringify!($name), "::", stringify!($other), "(5);
assert_eq!(e.into_inner(), 5);
```")]
            pub fn into_inner(self) -> T {
                match self {
                    Self::$other(item) | Self::Closed(item) => item,
                }
            }

            #[doc = concat!("Whether the push failed because ", $why, ".

# Examples

```
assert!(baresync::", stringify!($name), "::", stringify!($other), "(()).", stringify!($is_other), "());
```")]
            pub fn $is_other(&self) -> bool {
                matches!(self, Self::$other(_))
            }

            #[doc = concat!("Whether the push failed because the queue was closed.

# Examples

```
assert!(baresync::", stringify!($name), "::Closed(()).is_closed());
```")]
            pub fn is_closed(&self) -> bool {
                matches!(self, Self::Closed(_))
            }
        }

        impl<T> fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    Self::$other(_) => f.write_str(concat!(stringify!($other), "(..)")),
                    Self::Closed(_) => f.write_str("Closed(..)"),
                }
            }
        }

        #[cfg(feature = "defmt")]
        impl<T> defmt::Format for $name<T> {
            fn format(&self, f: defmt::Formatter<'_>) {
                match self {
                    Self::$other(_) => defmt::write!(f, "{=str}(..)", stringify!($other)),
                    Self::Closed(_) => defmt::write!(f, "Closed(..)"),
                }
            }
        }

        impl<T> fmt::Display for $name<T> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    Self::$other(_) => f.write_str(concat!("pushing failed: ", $why)),
                    Self::Closed(_) => f.write_str("pushing to a closed queue"),
                }
            }
        }

        impl<T> core::error::Error for $name<T> {}

        impl<T> From<Closed<T>> for $name<T> {
            fn from(Closed(item): Closed<T>) -> Self {
                Self::Closed(item)
            }
        }
    };
}

/// Declares a pop error: an enum of `$other` and `Closed` (closed and drained), with the two
/// predicates, `Display`, `Error` and `From<Closed>`.
macro_rules! pop_error {
    (
        $(#[$attr:meta])*
        $name:ident { $(#[$other_doc:meta])* $other:ident => $is_other:ident, $why:literal }
    ) => {
        $(#[$attr])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[cfg_attr(feature = "defmt", derive(defmt::Format))]
        pub enum $name {
            $(#[$other_doc])*
            $other,
            /// The queue is closed and holds no more items: none will ever come.
            Closed,
        }

        impl $name {
            #[doc = concat!("Whether the pop failed because ", $why, ".

# Examples

```
assert!(baresync::", stringify!($name), "::", stringify!($other), ".", stringify!($is_other), "());
```")]
            pub fn $is_other(&self) -> bool {
                matches!(self, Self::$other)
            }

            #[doc = concat!("Whether the pop failed because the queue is closed and drained.

# Examples

```
assert!(baresync::", stringify!($name), "::Closed.is_closed());
```")]
            pub fn is_closed(&self) -> bool {
                matches!(self, Self::Closed)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self {
                    Self::$other => f.write_str(concat!("popping failed: ", $why)),
                    Self::Closed => f.write_str("popping from a closed and drained queue"),
                }
            }
        }

        impl core::error::Error for $name {}

        impl From<Closed> for $name {
            fn from(_: Closed) -> Self {
                Self::Closed
            }
        }
    };
}

push_error! {
    /// The error of `try_push`: the queue was full or closed; the item comes back.
    ///
    /// A queue that is both closed and full reports [`Closed`](TryPushError::Closed).
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::{MpmcQueue, TryPushError};
    ///
    /// let q: MpmcQueue<&str, 1> = MpmcQueue::new();
    /// q.try_push("a").unwrap();
    /// assert_eq!(q.try_push("b"), Err(TryPushError::Full("b")));
    /// q.close();
    /// assert_eq!(q.try_push("c").unwrap_err().into_inner(), "c");
    /// ```
    TryPushError {
        /// The queue holds its capacity of items; the rejected item is inside.
        Full => is_full, "the queue was full"
    }
}

pop_error! {
    /// The error of `try_pop`: the queue was empty, or closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::{MpmcQueue, TryPopError};
    ///
    /// let q: MpmcQueue<u8, 2> = MpmcQueue::new();
    /// assert_eq!(q.try_pop(), Err(TryPopError::Empty));
    /// q.try_push(1).unwrap();
    /// q.close();
    /// assert_eq!(q.try_pop(), Ok(1), "queued items still drain");
    /// assert_eq!(q.try_pop(), Err(TryPopError::Closed));
    /// ```
    TryPopError {
        /// The queue holds no item that can be taken now.
        Empty => is_empty, "the queue was empty"
    }
}

push_error! {
    /// The error of `push_timeout`: the queue stayed full, or was closed; the item comes back.
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::{MpmcQueue, PushTimeoutError};
    /// use std::time::Duration;
    ///
    /// let q: MpmcQueue<u8, 1> = MpmcQueue::new();
    /// q.push(1).unwrap();
    /// let e = q.push_timeout(2, Duration::from_millis(1)).unwrap_err();
    /// assert_eq!(e, PushTimeoutError::Timeout(2));
    /// assert_eq!(e.into_inner(), 2);
    /// ```
    PushTimeoutError {
        /// The queue stayed full until the timeout; the rejected item is inside.
        Timeout => is_timeout, "the queue stayed full until the timeout"
    }
}

pop_error! {
    /// The error of `pop_timeout`: the queue stayed empty, or is closed and drained.
    ///
    /// # Examples
    ///
    /// ```
    /// use baresync::{MpmcQueue, PopTimeoutError};
    /// use std::time::Duration;
    ///
    /// let q: MpmcQueue<u8, 1> = MpmcQueue::new();
    /// assert_eq!(q.pop_timeout(Duration::from_millis(1)), Err(PopTimeoutError::Timeout));
    /// q.close();
    /// assert_eq!(q.pop_timeout(Duration::from_secs(60)), Err(PopTimeoutError::Closed));
    /// ```
    PopTimeoutError {
        /// No item arrived before the timeout.
        Timeout => is_timeout, "the queue stayed empty until the timeout"
    }
}

/// The error of `task_done`: it was called more times than items were pushed.
///
/// Python raises `ValueError` in the same case.
///
/// # Examples
///
/// ```
/// use baresync::{MpmcQueue, TaskDoneError};
///
/// let q: MpmcQueue<u8, 1> = MpmcQueue::new();
/// q.push(1).unwrap();
/// assert_eq!(q.task_done(), Ok(()));
/// assert_eq!(q.task_done(), Err(TaskDoneError));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct TaskDoneError;

impl fmt::Display for TaskDoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("task_done called more times than items were pushed")
    }
}

impl core::error::Error for TaskDoneError {}

/// The error of the blocking `push` and `pop`: the queue is closed.
///
/// `push` returns `Closed<T>` holding the rejected item; `pop` returns `Closed` (that is,
/// `Closed<()>`) once the queue is closed *and* drained.
///
/// # Examples
///
/// ```
/// use baresync::{Closed, MpmcQueue};
///
/// let q: MpmcQueue<String, 4> = MpmcQueue::new();
/// q.close();
/// let Closed(back) = q.push(String::from("late")).unwrap_err();
/// assert_eq!(back, "late");
/// assert_eq!(q.pop(), Err(Closed(())));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Closed<T = ()>(pub T);

impl<T> Closed<T> {
    /// Returns the item that could not be pushed.
    ///
    /// # Examples
    ///
    /// ```
    /// assert_eq!(baresync::Closed(3).into_inner(), 3);
    /// ```
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Closed(..)")
    }
}

#[cfg(feature = "defmt")]
impl<T> defmt::Format for Closed<T> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "Closed(..)");
    }
}

impl<T> fmt::Display for Closed<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the queue is closed")
    }
}

impl<T> core::error::Error for Closed<T> {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;
    use std::string::ToString;

    #[test]
    fn debug_needs_no_debug_payload() {
        struct Opaque;
        assert_eq!(format!("{:?}", TryPushError::Full(Opaque)), "Full(..)");
        assert_eq!(
            format!("{:?}", PushTimeoutError::Closed(Opaque)),
            "Closed(..)"
        );
        assert_eq!(format!("{:?}", Closed(Opaque)), "Closed(..)");
        assert_eq!(format!("{:?}", TryPopError::Empty), "Empty");
    }

    #[test]
    fn display_and_conversions() {
        assert_eq!(
            TryPushError::Full(1).to_string(),
            "pushing failed: the queue was full"
        );
        assert_eq!(
            TaskDoneError.to_string(),
            "task_done called more times than items were pushed"
        );
        assert_eq!(TryPushError::from(Closed(7)), TryPushError::Closed(7));
        assert_eq!(PushTimeoutError::from(Closed(7)).into_inner(), 7);
        assert_eq!(TryPopError::from(Closed(())), TryPopError::Closed);
        assert_eq!(PopTimeoutError::from(Closed(())), PopTimeoutError::Closed);
        let e: &dyn core::error::Error = &Closed(());
        assert_eq!(e.to_string(), "the queue is closed");
    }
}
