//! Bounded duplicate memory.
//!
//! The gate remembers the ids it has seen as 64-bit SipHash-2-4 hashes (fixed
//! keys, so the same id always hashes the same) in a set of fixed capacity
//! with first-in-first-out eviction: once `capacity` ids are remembered,
//! remembering one more forgets the oldest. Memory is therefore flat, about
//! 24 bytes per remembered id, allocated up front (the default capacity,
//! [`DEFAULT_CAPACITY`] = 2,097,152 ids, is about 48 MiB).
//!
//! Consequences, by design:
//! - a message re-sent after more than `capacity` newer distinct ids is no
//!   longer recognised as a duplicate (it is decided again);
//! - two different ids whose 64-bit hashes collide are taken for the same: the
//!   chance for a window of 2^21 ids is about 2^21 / 2^64 ≈ 1e-13 per message.

use std::collections::HashSet;
use std::hash::{BuildHasherDefault, Hash, Hasher};

/// Default number of ids remembered.
pub const DEFAULT_CAPACITY: usize = 1 << 21;

/// The hash already is a hash: pass it through.
#[derive(Default)]
pub struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8) | u64::from(b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// The 64-bit hash of a message id.
pub fn id_hash(id: &str) -> u64 {
    #[allow(deprecated)]
    let mut h = std::hash::SipHasher::new_with_keys(0x6368_6172_7465_7231, 0x6964_732d_6465_6475);
    id.hash(&mut h);
    h.finish()
}

/// Fixed-capacity set of id hashes with FIFO eviction.
pub struct DuplicateMemory {
    set: HashSet<u64, BuildHasherDefault<PassThrough>>,
    ring: Vec<u64>,
    next: usize,
    capacity: usize,
}

impl DuplicateMemory {
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        DuplicateMemory {
            set: HashSet::with_capacity_and_hasher(capacity, BuildHasherDefault::default()),
            ring: Vec::with_capacity(capacity),
            next: 0,
            capacity,
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn len(&self) -> usize {
        self.set.len()
    }

    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
    }

    /// Remembers `hash`; returns `true` when it was already remembered.
    pub fn seen_or_insert(&mut self, hash: u64) -> bool {
        if self.set.contains(&hash) {
            return true;
        }
        if self.ring.len() < self.capacity {
            self.ring.push(hash);
        } else {
            let old = std::mem::replace(&mut self.ring[self.next], hash);
            self.set.remove(&old);
            self.next = (self.next + 1) % self.capacity;
        }
        self.set.insert(hash);
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_and_forgets_oldest() {
        let mut m = DuplicateMemory::new(3);
        for id in ["a", "b", "c"] {
            assert!(!m.seen_or_insert(id_hash(id)));
        }
        assert!(m.seen_or_insert(id_hash("a")));
        assert!(!m.seen_or_insert(id_hash("d"))); // evicts a
        assert_eq!(m.len(), 3);
        assert!(!m.seen_or_insert(id_hash("a"))); // forgotten, evicts b
        assert!(m.seen_or_insert(id_hash("c")));
        assert!(!m.seen_or_insert(id_hash("b")));
    }

    #[test]
    fn hash_is_stable() {
        assert_eq!(id_hash("m-1"), id_hash("m-1"));
        assert_ne!(id_hash("m-1"), id_hash("m-2"));
    }
}
