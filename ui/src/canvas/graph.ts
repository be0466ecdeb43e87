// The model as xyflow nodes and edges: one node per system (with entity
// chips), one edge per flow. Pure functions, so they are easy to test and
// cheap to rerun on every edit.
import { MarkerType, type Edge, type Node } from "@xyflow/react";
import type { Finding, Flow, Model, System } from "../api";
import { bundleFlows, bundleOffsets, type Bundle } from "./bundles";
import { toAscii } from "../panels/names";
import { sumTraffic, trafficWidth, type Traffic } from "./rehearsalOverlay";

export type Chip = { id: string; name: string; severity: "error" | "warning" | "info" | null };

export type SystemData = {
  system: System;
  /** Entities this system owns (filled chips). */
  owned: Chip[];
  /** Entities this system holds a copy of (outlined chips). */
  copies: Chip[];
  errors: number;
  warnings: number;
};

export type FlowData = {
  flow: Flow;
  entityName: string;
  /** Perpendicular offset in px, to fan out several flows between the same two systems. */
  offset: number;
  errors: number;
  warnings: number;
  /** Set when this edge stands for several flows (bundled view); `flow` is then the first of them. */
  bundle: Bundle | null;
  /** What the last rehearsal sent over this edge (all its flows), when it is shown. */
  traffic?: Traffic | null;
  /** The stroke width for that traffic (by volume, against the busiest edge). */
  trafficWidth?: number;
};

export type SystemNode = Node<SystemData, "system">;
export type FlowEdge = Edge<FlowData, "flow">;

export type Point = { x: number; y: number };

/** A system box's width: wide enough for three chips a row, so boxes are short and a drawing fits a wide screen. */
export const NODE_WIDTH = 320;
/** The room for chips in a box: its width less the padding and the border (styles.css `.sys-node`). */
const CHIP_ROW = NODE_WIDTH - 24;
/** A chip's widest (styles.css `.chip`: max-width), and the gap between chips. */
const CHIP_MAX = 176;
const CHIP_GAP = 5;

/** Beyond this many entities a system's copies are summed up in one chip until it is selected. */
export const MAX_CHIPS = 6;

/** Whether a system's copies are shown as one "+N copies" chip (a room reads owners first). */
export function copiesCollapsed(d: SystemData, selected: boolean): boolean {
  return !selected && d.copies.length > 1 && d.owned.length + d.copies.length > MAX_CHIPS;
}

/** A chip's width, estimated from its text (14 px type, 8 px padding and a 2 px border each side). */
function chipWidth(text: string): number {
  return Math.min(CHIP_MAX, Math.ceil(20 + text.length * 7.9));
}

/** The rows the chips wrap into, filled left to right as the browser does. */
export function chipRows(texts: string[]): number {
  let rows = 0;
  let used = Infinity;
  for (const t of texts) {
    const w = chipWidth(t);
    if (used + CHIP_GAP + w > CHIP_ROW) {
      rows++;
      used = w;
    } else used += CHIP_GAP + w;
  }
  return rows;
}

/** The size a system node will have, for the automatic layout (close to the CSS). */
export function nodeSize(d: SystemData): { width: number; height: number } {
  const collapsed = copiesCollapsed(d, false);
  const texts = [...d.owned.map((c) => c.name), ...(collapsed ? [`+${d.copies.length} copies`] : d.copies.map((c) => c.name)), "+ entity"];
  return { width: NODE_WIDTH, height: 72 + chipRows(texts) * 30 };
}

/** The box a node takes: measured when it was rendered, else the size the layout assumes. */
export function nodeBox(n: SystemNode): Rect {
  const s = n.measured?.width && n.measured.height ? { width: n.measured.width, height: n.measured.height } : nodeSize(n.data);
  return { x: n.position.x, y: n.position.y, ...s };
}

type Counts = { errors: number; warnings: number; worst: Chip["severity"] };

function countFindings(findings: Finding[]): Map<string, Counts> {
  const by = new Map<string, Counts>();
  for (const f of findings) {
    const c = by.get(f.subject) ?? { errors: 0, warnings: 0, worst: null };
    if (f.severity === "error") {
      c.errors++;
      c.worst = "error";
    } else if (f.severity === "warning") {
      c.warnings++;
      if (c.worst !== "error") c.worst = "warning";
    } else if (c.worst === null) c.worst = "info";
    by.set(f.subject, c);
  }
  return by;
}

/** What the lineage view keeps of a model: the entity's owner, copy holders and the flows that carry it. */
export function lineageOf(model: Model, entityId: string): { systems: Set<string>; flows: Set<string> } {
  const systems = new Set<string>();
  const flows = new Set<string>();
  const e = model.entities.find((x) => x.id === entityId);
  if (e?.owner) systems.add(e.owner);
  for (const c of e?.copies ?? []) systems.add(c);
  for (const f of model.flows) {
    if (f.entity !== entityId) continue;
    flows.add(f.id);
    systems.add(f.from);
    systems.add(f.to);
  }
  return { systems, flows };
}

