// A small model and state for the panels' component tests.
import type { Finding, Model, ModelState } from "../api";

export function testModel(): Model {
  return {
    format: "charter-model/1",
    name: "Shop",
    environments: ["test", "prod"],
    systems: [
      { id: "erp", name: "ERP", kind: "erp" },
      { id: "shop", name: "Webshop", kind: "ecommerce", team: "Digital" },
      { id: "wms", name: "Warehouse", kind: "wms", endpoints: { prod: { protocol: "rest", url: "https://wms.example.com", credentialRef: "vault:wms/prod" } } },
    ],
    entities: [
      {
        id: "order",
        name: "Order",
        owner: "erp",
        key: "id",
        fields: [
          { name: "id", type: "string", required: true },
          { name: "total", type: "number" },
          { name: "lines", type: "integer" },
          { name: "status", type: "enum", values: ["open", "held"] },
        ],
        copies: ["wms"],
      },
      { id: "stock", name: "Stock", key: "sku", fields: [], copies: [] },
    ],
    flows: [{ id: "order", entity: "order", from: "erp", to: "wms", pattern: "event", trigger: "system" }],
    rules: [
      { kind: "validate", id: "total-ok", entity: "order", condition: "total >= 0.0", action: "reject" },
      { kind: "route", id: "odd", entity: "order", condition: "size(id) > 3", to: ["shop"] },
      { kind: "alert", id: "ack-drop", flow: "order", metric: "ack-rate", threshold: 0.98, windowSeconds: 300 },
    ],
  };
}

export function testState(model: Model = testModel(), findings: Finding[] = [], quickFixes: { code: string; subject: string; label: string }[] = []): ModelState {
  return {
    modelId: 7,
    revision: 1,
    model,
    findings,
    canUndo: false,
    canRedo: false,
    undoSummary: null,
    redoSummary: null,
    filePath: null,
    dirty: false,
    quickFixes,
  } as unknown as ModelState;
}
