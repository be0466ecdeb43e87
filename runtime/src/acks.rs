//! Acknowledgements: every process is observable (events.md).
//!
//! A delivery on a flow with `ack: true` waits for an `ack` from its target
//! until its deadline (the message's `at` plus the flow's
//! `ackWithinSeconds`, else the entity's consistency window, else 300 s).
//! It is settled by an ack with `ok: true` (acked), one with `ok: false`
//! (nacked), or by the clock passing the deadline first (unacknowledged).
//! An ack after the deadline is still observed and settles nothing more (the
//! exception stays); a second ack for the same delivery is unexpected.
//! A late ack is recognised for as long again as the delivery's ack window
//! after its deadline (a delivery with 60 s to ack is remembered until 120 s
//! after its message); after that the delivery is forgotten and an ack for
//! it is `unexpected-ack`.
//!
//! # Memory
//! At most `capacity` deliveries are kept (default
//! [`DEFAULT_OUTSTANDING`], 1,048,576: about 100 MiB at most), open or
//! expired (an expired one is kept so that a late ack is recognised). When
//! a new delivery finds the memory full, the oldest *expired* delivery is
//! forgotten first (a late ack for it is then `unexpected-ack`); when none is
//! expired, the open delivery with the earliest deadline is evicted: it is
//! settled as `evicted`, counted per flow, never silently dropped.
//! Deliveries are keyed by a 64-bit hash of (message id, target); ids are
//! unique at the gate (duplicates are refused before delivery).

use crate::dedupe::id_hash;
use compact_str::CompactString;
use rustc_hash::FxHashMap;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

/// Deliveries kept at most (open and expired).
pub const DEFAULT_OUTSTANDING: usize = 1 << 20;

/// The deadline when neither the flow nor the entity gives one.
pub const DEFAULT_ACK_WITHIN_MS: i64 = 300_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Open,
    Expired,
}

#[derive(Debug, Clone)]
struct Pending {
    flow: u32,
    at_ms: i64,
    deadline_ms: i64,
    state: State,
    /// The message id and the entity key, for examples (`id` + `\0` + key;
    /// inline up to 24 bytes, no allocation for usual ids and keys).
    id_key: CompactString,
}

impl Pending {
    fn id(&self) -> &str {
        self.id_key.split('\0').next().unwrap_or("")
    }
}

/// How a delivery was settled.
#[derive(Debug, Clone, PartialEq)]
pub enum How {
    /// Acked at this message time.
    Acked { at_ms: i64 },
    /// Nacked, with the receiver's reason.
    Nacked { at_ms: i64, reason: Option<String> },
    /// The clock passed the deadline first.
    Unacknowledged,
    /// Pushed out by the memory bound while still open.
    Evicted,
}

/// One settled delivery.
#[derive(Debug, Clone, PartialEq)]
pub struct Settled {
    pub flow: u32,
    pub to: u32,
    /// The delivered message's time.
    pub at_ms: i64,
    pub deadline_ms: i64,
    /// The message id and entity key (moved from the delivery, not copied).
    id_key: CompactString,
    pub how: How,
}

impl Settled {
    /// The delivered message's id.
    pub fn id(&self) -> &str {
        self.id_key.split('\0').next().unwrap_or("")
    }

    /// The delivered message's entity key.
    pub fn key(&self) -> &str {
        self.id_key.split_once('\0').map(|(_, k)| k).unwrap_or("")
    }
}

/// What an ack found.
#[derive(Debug, Clone, PartialEq)]
pub enum AckResult {
    /// It settled an open delivery (the settlement follows).
    Settled(Settled),
    /// A late ack for an expired delivery: observed, nothing changes.
    Late,
    /// No delivery to its source awaits an ack under that `ref`.
    Unexpected,
}

/// The deliveries awaiting an ack.
#[derive(Debug)]
pub struct Outstanding {
    map: FxHashMap<u64, (u32, Pending)>,
    /// Open deliveries by deadline (lazily cleaned: an entry whose delivery
    /// was settled is skipped when it comes up).
    deadlines: Deadlines,
    /// Expired deliveries kept for a late ack: when to forget each.
    expired: VecDeque<(i64, u64)>,
    capacity: usize,
    open: usize,
    forgotten_expired: u64,
}

fn slot(id: &str, to: u32) -> u64 {
    id_hash(id)
        ^ u64::from(to)
            .wrapping_add(1)
            .wrapping_mul(0xD6E8_FEB8_6659_FD93)
}