export type BuildOptions = {
  positions: Map<string, Point>;
  /** Show only this entity's lineage. */
  lineage?: string | null;
  /** Draw the flows between the same two systems in the same direction as one edge (bundles.ts). */
  bundled?: boolean;
  /** A selected flow: its bundle is drawn as separate flows, so the flow shows on its own. */
  expand?: string | null;
  /** Rehearsed traffic per flow id, shown on the edges (rehearsalOverlay.ts). */
  traffic?: Map<string, Traffic> | null;
};

/** Where to put systems that have no stored position: a grid below the others. */
export function placeMissing(model: Model, positions: Map<string, Point>): Map<string, Point> {
  const out = new Map(positions);
  let maxY = -Infinity;
  let minX = Infinity;
  for (const s of model.systems) {
    const p = positions.get(s.id);
    if (p) {
      maxY = Math.max(maxY, p.y);
      minX = Math.min(minX, p.x);
    }
  }
  const y0 = Number.isFinite(maxY) ? maxY + 320 : 0;
  const x0 = Number.isFinite(minX) ? minX : 0;
  let i = 0;
  for (const s of model.systems) {
    if (out.has(s.id)) continue;
    out.set(s.id, { x: x0 + (i % 6) * (NODE_WIDTH + 120), y: y0 + Math.floor(i / 6) * 280 });
    i++;
  }
  return out;
}

export function buildGraph(model: Model, findings: Finding[], opts: BuildOptions): { nodes: SystemNode[]; edges: FlowEdge[] } {
  const g = buildPlain(model, findings, opts);
  if (opts.traffic) addTraffic(g.edges, opts.traffic);
  return g;
}

const TRAFFIC_MARKER = { type: MarkerType.ArrowClosed, width: 56, height: 56, markerUnits: "userSpaceOnUse" };

/** Puts each edge's rehearsed traffic (its flows added up) and its stroke width into its data. */
function addTraffic(edges: FlowEdge[], traffic: Map<string, Traffic>) {
  let busiest = 0;
  for (const e of edges) {
    const d = e.data;
    if (!d) continue;
    d.traffic = sumTraffic(traffic, d.bundle ? d.bundle.flows.map((f) => f.id) : [d.flow.id]);
    if (d.traffic) busiest = Math.max(busiest, d.traffic.delivered + d.traffic.refused);
  }
  for (const e of edges) {
    if (!e.data?.traffic) continue;
    e.data.trafficWidth = trafficWidth(e.data.traffic, busiest);
    // The arrow keeps its size however thick the line (a marker scales with the stroke by default).
    e.markerEnd = TRAFFIC_MARKER;
  }
}

