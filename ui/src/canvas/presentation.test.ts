import { describe, expect, it } from "vitest";
import type { Model } from "../api";
import { SAMPLE } from "../test/mockBackend";
import { decisionOrder, listing, ownershipDecision, step } from "./presentation";

const model: Model = {
  ...SAMPLE,
  systems: [...SAMPLE.systems, { id: "shop", name: "Webshop", kind: "ecommerce" }, { id: "oms", name: "OMS", kind: "oms" }],
  entities: [
    { id: "stock", name: "Stock", owner: "erp", key: "sku", fields: [], copies: ["shop", "oms"], rationale: "Every movement is booked in the ERP.", steward: "Logistics lead" },
    { id: "order", name: "Order", owner: "oms", key: "id", fields: [], copies: [], rationale: "ERP books orders late." },
    { id: "loose", name: "Loose", key: "id", fields: [], copies: ["erp", "shop", "oms"] },
  ],
};

describe("ownership decisions for presentation mode", () => {
  it("lists names the way a sentence does", () => {
    expect(listing([])).toBe("");
    expect(listing(["A"])).toBe("A");
    expect(listing(["A", "B"])).toBe("A and B");
    expect(listing(["A", "B", "C"])).toBe("A, B and C");
  });

  it("says who owns an entity, who holds copies and why, with system names", () => {
    const d = ownershipDecision(model, "stock");
    expect(d?.headline).toBe("Stock: owned by ERP, copies in Webshop and OMS");
    expect(d?.because).toBe("because every movement is booked in the ERP.");
    expect(d?.steward).toBe("Logistics lead");
  });

  it("keeps a leading acronym, and says so when there is no copy, no owner or no reason", () => {
    expect(ownershipDecision(model, "order")?.headline).toBe("Order: owned by OMS, no copies");
    expect(ownershipDecision(model, "order")?.because).toBe("because ERP books orders late.");
    const loose = ownershipDecision(model, "loose");
    expect(loose?.headline).toBe("Loose: no owner yet, copies in ERP, Webshop and OMS");
    expect(loose?.because).toBeNull();
    expect(ownershipDecision(model, "nope")).toBeNull();
  });

  it("steps through the entities in model order and stops at both ends", () => {
    expect(decisionOrder(model)).toEqual(["stock", "order", "loose"]);
    expect(step(-1, 1, 3)).toBe(0);
    expect(step(2, 1, 3)).toBe(2);
    expect(step(0, -1, 3)).toBe(-1);
    expect(step(-1, -1, 3)).toBe(-1);
  });
});