impl Outstanding {
    pub fn new(capacity: usize) -> Outstanding {
        Outstanding {
            map: FxHashMap::default(),
            deadlines: Deadlines::default(),
            expired: VecDeque::new(),
            capacity: capacity.max(1),
            open: 0,
            forgotten_expired: 0,
        }
    }

    /// Open deliveries (the outstanding-acks gauge).
    pub fn open(&self) -> usize {
        self.open
    }

    /// Expired deliveries forgotten by the memory bound.
    pub fn forgotten_expired(&self) -> u64 {
        self.forgotten_expired
    }

    /// Records a delivery awaiting an ack. A delivery evicted to make room
    /// is appended to `out`.
    #[allow(clippy::too_many_arguments)]
    pub fn insert(
        &mut self,
        flow: u32,
        to: u32,
        id: &str,
        key: &str,
        at_ms: i64,
        deadline_ms: i64,
        out: &mut Vec<Settled>,
    ) {
        let k = slot(id, to);
        if !self.map.contains_key(&k) && self.map.len() >= self.capacity {
            self.make_room(out);
        }
        let mut id_key = CompactString::with_capacity(id.len() + key.len() + 1);
        id_key.push_str(id);
        id_key.push('\0');
        id_key.push_str(key);
        let pending = Pending {
            flow,
            at_ms,
            deadline_ms,
            state: State::Open,
            id_key,
        };
        if let Some((_, old)) = self.map.insert(k, (to, pending)) {
            if old.state == State::Open {
                self.open -= 1;
            }
        }
        self.open += 1;
        self.deadlines.push(deadline_ms - at_ms, deadline_ms, k);
        // Settled deliveries leave their deadline behind: rebuild when the
        // heap holds far more than the open deliveries.
        if self.deadlines.len() > 2 * self.open + 4096 {
            self.rebuild_deadlines();
        }
    }

    fn rebuild_deadlines(&mut self) {
        let map = &self.map;
        self.deadlines.retain(|deadline, k| {
            map.get(&k)
                .is_some_and(|(_, p)| p.state == State::Open && p.deadline_ms == deadline)
        });
    }

    fn make_room(&mut self, out: &mut Vec<Settled>) {
        while let Some((_, k)) = self.expired.pop_front() {
            if let Some((_, p)) = self.map.get(&k) {
                if p.state == State::Expired {
                    self.map.remove(&k);
                    self.forgotten_expired += 1;
                    return;
                }
            }
        }
        while let Some((deadline, k)) = self.deadlines.pop_min() {
            if let Some(s) = self.take_open(k, deadline, How::Evicted) {
                out.push(s);
                return;
            }
        }
    }

    /// Removes the open delivery `k` if its deadline is `deadline`.
    fn take_open(&mut self, k: u64, deadline: i64, how: How) -> Option<Settled> {
        match self.map.get(&k) {
            Some((_, p)) if p.state == State::Open && p.deadline_ms == deadline => {}
            _ => return None,
        }
        let (to, p) = self.map.remove(&k)?;
        self.open -= 1;
        Some(settled(to, p, how))
    }

    /// An ack from system `from` for message `reference`.
    pub fn ack(
        &mut self,
        from: u32,
        reference: &str,
        ok: bool,
        reason: Option<&str>,
        at_ms: i64,
    ) -> AckResult {
        let k = slot(reference, from);
        match self.map.get(&k) {
            Some((to, p)) if *to == from && p.id() == reference => {}
            _ => return AckResult::Unexpected,
        }
        let Some((to, p)) = self.map.remove(&k) else {
            return AckResult::Unexpected;
        };
        if p.state == State::Expired {
            return AckResult::Late;
        }
        self.open -= 1;
        let how = if ok {
            How::Acked { at_ms }
        } else {
            How::Nacked {
                at_ms,
                reason: reason.map(str::to_string),
            }
        };
        AckResult::Settled(settled(to, p, how))
    }

