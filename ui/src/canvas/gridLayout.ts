// Automatic layout of a small model: systems on a grid shaped like the screen.
//
// ELK's layered algorithm draws a small, dense model whose flows run both ways
// (the seafood sample: 7 systems, 27 bundles) as one long chain, 2,900 px wide:
// fitted to a 1280 px window its labels are too small to draw. A workshop model
// is usually that small and that dense. For up to SMALL_LAYOUT_MAX systems the
// systems are also placed on a few grid shapes, by a short, seeded local search
// (simulated annealing over which system sits in which cell), judged by
// `layoutCost`: the drawing as the canvas will make it (curves from right side
// to left side, widened around boxes by route.ts, labels at their middles),
// its crossings, its length, and how small it must be fitted to a 1280×800
// window. ELK's answer is judged by the same cost and the better one is kept.
// Written here because the layout libraries at hand (ELK, dagre) place by
// layers, and none scores a placement by the canvas's own drawing.
import { PARALLEL_OFFSET } from "./bundles";
import { elkLayout, type LayoutInput, type LayoutOutput } from "./elkLayout";
import { bend, pointAt } from "./labels";
import { clearRoute, type Box } from "./route";

/** Up to this many systems, the grid search runs beside ELK. */
export const SMALL_LAYOUT_MAX = 12;
/** Room between columns (for the bundle labels) and between rows. */
export const GRID_GAP_X = 240;
export const GRID_GAP_Y = 100;
/** The drawing area of the canvas in a 1280×800 window, its properties folded. */
const PANE = { width: 1220, height: 550 };
/** Weights of the cost: a flow bent around a box, two flows crossing, length (in column pitches), 1 / fitted zoom. */
const THROUGH = 1;
const CROSS = 1;
/** A flow no bend takes clear of the boxes, in units of THROUGH; a label drawn over a box. */
const BLOCKED = 10;
const COVERED = 3;
const FIT = 20;
/** Points along each curve, for crossings and the drawing's extent. */
const ALONG = [0, 0.25, 0.5, 0.75, 1];
/** A label's half size on the drawing, roughly (labels.ts measures the real ones). */
const LABEL_HALF = { x: 90, y: 16 };
/** Cost evaluations per grid shape, at most (a bound on the time a dense model takes). */
const EVALUATIONS = 1e7;

/** A system's box while it is being placed (route.ts's shape). */
type Place = Box;
/** A bundle as the canvas draws it: one per direction between two systems. */
type Bundle = { s: Place; t: Place; offset: number };

function bundlesOf(input: LayoutInput, places: Map<string, Place>): Bundle[] {
  const seen = new Set<string>();
  const out: Bundle[] = [];
  for (const e of input.edges) {
    const s = places.get(e.source);
    const t = places.get(e.target);
    const key = `${e.source}\u0000${e.target}`;
    if (!s || !t || s === t || seen.has(key)) continue;
    seen.add(key);
    out.push({ s, t, offset: 0 });
  }
  // Both directions between two systems: each bends to its own side, as bundles.ts draws them.
  for (const b of out) if (seen.has(`${b.t.id}\u0000${b.s.id}`)) b.offset = PARALLEL_OFFSET;
  return out;
}

