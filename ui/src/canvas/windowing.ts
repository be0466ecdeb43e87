// Windowed rendering for large models at detail zoom. xyflow's own culling
// (`onlyRenderVisibleElements`) recomputes what is visible on every frame of
// a pan (a pass over every edge) and mounts and unmounts nodes and edges as
// they cross the border of the screen. Here the canvas renders a *window*:
// the view grown by a margin on every side, recomputed only when the view
// leaves it. Between two recomputes a pan or zoom moves a fixed picture and
// no React work happens.
//
// Nodes outside the window stay in xyflow's list, hidden (fitting the view
// still sees them). The flows are not xyflow edges in this mode: WindowFlows
// draws those that cross the window, from the node boxes (a node never
// rendered gets its size from `nodeSize`), so flows to far systems show too.
import { nodeBox, nodeSize, type FlowEdge, type Rect, type SystemNode } from "./graph";

/** How far the window reaches beyond the view, in view sizes on each side. */
export const WINDOW_MARGIN = 0.5;

/** The part of the flow plane on screen, from xyflow's transform and the pane size. */
export function viewRect(transform: [number, number, number], width: number, height: number): Rect {
  const [tx, ty, zoom] = transform;
  return { x: -tx / zoom, y: -ty / zoom, width: width / zoom, height: height / zoom };
}

/** The view grown by `margin` view sizes on each side. */
export function windowAround(view: Rect, margin = WINDOW_MARGIN): Rect {
  return { x: view.x - view.width * margin, y: view.y - view.height * margin, width: view.width * (1 + 2 * margin), height: view.height * (1 + 2 * margin) };
}

/** True when `inner` lies inside `outer`. */
export function contains(outer: Rect, inner: Rect): boolean {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
}

/**
 * A window needs recomputing when the view leaves it, or when the view
 * shrank so much (zoom in) that the window would hold far more than needed.
 */
export function needsNewWindow(win: Rect | null, view: Rect): boolean {
  if (!win || !contains(win, view)) return true;
  return win.width * win.height > 16 * view.width * view.height;
}

function overlaps(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}


/** Cache of the hidden variant of each node object (kept while the node object lives, so xyflow sees the same object). */
const hiddenOf = new WeakMap<SystemNode, SystemNode>();
const sizedOf = new WeakMap<SystemNode, SystemNode>();

function hidden(n: SystemNode): SystemNode {
  let h = hiddenOf.get(n);
  if (!h) {
    h = { ...sized(n), hidden: true };
    hiddenOf.set(n, h);
  }
  return h;
}

/** A node that was never measured, with the size the layout assumes (for fitting the view). */
function sized(n: SystemNode): SystemNode {
  if (n.measured?.width) return n;
  let s = sizedOf.get(n);
  if (!s) {
    const { width, height } = nodeSize(n.data);
    s = { ...n, initialWidth: width, initialHeight: height };
    sizedOf.set(n, s);
  }
  return s;
}

/** Half the handle's size: where a flow leaves its source and meets its target (as xyflow draws it). */
const HANDLE_OUT = 7;

/** Where a system's flows start (its right handle) and end (its left handle). */
export type Ends = { sx: number; sy: number; tx: number; ty: number };

/**
 * What to draw for window `win`: every node for xyflow (those outside
 * hidden), the flows whose curve can reach into the window, and every
 * system's flow ends (computed once here, used to draw the flows). Selected
 * and dragged nodes are always shown. Unchanged nodes keep their identity.
 */
export function windowed(nodes: SystemNode[], edges: FlowEdge[], win: Rect): { nodes: SystemNode[]; edges: FlowEdge[]; ends: Map<string, Ends> } {
  const ends = new Map<string, Ends>();
  const out: SystemNode[] = new Array(nodes.length);
  for (let i = 0; i < nodes.length; i++) {
    const n = nodes[i] as SystemNode;
    const box = nodeBox(n);
    const mid = box.y + box.height / 2;
    ends.set(n.id, { sx: box.x + box.width + HANDLE_OUT, sy: mid, tx: box.x - HANDLE_OUT, ty: mid });
    out[i] = overlaps(box, win) || n.selected || n.dragging ? sized(n) : hidden(n);
  }
  const shownEdges: FlowEdge[] = [];
  for (const e of edges) {
    const a = ends.get(e.source);
    const b = ends.get(e.target);
    if (!a || !b) continue;
    // The drawn curve strays from the chord by at most its bend (FlowEdge:
    // offset, plus 120 px for flows drawn right to left).
    const bend = Math.abs(e.data?.offset ?? 0) + (a.sx > b.tx ? 120 : 0) + 20;
    if (e.selected || segmentMeets(a.sx, a.sy, b.tx, b.ty, grow(win, bend))) shownEdges.push(e);
  }
  return { nodes: out, edges: shownEdges, ends };
}

function grow(r: Rect, by: number): Rect {
  return { x: r.x - by, y: r.y - by, width: r.width + 2 * by, height: r.height + 2 * by };
}

/** True when the segment (x0,y0)–(x1,y1) meets rectangle `r` (Liang–Barsky clipping). */
export function segmentMeets(x0: number, y0: number, x1: number, y1: number, r: Rect): boolean {
  const dx = x1 - x0;
  const dy = y1 - y0;
  let t0 = 0;
  let t1 = 1;
  const edges: [number, number][] = [
    [-dx, x0 - r.x],
    [dx, r.x + r.width - x0],
    [-dy, y0 - r.y],
    [dy, r.y + r.height - y0],
  ];
  for (const [p, q] of edges) {
    if (p === 0) {
      if (q < 0) return false;
      continue;
    }
    const t = q / p;
    if (p < 0) {
      if (t > t1) return false;
      if (t > t0) t0 = t;
    } else {
      if (t < t0) return false;
      if (t < t1) t1 = t;
    }
  }
  return true;
}
