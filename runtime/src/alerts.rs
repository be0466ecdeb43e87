//! Alerts (events.md): each `alert` rule watches one flow over consecutive
//! windows of `windowSeconds` of message time (window *k* covers
//! [k·W, (k+1)·W) seconds since the epoch; a message or a delivery belongs
//! to the window of its message's `at`). A window is judged once the clock
//! has passed its end and every delivery made in it is settled; windows are
//! judged in order, and a message for a window already judged counts no more.
//! - `ack-rate`: acked ÷ settled deliveries; alert below the threshold
//!   (windows with nothing settled are not judged);
//! - `error-rate`: messages from the flow's source about its entity that
//!   were refused (`reject`, `quarantine`) ÷ all such messages; alert above;
//! - `latency-seconds`: 95th percentile (nearest rank) of ack time minus
//!   message time of the acked deliveries; alert above. Latencies are kept
//!   as counts per millisecond value (exact, bounded by the deadline);
//! - `stall-seconds`: alert once when the flow has carried no delivery for
//!   more than the threshold of clock (since its last delivery, or the first
//!   message of the input); a new delivery ends the stall.
//!
//! Memory: per alert, the windows not yet judged (a few: every delivery is
//! settled by its deadline) with their counters.

use crate::time::format_rfc3339_ms;
use charter_model::model::AlertMetric;
use serde::Serialize;
use std::collections::BTreeMap;

/// An alert rule resolved at load.
#[derive(Debug, Clone)]
pub struct AlertRt {
    pub rule: u32,
    pub id: String,
    pub flow: u32,
    pub flow_id: String,
    pub metric: AlertMetric,
    pub threshold: f64,
    pub window_ms: i64,
}

/// One alert raised.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alert {
    pub rule: String,
    pub flow: String,
    pub metric: &'static str,
    pub value: f64,
    pub threshold: f64,
    pub from: String,
    pub to: String,
    #[serde(skip)]
    pub from_ms: i64,
    #[serde(skip)]
    pub to_ms: i64,
}

pub fn metric_name(m: AlertMetric) -> &'static str {
    match m {
        AlertMetric::AckRate => "ack-rate",
        AlertMetric::ErrorRate => "error-rate",
        AlertMetric::LatencySeconds => "latency-seconds",
        AlertMetric::StallSeconds => "stall-seconds",
    }
}

#[derive(Debug, Default, Clone)]
struct Window {
    /// Deliveries made in the window still awaiting their ack.
    open: u64,
    settled: u64,
    acked: u64,
    messages: u64,
    refused: u64,
    /// Acked latencies, milliseconds → count.
    latencies: BTreeMap<i64, u64>,
}

#[derive(Debug)]
struct Watch {
    rt: AlertRt,
    windows: BTreeMap<i64, Window>,
    /// Every window below this one is judged.
    judged_below: i64,
    /// Stall: the last delivery (or the first message), and whether this
    /// stall was already raised.
    last_delivery_ms: Option<i64>,
    stalled: bool,
}

/// The alert state of a configuration.
#[derive(Debug)]
pub struct Alerts {
    /// Per flow: its alerts, in rule order.
    by_flow: Vec<Vec<Watch>>,
    raised: Vec<Alert>,
    /// Alerts past [`MAX_KEPT`] (counted, not kept).
    omitted: u64,
}

/// Alerts kept for the report and `GET /v1/alerts` (the latest are dropped
/// past this, and counted).
pub const MAX_KEPT: usize = 10_000;

impl Alerts {
    pub fn new(rules: &[AlertRt], flows: usize) -> Alerts {
        let mut by_flow: Vec<Vec<Watch>> = (0..flows).map(|_| Vec::new()).collect();
        for rt in rules {
            if let Some(v) = by_flow.get_mut(rt.flow as usize) {
                v.push(Watch {
                    rt: rt.clone(),
                    windows: BTreeMap::new(),
                    judged_below: i64::MIN,
                    last_delivery_ms: None,
                    stalled: false,
                });
            }
        }
        Alerts {
            by_flow,
            raised: Vec::new(),
            omitted: 0,
        }
    }

    /// Whether flow `f` has any alert.
    #[inline]
    pub fn watches_flow(&self, f: u32) -> bool {
        self.by_flow.get(f as usize).is_some_and(|v| !v.is_empty())
    }

    pub fn is_empty(&self) -> bool {
        self.by_flow.iter().all(Vec::is_empty)
    }