function side(ax: number, ay: number, bx: number, by: number, cx: number, cy: number): number {
  return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

/** Whether segments p→q and r→s meet (two curves through the same point do: a grid is symmetric); collinear ones do not count. */
function segmentsCross(p: Pt, q: Pt, r: Pt, s: Pt): boolean {
  const d1 = side(r.x, r.y, s.x, s.y, p.x, p.y);
  const d2 = side(r.x, r.y, s.x, s.y, q.x, q.y);
  const d3 = side(p.x, p.y, q.x, q.y, r.x, r.y);
  const d4 = side(p.x, p.y, q.x, q.y, s.x, s.y);
  if (d1 === 0 && d2 === 0) return false;
  return d1 * d2 <= 0 && d3 * d4 <= 0;
}

type Pt = { x: number; y: number };
type Curve = { pts: Pt[]; x0: number; y0: number; x1: number; y1: number; b: Bundle };

/** The parts of a layout's cost, lower is better. */
export type LayoutScore = { through: number; crossings: number; length: number; zoom: number; cost: number };

/**
 * Scores a placement as the canvas will draw it: each flow a curve from the
 * source's right side to the target's left (labels.ts `bend`), widened around
 * boxes in its way (route.ts `clearOffset`), its label at the middle.
 */
function score(places: Place[], bundles: Bundle[]): LayoutScore {
  let through = 0;
  let covered = 0;
  let length = 0;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const p of places) {
    x0 = Math.min(x0, p.x);
    y0 = Math.min(y0, p.y);
    x1 = Math.max(x1, p.x + p.w);
    y1 = Math.max(y1, p.y + p.h);
  }
  const curves: Curve[] = [];
  for (const b of bundles) {
    const { s, t } = b;
    const { offset, clear } = clearRoute(s, t, b.offset, places);
    // Bent around a box: a little; through a box (no bend clears it): as much as a lost label.
    if (!clear) through += BLOCKED;
    else if (offset !== b.offset) through += 1 + Math.abs(offset - b.offset) / 80;
    const sx = s.x + s.w;
    const sy = s.y + s.h / 2;
    const tx = t.x;
    const ty = t.y + t.h / 2;
    const off = bend(sx, tx, offset);
    const pts = ALONG.map((a) => pointAt(sx, sy, tx, ty, off, a));
    const c: Curve = { pts, x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity, b };
    let prev: Pt | null = null;
    for (const q of pts) {
      c.x0 = Math.min(c.x0, q.x);
      c.y0 = Math.min(c.y0, q.y);
      c.x1 = Math.max(c.x1, q.x);
      c.y1 = Math.max(c.y1, q.y);
      if (prev) length += Math.hypot(q.x - prev.x, q.y - prev.y) / (s.w + GRID_GAP_X);
      prev = q;
    }
    const mid = pointAt(sx, sy, tx, ty, off, 0.5);
    for (const p of places) {
      if (mid.x + LABEL_HALF.x > p.x && mid.x - LABEL_HALF.x < p.x + p.w && mid.y + LABEL_HALF.y > p.y && mid.y - LABEL_HALF.y < p.y + p.h) covered++;
    }
    x0 = Math.min(x0, c.x0, mid.x - LABEL_HALF.x);
    y0 = Math.min(y0, c.y0, mid.y - LABEL_HALF.y);
    x1 = Math.max(x1, c.x1, mid.x + LABEL_HALF.x);
    y1 = Math.max(y1, c.y1, mid.y + LABEL_HALF.y);
    curves.push(c);
  }
  let crossings = 0;
  curves.forEach((a, i) => {
    for (let j = i + 1; j < curves.length; j++) {
      const c = curves[j];
      if (!c || c.x0 > a.x1 || a.x0 > c.x1 || c.y0 > a.y1 || a.y0 > c.y1) continue;
      // Flows that share a system meet there; they do not cross.
      const p = a.b;
      const q = c.b;
      if (p.s === q.s || p.s === q.t || p.t === q.s || p.t === q.t) continue;
      if (polylinesCross(a.pts, c.pts)) crossings++;
    }
  });
  const zoom = places.length ? Math.min(1, PANE.width / (x1 - x0 + 40), PANE.height / (y1 - y0 + 40)) : 1;
  return { through, crossings, length, zoom, cost: THROUGH * through + COVERED * covered + CROSS * crossings + length + FIT / zoom };
}

function polylinesCross(a: Pt[], b: Pt[]): boolean {
  for (let k = 1; k < a.length; k++) {
    const p = a[k - 1];
    const q = a[k];
    if (!p || !q) continue;
    for (let m = 1; m < b.length; m++) {
      const r = b[m - 1];
      const s = b[m];
      if (r && s && segmentsCross(p, q, r, s)) return true;
    }
  }
  return false;
}

/** How well a layout reads: flows bent around boxes, crossings, length, and the zoom it fits a 1280×800 window at. */
export function layoutCost(input: LayoutInput, out: LayoutOutput): LayoutScore {
  const at = new Map(out.map((p) => [p.nodeId, p]));
  const places = new Map(input.nodes.map((n) => [n.id, { id: n.id, x: at.get(n.id)?.x ?? 0, y: at.get(n.id)?.y ?? 0, w: n.width, h: n.height }]));
  return score([...places.values()], bundlesOf(input, places));
}

/** A small deterministic PRNG (mulberry32): the same model gets the same layout. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Grid shapes worth trying for n systems: at least as wide as tall, as a screen is, one per row count. */
export function gridShapes(n: number): { cols: number; rows: number }[] {
  const out: { cols: number; rows: number }[] = [];
  for (let cols = Math.ceil(Math.sqrt(n)); cols <= Math.min(n, Math.ceil(Math.sqrt(n * 3)) + 1); cols++) {
    const rows = Math.ceil(n / cols);
    if (rows > cols || out.some((s) => s.rows === rows)) continue;
    out.push({ cols, rows });
  }
  return out;
}

