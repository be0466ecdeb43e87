import { describe, expect, it } from "vitest";
import type { Flow, Model } from "../api";
import { buildGraph } from "./graph";
import { labelParts } from "./labels";
import { compact, rehearsed, sumTraffic, trafficLevel, trafficText, trafficWidth, whatIfMarks, type Traffic } from "./rehearsalOverlay";
import { SAMPLE } from "../test/mockBackend";

const t = (delivered: number, refused = 0, unacknowledged = 0, nacked = 0): Traffic => ({ delivered, refused, acked: delivered - unacknowledged - nacked, nacked, unacknowledged, pending: 0 });
const flow = (id: string, entity: string, from: string, to: string): Flow => ({ id, entity, from, to, pattern: "event", trigger: "system", ack: true });

describe("rehearsed traffic", () => {
  it("maps the runtime's per-flow report by flow id, and its rules by id", () => {
    const r = rehearsed("week.jsonl", [{ flow: "a", delivered: 5, acked: 4, nacked: 1, unacknowledged: 0, pending: 0, evicted: 0, refused: 2 }], [{ rule: "r", refused: 2, flagged: 0 }]);
    expect(r.flows.get("a")).toEqual({ delivered: 5, refused: 2, acked: 4, nacked: 1, unacknowledged: 0, pending: 0 });
    expect(r.rules.get("r")?.refused).toBe(2);
  });

  it("adds up a bundle's flows, and knows when none was rehearsed", () => {
    const flows = new Map([
      ["a", t(10, 1)],
      ["b", t(5, 0, 2)],
    ]);
    expect(sumTraffic(flows, ["a", "b", "c"])).toEqual({ delivered: 15, refused: 1, acked: 13, nacked: 0, unacknowledged: 2, pending: 0 });
    expect(sumTraffic(flows, ["c"])).toBeNull();
  });

  it("grades health by the share of refused, nacked and unacknowledged messages", () => {
    expect(trafficLevel(t(0))).toBe("idle");
    expect(trafficLevel(t(100))).toBe("ok");
    expect(trafficLevel(t(100, 1))).toBe("warn");
    expect(trafficLevel(t(95, 5))).toBe("bad");
    expect(trafficLevel(t(100, 0, 0, 6))).toBe("bad");
    // Refused with nothing delivered is trouble, not idleness.
    expect(trafficLevel(t(0, 3))).toBe("bad");
  });

  it("writes counts for a projector", () => {
    expect([compact(950), compact(1234), compact(12_345), compact(4_500_000), compact(12_000_000)]).toEqual(["950", "1.2k", "12k", "4.5M", "12M"]);
    expect(trafficText(t(1234, 12, 30, 2))).toBe("1.2k delivered · 12 refused · 2 nacked · 30 no ack");
    expect(trafficText(t(7))).toBe("7 delivered");
  });

  it("draws busier flows thicker, on a log scale", () => {
    expect(trafficWidth(t(0), 1000)).toBe(2);
    expect(trafficWidth(t(1000), 1000)).toBeCloseTo(7);
    const mid = trafficWidth(t(30), 1000);
    expect(mid).toBeGreaterThan(2);
    expect(mid).toBeLessThan(7);
  });

  it("puts each edge's traffic in its data and its label, bundles added up", () => {
    const model: Model = { ...SAMPLE, flows: [flow("o1", "order", "erp", "wms"), flow("o2", "stock", "erp", "wms"), flow("back", "stock", "wms", "erp")] };
    const traffic = new Map([
      ["o1", t(100)],
      ["o2", t(20, 5)],
    ]);
    const { edges } = buildGraph(model, [], { positions: new Map(), bundled: true, traffic });
    const bundle = edges.find((e) => e.data?.bundle)!;
    expect(bundle.data!.traffic).toEqual({ delivered: 120, refused: 5, acked: 120, nacked: 0, unacknowledged: 0, pending: 0 });
    expect(bundle.data!.trafficWidth).toBeCloseTo(7);
    const back = edges.find((e) => e.id === "back")!;
    expect(back.data!.traffic).toBeNull();
    const plain = buildGraph(model, [], { positions: new Map(), bundled: true }).edges.find((e) => e.data?.bundle)!;
    expect(labelParts(bundle.data!).traffic).toBe("120 delivered · 5 refused");
    // A second line: as tall as the label and the traffic line, as wide as the wider of the two.
    expect(labelParts(bundle.data!).height).toBe(labelParts(plain.data!).height + 20);
    expect(labelParts(bundle.data!).width).toBeGreaterThanOrEqual(labelParts(plain.data!).width);
    expect(labelParts(plain.data!).traffic).toBe("");
  });
});

describe("what-if marks", () => {
  it("marks the entity of each change (a rule's entity for a rule), adding counts and keeping the largest summary", () => {
    const model: Model = { ...SAMPLE };
    const change = (subject: string, subjectKind: "rule" | "entity" | null, count: number) => ({ from: "accept", fromCause: null, to: "reject", toCause: subject, subject, subjectKind, count, examples: [], summary: `${count} on ${subject}` });
    const w = { modelId: 1, baseRevision: 1, revision: 2, environment: "prod", fileName: "t.jsonl", lines: 10, changed: 20, changes: [change("order-total", "rule", 12), change("order", "entity", 3), change("", null, 5), change("gone", "rule", 1)], changesOmitted: 0, baseCounts: {} as never, counts: {} as never };
    const marks = whatIfMarks(w, model);
    expect([...marks.entries()]).toEqual([["order", { count: 15, summary: "12 on order-total" }]]);
  });
});
