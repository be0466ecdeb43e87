// Where flow and bundle labels go. Each label sits on its own curve; by
// default at the middle, but when that spot is taken (another label, a system
// box) it slides along the curve to the nearest free spot. Computed once for
// the whole picture (small models only; large ones keep the middle).
import { createContext } from "react";
import type { FlowData, Rect } from "./graph";
import { trafficText } from "./rehearsalOverlay";

/** The curve's control point: the midpoint moved sideways by twice the offset (see `curve`). */
export function control(sx: number, sy: number, tx: number, ty: number, offset: number): { cx: number; cy: number } {
  const dx = tx - sx;
  const dy = ty - sy;
  const len = Math.hypot(dx, dy) || 1;
  return { cx: (sx + tx) / 2 + (-dy / len) * offset * 2, cy: (sy + ty) / 2 + (dx / len) * offset * 2 };
}

/** The sideways bend a flow gets: flows drawn right to left bend well clear of the boxes. */
export function bend(sx: number, tx: number, offset: number): number {
  return sx > tx ? offset + (offset >= 0 ? 120 : -120) : offset;
}

/** The point at `t` (0..1) on the quadratic curve from s to t. */
export function pointAt(sx: number, sy: number, tx: number, ty: number, offset: number, t: number): { x: number; y: number } {
  const { cx, cy } = control(sx, sy, tx, ty, offset);
  return pointOn(sx, sy, cx, cy, tx, ty, t);
}

/** The point at `t` (0..1) on the quadratic curve from s through control c to t (the control computed once for many points). */
export function pointOn(sx: number, sy: number, cx: number, cy: number, tx: number, ty: number, t: number): { x: number; y: number } {
  const u = 1 - t;
  return { x: u * u * sx + 2 * u * t * cx + t * t * tx, y: u * u * sy + 2 * u * t * cy + t * t * ty };
}

let measurer: SVGTextElement | null | undefined;
const widths = new Map<string, number>();

/**
 * The width of `text` in the label's type (14 px; bold for the entity names),
 * measured by an SVG text element in the page (the same font the labels get),
 * else (tests without layout) estimated.
 */
export function textWidth(text: string, bold: boolean): number {
  const key = `${bold ? "b" : "r"}${text}`;
  const known = widths.get(key);
  if (known !== undefined) return known;
  if (measurer === undefined) {
    measurer = null;
    if (typeof document !== "undefined" && !/jsdom/i.test(navigator.userAgent)) {
      const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
      svg.setAttribute("aria-hidden", "true");
      svg.setAttribute("style", "position:absolute;left:-9999px;top:0;width:1px;height:1px;overflow:hidden;visibility:hidden");
      const t = document.createElementNS("http://www.w3.org/2000/svg", "text");
      t.setAttribute("style", "font-size:14px");
      svg.appendChild(t);
      document.body.appendChild(svg);
      measurer = t;
    }
  }
  let w = text.length * (bold ? 8.6 : 7.9);
  if (measurer) {
    measurer.style.fontWeight = bold ? "600" : "400";
    measurer.textContent = text;
    const m = measurer.getComputedTextLength();
    if (m > 0) w = m;
  }
  widths.set(key, w);
  return w;
}

/** The label's text parts and its width in px (at the canvas's 14 px label type). */
export function labelParts(d: FlowData): { main: string; tag: string; noack: string; bad: number; traffic: string; width: number; height: number } {
  const b = d.bundle;
  const bad = d.errors + d.warnings;
  let main: string;
  let tag: string;
  let noack: string;
  if (b) {
    const unacked = b.flows.filter((x) => x.ack !== true).length;
    main = b.label;
    tag = b.style === "event" ? "events" : b.style === "request" ? "requests" : "mixed";
    noack = unacked === 0 ? "" : unacked === b.flows.length ? "no ack" : `${unacked} no ack`;
  } else {
    main = d.entityName;
    tag = d.flow.pattern;
    noack = d.flow.ack === true ? "" : "no ack";
  }
  // Padding 10 each side, 8 between parts, the badge 30.
  // Rehearsed traffic, when shown, is a second line: "1.2k delivered · 12 refused".
  const traffic = d.traffic ? trafficText(d.traffic) : "";
  const first = 20 + textWidth(main, true) + 8 + textWidth(tag, false) + (noack ? 8 + textWidth(noack, true) : 0) + (bad > 0 ? 30 : 0);
  const width = Math.ceil(Math.max(first, traffic ? 20 + textWidth(traffic, true) : 0));
  return { main, tag, noack, bad, traffic, width, height: traffic ? LABEL_HEIGHT + TRAFFIC_LINE : LABEL_HEIGHT };
}

