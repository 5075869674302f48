//! The snapshot accessors every queue derives from its own `len`: `capacity`, `is_empty` and
//! `is_full`, written once.

/// Emits `capacity`, `is_empty` and `is_full` for `$queue<T, N, W>`, whose inherent `len` (under
/// the same bounds) they use. `[$($t_bound)*]` bounds `T`, `[$($w_bound)*]` bounds `W`; a
/// trailing `const NAME` adds one more `usize` parameter after `W` (`MpmcQueue`'s `SPARE`).
macro_rules! queue_accessors {
    ($queue:ident, [$($t_bound:tt)*], [$($w_bound:tt)*] $(, const $extra:ident)?) => {
        impl<T $($t_bound)*, const N: usize, W $($w_bound)* $(, const $extra: usize)?> $queue<T, N, W $(, $extra)?> {
            #[doc = concat!("The number of items the queue can hold: `N`.

# Examples

```
let q: baresync::", stringify!($queue), "<u8, 3> = baresync::", stringify!($queue), "::new();
assert_eq!(q.capacity(), 3);
```")]
            #[inline]
            pub const fn capacity(&self) -> usize {
                N
            }

            #[doc = concat!("Whether the queue holds no item (a snapshot, stale as soon as it returns).

# Examples

```
let q: baresync::", stringify!($queue), "<u8, 3> = baresync::", stringify!($queue), "::new();
assert!(q.is_empty());
```")]
            #[inline]
            pub fn is_empty(&self) -> bool {
                self.len() == 0
            }

            #[doc = concat!("Whether the queue holds `N` items (a snapshot, stale as soon as it returns).

# Examples

```
let q: baresync::", stringify!($queue), "<u8, 3> = baresync::", stringify!($queue), "::new();
assert!(!q.is_full());
assert_eq!(q.is_full(), q.len() == q.capacity());
```")]
            #[inline]
            pub fn is_full(&self) -> bool {
                self.len() == N
            }
        }
    };
}
