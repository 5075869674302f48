//! Items and generators for the queue tests: a deterministic xorshift generator, an item ordered
//! by a key alone, and an item that counts its own drops, to catch lost and doubled items.

use std::cmp::Ordering as CmpOrdering;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// A xorshift generator: deterministic operation sequences without a dependency.
pub struct Rng(pub u32);

impl Rng {
    pub fn next(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 17;
        self.0 ^= self.0 << 5;
        self.0
    }
}

/// An item ordered by `key` alone, so that a priority queue's treatment of equal keys shows:
/// `origin` (which producer pushed it) and `seq` (its number there) tell equal keys apart.
#[derive(Debug, Clone, Copy)]
pub struct Keyed {
    pub key: u8,
    pub origin: usize,
    pub seq: usize,
}

/// An item that records its own drop in a per-id counter, to catch lost and doubled drops.
/// Ordered by id, so a priority queue can hold it.
pub struct Counted {
    pub id: usize,
    pub drops: Arc<Vec<AtomicU32>>,
}

/// `PartialEq`, `Eq`, `PartialOrd` and `Ord` by one field alone.
macro_rules! ordered_by {
    ($ty:ty, $field:ident) => {
        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                self.$field == other.$field
            }
        }
        impl Eq for $ty {}
        impl PartialOrd for $ty {
            fn partial_cmp(&self, other: &Self) -> Option<CmpOrdering> {
                Some(self.cmp(other))
            }
        }
        impl Ord for $ty {
            fn cmp(&self, other: &Self) -> CmpOrdering {
                self.$field.cmp(&other.$field)
            }
        }
    };
}
ordered_by!(Keyed, key);
ordered_by!(Counted, id);

impl Drop for Counted {
    fn drop(&mut self) {
        self.drops[self.id].fetch_add(1, Ordering::SeqCst);
    }
}

/// One drop counter per item id.
pub fn drop_counters(n: usize) -> Arc<Vec<AtomicU32>> {
    Arc::new((0..n).map(|_| AtomicU32::new(0)).collect())
}

/// Every item was dropped exactly once.
pub fn assert_each_dropped_once(drops: &[AtomicU32]) {
    for (id, d) in drops.iter().enumerate() {
        assert_eq!(
            d.load(Ordering::SeqCst),
            1,
            "item {id} dropped {} times",
            d.load(Ordering::SeqCst)
        );
    }
}