export const LABEL_HEIGHT = 28;
/** The rehearsed-traffic line under a label. */
export const TRAFFIC_LINE = 20;
/** Where along its curve a label may sit, nearest the middle first. */
const SPOTS = [0.5, 0.44, 0.56, 0.38, 0.62, 0.32, 0.68, 0.26, 0.74, 0.2, 0.8, 0.15, 0.85];
const GAP = 4;
/** Sideways (vertical) nudges tried when no spot on the curve itself is free: a label stays beside its line. */
const NUDGES = [0, 16, -16, 30, -30, 46, -46, 62, -62, 80, -80, 100, -100];
/** Where a label sits: `t` along its curve (0..1), moved down by `nudge` px (up when negative). */
export type Spot = { t: number; nudge: number };
export const MIDDLE: Spot = { t: 0.5, nudge: 0 };

/** The label's centre for a spot. */
export function labelAt(sx: number, sy: number, tx: number, ty: number, offset: number, spot: Spot = MIDDLE): { x: number; y: number } {
  const p = pointAt(sx, sy, tx, ty, offset, spot.t);
  return { x: p.x, y: p.y + spot.nudge };
}

/** `scale`: labels drawn larger (presentation mode) take more room. */
export type LabelInput = { id: string; sx: number; sy: number; tx: number; ty: number; offset: number; width: number; height?: number; scale?: number };

function overlapArea(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Further sideways nudges a label still in the way may take in the second pass. */
const WIDE_NUDGES = [...NUDGES, 120, -120, 140, -140, 160, -160];

/** The rect a label covers at a spot (with its gap). */
function spotRect(l: LabelInput, off: number, t: number, nudge: number): Rect {
  const p = pointAt(l.sx, l.sy, l.tx, l.ty, off, t);
  const k = l.scale ?? 1;
  const h = l.height ?? LABEL_HEIGHT;
  return { x: p.x - (k * l.width) / 2 - GAP, y: p.y + nudge * k - (k * h) / 2 - GAP, width: k * l.width + 2 * GAP, height: k * h + 2 * GAP };
}

/** The free-est spot for a label against what is already taken, nearest its curve's middle first. */
function bestSpot(l: LabelInput, taken: (Rect | null)[], boxes: Rect[], nudges: number[]): { spot: Spot; cost: number; rect: Rect } {
  const off = bend(l.sx, l.tx, l.offset);
  const k = l.scale ?? 1;
  let best = { spot: MIDDLE, cost: Infinity, rect: spotRect(l, off, 0.5, 0) };
  for (const nudge of nudges) {
    for (const t of SPOTS) {
      const rect = spotRect(l, off, t, nudge);
      let cost = 0;
      for (const r of taken) if (r) cost += overlapArea(rect, r);
      for (const r of boxes) cost += overlapArea(rect, r);
      if (cost < best.cost) best = { spot: { t, nudge: nudge * k }, cost, rect };
      if (cost === 0) return best;
    }
  }
  return best;
}

/**
 * A spot (t along its curve) for each label so that no two labels overlap and
 * none sits on a system box, where the curves allow it; otherwise the spot
 * with the least overlap. Shorter curves are placed first (they have fewer
 * spots to choose from); then each label still in the way is placed again
 * against all the others, with wider nudges, for a few rounds (a greedy first
 * pass can leave a label boxed in by ones placed after it).
 */
export function placeLabels(labels: LabelInput[], boxes: Rect[]): Map<string, Spot> {
  const order = [...labels].sort((a, b) => Math.hypot(a.tx - a.sx, a.ty - a.sy) - Math.hypot(b.tx - b.sx, b.ty - b.sy) || (a.id < b.id ? -1 : 1));
  const rects: (Rect | null)[] = [];
  const spots: Spot[] = [];
  const costs: number[] = [];
  for (const l of order) {
    const best = bestSpot(l, rects, boxes, NUDGES);
    spots.push(best.spot);
    rects.push(best.rect);
    costs.push(best.cost);
  }
  for (let round = 0; round < 4 && costs.some((c) => c > 0); round++) {
    let improved = false;
    order.forEach((l, i) => {
      if (costs[i]! === 0) return;
      const own = rects[i]!;
      rects[i] = null;
      const best = bestSpot(l, rects, boxes, WIDE_NUDGES);
      // Its present cost, against everything as it stands now.
      let now = 0;
      for (const r of rects) if (r) now += overlapArea(own, r);
      for (const r of boxes) now += overlapArea(own, r);
      if (best.cost < now) {
        spots[i] = best.spot;
        rects[i] = best.rect;
        costs[i] = best.cost;
        improved = true;
      } else rects[i] = own;
    });
    // Costs of the others change as labels move: recount them.
    order.forEach((_, i) => {
      let c = 0;
      const own = rects[i]!;
      rects.forEach((r, j) => {
        if (r && j !== i) c += overlapArea(own, r);
      });
      for (const r of boxes) c += overlapArea(own, r);
      costs[i] = c;
    });
    if (!improved) break;
  }
  return new Map(order.map((l, i) => [l.id, spots[i]!]));
}

/** How much larger labels are drawn (presentation mode). */
export const PRESENT_LABEL_SCALE = 1.2;
export const LabelScaleContext = createContext(1);

/** Where each label sits (edge id → spot); absent: the middle. */
export const LabelSpotContext = createContext<Map<string, Spot> | null>(null);
