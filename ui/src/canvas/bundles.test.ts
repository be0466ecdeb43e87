import { describe, expect, it } from "vitest";
import type { Finding, Flow, Model } from "../api";
import { bundleFlows, bundleId, bundleLabel, bundleOf, bundleOffsets, bundleStyle, isBundleId, PARALLEL_OFFSET } from "./bundles";
import { buildGraph } from "./graph";
import { SAMPLE } from "../test/mockBackend";

const flow = (id: string, entity: string, from: string, to: string, pattern: Flow["pattern"] = "event", ack = true): Flow => ({ id, entity, from, to, pattern, trigger: "system", ack });
const names: Record<string, string> = { order: "Order", invoice: "Invoice", item: "Item", customer: "Customer", stock: "Stock" };
const name = (id: string) => names[id] ?? id;
const none = () => undefined;

describe("bundleLabel", () => {
  it("names up to two entities, then how many more", () => {
    expect(bundleLabel(["Order"])).toBe("Order");
    expect(bundleLabel(["Order", "Invoice"])).toBe("Order, Invoice");
    expect(bundleLabel(["Order", "Invoice", "Item", "Customer"])).toBe("Order, Invoice +2");
    expect(bundleLabel(["Order", "Invoice", "Item"], 3)).toBe("Order, Invoice, Item");
  });
});

describe("bundleFlows", () => {
  const flows = [
    flow("o1", "order", "erp", "wms"),
    flow("s1", "stock", "wms", "erp", "request"),
    flow("i1", "invoice", "erp", "wms"),
    flow("o2", "order", "erp", "wms", "event", false),
    flow("c1", "customer", "erp", "shop"),
    flow("it", "item", "erp", "wms"),
    flow("x", "customer", "erp", "wms", "request"),
  ];

  it("groups by ordered pair of systems: A→B and B→A are separate bundles, in order of first appearance", () => {
    const b = bundleFlows(flows, name, none);
    expect(b.map((x) => [x.id, x.from, x.to, x.flows.map((f) => f.id)])).toEqual([
      [bundleId("erp", "wms"), "erp", "wms", ["o1", "i1", "o2", "it", "x"]],
      ["s1", "wms", "erp", ["s1"]],
      ["c1", "erp", "shop", ["c1"]],
    ]);
    expect(isBundleId(b[0]!.id)).toBe(true);
    expect(isBundleId(b[1]!.id)).toBe(false);
  });

  it("labels with distinct entity names, the same entity twice counted once", () => {
    const [b] = bundleFlows(flows, name, none);
    expect(b?.entities).toEqual(["Order", "Invoice", "Item", "Customer"]);
    expect(b?.label).toBe("Order, Invoice +2");
  });

  it("is solid (event) when all are events, dashed (request) when all are requests, else mixed", () => {
    expect(bundleStyle([flow("a", "order", "x", "y"), flow("b", "item", "x", "y")])).toBe("event");
    expect(bundleStyle([flow("a", "order", "x", "y", "request"), flow("b", "item", "x", "y", "request")])).toBe("request");
    expect(bundleStyle([flow("a", "order", "x", "y"), flow("b", "item", "x", "y", "request")])).toBe("mixed");
    const b = bundleFlows(flows, name, none);
    expect(b.map((x) => x.style)).toEqual(["mixed", "request", "event"]);
  });

  it("tells whether all, none or some of its flows are acknowledged", () => {
    const b = bundleFlows([...flows, flow("n1", "order", "a", "b", "event", false), flow("n2", "item", "a", "b", "event", false)], name, none);
    expect(b.map((x) => x.ack)).toEqual(["some", "all", "all", "none"]);
  });

  it("counts the findings of the flows inside", () => {
    const counts: Record<string, { errors: number; warnings: number }> = { o2: { errors: 0, warnings: 1 }, x: { errors: 2, warnings: 1 }, c1: { errors: 1, warnings: 0 } };
    const b = bundleFlows(flows, name, (id) => counts[id]);
    expect(b.map((x) => [x.errors, x.warnings])).toEqual([
      [2, 2],
      [0, 0],
      [1, 0],
    ]);
  });

  it("finds the bundle of a flow", () => {
    const b = bundleFlows(flows, name, none);
    expect(bundleOf(b, "it")?.id).toBe(bundleId("erp", "wms"));
    expect(bundleOf(b, "s1")?.id).toBe("s1");
    expect(bundleOf(b, "nope")).toBeUndefined();
  });
});