/** The best grid placement found for the model (systems in cells, empty rows and columns dropped). */
export function gridLayout(input: LayoutInput, seed = 1): LayoutOutput {
  const n = input.nodes.length;
  if (n === 0) return [];
  const places = new Map(input.nodes.map((m) => [m.id, { id: m.id, x: 0, y: 0, w: m.width, h: m.height }]));
  const list = [...places.values()];
  const bundles = bundlesOf(input, places);
  const maxW = Math.max(...list.map((p) => p.w));
  const maxH = Math.max(...list.map((p) => p.h));
  const colPitch = maxW + GRID_GAP_X;
  const rowPitch = maxH + GRID_GAP_Y;
  // The busiest systems start in the middle cells.
  const degree = new Map<Place, number>();
  for (const b of bundles) {
    degree.set(b.s, (degree.get(b.s) ?? 0) + 1);
    degree.set(b.t, (degree.get(b.t) ?? 0) + 1);
  }
  const busiest = [...list].sort((a, b) => (degree.get(b) ?? 0) - (degree.get(a) ?? 0));
  const steps = Math.min(600 * n, Math.floor(EVALUATIONS / Math.max(1, bundles.length * bundles.length)));
  let best: { at: Map<string, Pt>; cost: number } | null = null;
  for (const { cols, rows } of gridShapes(n)) {
    const size = cols * rows;
    const rand = random(seed * 7919 + cols);
    const put = (p: Place, cell: number) => {
      p.x = (cell % cols) * colPitch;
      p.y = Math.floor(cell / cols) * rowPitch + (maxH - p.h) / 2;
    };
    // occupant[c]: the system in cell c, or null.
    const occupant: (Place | null)[] = new Array<Place | null>(size).fill(null);
    const centre = (c: number) => Math.abs((c % cols) - (cols - 1) / 2) + Math.abs(Math.floor(c / cols) - (rows - 1) / 2);
    const middle = [...Array(size).keys()].sort((a, b) => centre(a) - centre(b) || a - b);
    busiest.forEach((p, k) => {
      const cell = middle[k] ?? k;
      occupant[cell] = p;
      put(p, cell);
    });
    const swap = (c1: number, c2: number) => {
      const a = occupant[c1] ?? null;
      const b = occupant[c2] ?? null;
      occupant[c1] = b;
      occupant[c2] = a;
      if (a) put(a, c2);
      if (b) put(b, c1);
    };
    const snapshot = () => new Map(list.map((p) => [p.id, { x: p.x, y: p.y }]));
    let cost = score(list, bundles).cost;
    let bestHere = { at: snapshot(), cost };
    for (let s = 0; s < steps; s++) {
      const temp = 4 * Math.pow(0.02 / 4, s / steps);
      const c1 = Math.floor(rand() * size);
      let c2 = Math.floor(rand() * size);
      if (c2 === c1) c2 = (c1 + 1) % size;
      if (!occupant[c1] && !occupant[c2]) continue;
      swap(c1, c2);
      const next = score(list, bundles).cost;
      if (next <= cost || rand() < Math.exp((cost - next) / temp)) {
        cost = next;
        if (cost < bestHere.cost) bestHere = { at: snapshot(), cost };
      } else swap(c1, c2);
    }
    // The best placement of this shape, empty columns and rows dropped, scored again.
    for (const p of list) Object.assign(p, bestHere.at.get(p.id));
    compact(list, colPitch, rowPitch);
    const total = score(list, bundles).cost;
    if (!best || total < best.cost) best = { at: snapshot(), cost: total };
  }
  return input.nodes.map((m) => ({ nodeId: m.id, x: Math.round(best?.at.get(m.id)?.x ?? 0), y: Math.round(best?.at.get(m.id)?.y ?? 0) }));
}

/** Drops the empty columns and rows of a grid placement (in place). */
function compact(places: Place[], colPitch: number, rowPitch: number): void {
  const col = (p: Place) => Math.round(p.x / colPitch);
  const row = (p: Place) => Math.floor((p.y + 1) / rowPitch);
  const cols = [...new Set(places.map(col))].sort((a, b) => a - b);
  const rows = [...new Set(places.map(row))].sort((a, b) => a - b);
  for (const p of places) {
    const r = row(p);
    p.x = cols.indexOf(col(p)) * colPitch;
    p.y -= (r - rows.indexOf(r)) * rowPitch;
  }
}

/** The automatic layout: ELK's, or for a small model the grid placement when it reads better. */
export async function bestLayout(input: LayoutInput): Promise<LayoutOutput> {
  const elk = await elkLayout(input);
  if (input.nodes.length < 3 || input.nodes.length > SMALL_LAYOUT_MAX) return elk;
  const grid = gridLayout(input);
  return layoutCost(input, grid).cost < layoutCost(input, elk).cost ? grid : elk;
}
