// Flows routed around the boxes they would cross. A flow is a quadratic curve
// bent sideways by its offset (labels.ts `control`); when the curve between
// two systems runs through a third system's box, the offset is widened, a
// step at a time on either side, until the curve clears every box. Labels
// sit on the same curve, so they follow. Small models only (as label
// placement): large ones keep their offsets.
import type { FlowEdge, Point, SystemNode } from "./graph";
import { nodeBox } from "./graph";
import { bend, control, pointOn } from "./labels";

export type Box = { id: string; x: number; y: number; w: number; h: number };

/** Models above this many systems are not routed (cost grows with systems × flows). */
export const ROUTE_MAX_SYSTEMS = 120;
const STEP = 40;
const TRIES = 12;
const MARGIN = 12;
const SAMPLES = [0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9];

function crosses(sx: number, sy: number, tx: number, ty: number, offset: number, boxes: Box[], skip: [string, string]): boolean {
  const off = bend(sx, tx, offset);
  const { cx, cy } = control(sx, sy, tx, ty, off);
  // The curve lies within the hull of its three points: only boxes near that are looked at.
  const x0 = Math.min(sx, cx, tx) - MARGIN;
  const x1 = Math.max(sx, cx, tx) + MARGIN;
  const y0 = Math.min(sy, cy, ty) - MARGIN;
  const y1 = Math.max(sy, cy, ty) + MARGIN;
  const near = boxes.filter((b) => b.id !== skip[0] && b.id !== skip[1] && b.x < x1 && b.x + b.w > x0 && b.y < y1 && b.y + b.h > y0);
  if (near.length === 0) return false;
  for (const t of SAMPLES) {
    const { x, y } = pointOn(sx, sy, cx, cy, tx, ty, t);
    for (const b of near) {
      if (x > b.x - MARGIN && x < b.x + b.w + MARGIN && y > b.y - MARGIN && y < b.y + b.h + MARGIN) return true;
    }
  }
  return false;
}

/**
 * The offset for a flow from `s` to `t` that keeps its curve clear of `boxes`
 * (its own two excepted): the given one when it already is, else the nearest
 * wider one on either side; the given one when none within reach is.
 */
export function clearOffset(s: Box, t: Box, offset: number, boxes: Box[]): number {
  return clearRoute(s, t, offset, boxes).offset;
}

/** As `clearOffset`, and whether the curve at that offset is clear of the boxes (the automatic layout scores by it). */
export function clearRoute(s: Box, t: Box, offset: number, boxes: Box[]): { offset: number; clear: boolean } {
  const sx = s.x + s.w;
  const sy = s.y + s.h / 2;
  const tx = t.x;
  const ty = t.y + t.h / 2;
  const skip: [string, string] = [s.id, t.id];
  if (!crosses(sx, sy, tx, ty, offset, boxes, skip)) return { offset, clear: true };
  // Widen away from the middle first (the side the flow already leans to).
  const side = offset < 0 ? -1 : 1;
  for (let k = 1; k <= TRIES; k++) {
    for (const dir of [side, -side]) {
      const o = offset + dir * k * STEP;
      if (!crosses(sx, sy, tx, ty, o, boxes, skip)) return { offset: o, clear: true };
    }
  }
  return { offset, clear: false };
}

/** The edges with offsets that clear the boxes; systems without a known place are left alone. */
export function routeAroundBoxes(nodes: SystemNode[], edges: FlowEdge[], positions: Map<string, Point>): FlowEdge[] {
  if (nodes.length > ROUTE_MAX_SYSTEMS || positions.size === 0) return edges;
  const boxes = new Map<string, Box>();
  for (const n of nodes) {
    if (!positions.has(n.id)) continue;
    const b = nodeBox(n);
    boxes.set(n.id, { id: n.id, x: b.x, y: b.y, w: b.width, h: b.height });
  }
  const all = [...boxes.values()];
  return edges.map((e) => {
    const s = boxes.get(e.source);
    const t = boxes.get(e.target);
    if (!s || !t || !e.data) return e;
    const offset = clearOffset(s, t, e.data.offset, all);
    return offset === e.data.offset ? e : { ...e, data: { ...e.data, offset } };
  });
}
