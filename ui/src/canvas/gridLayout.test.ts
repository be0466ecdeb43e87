import { describe, expect, it } from "vitest";
import ecommerce from "../../../models/examples/ecommerce.model.json?raw";
import seafood from "../../../models/examples/seafood.model.json?raw";
import type { Model } from "../api";
import { elkLayout, type LayoutInput } from "./elkLayout";
import { layoutInput } from "./layout";
import { bestLayout, gridLayout, gridShapes, layoutCost, SMALL_LAYOUT_MAX } from "./gridLayout";

const box = (i: number) => ({ id: `s${i}`, width: 320, height: 130 });

describe("automatic layout of a small model", () => {
  it("scores a flow bent around a third box, and flows that cross", () => {
    const input: LayoutInput = { nodes: [box(0), box(1), box(2), box(3)], edges: [{ id: "e", source: "s0", target: "s2" }] };
    // In a row: s0 → s2 must bend around s1.
    const row = layoutCost(input, [0, 1, 2, 3].map((i) => ({ nodeId: `s${i}`, x: i * 560, y: 0 })));
    expect(row.through).toBeGreaterThan(1);
    // s1 moved out of the way: nothing in between.
    const clear = layoutCost(input, [0, 1, 2, 3].map((i) => ({ nodeId: `s${i}`, x: i * 560, y: i === 1 ? 400 : 0 })));
    expect(clear.through).toBe(0);
    expect(clear.cost).toBeLessThan(row.cost);
    // A square: s0 → s3 and s2 → s1 cross between the columns; s0 → s1 and s2 → s3 do not.
    const at = [{ x: 0, y: 0 }, { x: 560, y: 0 }, { x: 0, y: 300 }, { x: 560, y: 300 }].map((p, i) => ({ nodeId: `s${i}`, ...p }));
    const nodes = [box(0), box(1), box(2), box(3)];
    const flow = (s: number, t: number) => ({ id: `s${s}-s${t}`, source: `s${s}`, target: `s${t}` });
    expect(layoutCost({ nodes, edges: [flow(0, 3), flow(2, 1)] }, at).crossings).toBe(1);
    expect(layoutCost({ nodes, edges: [flow(0, 1), flow(2, 3)] }, at).crossings).toBe(0);
  });

  it("tries grid shapes wider than tall", () => {
    expect(gridShapes(7)).toEqual([{ cols: 3, rows: 3 }, { cols: 4, rows: 2 }]);
    for (let n = 3; n <= SMALL_LAYOUT_MAX; n++) for (const s of gridShapes(n)) expect(s.cols >= s.rows && s.cols * s.rows >= n).toBe(true);
  });

  it("lays the seafood sample out readably where ELK makes a chain: fewer flows bent around boxes, fitted far larger", async () => {
    const input = layoutInput(JSON.parse(seafood) as Model);
    const elk = layoutCost(input, await elkLayout(input));
    const grid = gridLayout(input);
    const g = layoutCost(input, grid);
    // ELK bends nearly every flow around a box; the grid a few.
    expect(g.through).toBeLessThan(elk.through / 4);
    expect(g.zoom).toBeGreaterThan(0.6);
    expect(elk.zoom).toBeLessThan(0.5);
    expect(g.cost).toBeLessThan(elk.cost);
    // Every system placed once, no two on the same spot; the same model gets the same layout.
    expect(new Set(grid.map((p) => `${p.x},${p.y}`)).size).toBe(input.nodes.length);
    expect(gridLayout(input)).toEqual(grid);
    expect(await bestLayout(input)).toEqual(grid);
  });

  it("keeps the better of the two for the e-commerce example", async () => {
    const input = layoutInput(JSON.parse(ecommerce) as Model);
    const best = layoutCost(input, await bestLayout(input));
    const elk = layoutCost(input, await elkLayout(input));
    expect(best.cost).toBeLessThanOrEqual(elk.cost);
    expect(best.zoom).toBeGreaterThanOrEqual(0.45);
  });
});