describe("bundleOffsets", () => {
  it("bends both bundles of a two-way pair (opposite sides) and leaves a one-way bundle straight", () => {
    const b = bundleFlows([flow("a", "order", "erp", "wms"), flow("b", "stock", "wms", "erp"), flow("c", "item", "erp", "shop")], name, none);
    const o = bundleOffsets(b);
    expect(o.get("a")).toBe(PARALLEL_OFFSET);
    expect(o.get("b")).toBe(PARALLEL_OFFSET);
    expect(o.get("c")).toBe(0);
  });
});

describe("buildGraph, bundled", () => {
  const model: Model = {
    ...SAMPLE,
    flows: [
      ...SAMPLE.flows,
      { id: "order-again", entity: "order", from: "erp", to: "wms", pattern: "request", trigger: "user", ack: false },
      { id: "stock-back", entity: "stock", from: "wms", to: "erp", pattern: "event", trigger: "system", ack: true },
    ],
  };
  const findings: Finding[] = [{ severity: "warning", code: "unacknowledged-flow", subject: "order-again", message: "not acknowledged", fix: null } as unknown as Finding];

  it("draws one edge per direction; a single flow keeps its own id and is not a bundle", () => {
    const { edges } = buildGraph(model, findings, { positions: new Map(), bundled: true });
    expect(edges.map((e) => [e.id, e.source, e.target, e.data?.bundle?.flows.length ?? 1])).toEqual([
      [bundleId("erp", "wms"), "erp", "wms", 2],
      ["stock-back", "wms", "erp", 1],
    ]);
    expect(edges[0]?.data?.bundle?.style).toBe("mixed");
    expect(edges[0]?.data?.warnings).toBe(1);
    expect(edges[0]?.selectable).toBe(false);
    expect(edges[1]?.data?.bundle).toBeNull();
    // Both directions exist: both are bent, to opposite sides.
    expect(edges.map((e) => e.data?.offset)).toEqual([PARALLEL_OFFSET, PARALLEL_OFFSET]);
  });

  it("shows every flow when not bundled", () => {
    const { edges } = buildGraph(model, findings, { positions: new Map(), bundled: false });
    expect(edges.map((e) => e.id)).toEqual(["order-to-wms", "order-again", "stock-back"]);
  });

  it("bundles only the lineage's flows in the lineage view", () => {
    const { edges } = buildGraph(model, [], { positions: new Map(), bundled: true, lineage: "stock" });
    expect(edges.map((e) => e.id)).toEqual(["stock-back"]);
  });
});

describe("buildGraph, a selected flow opens its bundle", () => {
  const model: Model = {
    ...SAMPLE,
    flows: [
      ...SAMPLE.flows,
      { id: "order-again", entity: "order", from: "erp", to: "wms", pattern: "request", trigger: "user", ack: false },
      { id: "stock-back", entity: "stock", from: "wms", to: "erp", pattern: "event", trigger: "system", ack: true },
    ],
  };
  it("draws the flows of the selected flow's bundle separately, fanned out, and leaves other bundles closed", () => {
    const { edges } = buildGraph(model, [], { positions: new Map(), bundled: true, expand: "order-again" });
    expect(edges.map((e) => [e.id, e.data?.bundle === null, e.data?.offset])).toEqual([
      ["order-to-wms", true, PARALLEL_OFFSET],
      ["order-again", true, PARALLEL_OFFSET + 46],
      ["stock-back", true, PARALLEL_OFFSET],
    ]);
    expect(buildGraph(model, [], { positions: new Map(), bundled: true, expand: "stock-back" }).edges.map((e) => e.id)).toEqual([bundleId("erp", "wms"), "stock-back"]);
  });
});
