import { describe, expect, it } from "vitest";
import type { Finding, Model } from "../api";
import { SAMPLE } from "../test/mockBackend";
import { guideTip } from "./guide";

const empty: Model = { ...SAMPLE, systems: [], entities: [], flows: [], rules: [] };
const finding = { severity: "warning", code: "unacknowledged-flow", subject: "order-to-wms", message: "m", fix: null } as unknown as Finding;

describe("guideTip", () => {
  it("points at the next step as the model grows", () => {
    expect(guideTip(empty, []).id).toBe("no-systems");
    expect(guideTip({ ...empty, systems: SAMPLE.systems }, []).id).toBe("no-entities");
    expect(guideTip({ ...empty, systems: SAMPLE.systems, entities: SAMPLE.entities }, []).id).toBe("no-flows");
    expect(guideTip({ ...SAMPLE, rules: [] }, []).id).toBe("no-rules");
    expect(guideTip(SAMPLE, []).id).toBe("no-findings");
  });

  it("counts the findings when there are some", () => {
    const t = guideTip(SAMPLE, [finding, finding]);
    expect(t.id).toBe("findings");
    expect(t.title).toBe("2 findings to settle");
    expect(guideTip(SAMPLE, [finding]).title).toBe("1 finding to settle");
  });
});
