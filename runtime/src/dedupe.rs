//! Bounded duplicate memory.
//!
//! The gate remembers the ids it has seen as 64-bit hashes (foldhash's
//! quality hasher with a fixed seed, so the same id always hashes the same
//! within a build; recovery rehashes ids from the decision log).
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
//! decision costs one random memory access instead of a lookup plus an
//! eviction elsewhere in the table.) The two tables are interleaved, slot `i`
//! of both side by side in 16 bytes, so a lookup in both reads one cache line
//! (and one page) in the common case.
//!
//! Consequences, by design:
//! - a message re-sent after more than `window` (at worst) newer distinct ids
//!   may no longer be recognised as a duplicate (it is decided again);
//! - two different ids whose 64-bit hashes collide are taken for the same: the
//!   chance at full memory (4,194,304 hashes) is about 2^22 / 2^64 ≈ 2e-13
//!   per message.

use std::hash::BuildHasher;

/// Default number of ids remembered.
pub const DEFAULT_CAPACITY: usize = 1 << 21;

/// The 64-bit hash of a message id.
#[inline]
pub fn id_hash(id: &str) -> u64 {
    const SEED: foldhash::quality::FixedState =
        foldhash::quality::FixedState::with_seed(0x6368_6172_7465_7221);
    SEED.hash_one(id)
}

/// Two generations of id hashes; see the module documentation.
pub struct DuplicateMemory {
    /// Slot `i` of generation `g` is `slots[i][g]`.
    slots: Storage,
    mask: usize,
    current: usize,
    in_current: usize,
    in_previous: usize,
    window: usize,
}

/// The slot array: an anonymous mapping advised for transparent huge pages
/// (on Linux: one TLB entry covers 2 MiB instead of 4 KiB, so a random lookup
/// rarely needs a page walk), or a plain vector for small tables or where the
/// mapping cannot be had. Either way it starts zeroed.
enum Storage {
    Mapped {
        map: memmap2::MmapMut,
        start: usize,
        len: usize,
    },
    Heap(Vec<[u64; 2]>),
}

impl Storage {
    fn new(n: usize) -> Storage {
        const HUGE: usize = 2 << 20;
        let bytes = n * std::mem::size_of::<[u64; 2]>();
        if bytes >= HUGE {
            if let Ok(map) = memmap2::MmapMut::map_anon(bytes + HUGE) {
                #[cfg(target_os = "linux")]
                let _ = map.advise(memmap2::Advice::HugePage); // only a hint
                let start = (HUGE - map.as_ptr() as usize % HUGE) % HUGE;
                return Storage::Mapped {
                    map,
                    start,
                    len: bytes,
                };
            }
        }
        Storage::Heap(vec![[0; 2]; n])
    }

    #[inline]
    fn slots(&mut self) -> &mut [[u64; 2]] {
        match self {
            Storage::Mapped { map, start, len } => {
                bytemuck::cast_slice_mut(&mut map[*start..*start + *len])
            }
            Storage::Heap(v) => v,
        }
    }
}

/// Linear probing in generation `g` from slot `i`: the slot holding `h`, or
/// the first empty one.
#[inline]
fn probe(slots: &[[u64; 2]], g: usize, mask: usize, mut i: usize, h: u64) -> (usize, bool) {
    loop {
        match slots[i][g] {
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
            slots: Storage::new(slots),
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

    /// Asks the processor to start loading the slots `hash` will be looked up
    /// in, so that the memory access overlaps other work before
    /// [`DuplicateMemory::seen_or_insert`].
    #[inline]
    pub fn prefetch(&self, hash: u64) {
        #[cfg(target_arch = "x86_64")]
        {
            let i = (hash.max(1) as usize) & self.mask;
            let ptr = match &self.slots {
                Storage::Mapped { map, start, .. } => map[*start..].as_ptr().wrapping_add(i * 16),
                Storage::Heap(v) => v.as_ptr().wrapping_add(i).cast::<u8>(),
            };
            // SAFETY: `_mm_prefetch` needs SSE, which every x86_64 processor
            // has (it is in the target's baseline); a prefetch is only a hint
            // and never faults, whatever the address (this one is in bounds).
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(ptr.cast())
            };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = hash;
    }

    /// Remembers `hash`; returns `true` when it was already remembered.
    #[inline]
    pub fn seen_or_insert(&mut self, hash: u64) -> bool {
        let h = hash.max(1); // 0 marks an empty slot
        let (cur, prev) = (self.current, 1 - self.current);
        let mask = self.mask;
        let home = (h as usize) & mask;
        let slots = self.slots.slots();
        // Both generations' home slots are in the same 16 bytes.
        let [x, y] = slots[home];
        let (a, b) = if cur == 0 { (x, y) } else { (y, x) };
        if a == h || b == h {
            return true;
        }
        let (slot, found) = if a == 0 {
            (home, false)
        } else {
            probe(slots, cur, mask, (home + 1) & mask, h)
        };
        if found || (b != 0 && probe(slots, prev, mask, (home + 1) & mask, h).1) {
            return true;
        }
        if self.in_current < self.window {
            slots[slot][cur] = h;
        } else {
            // Current generation full: forget the previous one, start anew.
            for pair in slots.iter_mut() {
                pair[prev] = 0;
            }
            slots[home][prev] = h;
            self.current = prev;
            self.in_previous = self.in_current;
            self.in_current = 0;
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