function buildPlain(model: Model, findings: Finding[], opts: BuildOptions): { nodes: SystemNode[]; edges: FlowEdge[] } {
  const counts = countFindings(findings);
  const lineage = opts.lineage ? lineageOf(model, opts.lineage) : null;
  const onlyEntity = opts.lineage ?? null;
  const owned = new Map<string, Chip[]>();
  const copies = new Map<string, Chip[]>();
  const names = new Map<string, string>();
  for (const e of model.entities) {
    names.set(e.id, e.name);
    if (onlyEntity !== null && e.id !== onlyEntity) continue;
    const chip: Chip = { id: e.id, name: e.name, severity: counts.get(e.id)?.worst ?? null };
    if (e.owner) {
      const l = owned.get(e.owner) ?? [];
      l.push(chip);
      owned.set(e.owner, l);
    }
    for (const c of e.copies ?? []) {
      const l = copies.get(c) ?? [];
      l.push(chip);
      copies.set(c, l);
    }
  }
  const positions = placeMissing(model, opts.positions);
  const nodes: SystemNode[] = [];
  for (const s of model.systems) {
    if (lineage && !lineage.systems.has(s.id)) continue;
    const c = counts.get(s.id);
    nodes.push({
      id: s.id,
      type: "system",
      position: positions.get(s.id) ?? { x: 0, y: 0 },
      data: { system: s, owned: owned.get(s.id) ?? [], copies: copies.get(s.id) ?? [], errors: c?.errors ?? 0, warnings: c?.warnings ?? 0 },
    });
  }
  const shownFlows = lineage ? model.flows.filter((f) => lineage.flows.has(f.id)) : model.flows;
  const edges: FlowEdge[] = [];
  if (opts.bundled) {
    const bundles = bundleFlows(shownFlows, (id) => names.get(id) ?? id, (id) => counts.get(id));
    const offsets = bundleOffsets(bundles);
    for (const b of bundles) {
      const f = b.flows[0];
      if (!f) continue;
      if (b.flows.length > 1 && opts.expand && b.flows.some((x) => x.id === opts.expand)) {
        // Opened: its flows side by side (0, +1, -1, +2…) around where the bundle runs.
        b.flows.forEach((x, i) => {
          const step = i === 0 ? 0 : Math.ceil(i / 2) * (i % 2 === 1 ? 1 : -1);
          const c = counts.get(x.id);
          edges.push({
            id: x.id,
            source: x.from,
            target: x.to,
            type: "flow",
            data: { flow: x, entityName: names.get(x.entity) ?? x.entity, offset: (offsets.get(b.id) ?? 0) + step * 46, errors: c?.errors ?? 0, warnings: c?.warnings ?? 0, bundle: null },
          });
        });
        continue;
      }
      edges.push({
        id: b.id,
        source: b.from,
        target: b.to,
        type: "flow",
        // A bundle is picked from its list (a click opens it), not selected and deleted as one.
        ...(b.flows.length > 1 ? { selectable: false } : {}),
        data: { flow: f, entityName: names.get(f.entity) ?? f.entity, offset: offsets.get(b.id) ?? 0, errors: b.errors, warnings: b.warnings, bundle: b.flows.length > 1 ? b : null },
      });
    }
    return { nodes, edges };
  }
  // Several flows between the same two systems fan out: 0, +1, -1, +2...
  const pairIndex = new Map<string, number>();
  for (const f of shownFlows) {
    const key = f.from < f.to ? `${f.from}\u0000${f.to}` : `${f.to}\u0000${f.from}`;
    const i = pairIndex.get(key) ?? 0;
    pairIndex.set(key, i + 1);
    const step = i === 0 ? 0 : Math.ceil(i / 2) * (i % 2 === 1 ? 1 : -1);
    const sign = f.from < f.to ? 1 : -1;
    const c = counts.get(f.id);
    edges.push({
      id: f.id,
      source: f.from,
      target: f.to,
      type: "flow",
      data: { flow: f, entityName: names.get(f.entity) ?? f.entity, offset: step * 46 * sign, errors: c?.errors ?? 0, warnings: c?.warnings ?? 0, bundle: null },
    });
  }
  return { nodes, edges };
}

/** A key that changes when anything a node shows changes (to keep unchanged nodes' data identical). */
export function nodeSignature(d: SystemData): string {
  return JSON.stringify([d.system, d.owned, d.copies, d.errors, d.warnings]);
}

export function edgeSignature(d: FlowData): string {
  return JSON.stringify([d.flow, d.entityName, d.offset, d.errors, d.warnings, d.bundle, d.traffic ?? null, d.trafficWidth ?? null]);
}

/** A fresh id based on `base` that is not in `taken`. */
export function freshId(base: string, taken: Set<string>): string {
  const clean = toAscii(base).toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^[-_]+|-+$/g, "").slice(0, 56) || "item";
  if (!taken.has(clean)) return clean;
  for (let i = 2; ; i++) {
    const id = `${clean}-${i}`;
    if (!taken.has(id)) return id;
  }
}

export type Rect = { x: number; y: number; width: number; height: number };

/**
 * The top-left corner, nearest to `centre`, where a box of `size` overlaps
 * none of `taken` (with a gap): new systems never land on top of others.
 * Searches rings of grid points around the centre.
 */
export function freeSpot(centre: Point, size: { width: number; height: number }, taken: Rect[], gap = 40): Point {
  const start = { x: Math.round(centre.x - size.width / 2), y: Math.round(centre.y - size.height / 2) };
  const clear = (p: Point) =>
    taken.every((r) => p.x + size.width + gap <= r.x || r.x + r.width + gap <= p.x || p.y + size.height + gap <= r.y || r.y + r.height + gap <= p.y);
  if (clear(start)) return start;
  const stepX = Math.round((size.width + gap) / 2);
  const stepY = Math.round((size.height + gap) / 2);
  for (let ring = 1; ring <= 200; ring++) {
    let best: Point | null = null;
    let bestD = Infinity;
    for (let i = -ring; i <= ring; i++) {
      const around: [number, number][] = [
        [i, -ring],
        [i, ring],
        [-ring, i],
        [ring, i],
      ];
      for (const [dx, dy] of around) {
        const p = { x: start.x + dx * stepX, y: start.y + dy * stepY };
        const d = Math.hypot(p.x - start.x, p.y - start.y);
        if (d < bestD && clear(p)) {
          best = p;
          bestD = d;
        }
      }
    }
    if (best) return best;
  }
  // Everything near is full: below all of them.
  const bottom = Math.max(...taken.map((r) => r.y + r.height));
  return { x: start.x, y: bottom + gap };
}
