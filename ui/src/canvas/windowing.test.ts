import { describe, expect, it } from "vitest";
import { NODE_WIDTH, type FlowEdge, type SystemNode } from "./graph";
import { contains, needsNewWindow, segmentMeets, viewRect, windowAround, windowed } from "./windowing";

function node(id: string, x: number, y: number, extra: Partial<SystemNode> = {}): SystemNode {
  return {
    id,
    type: "system",
    position: { x, y },
    measured: { width: 260, height: 120 },
    data: { system: { id, name: id, kind: "other" }, owned: [], copies: [], errors: 0, warnings: 0 },
    ...extra,
  };
}
function edge(id: string, source: string, target: string, extra: Partial<FlowEdge> = {}): FlowEdge {
  return {
    id,
    source,
    target,
    type: "flow",
    data: { flow: { id, entity: "e", from: source, to: target, pattern: "event", trigger: "system" }, entityName: "E", offset: 0, errors: 0, warnings: 0, bundle: null },
    ...extra,
  };
}

describe("the rendering window", () => {
  it("turns xyflow's transform into the part of the plane on screen", () => {
    expect(viewRect([-200, -100, 2], 800, 600)).toEqual({ x: 100, y: 50, width: 400, height: 300 });
  });

  it("is recomputed only when the view leaves it or is far smaller", () => {
    const view = { x: 0, y: 0, width: 1000, height: 500 };
    const win = windowAround(view, 0.5);
    expect(win).toEqual({ x: -500, y: -250, width: 2000, height: 1000 });
    expect(needsNewWindow(null, view)).toBe(true);
    expect(needsNewWindow(win, { ...view, x: 400 })).toBe(false);
    expect(needsNewWindow(win, { ...view, x: 600 })).toBe(true);
    // Zoomed in a lot: a window 25 times the view is too much to keep rendering.
    expect(needsNewWindow(win, { x: 0, y: 0, width: 200, height: 100 })).toBe(true);
    expect(contains(win, view)).toBe(true);
  });
});

describe("segmentMeets", () => {
  const r = { x: 0, y: 0, width: 100, height: 100 };
  it("finds segments crossing the rectangle with both ends outside", () => {
    expect(segmentMeets(-50, 50, 150, 50, r)).toBe(true);
    expect(segmentMeets(-50, -50, 150, 150, r)).toBe(true);
  });
  it("ignores segments whose bounding box meets it but the line does not", () => {
    expect(segmentMeets(-50, 90, 10, 200, r)).toBe(false);
    expect(segmentMeets(150, -10, 300, 400, r)).toBe(false);
  });
  it("finds segments with an end inside", () => {
    expect(segmentMeets(50, 50, 500, 500, r)).toBe(true);
  });
});

describe("windowed", () => {
  const win = { x: 0, y: 0, width: 1000, height: 1000 };
  const a = node("a", 100, 100);
  const b = node("b", 5000, 100);
  const c = node("c", 5000, 5000);
  const d = node("d", -3000, 400);
  const nodes = [a, b, c, d];
  const edges = [edge("a-b", "a", "b"), edge("b-c", "b", "c"), edge("d-b", "d", "b"), edge("c-d", "c", "d")];

  it("hides the systems outside the window and keeps the others as they are", () => {
    const out = windowed(nodes, edges, win);
    expect(out.nodes.map((n) => [n.id, !!n.hidden])).toEqual([
      ["a", false],
      ["b", true],
      ["c", true],
      ["d", true],
    ]);
    expect(out.nodes[0]).toBe(a);
  });

  it("draws the flows that reach into the window, also those between two systems outside it", () => {
    const ids = windowed(nodes, edges, win).edges.map((e) => e.id);
    expect(ids).toEqual(["a-b", "d-b"]);
  });

  it("gives the same hidden object on the next window (xyflow skips unchanged nodes)", () => {
    const first = windowed(nodes, edges, win).nodes[1];
    const second = windowed(nodes, edges, { ...win, x: 10 }).nodes[1];
    expect(second).toBe(first);
  });

  it("always shows selected systems and flows", () => {
    const out = windowed([a, { ...c, selected: true }], [edge("c-far", "c", "c", { selected: true })], win);
    expect(out.nodes[1]?.hidden).toBeFalsy();
    expect(out.edges.map((e) => e.id)).toEqual(["c-far"]);
  });

  it("sizes never-measured systems as the layout does, so fitting the view counts them", () => {
    const fresh = node("fresh", 9000, 9000, { measured: undefined });
    const out = windowed([fresh], [], win).nodes[0];
    expect(out?.hidden).toBe(true);
    expect(out?.initialWidth).toBe(NODE_WIDTH);
  });
});
