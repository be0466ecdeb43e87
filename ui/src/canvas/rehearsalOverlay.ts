// The rehearsed traffic on the canvas: what the last rehearsal of the open
// model did on each flow (and bundle), and what each rule refused or flagged.
// The numbers come from the runtime's report (report.flows, report.rules);
// this only adds them up per edge and picks a colour a projector shows.
import { createContext } from "react";
import type { FlowTraffic, Model, RuleTraffic, WhatIf } from "../api";

export type Traffic = {
  delivered: number;
  refused: number;
  acked: number;
  nacked: number;
  unacknowledged: number;
  pending: number;
};

/** Healthy (nothing refused or unsettled), some trouble, much trouble, or no traffic at all. */
export type TrafficLevel = "ok" | "warn" | "bad" | "idle";

/** The rehearsal shown on the canvas and in the rule lists (null: none for this model). */
export type Rehearsed = {
  /** Which rehearsal: "orders-week.jsonl, revision 12 (prod)". */
  label: string;
  flows: Map<string, Traffic>;
  rules: Map<string, RuleTraffic>;
};

export const RehearsedContext = createContext<Rehearsed | null>(null);

const ZERO: Traffic = { delivered: 0, refused: 0, acked: 0, nacked: 0, unacknowledged: 0, pending: 0 };

export function rehearsed(label: string, flows: FlowTraffic[], rules: RuleTraffic[]): Rehearsed {
  return {
    label,
    flows: new Map(flows.map((f) => [f.flow, { delivered: f.delivered, refused: f.refused, acked: f.acked, nacked: f.nacked, unacknowledged: f.unacknowledged, pending: f.pending }])),
    rules: new Map(rules.map((r) => [r.rule, r])),
  };
}

/** The traffic of several flows (a bundle) added up; null when none of them was rehearsed. */
export function sumTraffic(flows: Map<string, Traffic>, ids: string[]): Traffic | null {
  let out: Traffic | null = null;
  for (const id of ids) {
    const t = flows.get(id);
    if (!t) continue;
    out ??= { ...ZERO };
    out.delivered += t.delivered;
    out.refused += t.refused;
    out.acked += t.acked;
    out.nacked += t.nacked;
    out.unacknowledged += t.unacknowledged;
    out.pending += t.pending;
  }
  return out;
}

/** Messages that went wrong on a flow: refused, negatively acknowledged, or never acknowledged. */
export const trouble = (t: Traffic): number => t.refused + t.nacked + t.unacknowledged;

/** At or above this share of trouble a flow is drawn as "bad". */
export const BAD_SHARE = 0.05;

export function trafficLevel(t: Traffic): TrafficLevel {
  const total = t.delivered + t.refused;
  if (total === 0 && trouble(t) === 0) return "idle";
  const bad = trouble(t);
  if (bad === 0) return "ok";
  return bad / Math.max(total, 1) >= BAD_SHARE ? "bad" : "warn";
}

/** A count for a label: 950, 12.3k, 4.5M. */
export function compact(n: number): string {
  if (n < 1000) return String(n);
  if (n < 1_000_000) return `${(n / 1000).toFixed(n < 10_000 ? 1 : 0).replace(/\.0$/, "")}k`;
  return `${(n / 1_000_000).toFixed(n < 10_000_000 ? 1 : 0).replace(/\.0$/, "")}M`;
}

/** The words on the edge: "1.2k delivered · 12 refused · 30 no ack". */
export function trafficText(t: Traffic): string {
  const parts = [`${compact(t.delivered)} delivered`];
  if (t.refused > 0) parts.push(`${compact(t.refused)} refused`);
  if (t.nacked > 0) parts.push(`${compact(t.nacked)} nacked`);
  if (t.unacknowledged > 0) parts.push(`${compact(t.unacknowledged)} no ack`);
  return parts.join(" · ");
}

/** The full sentence, for hover and screen readers. */
export function trafficTitle(t: Traffic): string {
  return `Rehearsed: ${t.delivered} delivered, ${t.refused} refused, ${t.acked} acked, ${t.nacked} negatively acknowledged, ${t.unacknowledged} never acknowledged, ${t.pending} still awaiting an ack at the end.`;
}

/** Stroke width by volume (log scale), so the busiest flows stand out from the back of the room. */
export function trafficWidth(t: Traffic, busiest: number): number {
  const v = t.delivered + t.refused;
  if (v === 0 || busiest === 0) return 2;
  return 2 + 5 * (Math.log10(1 + v) / Math.log10(1 + busiest));
}

/** What a what-if changed, by entity: messages whose decision changes, and the largest change in words. */
export type WhatIfMarks = Map<string, { count: number; summary: string }>;

export const WhatIfContext = createContext<WhatIfMarks | null>(null);

/**
 * The entities a what-if touches: a change's subject when it is an entity,
 * the rule's entity when it is a rule (changes come most first, so the
 * first summary kept is the largest).
 */
export function whatIfMarks(w: WhatIf, model: Model): WhatIfMarks {
  const out: WhatIfMarks = new Map();
  for (const c of w.changes) {
    const rule = c.subjectKind === "rule" ? (model.rules ?? []).find((r) => r.id === c.subject) : undefined;
    const entity = c.subjectKind === "entity" ? c.subject : rule && "entity" in rule ? rule.entity : undefined;
    if (entity === undefined) continue;
    const m = out.get(entity);
    if (m) m.count += c.count;
    else out.set(entity, { count: c.count, summary: c.summary });
  }
  return out;
}
