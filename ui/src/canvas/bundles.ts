// Bundled flows: the flows from one system to another (same direction) drawn
// as one edge, labelled with their entities ("Order, Invoice +2"). Pure
// functions, so the canvas, the exports and the tests agree on one picture.
import type { Flow } from "../api";

/** How a bundle is drawn: solid when all its flows are events, dashed when all are requests, else mixed. */
export type BundleStyle = "event" | "request" | "mixed";

export type Bundle = {
  /** The flow's own id for a bundle of one flow, else `bundle:<from>:<to>`. */
  id: string;
  from: string;
  to: string;
  /** Its flows, in model order. */
  flows: Flow[];
  /** The distinct entity names its flows carry, in model order. */
  entities: string[];
  label: string;
  style: BundleStyle;
  /** Whether its flows are acknowledged: all, none, or some of them. */
  ack: "all" | "none" | "some";
  /** Findings about the flows inside. */
  errors: number;
  warnings: number;
};

export type FlowCounts = { errors: number; warnings: number };

/** Ids of multi-flow bundles start with this (a colon is never part of a model id). */
export const BUNDLE_PREFIX = "bundle:";

export function bundleId(from: string, to: string): string {
  return `${BUNDLE_PREFIX}${from}:${to}`;
}

export function isBundleId(id: string): boolean {
  return id.startsWith(BUNDLE_PREFIX);
}

/** "Order", "Order, Invoice", "Order, Invoice +2": at most `shown` names, then how many more. */
export function bundleLabel(names: string[], shown = 2): string {
  if (names.length <= shown) return names.join(", ");
  return `${names.slice(0, shown).join(", ")} +${names.length - shown}`;
}

export function bundleStyle(flows: Flow[]): BundleStyle {
  const events = flows.filter((f) => f.pattern === "event").length;
  if (events === flows.length) return "event";
  if (events === 0) return "request";
  return "mixed";
}

function ackOf(flows: Flow[]): Bundle["ack"] {
  const acked = flows.filter((f) => f.ack === true).length;
  return acked === flows.length ? "all" : acked === 0 ? "none" : "some";
}

/**
 * Groups flows by (from, to): one bundle per ordered pair of systems, in the
 * order their first flow appears. A→B and B→A are two bundles.
 */
export function bundleFlows(flows: Flow[], entityName: (id: string) => string, counts: (flowId: string) => FlowCounts | undefined): Bundle[] {
  const groups = new Map<string, Flow[]>();
  for (const f of flows) {
    const key = `${f.from}\u0000${f.to}`;
    const g = groups.get(key);
    if (g) g.push(f);
    else groups.set(key, [f]);
  }
  const out: Bundle[] = [];
  for (const g of groups.values()) {
    const first = g[0];
    if (!first) continue;
    const entities: string[] = [];
    for (const f of g) {
      const n = entityName(f.entity);
      if (!entities.includes(n)) entities.push(n);
    }
    let errors = 0;
    let warnings = 0;
    for (const f of g) {
      const c = counts(f.id);
      errors += c?.errors ?? 0;
      warnings += c?.warnings ?? 0;
    }
    out.push({
      id: g.length === 1 ? first.id : bundleId(first.from, first.to),
      from: first.from,
      to: first.to,
      flows: g,
      entities,
      label: bundleLabel(entities),
      style: bundleStyle(g),
      ack: ackOf(g),
      errors,
      warnings,
    });
  }
  return out;
}

/** How far (px) a bundle bends away from the straight line when the opposite bundle exists too. */
export const PARALLEL_OFFSET = 46;

/**
 * The sideways offset of each bundle: 0 when it is alone between its two
 * systems; when A→B and B→A both exist, each bends by +PARALLEL_OFFSET in its
 * own direction, which puts them on opposite sides of the line between the
 * systems (the curve's normal turns with the direction).
 */
export function bundleOffsets(bundles: Pick<Bundle, "id" | "from" | "to">[]): Map<string, number> {
  const pairs = new Set(bundles.map((b) => `${b.from}\u0000${b.to}`));
  const out = new Map<string, number>();
  for (const b of bundles) out.set(b.id, pairs.has(`${b.to}\u0000${b.from}`) ? PARALLEL_OFFSET : 0);
  return out;
}

/** The bundle that holds a flow (for the selection of a flow inside a bundle). */
export function bundleOf(bundles: Bundle[], flowId: string): Bundle | undefined {
  return bundles.find((b) => b.flows.some((f) => f.id === flowId));
}