    /// Settles as unacknowledged every open delivery whose deadline the
    /// clock has passed, in deadline order.
    pub fn expire(&mut self, clock_ms: i64, out: &mut Vec<Settled>) {
        while let Some((deadline, k)) = self.deadlines.pop_before(clock_ms) {
            let Some((to, p)) = self.map.get_mut(&k) else {
                continue;
            };
            if p.state != State::Open || p.deadline_ms != deadline {
                continue;
            }
            p.state = State::Expired;
            self.open -= 1;
            // Kept for a late ack: the settlement gets a copy.
            out.push(settled(*to, p.clone(), How::Unacknowledged));
            let forget_at = deadline.saturating_add(deadline - p.at_ms);
            self.expired.push_back((forget_at, k));
        }
        // Forget the expired deliveries whose late-ack time is over (in
        // expiry order: one kept a little longer than its time is harmless).
        while let Some(&(forget_at, k)) = self.expired.front() {
            if forget_at >= clock_ms {
                break;
            }
            self.expired.pop_front();
            if self
                .map
                .get(&k)
                .is_some_and(|(_, p)| p.state == State::Expired)
            {
                self.map.remove(&k);
            }
        }
    }

    /// The open deliveries per flow (pending in a report).
    pub fn open_per_flow(&self, flows: usize) -> Vec<u64> {
        let mut per = vec![0u64; flows];
        for (_, p) in self.map.values() {
            if p.state == State::Open {
                if let Some(n) = per.get_mut(p.flow as usize) {
                    *n += 1;
                }
            }
        }
        per
    }
}

/// Deadlines of open deliveries. A delivery's deadline is its message's time
/// plus its flow's offset, and messages mostly come in time order: each
/// offset keeps a queue in arrival order (popped from the front, O(1), in
/// sequential memory), and a delivery whose deadline would come before the
/// back of its queue (an older message arriving late) goes to a heap.
#[derive(Debug, Default)]
struct Deadlines {
    queues: Vec<(i64, VecDeque<(i64, u64)>)>,
    late: BinaryHeap<Reverse<(i64, u64)>>,
}

impl Deadlines {
    fn len(&self) -> usize {
        self.queues.iter().map(|(_, q)| q.len()).sum::<usize>() + self.late.len()
    }

    fn push(&mut self, offset: i64, deadline: i64, k: u64) {
        let i = match self.queues.iter().position(|(o, _)| *o == offset) {
            Some(i) => i,
            None => {
                self.queues.push((offset, VecDeque::new()));
                self.queues.len() - 1
            }
        };
        let q = &mut self.queues[i].1;
        if q.back().is_none_or(|(d, _)| *d <= deadline) {
            q.push_back((deadline, k));
        } else {
            self.late.push(Reverse((deadline, k)));
        }
    }

    /// Where the earliest deadline is: a queue's index, or `None` for the
    /// heap; with the deadline.
    fn min(&self) -> Option<(Option<usize>, i64)> {
        let mut best: Option<(Option<usize>, i64)> =
            self.late.peek().map(|Reverse((d, _))| (None, *d));
        for (i, (_, q)) in self.queues.iter().enumerate() {
            if let Some((d, _)) = q.front() {
                if best.is_none_or(|(_, b)| *d < b) {
                    best = Some((Some(i), *d));
                }
            }
        }
        best
    }

    fn pop_at(&mut self, at: Option<usize>) -> Option<(i64, u64)> {
        match at {
            Some(i) => self.queues.get_mut(i)?.1.pop_front(),
            None => self.late.pop().map(|Reverse(x)| x),
        }
    }

    fn pop_min(&mut self) -> Option<(i64, u64)> {
        let (at, _) = self.min()?;
        self.pop_at(at)
    }

    /// The earliest entry if its deadline is before `clock`.
    fn pop_before(&mut self, clock: i64) -> Option<(i64, u64)> {
        match self.min()? {
            (at, d) if d < clock => self.pop_at(at),
            _ => None,
        }
    }

    fn retain(&mut self, keep: impl Fn(i64, u64) -> bool) {
        for (_, q) in &mut self.queues {
            q.retain(|(d, k)| keep(*d, *k));
        }
        self.late.retain(|Reverse((d, k))| keep(*d, *k));
    }
}

