//! Cache padding: the one place that decides how far apart the queues keep their hot fields,
//! and whether an SPSC side keeps private copies of the indices.
//!
//! Two cores writing fields that share a cache line slow each other down ("false sharing"), so
//! the queues keep each side's index on its own line. The line size is a property of the target:
//!
//! | target | alignment | why |
//! | --- | --- | --- |
//! | `target_os = "none"` | none (the field's own) | microcontrollers have no data cache or one core; padding would only waste RAM |
//! | hosted x86_64, aarch64, powerpc64 | 128 bytes | x86_64 prefetches line pairs; Apple and some Arm server cores have 128-byte lines |
//! | other hosted targets | 64 bytes | the common line size |

use core::ops::Deref;

/// Whether each SPSC side keeps private copies of both indices on a line of its own, reloading
/// the other side's shared index only when its copy says "full" or "empty". On hosts that keeps
/// the line the other side reads out of the owner's loads; on microcontrollers (no data cache, or
/// one core) the shared indices are as cheap to load as copies, and copies would only cost code.
pub(crate) const CACHED_INDICES: bool = !cfg!(target_os = "none");

/// One private value of an SPSC side (a copy of an index, or a count of what a refresh found): a
/// `Cell` where [`CACHED_INDICES`] holds, nothing (zero bytes) on microcontrollers, where these
/// values are never used.
#[cfg(not(target_os = "none"))]
pub(crate) type IndexCopy = core::cell::Cell<usize>;
/// One private value of an SPSC side (a copy of an index, or a count of what a refresh found): a
/// `Cell` where [`CACHED_INDICES`] holds, nothing (zero bytes) on microcontrollers, where these
/// values are never used.
#[cfg(target_os = "none")]
pub(crate) type IndexCopy = NoCopy;

/// A copy of a counter shared by the pushes of an `MpmcQueue`: an atomic where
/// [`CACHED_INDICES`] holds, nothing (zero bytes) on microcontrollers, where it is never used.
#[cfg(not(target_os = "none"))]
pub(crate) type SharedCopy = crate::primitive::AtomicUsize;
/// A copy of a counter shared by the pushes of an `MpmcQueue`: an atomic where
/// [`CACHED_INDICES`] holds, nothing (zero bytes) on microcontrollers, where it is never used.
#[cfg(target_os = "none")]
pub(crate) type SharedCopy = NoCopy;

/// The microcontrollers' [`IndexCopy`] and [`SharedCopy`]: zero bytes. Only code under
/// `if CACHED_INDICES` calls it, so these bodies are never run, and compile away.
#[cfg(target_os = "none")]
pub(crate) struct NoCopy;

#[cfg(target_os = "none")]
impl NoCopy {
    pub(crate) const fn new(_: usize) -> Self {
        NoCopy
    }

    pub(crate) fn get(&self) -> usize {
        0
    }

    pub(crate) fn set(&self, _: usize) {}

    pub(crate) fn load(&self, _: crate::primitive::Ordering) -> usize {
        0
    }

    pub(crate) fn store(&self, _: usize, _: crate::primitive::Ordering) {}

    pub(crate) fn compare_exchange(
        &self,
        _: usize,
        _: usize,
        _: crate::primitive::Ordering,
        _: crate::primitive::Ordering,
    ) -> Result<usize, usize> {
        Ok(0)
    }
}

/// A value aligned (and so padded) to the target's cache-line size; see the module table.
#[cfg_attr(
    all(
        not(target_os = "none"),
        any(
            target_arch = "x86_64",
            target_arch = "aarch64",
            target_arch = "powerpc64"
        )
    ),
    repr(align(128))
)]
#[cfg_attr(
    all(
        not(target_os = "none"),
        not(any(
            target_arch = "x86_64",
            target_arch = "aarch64",
            target_arch = "powerpc64"
        ))
    ),
    repr(align(64))
)]
pub(crate) struct CachePadded<T>(pub(crate) T);

// Bare metal: no padding at all (checked at compile time on every `target_os = "none"` build).
#[cfg(target_os = "none")]
const _: () = assert!(core::mem::align_of::<CachePadded<u8>>() == 1);

impl<T> Deref for CachePadded<T> {
    type Target = T;

    #[inline]
    fn deref(&self) -> &T {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::CachePadded;

    #[test]
    fn hosted_targets_pad_to_a_line() {
        // These unit tests only run on hosted targets.
        assert!(core::mem::align_of::<CachePadded<u8>>() >= 64);
        assert_eq!(
            core::mem::size_of::<CachePadded<u8>>(),
            core::mem::align_of::<CachePadded<u8>>()
        );
    }
}
