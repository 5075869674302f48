//! Cache padding: the one place that decides how far apart the queues keep their hot fields,
//! and whether an SPSC side keeps a private copy of the other side's index.
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

/// Whether each SPSC side keeps a private copy of the other side's index, reloading the shared
/// one only when its copy says "full" or "empty". On hosts that keeps each side's cache line its
/// own on the fast path; on microcontrollers (no data cache, or one core) the shared index is as
/// cheap to load as the copy, and the copy only costs code.
pub(crate) const CACHED_INDICES: bool = !cfg!(target_os = "none");

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