fn settled(to: u32, p: Pending, how: How) -> Settled {
    Settled {
        flow: p.flow,
        to,
        at_ms: p.at_ms,
        deadline_ms: p.deadline_ms,
        id_key: p.id_key,
        how,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn acked_nacked_unacknowledged_late_and_unexpected() {
        let mut o = Outstanding::new(100);
        let mut out = vec![];
        o.insert(0, 5, "m1", "k1", 1000, 61_000, &mut out);
        o.insert(0, 5, "m2", "k2", 1000, 61_000, &mut out);
        o.insert(1, 6, "m3", "k3", 1000, 61_000, &mut out);
        assert_eq!(o.open(), 3);
        // Wrong receiver: unexpected.
        assert_eq!(o.ack(6, "m1", true, None, 2000), AckResult::Unexpected);
        let AckResult::Settled(s) = o.ack(5, "m1", true, None, 2000) else {
            panic!()
        };
        assert_eq!((s.id(), s.key()), ("m1", "k1"));
        assert_eq!(s.how, How::Acked { at_ms: 2000 });
        // A second ack for it is unexpected.
        assert_eq!(o.ack(5, "m1", true, None, 2000), AckResult::Unexpected);
        let AckResult::Settled(s) = o.ack(6, "m3", false, Some("no carrier"), 3000) else {
            panic!()
        };
        assert_eq!(
            s.how,
            How::Nacked {
                at_ms: 3000,
                reason: Some("no carrier".into())
            }
        );
        // The deadline is over when the clock passes it.
        o.expire(61_000, &mut out);
        assert!(out.is_empty());
        o.expire(61_001, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].how, How::Unacknowledged);
        assert_eq!(out[0].id(), "m2");
        assert_eq!(o.open(), 0);
        // A late ack is observed once.
        assert_eq!(o.ack(5, "m2", true, None, 70_000), AckResult::Late);
        assert_eq!(o.ack(5, "m2", true, None, 70_000), AckResult::Unexpected);
        // Recognised as late for one more ack window after the deadline.
        o.insert(0, 5, "m4", "k4", 100_000, 160_000, &mut out);
        o.expire(160_001, &mut out);
        o.expire(220_000, &mut out);
        assert_eq!(o.ack(5, "m4", true, None, 220_000), AckResult::Late);
        o.insert(0, 5, "m5", "k5", 100_000, 160_000, &mut out);
        o.expire(160_001, &mut out);
        o.expire(220_001, &mut out);
        assert_eq!(o.ack(5, "m5", true, None, 220_001), AckResult::Unexpected);
    }

    #[test]
    fn a_full_memory_forgets_expired_first_then_evicts_the_earliest_deadline() {
        let mut o = Outstanding::new(3);
        let mut out = vec![];
        o.insert(0, 1, "a", "", 0, 10, &mut out);
        o.insert(0, 1, "b", "", 0, 500, &mut out);
        o.insert(0, 1, "c", "", 0, 400, &mut out);
        o.expire(11, &mut out);
        assert_eq!(out.len(), 1);
        out.clear();
        o.insert(0, 1, "d", "", 0, 900, &mut out);
        assert!(out.is_empty(), "the expired delivery makes room");
        assert_eq!(o.forgotten_expired(), 1);
        assert_eq!(o.ack(1, "a", true, None, 20), AckResult::Unexpected);
        o.insert(0, 1, "e", "", 0, 900, &mut out);
        assert_eq!(out.len(), 1);
        assert_eq!((out[0].id(), &out[0].how), ("c", &How::Evicted));
        assert_eq!(o.open(), 3);
    }

    #[test]
    fn deadlines_come_in_order_whatever_the_arrival_order() {
        let mut o = Outstanding::new(100);
        let mut out = vec![];
        // Two offsets, and older messages arriving late.
        o.insert(0, 1, "a", "", 100, 160, &mut out);
        o.insert(1, 1, "b", "", 100, 130, &mut out);
        o.insert(0, 1, "c", "", 50, 110, &mut out);
        o.insert(1, 1, "d", "", 200, 230, &mut out);
        o.insert(0, 1, "e", "", 10, 70, &mut out);
        o.expire(1_000, &mut out);
        let ids: Vec<&str> = out.iter().map(Settled::id).collect();
        assert_eq!(ids, ["e", "c", "b", "a", "d"]);
    }

    #[test]
    fn settled_deadlines_do_not_pile_up() {
        let mut o = Outstanding::new(1 << 20);
        let mut out = vec![];
        for i in 0..100_000 {
            let id = format!("m{i}");
            o.insert(0, 1, &id, "", 0, 1_000_000, &mut out);
            assert!(matches!(
                o.ack(1, &id, true, None, 1),
                AckResult::Settled(_)
            ));
        }
        assert!(o.deadlines.len() <= 4096 + 2);
        assert_eq!(o.open(), 0);
    }
}
