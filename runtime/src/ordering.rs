//! Ordering of events per entity key, by the entity's conflict policy
//! (events.md step 5), against the last *accepted* (or flagged: delivered)
//! event of the same key:
//! - `last-write-wins`: an `at` earlier than that event's → `reject`
//!   `stale`;
//! - `version`: no `version` → `reject` `no-version`; a version not greater
//!   than that event's → `reject` `stale`;
//! - `escalate`: an `at` earlier than that event's → `quarantine`
//!   `conflict` (a person decides), naming both message ids;
//! - `owner-wins`: no ordering check (nothing is kept).
//!
//! Memory is bounded like the duplicate memory: keys live in two
//! generations of at most `capacity` keys each; when the current one is
//! full the older is dropped and the current one becomes the older. So the
//! last `capacity` distinct keys are always remembered; an event for a key
//! forgotten longer ago has nothing to be ordered against and passes this
//! step (counted in [`Ordering::forgotten`]). Keys are kept as 64-bit
//! hashes of (entity, key), about 40 bytes each with the map's overhead: the
//! default bound ([`DEFAULT_ORDERED_KEYS`], 1,048,576) is at most about
//! 80 MiB, allocated as keys arrive.

use crate::dedupe::id_hash;
use charter_model::model::ConflictPolicy;
use rustc_hash::FxHashMap;

/// Keys remembered (at least; up to twice as many).
pub const DEFAULT_ORDERED_KEYS: usize = 1 << 20;

/// The last accepted event of one key.
#[derive(Debug, Clone)]
struct Last {
    at_ms: i64,
    version: Option<i64>,
    /// Kept for `escalate` only (named in the conflict).
    id: Option<Box<str>>,
}

/// What the ordering step says about an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    InOrder,
    Stale,
    NoVersion,
    /// Escalate: an earlier event than the accepted one; its id.
    Conflict {
        newer: String,
    },
}

/// Ordering state of every ordered entity.
#[derive(Debug)]
pub struct Ordering {
    current: FxHashMap<u64, Last>,
    older: FxHashMap<u64, Last>,
    capacity: usize,
    forgotten: u64,
}

impl Ordering {
    pub fn new(capacity: usize) -> Ordering {
        Ordering {
            current: FxHashMap::default(),
            older: FxHashMap::default(),
            capacity: capacity.max(1),
            forgotten: 0,
        }
    }

    /// Judges an event of entity `entity` (with `policy`) for `key`, without
    /// changing state.
    pub fn judge(
        &self,
        policy: ConflictPolicy,
        entity: u32,
        key: &str,
        at_ms: i64,
        version: Option<i64>,
    ) -> Verdict {
        if policy == ConflictPolicy::OwnerWins {
            return Verdict::InOrder;
        }
        if policy == ConflictPolicy::Version && version.is_none() {
            return Verdict::NoVersion;
        }
        let Some(last) = self.get(entity, key) else {
            return Verdict::InOrder;
        };
        match policy {
            ConflictPolicy::LastWriteWins if at_ms < last.at_ms => Verdict::Stale,
            ConflictPolicy::Version => match (version, last.version) {
                (Some(v), Some(l)) if v <= l => Verdict::Stale,
                _ => Verdict::InOrder,
            },
            ConflictPolicy::Escalate if at_ms < last.at_ms => Verdict::Conflict {
                newer: last.id.as_deref().unwrap_or("").to_string(),
            },
            _ => Verdict::InOrder,
        }
    }

    fn get(&self, entity: u32, key: &str) -> Option<&Last> {
        let k = key_hash(entity, key);
        self.current.get(&k).or_else(|| self.older.get(&k))
    }

    /// Records the accepted event of `key`.
    pub fn accept(
        &mut self,
        policy: ConflictPolicy,
        entity: u32,
        key: &str,
        at_ms: i64,
        version: Option<i64>,
        id: &str,
    ) {
        if policy == ConflictPolicy::OwnerWins {
            return;
        }
        let k = key_hash(entity, key);
        let last = Last {
            at_ms,
            version,
            id: (policy == ConflictPolicy::Escalate).then(|| Box::from(id)),
        };
        // Never move a key's clock back: an accepted event older than the
        // kept one (possible only under version ordering) keeps the later
        // time for the time-based policies.
        let merged = match self.current.get(&k).or_else(|| self.older.get(&k)) {
            Some(old) if policy != ConflictPolicy::Version && old.at_ms > at_ms => old.clone(),
            _ => last,
        };
        if !self.current.contains_key(&k) && self.current.len() >= self.capacity {
            self.forgotten += self.older.len() as u64;
            self.older = std::mem::take(&mut self.current);
        }
        self.older.remove(&k);
        self.current.insert(k, merged);
    }

    /// Keys dropped so far by the memory bound.
    pub fn forgotten(&self) -> u64 {
        self.forgotten
    }
}

/// An entity key as 64 bits (as the duplicate memory keeps ids: two keys
/// with colliding hashes are taken for the same, about 1e-13 at full memory).
fn key_hash(entity: u32, key: &str) -> u64 {
    id_hash(key) ^ u64::from(entity).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConflictPolicy::*;

    #[test]
    fn last_write_wins_refuses_older_times() {
        let mut o = Ordering::new(10);
        assert_eq!(o.judge(LastWriteWins, 0, "k", 100, None), Verdict::InOrder);
        o.accept(LastWriteWins, 0, "k", 100, None, "m1");
        assert_eq!(o.judge(LastWriteWins, 0, "k", 99, None), Verdict::Stale);
        assert_eq!(o.judge(LastWriteWins, 0, "k", 100, None), Verdict::InOrder);
        assert_eq!(
            o.judge(LastWriteWins, 0, "other", 1, None),
            Verdict::InOrder
        );
        assert_eq!(o.judge(LastWriteWins, 1, "k", 1, None), Verdict::InOrder);
    }

    #[test]
    fn version_needs_a_greater_version() {
        let mut o = Ordering::new(10);
        assert_eq!(o.judge(Version, 0, "k", 1, None), Verdict::NoVersion);
        o.accept(Version, 0, "k", 100, Some(7), "m1");
        assert_eq!(o.judge(Version, 0, "k", 200, Some(7)), Verdict::Stale);
        assert_eq!(o.judge(Version, 0, "k", 50, Some(8)), Verdict::InOrder);
    }

    #[test]
    fn escalate_names_the_newer_event() {
        let mut o = Ordering::new(10);
        o.accept(Escalate, 0, "k", 100, None, "m-new");
        assert_eq!(
            o.judge(Escalate, 0, "k", 50, None),
            Verdict::Conflict {
                newer: "m-new".into()
            }
        );
        assert_eq!(o.judge(OwnerWins, 0, "k", 50, None), Verdict::InOrder);
    }

    #[test]
    fn memory_is_bounded_and_keeps_the_latest_keys() {
        let mut o = Ordering::new(4);
        for i in 0..100 {
            o.accept(LastWriteWins, 0, &format!("k{i}"), 100, None, "m");
            assert!(o.current.len() + o.older.len() <= 8);
        }
        // The last four keys are always remembered.
        for i in 96..100 {
            assert_eq!(
                o.judge(LastWriteWins, 0, &format!("k{i}"), 1, None),
                Verdict::Stale
            );
        }
        assert!(o.forgotten() > 0);
    }
}
