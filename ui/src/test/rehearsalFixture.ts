// A fixed, realistic rehearsal report about the mock backend's sample model
// (systems erp and wms, entities order and stock, flow order-to-wms, rule
// order-total), in the shape the Rust `rehearse` command returns.
import type { RehearsalReport, WhatIf } from "../api";

export const MOCK_REPORT: RehearsalReport = {
  counts: { messages: 412, accept: 118, reject: 7, quarantine: 0, duplicate: 2, flag: 0, observe: 281, invalid: 4, reasons: { "not-owner": 4, rule: 3 } },
  exceptions: { alert: 1, conflict: 0, drift: 0, mismatch: 0, nack: 2, silent: 0, unacknowledged: 6 },
  incidents: [
    { id: "inc-2", kind: "unacknowledged", reason: null, subject: "order-to-wms", subjectKind: "flow", source: "wms", field: null, count: 6, first: "2026-03-02T06:36:00Z", last: "2026-03-02T06:41:00Z", keys: ["SO-4007", "SO-4008"], messages: ["ord-SO-4007-v1", "ord-SO-4008-v1"], summary: "wms never acknowledged 6 order deliveries on order-to-wms (no ack from wms within 60s)" },
    { id: "inc-3", kind: "reject", reason: "not-owner", subject: "stock", subjectKind: "entity", source: "erp", field: null, count: 4, first: "2026-03-02T06:45:20Z", last: "2026-03-02T07:02:10Z", keys: ["COD-LOIN-1KG"], messages: ["erp-stk-fix"], summary: "erp sent 4 stock events it does not own (owner: wms): refused" },
    { id: "inc-5", kind: "invalid", reason: null, subject: "", subjectKind: null, source: "", field: null, count: 4, first: "2026-03-02T06:50:00Z", last: "2026-03-02T06:50:00Z", keys: [], messages: [], summary: "4 lines are not messages: not JSON: expected value at line 1 column 1" },
    { id: "inc-1", kind: "reject", reason: "rule", subject: "order-total", subjectKind: "rule", source: "erp", field: null, count: 3, first: "2026-03-02T06:12:00Z", last: "2026-03-02T06:58:00Z", keys: ["SO-4002", "SO-4011"], messages: ["ord-SO-4002-v3", "ord-SO-4011-v1"], summary: "refused 3 order messages from erp by rule order-total" },
    { id: "inc-4", kind: "nack", reason: "location full", subject: "order-to-wms", subjectKind: "flow", source: "wms", field: null, count: 2, first: "2026-03-02T06:47:00Z", last: "2026-03-02T06:52:00Z", keys: ["SO-4009"], messages: ["ord-SO-4009-v1"], summary: "wms refused 2 order deliveries on order-to-wms: location full" },
    { id: "inc-6", kind: "alert", reason: null, subject: "order-to-wms-acks", subjectKind: null, source: "", field: null, count: 1, first: "2026-03-02T06:40:00Z", last: "2026-03-02T06:40:00Z", keys: [], messages: [], summary: "alert order-to-wms-acks fired 1 time: ack-rate 0.5 against 0.98 from 2026-03-02T06:35:00Z to 2026-03-02T06:40:00Z" },
  ],
  incidentsOmitted: 0,
  alerts: [{ rule: "order-to-wms-acks", flow: "order-to-wms", metric: "ack-rate", value: 0.5, threshold: 0.98, from: "2026-03-02T06:35:00Z", to: "2026-03-02T06:40:00Z" }],
  flows: [{ flow: "order-to-wms", delivered: 120, acked: 112, nacked: 2, unacknowledged: 6, pending: 0, evicted: 0, refused: 3 }],
  rules: [{ rule: "order-total", refused: 3, flagged: 0 }],
  refused: [
    {
      subject: "stock",
      subjectKind: "entity",
      count: 4,
      examples: [
        { line: 212, id: "erp-stk-fix", decision: "reject", reason: "not-owner", rule: null, entity: "stock", source: "erp", key: "COD-LOIN-1KG", detail: null },
        { line: 260, id: "erp-stk-fix-2", decision: "reject", reason: "not-owner", rule: null, entity: "stock", source: "erp", key: "SALMON-FIL-2KG", detail: null },
      ],
    },
    {
      subject: "",
      subjectKind: null,
      count: 4,
      examples: [{ line: 230, id: null, decision: "invalid", reason: null, rule: null, entity: null, source: null, key: null, detail: "not JSON: expected value at line 1 column 1" }],
    },
    {
      subject: "order-total",
      subjectKind: "rule",
      count: 3,
      examples: [{ line: 41, id: "ord-SO-4002-v3", decision: "reject", reason: "rule", rule: "order-total", entity: "order", source: "erp", key: "SO-4002", detail: null }],
    },
  ],
  refusedSubjectsOmitted: 0,
  reconciliation: [],
  reconciliationTotal: 0,
};

/** What the mock's what-if says: a stricter order-total rule refuses 12 accepted orders, whose 12 acks then answer nothing. */
export function mockWhatIf(modelId: number, baseRevision: number, revision: number, env: string, fileName: string): WhatIf {
  return {
    modelId,
    baseRevision,
    revision,
    environment: env,
    fileName,
    lines: 412,
    changed: 24,
    changes: [
      { from: "accept", fromCause: null, to: "reject", toCause: "order-total", subject: "order-total", subjectKind: "rule", count: 12, examples: [{ line: 61, id: "ord-SO-4003-v1", key: "SO-4003" }, { line: 95, id: "ord-SO-4005-v1", key: "SO-4005" }], summary: "12 messages change decision: accept → reject by `order-total`" },
      { from: "observe", fromCause: null, to: "reject", toCause: "unexpected-ack", subject: "", subjectKind: null, count: 12, examples: [{ line: 63, id: "ord-SO-4003-v1-ack-wms", key: null }], summary: "12 messages change decision: observe → reject by `unexpected-ack`" },
    ],
    changesOmitted: 0,
    baseCounts: MOCK_REPORT.counts,
    counts: { ...MOCK_REPORT.counts, accept: 106, observe: 269, reject: 31 },
  };
}