    fn window_of(w: &Watch, at_ms: i64) -> Option<i64> {
        let k = at_ms.div_euclid(w.rt.window_ms.max(1));
        (k >= w.judged_below).then_some(k)
    }

    fn each(&mut self, flow: u32) -> impl Iterator<Item = &mut Watch> {
        self.by_flow
            .get_mut(flow as usize)
            .map(|v| v.iter_mut())
            .into_iter()
            .flatten()
    }

    /// The first message of the input: stalls are measured from it.
    pub fn start(&mut self, at_ms: i64) {
        for w in self.by_flow.iter_mut().flatten() {
            if w.last_delivery_ms.is_none() {
                w.last_delivery_ms = Some(at_ms);
            }
        }
    }

    /// A delivery on flow `flow` of a message at `at_ms`; `awaits_ack`: it
    /// is open until settled.
    pub fn delivered(&mut self, flow: u32, at_ms: i64, awaits_ack: bool) {
        for w in self.each(flow) {
            if w.rt.metric == AlertMetric::StallSeconds {
                if w.last_delivery_ms.is_none_or(|l| at_ms > l) {
                    w.last_delivery_ms = Some(at_ms);
                }
                w.stalled = false;
                continue;
            }
            if awaits_ack {
                if let Some(k) = Self::window_of(w, at_ms) {
                    w.windows.entry(k).or_default().open += 1;
                }
            }
        }
    }

    /// A delivery of a message at `at_ms` on `flow` was settled; `acked_at`
    /// when acked.
    pub fn settled(&mut self, flow: u32, at_ms: i64, acked_at: Option<i64>) {
        for w in self.each(flow) {
            if w.rt.metric == AlertMetric::StallSeconds {
                continue;
            }
            let Some(k) = Self::window_of(w, at_ms) else {
                continue;
            };
            let win = w.windows.entry(k).or_default();
            win.open = win.open.saturating_sub(1);
            win.settled += 1;
            if let Some(t) = acked_at {
                win.acked += 1;
                if w.rt.metric == AlertMetric::LatencySeconds {
                    *win.latencies.entry(t - at_ms).or_default() += 1;
                }
            }
        }
    }

    /// A message from `flow`'s source about its entity was decided.
    pub fn message(&mut self, flow: u32, at_ms: i64, refused: bool) {
        for w in self.each(flow) {
            if w.rt.metric != AlertMetric::ErrorRate {
                continue;
            }
            if let Some(k) = Self::window_of(w, at_ms) {
                let win = w.windows.entry(k).or_default();
                win.messages += 1;
                win.refused += u64::from(refused);
            }
        }
    }

    /// Judges every window and stall the clock allows; returns the alerts
    /// raised now (also kept).
    pub fn poll(&mut self, clock_ms: i64) -> Vec<Alert> {
        let mut now = Vec::new();
        for w in self.by_flow.iter_mut().flatten() {
            let rt = &w.rt;
            if rt.metric == AlertMetric::StallSeconds {
                let threshold_ms = (rt.threshold * 1000.0).round() as i64;
                if let Some(last) = w.last_delivery_ms {
                    if !w.stalled && clock_ms - last > threshold_ms {
                        w.stalled = true;
                        now.push(alert(
                            rt,
                            (clock_ms - last) as f64 / 1000.0,
                            last,
                            last + threshold_ms,
                        ));
                    }
                }
                continue;
            }
            while let Some((&k, win)) = w.windows.first_key_value() {
                let end = (k + 1).saturating_mul(rt.window_ms);
                if clock_ms < end || win.open > 0 {
                    break;
                }
                let value = match rt.metric {
                    AlertMetric::AckRate if win.settled > 0 => {
                        Some(win.acked as f64 / win.settled as f64).filter(|v| *v < rt.threshold)
                    }
                    AlertMetric::ErrorRate if win.messages > 0 => {
                        Some(win.refused as f64 / win.messages as f64).filter(|v| *v > rt.threshold)
                    }
                    AlertMetric::LatencySeconds if win.acked > 0 => p95(&win.latencies, win.acked)
                        .map(|ms| ms as f64 / 1000.0)
                        .filter(|v| *v > rt.threshold),
                    _ => None,
                };
                if let Some(v) = value {
                    now.push(alert(rt, v, k * rt.window_ms, end));
                }
                w.windows.pop_first();
                w.judged_below = k + 1;
            }
        }
        for a in &now {
            if self.raised.len() < MAX_KEPT {
                self.raised.push(a.clone());
            } else {
                self.omitted += 1;
            }
        }
        now
    }

