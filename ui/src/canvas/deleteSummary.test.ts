import { describe, expect, it } from "vitest";
import { deleteSummary } from "./Canvas";
import { SAMPLE } from "../test/mockBackend";

describe("deleteSummary", () => {
  it("names what a delete takes away", () => {
    expect(deleteSummary(SAMPLE, [{ op: "deleteFlow", id: "order-to-wms" }, { op: "deleteSystem", id: "wms" }])).toBe("Delete system Warehouse and 1 flow");
    expect(deleteSummary(SAMPLE, [{ op: "deleteSystem", id: "wms" }, { op: "deleteSystem", id: "erp" }])).toBe("Delete systems Warehouse and ERP");
    expect(deleteSummary(SAMPLE, [{ op: "deleteFlow", id: "a" }, { op: "deleteFlow", id: "b" }, { op: "deleteEntity", id: "order" }])).toBe("Delete entity Order and 2 flows");
    expect(deleteSummary(SAMPLE, ["a", "b", "c"].map((id) => ({ op: "deleteSystem" as const, id })))).toBe("Delete 3 systems");
  });
});
