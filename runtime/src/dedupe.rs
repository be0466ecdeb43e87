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

use std::hash::{Hash, Hasher};

/// Default number of ids remembered.
pub const DEFAULT_CAPACITY: usize = 1 << 21;

/// The 64-bit hash of a message id.
pub fn id_hash(id: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

/// Fixed-capacity set of id hashes with FIFO eviction: an open-addressing
/// table (linear probing, load at most 1/2, backward-shift deletion) plus a
/// ring of the remembered hashes in arrival order.
pub struct DuplicateMemory {
    table: Vec<u64>,
    mask: usize,
    ring: Vec<u64>,
    next: usize,
    capacity: usize,
}

impl DuplicateMemory {
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        let slots = (capacity * 2).next_power_of_two();
        DuplicateMemory {
            table: vec![0; slots],
            mask: slots - 1,
            ring: Vec::with_capacity(capacity),
            next: 0,
            capacity,
        }
    }

    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn len(&self) -> usize {
        self.ring.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }

    /// Slot of `h`, or of the empty slot where it would go.
    fn find(&self, h: u64) -> (usize, bool) {
        let mut i = (h as usize) & self.mask;
        loop {
            match self.table[i] {
                0 => return (i, false),
                t if t == h => return (i, true),
                _ => i = (i + 1) & self.mask,
            }
        }
    }

    fn remove(&mut self, h: u64) {
        let (mut i, found) = self.find(h);
        if !found {
            return;
        }
        self.table[i] = 0;
        let mut j = i;
        loop {
            j = (j + 1) & self.mask;
            let t = self.table[j];
            if t == 0 {
                return;
            }
            let home = (t as usize) & self.mask;
            // Move `t` back into the hole unless its home lies cyclically in (i, j].
            let stays = if i <= j {
                i < home && home <= j
            } else {
                i < home || home <= j
            };
            if !stays {
                self.table[i] = t;
                self.table[j] = 0;
                i = j;
            }
        }
    }

    /// Remembers `hash`; returns `true` when it was already remembered.
    pub fn seen_or_insert(&mut self, hash: u64) -> bool {
        let h = hash.max(1); // 0 marks an empty slot
        let (slot, found) = self.find(h);
        if found {
            return true;
        }
        if self.ring.len() < self.capacity {
            self.table[slot] = h;
            self.ring.push(h);
        } else {
            let old = std::mem::replace(&mut self.ring[self.next], h);
            self.next = (self.next + 1) % self.capacity;
            self.remove(old);
            // The removal may have shifted entries: find the slot again.
            let (slot, _) = self.find(h);
            self.table[slot] = h;
        }
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
    fn agrees_with_a_model_under_churn() {
        // A small table forces collisions, wrap-around and backward shifts.
        let mut m = DuplicateMemory::new(5);
        let mut model: std::collections::VecDeque<u64> = Default::default();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let h = (x % 23) + 1; // few distinct values, many repeats
            let seen = m.seen_or_insert(h);
            assert_eq!(seen, model.contains(&h));
            if !seen {
                model.push_back(h);
                if model.len() > 5 {
                    model.pop_front();
                }
            }
            assert_eq!(m.len(), model.len());
        }
    }

    #[test]
    fn hash_is_stable() {
        assert_eq!(id_hash("m-1"), id_hash("m-1"));
        assert_ne!(id_hash("m-1"), id_hash("m-2"));
    }
}