    /// Windows whose judgement waits (for the clock or for acks).
    pub fn pending_windows(&self) -> usize {
        self.by_flow.iter().flatten().map(|w| w.windows.len()).sum()
    }

    /// Every alert raised so far, in the order raised.
    pub fn raised(&self) -> &[Alert] {
        &self.raised
    }

    pub fn omitted(&self) -> u64 {
        self.omitted
    }
}

/// The 95th percentile by nearest rank: the smallest value with at least
/// ⌈0.95·n⌉ values at or below it.
fn p95(counts: &BTreeMap<i64, u64>, n: u64) -> Option<i64> {
    let rank = (n * 95).div_ceil(100).max(1);
    let mut seen = 0;
    for (&v, &c) in counts {
        seen += c;
        if seen >= rank {
            return Some(v);
        }
    }
    None
}

fn alert(rt: &AlertRt, value: f64, from_ms: i64, to_ms: i64) -> Alert {
    Alert {
        rule: rt.id.clone(),
        flow: rt.flow_id.clone(),
        metric: metric_name(rt.metric),
        value,
        threshold: rt.threshold,
        from: format_rfc3339_ms(from_ms),
        to: format_rfc3339_ms(to_ms),
        from_ms,
        to_ms,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    fn rt(metric: AlertMetric, threshold: f64) -> AlertRt {
        AlertRt {
            rule: 0,
            id: "a".into(),
            flow: 0,
            flow_id: "f".into(),
            metric,
            threshold,
            window_ms: 60_000,
        }
    }

    #[test]
    fn ack_rate_waits_for_the_clock_and_for_settlement() {
        let mut a = Alerts::new(&[rt(AlertMetric::AckRate, 0.9)], 1);
        for _ in 0..4 {
            a.delivered(0, 1_000, true);
        }
        a.settled(0, 1_000, Some(2_000));
        a.settled(0, 1_000, Some(2_000));
        a.settled(0, 1_000, None);
        assert!(a.poll(59_999).is_empty());
        // The clock passed the end, but one delivery is still open.
        assert!(a.poll(60_000).is_empty());
        a.settled(0, 1_000, None);
        let raised = a.poll(60_000);
        assert_eq!(raised.len(), 1);
        assert_eq!(raised[0].value, 0.5);
        assert_eq!(raised[0].from, "1970-01-01T00:00:00Z");
        assert_eq!(raised[0].to, "1970-01-01T00:01:00Z");
        // A late message for the judged window counts no more.
        a.delivered(0, 2_000, true);
        assert_eq!(a.pending_windows(), 0);
    }

    #[test]
    fn error_rate_and_latency() {
        let mut a = Alerts::new(
            &[
                rt(AlertMetric::ErrorRate, 0.1),
                rt(AlertMetric::LatencySeconds, 2.0),
            ],
            1,
        );
        for i in 0..10 {
            a.message(0, 1_000, i < 2);
        }
        // 19 fast acks and one slow: p95 of 20 is the 19th value.
        for i in 0..20 {
            a.delivered(0, 1_000, true);
            a.settled(0, 1_000, Some(if i == 0 { 10_000 } else { 1_500 }));
        }
        let raised = a.poll(60_000);
        assert_eq!(raised.len(), 1, "{raised:?}");
        assert_eq!(raised[0].metric, "error-rate");
        assert!((raised[0].value - 0.2).abs() < 1e-12);
        let mut counts = BTreeMap::new();
        counts.insert(500, 19);
        counts.insert(9_000, 1);
        assert_eq!(p95(&counts, 20), Some(500));
        counts.insert(9_000, 2);
        assert_eq!(p95(&counts, 21), Some(9_000));
    }

    #[test]
    fn a_stall_is_raised_once_and_ended_by_a_delivery() {
        let mut a = Alerts::new(&[rt(AlertMetric::StallSeconds, 30.0)], 1);
        a.start(0);
        assert!(a.poll(30_000).is_empty());
        let r = a.poll(30_001);
        assert_eq!(r.len(), 1);
        assert_eq!((r[0].from_ms, r[0].to_ms), (0, 30_000));
        assert!(a.poll(90_000).is_empty());
        a.delivered(0, 100_000, false);
        assert!(a.poll(130_000).is_empty());
        assert_eq!(a.poll(130_001).len(), 1);
        assert_eq!(a.raised().len(), 2);
    }
}
