import { describe, expect, it } from "vitest";
import type { Finding, Model } from "../api";
import { SAMPLE, bigModel } from "../test/mockBackend";
import { buildGraph, chipRows, freeSpot, freshId, lineageOf, nodeSize, placeMissing, type SystemData } from "./graph";
import { curve } from "./FlowEdge";
import { layoutEdges } from "./elkLayout";

const model: Model = {
  ...SAMPLE,
  systems: [...SAMPLE.systems, { id: "shop", name: "Shop", kind: "ecommerce", team: "Digital" }],
  flows: [
    ...SAMPLE.flows,
    { id: "order-req", entity: "order", from: "wms", to: "erp", pattern: "request", trigger: "user" },
    { id: "stock-to-shop", entity: "stock", from: "wms", to: "shop", pattern: "event", trigger: "system", ack: true },
  ],
};

describe("buildGraph", () => {
  it("puts owned entities as owner chips and copies as copy chips", () => {
    const { nodes } = buildGraph(model, [], { positions: new Map() });
    const chips = Object.fromEntries(nodes.map((n) => [n.id, { owned: n.data.owned.map((c) => c.id), copies: n.data.copies.map((c) => c.id) }]));
    expect(chips).toEqual({ erp: { owned: ["order"], copies: [] }, wms: { owned: ["stock"], copies: ["order"] }, shop: { owned: [], copies: [] } });
    expect(nodes.find((n) => n.id === "shop")?.data.system.team).toBe("Digital");
  });

  it("makes one edge per flow and fans out flows between the same two systems", () => {
    const { edges } = buildGraph(model, [], { positions: new Map() });
    expect(edges.map((e) => [e.id, e.source, e.target])).toEqual([
      ["order-to-wms", "erp", "wms"],
      ["order-req", "wms", "erp"],
      ["stock-to-shop", "wms", "shop"],
    ]);
    const [a, b] = edges;
    // Two flows between the same pair: the second one is bent away from the first.
    expect(a?.data?.offset).toBe(0);
    expect(b?.data?.offset).not.toBe(0);
    expect(edges[1]?.data?.entityName).toBe("Order");
  });

  it("counts findings on their subjects and marks chips", () => {
    const findings: Finding[] = [
      { severity: "error", code: "x", subject: "wms", message: "m" },
      { severity: "warning", code: "y", subject: "wms", message: "m" },
      { severity: "warning", code: "unacknowledged-flow", subject: "order-req", message: "m" },
      { severity: "error", code: "no-owner", subject: "stock", message: "m" },
    ];
    const { nodes, edges } = buildGraph(model, findings, { positions: new Map() });
    const wms = nodes.find((n) => n.id === "wms")!;
    expect([wms.data.errors, wms.data.warnings]).toEqual([1, 1]);
    expect(wms.data.owned[0]?.severity).toBe("error");
    expect(edges.find((e) => e.id === "order-req")?.data?.warnings).toBe(1);
    expect(edges.find((e) => e.id === "order-to-wms")?.data?.warnings).toBe(0);
  });

  it("lineage keeps only the entity's owner, copy holders and flows", () => {
    expect(lineageOf(model, "stock")).toEqual({ systems: new Set(["wms", "shop"]), flows: new Set(["stock-to-shop"]) });
    const { nodes, edges } = buildGraph(model, [], { positions: new Map(), lineage: "order" });
    expect(nodes.map((n) => n.id).sort()).toEqual(["erp", "wms"]);
    expect(edges.map((e) => e.id)).toEqual(["order-to-wms", "order-req"]);
    // Only the lineage entity's chips are shown.
    expect(nodes.flatMap((n) => [...n.data.owned, ...n.data.copies].map((c) => c.id))).toEqual(["order", "order"]);
  });

  it("keeps stored positions and places the others below them", () => {
    const pos = placeMissing(model, new Map([["erp", { x: 100, y: 50 }]]));
    expect(pos.get("erp")).toEqual({ x: 100, y: 50 });
    expect(pos.get("wms")!.y).toBeGreaterThan(50);
    expect(pos.get("wms")).not.toEqual(pos.get("shop"));
  });

  it("handles the scale model quickly", () => {
    const big = bigModel(500, 3000, 5000);
    const t0 = performance.now();
    const { nodes, edges } = buildGraph(big, [], { positions: new Map() });
    expect(nodes).toHaveLength(500);
    expect(edges).toHaveLength(5000);
    expect(nodes.reduce((n, x) => n + x.data.owned.length, 0)).toBe(3000);
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe("helpers", () => {
  it("freshId avoids taken ids and cleans names", () => {
    expect(freshId("Data Platform!", new Set())).toBe("data-platform");
    expect(freshId("erp", new Set(["erp", "erp-2"]))).toBe("erp-3");
  });
  it("curve passes its label through the bent midpoint", () => {
    expect(curve(0, 0, 100, 0, 0)).toEqual({ path: "M 0,0 Q 50,0 100,0", x: 50, y: 0 });
    const c = curve(0, 0, 100, 0, 20);
    expect(c.x).toBe(50);
    expect(Math.abs(c.y)).toBe(20);
  });
});

describe("nodeSize", () => {
  it("fills chip rows left to right as the box's width allows", () => {
    expect(chipRows([])).toBe(0);
    // Short names: three a row.
    expect(chipRows(["Item", "Lot", "Order", "+ entity"])).toBe(1);
    expect(chipRows(["Sales order", "Stock level", "Customer", "+ entity"])).toBe(2);
    // Long names take a row each at the chip's widest.
    expect(chipRows(["Quality deviation report", "Lot release approval", "Cold storage reading"])).toBe(3);
  });

  it("grows with the chips, and a crowded system's copies count as one chip", () => {
    const chip = (id: string) => ({ id, name: id, severity: null });
    const data = (owned: number, copies: number): SystemData => ({
      system: { id: "s", name: "S", kind: "erp" } as SystemData["system"],
      owned: Array.from({ length: owned }, (_, i) => chip(`Owned ${i}`)),
      copies: Array.from({ length: copies }, (_, i) => chip(`Copy ${i}`)),
      errors: 0,
      warnings: 0,
    });
    const small = nodeSize(data(1, 0));
    const more = nodeSize(data(4, 1));
    expect(more.height).toBeGreaterThan(small.height);
    expect(more.width).toBe(small.width);
    // Past six entities the copies are summed up in one chip: twenty copies take no more room than three.
    expect(nodeSize(data(4, 20)).height).toBe(nodeSize(data(4, 3)).height);
    expect(nodeSize(data(4, 20)).height).toBeLessThan(nodeSize(data(4, 2)).height + 60);
  });
});

describe("freeSpot", () => {
  const size = { width: 260, height: 110 };
  const overlaps = (p: { x: number; y: number }, r: { x: number; y: number; width: number; height: number }) =>
    p.x < r.x + r.width && r.x < p.x + size.width && p.y < r.y + r.height && r.y < p.y + size.height;

  it("centres the new box on an empty spot", () => {
    expect(freeSpot({ x: 500, y: 300 }, size, [])).toEqual({ x: 370, y: 245 });
  });

  it("moves off a system already at the centre, and off the one after it", () => {
    const at = { x: 370, y: 245, width: 260, height: 140 };
    const taken = [at];
    const first = freeSpot({ x: 500, y: 300 }, size, taken);
    expect(overlaps(first, at)).toBe(false);
    taken.push({ ...first, ...size });
    const second = freeSpot({ x: 500, y: 300 }, size, taken);
    for (const r of taken) expect(overlaps(second, r)).toBe(false);
    // Still near the centre, not thrown far away.
    expect(Math.hypot(second.x - 370, second.y - 245)).toBeLessThan(800);
  });
});

describe("layoutEdges", () => {
  const nodes = ["a", "b", "c", "d"].map((id) => ({ id, width: 260, height: 100 }));
  const ids = new Set(nodes.map((n) => n.id));
  const edges = [
    { id: "1", source: "a", target: "b" },
    { id: "2", source: "a", target: "b" },
    { id: "3", source: "a", target: "c" },
    { id: "4", source: "a", target: "d" },
    { id: "5", source: "b", target: "b" },
    { id: "6", source: "b", target: "zz" },
    { id: "7", source: "c", target: "a" },
  ];
  it("keeps every valid flow of an ordinary model", () => {
    expect(layoutEdges({ nodes, edges }, ids, false).map((e) => e.id)).toEqual(["1", "2", "3", "4", "7"]);
  });
  it("lays a big model out by a skeleton: the first flows to distinct systems", () => {
    expect(layoutEdges({ nodes, edges }, ids, true).map((e) => e.id)).toEqual(["1", "3", "7"]);
  });
});
