//! Bounded duplicate memory.
//!
//! The gate remembers the ids it has seen as 64-bit hashes (the standard
//! library's SipHash-1-3 with fixed keys, so the same id always hashes the
//! same within a build; recovery rehashes ids from the decision log).
//!
//! The hashes live in two *generations*, each an open-addressing table
//! (linear probing, load at most 1/2) holding up to `window` ids. New ids go
//! into the current generation; when it is full, the older generation is
//! cleared and becomes the current one. A lookup checks both. So the memory
//! **always remembers at least the last `window` distinct ids, and at most the
//! last `2 × window`**; its size is fixed and allocated up front: 2 tables ×
//! (2 × `window` rounded up to a power of two) × 8 bytes. The default window,
//! [`DEFAULT_CAPACITY`] = 2,097,152 ids, takes 64 MiB, flat whatever the
//! length of the input. (Two generations instead of exact FIFO eviction: a
//! decision costs one random memory access per table, issued together,
//! instead of a lookup plus an eviction elsewhere in the table.)
//!
//! Consequences, by design:
//! - a message re-sent after more than `window` (at worst) newer distinct ids
//!   may no longer be recognised as a duplicate (it is decided again);
//! - two different ids whose 64-bit hashes collide are taken for the same: the
//!   chance at full memory (4,194,304 hashes) is about 2^22 / 2^64 ≈ 2e-13
//!   per message.

use std::hash::{Hash, Hasher};

/// Default number of ids remembered.
pub const DEFAULT_CAPACITY: usize = 1 << 21;

/// The 64-bit hash of a message id.
pub fn id_hash(id: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

/// Two generations of id hashes; see the module documentation.
pub struct DuplicateMemory {
    tables: [Vec<u64>; 2],
    mask: usize,
    current: usize,
    in_current: usize,
    in_previous: usize,
    window: usize,
}

#[inline]
fn probe(table: &[u64], mask: usize, h: u64) -> (usize, bool) {
    let mut i = (h as usize) & mask;
    loop {
        match table[i] {
            0 => return (i, false),
            t if t == h => return (i, true),
            _ => i = (i + 1) & mask,
        }
    }
}

impl DuplicateMemory {
    /// Remembers at least the last `window` ids.
    pub fn new(window: usize) -> Self {
        let window = window.max(1);
        let slots = (window * 2).next_power_of_two();
        DuplicateMemory {
            tables: [vec![0; slots], vec![0; slots]],
            mask: slots - 1,
            current: 0,
            in_current: 0,
            in_previous: 0,
            window,
        }
    }

    /// The guaranteed window, in ids.
    pub fn capacity(&self) -> usize {
        self.window
    }

    /// Ids remembered now (between `window` and `2 × window` once full).
    pub fn len(&self) -> usize {
        self.in_current + self.in_previous
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Remembers `hash`; returns `true` when it was already remembered.
    pub fn seen_or_insert(&mut self, hash: u64) -> bool {
        let h = hash.max(1); // 0 marks an empty slot
        let (cur, prev) = (self.current, 1 - self.current);
        // Both tables have the same size: load both home slots together.
        let home = (h as usize) & self.mask;
        let (a, b) = (self.tables[cur][home], self.tables[prev][home]);
        if a == h || b == h {
            return true;
        }
        let (slot, found) = if a == 0 {
            (home, false)
        } else {
            probe(&self.tables[cur], self.mask, h)
        };
        if found || (b != 0 && probe(&self.tables[prev], self.mask, h).1) {
            return true;
        }
        if self.in_current < self.window {
            self.tables[cur][slot] = h;
        } else {
            // Current generation full: forget the previous one, start anew.
            self.tables[prev].fill(0);
            self.current = prev;
            self.in_previous = self.in_current;
            self.in_current = 0;
            let (slot, _) = probe(&self.tables[prev], self.mask, h);
            self.tables[prev][slot] = h;
        }
        self.in_current += 1;
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_a_window_then_forgets() {
        let mut m = DuplicateMemory::new(3);
        for id in ["a", "b", "c"] {
            assert!(!m.seen_or_insert(id_hash(id)));
        }
        assert!(m.seen_or_insert(id_hash("a")));
        // d, e, f fill the next generation; a..c are still remembered.
        for id in ["d", "e", "f"] {
            assert!(!m.seen_or_insert(id_hash(id)));
        }
        assert_eq!(m.len(), 6);
        assert!(m.seen_or_insert(id_hash("a")));
        // g starts a new generation: a..c are forgotten, d..f kept.
        assert!(!m.seen_or_insert(id_hash("g")));
        assert!(!m.seen_or_insert(id_hash("a")));
        assert!(m.seen_or_insert(id_hash("d")));
        assert!(m.seen_or_insert(id_hash("f")));
    }

    #[test]
    fn always_remembers_the_last_window() {
        // A small table forces collisions and wrap-around.
        let window = 7;
        let mut m = DuplicateMemory::new(window);
        let mut last: std::collections::VecDeque<u64> = Default::default();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..50_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let h = (x % 41) + 1; // few distinct values, many repeats
            let seen = m.seen_or_insert(h);
            if last.contains(&h) {
                assert!(
                    seen,
                    "an id among the last {window} distinct ones must be remembered"
                );
            }
            if !seen {
                last.push_back(h);
                if last.len() > window {
                    last.pop_front();
                }
            }
            assert!(m.len() <= 2 * window);
        }
    }

    #[test]
    fn hash_is_stable() {
        assert_eq!(id_hash("m-1"), id_hash("m-1"));
        assert_ne!(id_hash("m-1"), id_hash("m-2"));
    }
}
