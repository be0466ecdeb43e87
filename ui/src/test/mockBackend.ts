// An in-memory stand-in for the Rust backend, for component tests and the
// browser e2e (the real backend is covered by `cargo test -p charter-app` and
// the real-app e2e). It answers the same commands with the same shapes.
import { mockIPC } from "@tauri-apps/api/mocks";
import type { AppError, Decision, Edit, Entity, Finding, Flow, Model, ModelState, ModelSummary, NodePosition, Rule, System } from "../api";
import type { Clause, ClauseOp, ConditionForm, ConditionItem, Join } from "../panels/conditions/types";
import type { RehearsalProgress, RehearsalRecord } from "../api";
import { MOCK_REPORT, mockWhatIf } from "./rehearsalFixture";

type Rev = { model: Model; summary: string };
type Entry = { id: number; revs: Rev[]; head: number; filePath: string | null; saved: number | null; log: Decision[]; layout: Map<string, { x: number; y: number }> };
/** Edits the backend accepts, including the planned `batch` (one transaction, one undo step). */
type AnyEdit = Edit | { op: "batch"; summary: string; edits: AnyEdit[] };
type QuickFix = { code: string; subject: string; label: string };

/** A large synthetic model for the canvas scale benchmark (deterministic). */
export function bigModel(systems: number, entities: number, flows: number): Model {
  const kinds: System["kind"][] = ["erp", "wms", "oms", "ecommerce", "3pl", "payments", "finance", "crm", "pim", "transport"];
  const sys: System[] = Array.from({ length: systems }, (_, i) => ({ id: `sys-${i}`, name: `System ${i}`, kind: kinds[i % kinds.length]!, team: `Team ${i % 40}` }));
  const ents: Entity[] = Array.from({ length: entities }, (_, i) => ({
    id: `ent-${i}`,
    name: `Entity ${i}`,
    owner: `sys-${i % systems}`,
    key: "id",
    fields: [],
    copies: [`sys-${(i * 7 + 1) % systems}`],
  }));
  const fl: Flow[] = Array.from({ length: flows }, (_, i) => {
    const e = ents[i % entities]!;
    const owner = i % entities;
    const to = (owner * 7 + 1 + Math.floor(i / entities) * 13) % systems;
    const from = owner % systems;
    return { id: `flow-${i}`, entity: e.id, from: `sys-${from}`, to: `sys-${to === from ? (to + 1) % systems : to}`, pattern: i % 3 === 0 ? "request" : "event", trigger: "system", ack: i % 5 !== 0 };
  });
  return { format: "charter-model/1", name: `Scale ${systems}/${entities}/${flows}`, environments: ["prod"], systems: sys, entities: ents, flows: fl, rules: [] };
}

export const SAMPLE: Model = {
  format: "charter-model/1",
  name: "Seafood processor",
  environments: ["dev", "test", "prod"],
  systems: [
    { id: "erp", name: "ERP", kind: "erp" },
    { id: "wms", name: "Warehouse", kind: "wms" },
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
        { name: "currency", type: "enum", values: ["EUR", "NOK", "SEK"] },
      ],
      copies: ["wms"],
    },
    { id: "stock", name: "Stock", owner: "wms", key: "sku", fields: [], copies: [] },
  ],
  flows: [{ id: "order-to-wms", entity: "order", from: "erp", to: "wms", pattern: "event", trigger: "system", ack: true }],
  rules: [{ kind: "validate", id: "order-total", entity: "order", condition: "total >= 0.0", action: "reject" }],
};

function fail(code: AppError["code"], message: string, findings: Finding[] = []): never {
  throw { code, message, findings, problems: [] } satisfies AppError;
}

function findingsOf(m: Model): Finding[] {
  const noOwner = m.entities
    .filter((e) => !e.owner)
    .map((e) => ({ severity: "error", code: "no-owner", subject: e.id, message: `Entity "${e.id}" has no owner`, fix: "Choose the system that owns it" }) as Finding);
  // Like the Rust checks: every flow should be acknowledged (one-click fix).
  const unacked = m.flows
    .filter((f) => !f.ack)
    .map((f) => ({ severity: "warning", code: "unacknowledged-flow", subject: f.id, message: `Flow "${f.id}" is not acknowledged`, fix: "Require acknowledgement" }) as Finding);
  return [...noOwner, ...unacked];
}

function quickFixesOf(m: Model): QuickFix[] {
  return m.flows.filter((f) => !f.ack).map((f) => ({ code: "unacknowledged-flow", subject: f.id, label: "Require acknowledgement" }));
}

function mustFind<T extends { id: string }>(list: T[], id: string, what: string): T {
  return list.find((x) => x.id === id) ?? fail("not-found", `there is no ${what} with id "${id}"`);
}

function applyEdit(m: Model, e: AnyEdit): Model {
  const next: Model = structuredClone(m);
  switch (e.op) {
    case "batch":
      return e.edits.reduce((acc, x) => applyEdit(acc, x), next);
    case "updateSystem": {
      const i = next.systems.findIndex((x) => x.id === e.id);
      if (i < 0) fail("not-found", `there is no system with id "${e.id}"`);
      next.systems[i] = e.system as System;
      return next;
    }
    case "updateEntity": {
      const i = next.entities.findIndex((x) => x.id === e.id);
      if (i < 0) fail("not-found", `there is no entity with id "${e.id}"`);
      next.entities[i] = { fields: [], copies: [], ...e.entity } as Entity;
      return next;
    }
    case "addFlow": {
      const f = e.flow as Flow;
      if (next.flows.some((x) => x.id === f.id)) fail("edit-refused", `there is already a flow with id "${f.id}"`);
      mustFind(next.entities, f.entity, "entity");
      mustFind(next.systems, f.from, "system");
      mustFind(next.systems, f.to, "system");
      next.flows.push(f);
      return next;
    }
    case "updateFlow": {
      const i = next.flows.findIndex((x) => x.id === e.id);
      if (i < 0) fail("not-found", `there is no flow with id "${e.id}"`);
      next.flows[i] = e.flow as Flow;
      return next;
    }
    case "deleteFlow":
      mustFind(next.flows, e.id, "flow");
      next.flows = next.flows.filter((x) => x.id !== e.id);
      return next;
    case "setCopies": {
      const en = mustFind(next.entities, e.entity, "entity");
      en.copies = [...e.copies];
      return next;
    }
    case "addSystem":
      if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(e.system.id)) fail("edit-refused", `"${e.system.id}" is not a valid system id`);
      if (next.systems.some((s) => s.id === e.system.id)) fail("edit-refused", `there is already a system with id "${e.system.id}"`);
      next.systems.push(e.system as System);
      return next;
    case "deleteSystem":
      next.systems = next.systems.filter((s) => s.id !== e.id);
      next.flows = next.flows.filter((f) => f.from !== e.id && f.to !== e.id);
      for (const en of next.entities) {
        en.copies = en.copies.filter((c) => c !== e.id);
        if (en.owner === e.id) delete en.owner;
      }
      return next;
    case "rename": {
      if (e.kind === "system") {
        const s = next.systems.find((x) => x.id === e.id);
        if (!s) fail("not-found", `there is no system with id "${e.id}"`);
        if (e.name) s.name = e.name;
        if (e.newId) {
          const old = s.id;
          const nid = e.newId;
          s.id = nid;
          for (const f of next.flows) {
            if (f.from === old) f.from = nid;
            if (f.to === old) f.to = nid;
          }
          for (const en of next.entities) {
            if (en.owner === old) en.owner = nid;
            en.copies = en.copies.map((c) => (c === old ? nid : c));
          }
        }
      } else if (e.kind === "flow") {
        const f = mustFind(next.flows, e.id, "flow");
        if (e.newId) f.id = e.newId;
      } else if (e.kind === "rule") {
        const r = mustFind(next.rules ?? [], e.id, "rule");
        if (e.newId) r.id = e.newId;
      } else if (e.kind === "entity") {
        const s = next.entities.find((x) => x.id === e.id);
        if (!s) fail("not-found", `there is no entity with id "${e.id}"`);
        if (e.name) s.name = e.name;
        if (e.newId) s.id = e.newId;
      }
      return next;
    }
    case "setOwner": {
      const en = next.entities.find((x) => x.id === e.entity);
      if (!en) fail("not-found", `there is no entity with id "${e.entity}"`);
      // As models/src/edit.rs: the new owner leaves the copies, the previous owner takes its place.
      const prev = en.owner;
      if (e.owner) {
        const at = en.copies.indexOf(e.owner);
        en.copies = en.copies.filter((c) => c !== e.owner);
        if (prev && prev !== e.owner && !en.copies.includes(prev)) en.copies.splice(at < 0 ? en.copies.length : Math.min(at, en.copies.length), 0, prev);
      }
      en.owner = e.owner ?? undefined;
      en.rationale = e.rationale ?? undefined;
      return next;
    }
    case "addEntity": {
      if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(e.entity.id)) fail("edit-refused", `"${e.entity.id}" is not a valid entity id`);
      if (next.entities.some((x) => x.id === e.entity.id)) fail("edit-refused", `there is already an entity with id "${e.entity.id}"`);
      next.entities.push({ fields: [], copies: [], ...e.entity } as Entity);
      return next;
    }
    case "deleteEntity":
      next.entities = next.entities.filter((x) => x.id !== e.id);
      next.flows = next.flows.filter((f) => f.entity !== e.id);
      next.rules = (next.rules ?? []).filter((r) => !("entity" in r) || r.entity !== e.id);
      return next;
    case "addRule": {
      const r = e.rule as Rule;
      if (!/^[a-z0-9][a-z0-9_-]{0,63}$/.test(r.id)) fail("edit-refused", `"${r.id}" is not a valid rule id`);
      if ((next.rules ?? []).some((x) => x.id === r.id)) fail("edit-refused", `there is already a rule with id "${r.id}"`);
      if ("entity" in r) mustFind(next.entities, r.entity, "entity");
      next.rules = [...(next.rules ?? []), r];
      return next;
    }
    case "updateRule": {
      const rules = next.rules ?? [];
      const i = rules.findIndex((x) => x.id === e.id);
      if (i < 0) fail("not-found", `there is no rule with id "${e.id}"`);
      rules[i] = e.rule as Rule;
      next.rules = rules;
      return next;
    }
    case "deleteRule":
      mustFind(next.rules ?? [], e.id, "rule");
      next.rules = (next.rules ?? []).filter((x) => x.id !== e.id);
      return next;
    default:
      fail("edit-refused", `the mock backend does not do ${e.op}`);
  }
}

// ---- Test scaffolding: condition_to_cel / condition_from_cel ----
// A small stand-in for `models/src/condition_form.rs`, enough for the e2e and
// component tests: clauses (and groups) joined by all/any, written the way
// Rust writes them, and read back when the text has exactly those shapes.
// Anything else reads as `null`, the Rust answer for "not a form". The real
// rules (and their tests) live in Rust; this is not a second implementation.

type MockField = Entity["fields"][number];
const CMP: Partial<Record<ClauseOp, string>> = { eq: "==", ne: "!=", lt: "<", le: "<=", gt: ">", ge: ">=" };
const TEXT_METHODS: ClauseOp[] = ["contains", "startsWith", "endsWith", "matches"];
const OPS_FOR: Record<MockField["type"], ClauseOp[]> = {
  string: ["eq", "ne", "in", "notIn", "contains", "startsWith", "endsWith", "matches", "lt", "le", "gt", "ge", "present", "absent"],
  integer: ["eq", "ne", "lt", "le", "gt", "ge", "in", "notIn", "present", "absent"],
  number: ["eq", "ne", "lt", "le", "gt", "ge", "in", "notIn", "present", "absent"],
  date: ["eq", "ne", "lt", "le", "gt", "ge", "in", "notIn", "present", "absent"],
  datetime: ["eq", "ne", "lt", "le", "gt", "ge", "in", "notIn", "present", "absent"],
  boolean: ["eq", "ne", "present", "absent"],
  enum: ["eq", "ne", "in", "notIn", "present", "absent"],
};
const celOp = (j: Join) => (j === "all" ? "&&" : "||");
const quoteCel = (v: string) => JSON.stringify(v);

function mockLiteral(f: MockField, v: string): string {
  const bad = (expected: string): never => fail("bad-request", `\`${f.name}\` is ${f.type}: "${v}" is not ${expected}`);
  switch (f.type) {
    case "integer":
      return /^-?\d+$/.test(v.trim()) ? String(parseInt(v, 10)) : bad("a whole number");
    case "number": {
      const x = Number(v.trim());
      if (v.trim() === "" || !Number.isFinite(x)) return bad("a number");
      const t = String(x);
      return /[.eE]/.test(t) ? t : `${t}.0`;
    }
    case "boolean":
      return v.trim() === "true" || v.trim() === "false" ? v.trim() : bad("true or false");
    case "enum":
      if (f.values && !f.values.includes(v)) fail("bad-request", `"${v}" is not a value of \`${f.name}\` (one of ${f.values.map((x) => `"${x}"`).join(", ")})`);
      return quoteCel(v);
    default:
      return quoteCel(v);
  }
}

function mockClauseToCel(en: Entity, c: Clause): string {
  const f = en.fields.find((x) => x.name === c.field) ?? fail("bad-request", `\`${c.field}\` is not a field of ${en.name}`);
  if (!OPS_FOR[f.type].includes(c.op)) fail("bad-request", `\`${c.op}\` does not suit \`${c.field}\` (${f.type}); use one of: ${OPS_FOR[f.type].join(", ")}`);
  const cmp = CMP[c.op];
  if (c.otherField) {
    if (!cmp) fail("bad-request", `\`${c.field}\` cannot be compared with \`${c.otherField}\` with \`${c.op}\``);
    if (!en.fields.some((x) => x.name === c.otherField)) fail("bad-request", `\`${c.otherField}\` is not a field of ${en.name}`);
    return `${c.field} ${cmp} ${c.otherField}`;
  }
  if (cmp) return `${c.field} ${cmp} ${mockLiteral(f, c.value)}`;
  if (TEXT_METHODS.includes(c.op)) return `${c.field}.${c.op}(${quoteCel(c.value)})`;
  if (c.op === "in" || c.op === "notIn") {
    if (c.values.length === 0) fail("bad-request", `\`${c.field}\` ${c.op}: give at least one value`);
    const list = `${c.field} in [${c.values.map((v) => mockLiteral(f, v)).join(", ")}]`;
    return c.op === "in" ? list : `!(${list})`;
  }
  return c.op === "present" ? `has(data.${c.field})` : `!has(data.${c.field})`;
}

export function mockFormToCel(en: Entity, form: ConditionForm): string {
  if (form.items.length === 0) fail("bad-request", "the condition has no clause: add one");
  const parts = form.items.map((it) => {
    if (it.kind === "clause") return mockClauseToCel(en, it);
    if (it.clauses.length === 0) fail("bad-request", "a group has no clause: add one or remove the group");
    const inner = it.clauses.map((c) => mockClauseToCel(en, c)).join(` ${celOp(form.join === "all" ? "any" : "all")} `);
    return form.items.length > 1 && it.clauses.length > 1 ? `(${inner})` : inner;
  });
  return parts.join(` ${celOp(form.join)} `);
}

/** Reads back what `mockFormToCel` writes; `null` for any other text. */
export function mockCelToForm(en: Entity, cel: string): ConditionForm | null {
  const toks = cel.match(/"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|[A-Za-z_][A-Za-z0-9_]*|&&|\|\||==|!=|<=|>=|[<>()[\],.!]|\S/g) ?? [];
  let i = 0;
  const peek = (k = 0) => toks[i + k];
  const eat = (t: string) => (toks[i] === t ? (i++, true) : false);
  const ident = () => (/^[A-Za-z_]/.test(peek() ?? "") ? toks[i++]! : null);
  const fieldOf = (name: string | null) => en.fields.find((f) => f.name === name) ?? null;
  const value = (f: MockField): string | null => {
    const t = toks[i++];
    if (t === undefined) return null;
    if (t.startsWith('"')) {
      if (!["string", "date", "datetime", "enum"].includes(f.type)) return null;
      const v = JSON.parse(t) as string;
      return f.type === "enum" && f.values && !f.values.includes(v) ? null : v;
    }
    if (f.type === "boolean") return t === "true" || t === "false" ? t : null;
    if (f.type === "integer") return /^-?\d+$/.test(t) ? t : null;
    if (f.type === "number") return /^-?\d/.test(t) ? String(Number(t)) : null;
    return null;
  };
  const clause = (): Clause | null => {
    const c = (field: string, op: ClauseOp, v = "", values: string[] = [], otherField: string | null = null): Clause => ({ field, op, value: v, values, otherField });
    if (eat("!")) {
      if (eat("has")) {
        const f = eat("(") && eat("data") && eat(".") ? ident() : null;
        return f && fieldOf(f) && eat(")") ? c(f, "absent") : null;
      }
      if (!eat("(")) return null;
      const inner = clause();
      return inner?.op === "in" && eat(")") ? { ...inner, op: "notIn" } : null;
    }
    if (peek() === "has" && peek(1) === "(") {
      i += 2;
      const f = eat("data") && eat(".") ? ident() : null;
      return f && fieldOf(f) && eat(")") ? c(f, "present") : null;
    }
    const name = ident();
    const f = fieldOf(name);
    if (!f || !name) return null;
    if (eat(".")) {
      const m = ident() as ClauseOp | null;
      if (!m || !TEXT_METHODS.includes(m) || f.type !== "string" || !eat("(")) return null;
      const t = toks[i++];
      return t?.startsWith('"') && eat(")") ? c(name, m, JSON.parse(t) as string) : null;
    }
    if (eat("in")) {
      if (!eat("[")) return null;
      const values: string[] = [];
      do {
        const v = value(f);
        if (v === null) return null;
        values.push(v);
      } while (eat(","));
      return eat("]") ? c(name, "in", "", values) : null;
    }
    const op = (Object.keys(CMP) as ClauseOp[]).find((k) => CMP[k] === peek());
    if (!op) return null;
    i++;
    const other = fieldOf(peek() ?? null);
    if (other) return c(name, op, "", [], toks[i++]!);
    const v = value(f);
    return v === null ? null : c(name, op, v);
  };
  // items joined by one operator; a parenthesised item is a group joined the other way
  const items: ConditionItem[] = [];
  let join: Join | null = null;
  for (;;) {
    if (eat("(")) {
      const clauses: Clause[] = [];
      let inner: string | null = null;
      for (;;) {
        const cl = clause();
        if (!cl) return null;
        clauses.push(cl);
        const t = peek();
        if (t !== "&&" && t !== "||") break;
        if (inner && inner !== t) return null;
        inner = t;
        i++;
      }
      if (!eat(")") || !inner) return null;
      items.push({ kind: "group", clauses });
      const groupJoin: Join = inner === "&&" ? "any" : "all";
      if (join && join !== groupJoin) return null;
      join = groupJoin;
    } else {
      const cl = clause();
      if (!cl) return null;
      items.push({ kind: "clause", ...cl });
    }
    const t = peek();
    if (t === undefined) break;
    const j: Join | null = t === "&&" ? "all" : t === "||" ? "any" : null;
    if (!j || (join && join !== j)) return null;
    join = j;
    i++;
  }
  return { join: join ?? "all", items };
}

/** What the mock's import_preview returns: a whiteboard sketch of a shop, with a markup label and an unplaced arrow. */
export const MOCK_IMPORT = {
  fileName: "shop-whiteboard.mmd",
  format: "mermaid",
  model: {
    format: "charter-model/1",
    name: "shop-whiteboard",
    systems: [
      { id: "shop", name: "Webshop", kind: "other" },
      { id: "erp", name: "ERP", kind: "other" },
      { id: "crm", name: "<b>CRM</b>", kind: "other" },
    ],
    entities: [
      { id: "stock", name: "Stock", owner: "erp", key: "id", fields: [], copies: ["shop"] },
      { id: "customer", name: "Customer", key: "id", fields: [], copies: [] },
    ],
    flows: [
      { id: "stock-erp-to-shop", entity: "stock", from: "erp", to: "shop", pattern: "event", trigger: "system" },
      { id: "customer-shop-to-crm", entity: "customer", from: "shop", to: "crm", pattern: "request", trigger: "user" },
    ],
  } as unknown as Model,
  summary: ["3 boxes became systems", "2 arrows became flows"],
  unplaced: ["arrow 'sync?' from Webshop goes nowhere (line 7)"],
};

/** What the mock's discover_log returns: the sample's systems, plus a storefront that writes stock beside the warehouse. */
export const MOCK_DISCOVERY = {
  fileName: "traffic-week.jsonl",
  model: {
    format: "charter-model/1",
    name: "Discovered from traffic-week.jsonl",
    systems: [
      { id: "erp", name: "erp", kind: "other" },
      { id: "wms", name: "wms", kind: "other" },
      { id: "shop", name: "shop", kind: "other" },
    ],
    entities: [
      {
        id: "stock",
        name: "stock",
        owner: "wms",
        key: "id",
        fields: [],
        copies: ["shop"],
        rationale: "suggested owner wms (score 5.10)",
        ownerSuggestions: [
          { system: "wms", score: 5.1, evidence: ["wms wrote 20 of the 20 stock keys first (100%)"] },
          { system: "shop", score: 0.4, evidence: ["shop was the writer in 40 of the 200 write exchanges of stock (20%)"] },
        ],
      },
      {
        id: "voucher",
        name: "voucher",
        owner: "erp",
        key: "id",
        fields: [],
        copies: [],
        rationale: "suggested owner erp (the only writer)",
        ownerSuggestions: [{ system: "erp", score: 7, evidence: ["erp wrote 12 of the 12 voucher keys first (100%)", "erp was the writer in 30 of the 30 write exchanges of voucher (100%)"] }],
      },
    ],
    flows: [{ id: "stock-shop-to-wms", entity: "stock", from: "shop", to: "wms", pattern: "event", trigger: "system" }],
  } as unknown as Model,
  summary: ["traffic-week.jsonl: read 412 records as exchanges", "3 systems, 2 entities, 1 flow"],
  compare: ["undocumented stock event shop → wms: 40 exchanges, error rate 0.00", "unused order-to-wms"],
};

export type MockBackend = {
  calls: string[];
  files: Map<string, string>;
  nextPath: { value: string | null };
  /** Every edit applied, in order (as sent). */
  edits: AnyEdit[];
  /** The stored layout of a model. */
  layout: (modelId: number) => NodePosition[];
  /** Milliseconds between the mock rehearsal's progress steps (0: at once). */
  rehearsalStepMs: number;
  /** Rehearsals recorded. */
  rehearsals: RehearsalRecord[];
  /** Every "try a rule" call, in order. */
  trials: { entity: string; cel: string; record: Record<string, unknown> }[];
};

/** Options: a first model other than the sample (the scale benchmark), with or without a stored layout. */
export type MockOptions = { model?: Model; layout?: NodePosition[] };

export function installMockBackend(opts: MockOptions = {}): MockBackend {
  const first = opts.model ?? SAMPLE;
  const firstLayout = new Map((opts.layout ?? []).map((p) => [p.nodeId, { x: p.x ?? 0, y: p.y ?? 0 }]));
  const entries: Entry[] = [{ id: 1, revs: [{ model: first, summary: "Sample model" }], head: 0, filePath: null, saved: null, log: [], layout: firstLayout }];
  const edits: AnyEdit[] = [];
  let nextId = 2;
  const calls: string[] = [];
  const files = new Map<string, string>();
  const nextPath = { value: null as string | null };
  const rehearsals: RehearsalRecord[] = [];
  const trials: MockBackend["trials"] = [];
  let userName: string | null = null;
  let cancelRehearsal = false;
  let rehearsing = false;

  const get = (id: number): Entry => entries.find((x) => x.id === id) ?? fail("not-found", `there is no model with id ${id}`);
  const state = (en: Entry): ModelState & { quickFixes: QuickFix[] } => {
    const model = en.revs[en.head]!.model;
    return {
      modelId: en.id,
      revision: en.head + 1,
      model,
      findings: findingsOf(model),
      quickFixes: quickFixesOf(model),
      canUndo: en.head > 0,
      canRedo: en.head < en.revs.length - 1,
      undoSummary: en.head > 0 ? en.revs[en.head]!.summary : null,
      redoSummary: en.head < en.revs.length - 1 ? en.revs[en.head + 1]!.summary : null,
      filePath: en.filePath,
      dirty: en.saved !== en.head,
    };
  };
  const summary = (en: Entry): ModelSummary => ({ id: en.id, name: en.revs[en.head]!.model.name, revision: en.head + 1, filePath: en.filePath, updatedAt: "2026-11-23T12:00:00Z" });

  mockIPC((cmd, payload) => {
    const a = (payload ?? {}) as Record<string, unknown>;
    calls.push(cmd);
    switch (cmd) {
      case "startup":
        return { models: entries.map(summary), openModelId: entries[0]?.id ?? null, notice: null };
      case "list_models":
        return entries.map(summary);
      case "create_model": {
        const m = { ...structuredClone(SAMPLE), name: String(a.name), systems: [], entities: [], flows: [] };
        entries.push({ id: nextId, revs: [{ model: m, summary: "New model" }], head: 0, filePath: null, saved: null, log: [], layout: new Map() });
        return nextId++;
      }
      case "delete_model": {
        const i = entries.findIndex((x) => x.id === a.modelId);
        entries.splice(i, 1);
        return null;
      }
      case "get_model_state":
        return state(get(Number(a.modelId)));
      case "apply_edit": {
        const en = get(Number(a.modelId));
        const edit = a.edit as AnyEdit;
        const before = en.revs[en.head]!.model;
        const model = applyEdit(before, edit);
        edits.push(edit);
        en.revs = en.revs.slice(0, en.head + 1);
        en.revs.push({ model, summary: edit.op === "batch" ? edit.summary : edit.op });
        en.head++;
        // Owner decisions are logged, also inside a batch.
        const owners = (x: AnyEdit): Extract<AnyEdit, { op: "setOwner" }>[] => (x.op === "batch" ? x.edits.flatMap(owners) : x.op === "setOwner" ? [x] : []);
        for (const o of owners(edit)) {
          const old = before.entities.find((x) => x.id === o.entity)?.owner ?? null;
          en.log.push({ entity: o.entity, fromOwner: old, toOwner: o.owner ?? null, rationale: o.rationale ?? null, who: userName ?? "tester", at: new Date(Date.UTC(2026, 10, 23, 12, en.log.length)).toISOString(), revision: en.head + 1 });
        }
        return state(en);
      }
      case "undo": {
        const en = get(Number(a.modelId));
        if (en.head > 0) en.head--;
        return state(en);
      }
      case "redo": {
        const en = get(Number(a.modelId));
        if (en.head < en.revs.length - 1) en.head++;
        return state(en);
      }
      case "get_decision_log":
        return get(Number(a.modelId)).log;
      case "get_user_name":
        return userName;
      case "set_user_name": {
        const name = String(a.name).trim();
        if (name === "") fail("bad-request", "a user name cannot be empty");
        if ([...name].length > 80) fail("bad-request", "a user name is at most 80 characters");
        userName = name;
        return name;
      }
      case "export_decision_log":
        files.set(String(a.path), JSON.stringify(get(Number(a.modelId)).log));
        return null;
      case "import_model_file": {
        const path = String(a.path);
        if (path.includes("bad")) {
          throw { code: "model-invalid", message: `${path}: 1:1: $: expected a JSON object`, findings: [], problems: [{ path: "$", line: 1, column: 1, message: "expected a JSON object" }] } satisfies AppError;
        }
        const m = { ...structuredClone(SAMPLE), name: "Imported model" };
        entries.push({ id: nextId, revs: [{ model: m, summary: "Imported" }], head: 0, filePath: path, saved: 0, log: [], layout: new Map() });
        return state(get(nextId++));
      }
      case "import_preview": {
        // Scaffolding: a fixed preview of a whiteboard sketch (the importers are Rust, tested there).
        const path = String(a.path);
        if (path.includes("bad")) fail("import-invalid", `${path}: cannot tell the format from the content (not Mermaid, Excalidraw, draw.io, CSV, OpenAPI or AsyncAPI); give --format`);
        return structuredClone(MOCK_IMPORT);
      }
      case "discover_log": {
        // Scaffolding: a fixed discovery (the reading, scoring and comparing are Rust, tested there).
        const path = String(a.path);
        if (path.includes("bad")) fail("import-invalid", `${path}: no exchange records in it`);
        return structuredClone(MOCK_DISCOVERY);
      }
      case "import_apply": {
        const incoming = a.model as Model;
        const fileName = String(a.fileName);
        if (a.into === null || a.into === undefined) {
          entries.push({ id: nextId, revs: [{ model: structuredClone(incoming), summary: `Imported from ${fileName}` }], head: 0, filePath: null, saved: null, log: [], layout: new Map() });
          return state(get(nextId++));
        }
        // Scaffolding for charter_model::merge: what is missing is added by id, as one revision.
        const en = get(Number(a.into));
        const cur = structuredClone(en.revs[en.head]!.model);
        const before = cur.systems.length + cur.entities.length + cur.flows.length;
        for (const x of incoming.systems) if (!cur.systems.some((y) => y.id === x.id)) cur.systems.push(x);
        for (const x of incoming.entities) if (!cur.entities.some((y) => y.id === x.id)) cur.entities.push(x);
        for (const x of incoming.flows) if (!cur.flows.some((y) => y.id === x.id)) cur.flows.push(x);
        if (cur.systems.length + cur.entities.length + cur.flows.length === before) fail("edit-refused", `${fileName}: nothing to add, the model already has everything it holds`);
        en.revs = en.revs.slice(0, en.head + 1);
        en.revs.push({ model: cur, summary: `Import from ${fileName}` });
        en.head++;
        return state(en);
      }
      case "save_model": {
        const en = get(Number(a.modelId));
        if (!en.filePath) fail("no-file", "this model is not linked to a file yet: use Save As");
        files.set(en.filePath, JSON.stringify(en.revs[en.head]!.model));
        en.saved = en.head;
        return state(en);
      }
      case "save_model_as": {
        const en = get(Number(a.modelId));
        en.filePath = String(a.path);
        files.set(en.filePath, JSON.stringify(en.revs[en.head]!.model));
        en.saved = en.head;
        return state(en);
      }
      case "export_config": {
        const en = get(Number(a.modelId));
        const findings = findingsOf(en.revs[en.head]!.model).filter((f) => f.severity === "error");
        if (findings.length > 0) fail("export-refused", `export refused: the model has ${findings.length} error(s)`, findings);
        files.set(String(a.path), "{}");
        return "sha256:0000";
      }
      case "get_layout":
        return [...get(Number(a.modelId)).layout].map(([nodeId, p]) => ({ nodeId, x: p.x, y: p.y }));
      case "set_node_position": {
        const p = a.position as NodePosition;
        get(Number(a.modelId)).layout.set(p.nodeId, { x: p.x ?? 0, y: p.y ?? 0 });
        return null;
      }
      case "set_layout": {
        const en = get(Number(a.modelId));
        for (const p of a.positions as NodePosition[]) en.layout.set(p.nodeId, { x: p.x ?? 0, y: p.y ?? 0 });
        return null;
      }
      case "apply_quick_fix": {
        const en = get(Number(a.modelId));
        const before = en.revs[en.head]!.model;
        if (a.code !== "unacknowledged-flow") fail("edit-refused", `no one-click fix for ${String(a.code)}`);
        const f = mustFind(before.flows, String(a.subject), "flow");
        const edit: AnyEdit = { op: "updateFlow", id: f.id, flow: { ...f, ack: true } };
        edits.push(edit);
        en.revs = en.revs.slice(0, en.head + 1);
        en.revs.push({ model: applyEdit(before, edit), summary: "Require acknowledgement" });
        en.head++;
        return state(en);
      }
      case "export_mermaid": {
        const cur = get(Number(a.modelId));
        const model = cur.revs[cur.head]!.model;
        const lines = ["flowchart LR", ...model.systems.map((s) => `  ${s.id}["${s.name.replace(/"/g, "#quot;")}"]`), ...model.flows.map((f) => `  ${f.from} ${f.pattern === "event" ? "-->" : "-.->"}|${f.entity}| ${f.to}`)];
        return lines.join("\n") + "\n";
      }
      case "export_matrix": {
        const en = get(Number(a.modelId));
        const model = en.revs[en.head]!.model;
        const row = (e: Entity) => model.systems.map((s) => (e.owner === s.id ? "Owner" : e.copies.includes(s.id) ? "Copy" : ""));
        if (a.format === "csv") return ["entity," + model.systems.map((s) => s.id).join(","), ...model.entities.map((e) => [e.id, ...row(e)].join(","))].join("\n") + "\n";
        return ["| entity | " + model.systems.map((s) => s.id).join(" | ") + " |", ...model.entities.map((e) => `| ${e.id} | ${row(e).join(" | ")} |`)].join("\n") + "\n";
      }
      case "save_document":
        files.set(String(a.path), String(a.contents));
        return null;
      case "condition_to_cel":
      case "condition_from_cel": {
        const en = get(Number(a.modelId));
        const entity = mustFind(en.revs[en.head]!.model.entities, String(a.entityId), "entity");
        return cmd === "condition_to_cel" ? mockFormToCel(entity, a.form as ConditionForm) : mockCelToForm(entity, String(a.cel));
      }
      case "try_condition": {
        // Canned: the mock does not evaluate CEL (the runtime's verdict is tested in Rust).
        // It refuses a record missing a declared field, as the contract does for upserts,
        // and otherwise says the condition holds; the tests check what the UI sent and shows.
        const en = get(Number(a.modelId));
        const entity = mustFind(en.revs[en.head]!.model.entities, String(a.entityId), "entity");
        const record = JSON.parse(String(a.record)) as Record<string, unknown>;
        trials.push({ entity: entity.id, cel: String(a.cel), record });
        const missing = entity.fields.find((f) => !(f.name in record));
        return missing
          ? { outcome: "contract", message: `required field \`${missing.name}\` is missing; the gate refuses the message before any rule runs`, field: missing.name }
          : { outcome: "holds", message: "a validate rule lets this record through; a route rule routes it", field: null };
      }
      case "report_first_paint":
        return 1;
      case "rehearse": {
        const en = get(Number(a.modelId));
        const path = String(a.path);
        const errors = findingsOf(en.revs[en.head]!.model).filter((f) => f.severity === "error");
        if (errors.length > 0) fail("export-refused", `export refused: the model has ${errors.length} error(s)`, errors);
        if (path.includes("bad")) fail("not-json-lines", `${path}: line 1 is not a JSON object: recorded traffic is JSON Lines, one message (a JSON object) per line`);
        if (rehearsing) fail("bad-request", "a rehearsal is already running: wait for it or cancel it");
        const channel = a.onProgress as { onmessage: (p: RehearsalProgress) => void };
        const total = 96_512;
        const lines = MOCK_REPORT.counts.messages;
        rehearsing = true;
        cancelRehearsal = false;
        const run = async () => {
          try {
            for (let step = 1; step <= 4; step++) {
              await new Promise((r) => setTimeout(r, backend.rehearsalStepMs));
              if (cancelRehearsal) fail("cancelled", `rehearsal cancelled after ${Math.round((lines * (step - 1)) / 4)} lines: nothing was recorded`);
              const done = step === 4;
              channel.onmessage({ lines: Math.round((lines * step) / 4), bytes: (total * step) / 4, totalBytes: total, linesPerSecond: 1030, secondsLeft: done ? 0 : (4 - step) * 0.1, elapsedSeconds: step * 0.1, done });
            }
            const record: RehearsalRecord = { id: rehearsals.length + 1, modelId: en.id, revision: en.head + 1, environment: String(a.env), fileName: path.split("/").pop() ?? path, filePath: path, sha256: "9f2c6d0b4e1a7c3f5d8e2b6a1c4f7e9d0b3a5c8e1f2d4b6a8c0e3f5a7b9d1c2e", lines, bytes: total, seconds: 0.4, counts: MOCK_REPORT.counts, at: "2026-11-23T12:00:00.000Z" };
            rehearsals.unshift(record);
            return { record, report: structuredClone(MOCK_REPORT) };
          } finally {
            rehearsing = false;
          }
        };
        return run();
      }
      case "rehearse_what_if": {
        const en = get(Number(a.modelId));
        const path = String(a.path);
        const channel = a.onProgress as { onmessage: (p: RehearsalProgress) => void };
        channel.onmessage({ lines: 412, bytes: 193_024, totalBytes: 193_024, linesPerSecond: 1030, secondsLeft: 0, elapsedSeconds: 0.8, done: true });
        const base = Number(a.baseRevision);
        const w = mockWhatIf(en.id, base, en.head + 1, String(a.env), path.split("/").pop() ?? path);
        return base === en.head + 1 ? { ...w, changed: 0, changes: [] } : w;
      }
      case "list_revisions": {
        const en = get(Number(a.modelId));
        return en.revs.map((r, i) => ({ revision: i + 1, summary: r.summary, at: "2026-11-23T12:00:00.000Z" })).reverse();
      }
      case "cancel_rehearsal":
        cancelRehearsal = rehearsing;
        return rehearsing;
      case "list_rehearsals":
        return rehearsals.filter((r) => r.modelId === Number(a.modelId));
      case "sample_traffic": {
        const en = get(Number(a.modelId));
        return en.revs[en.head]!.model.name === "Seafood processor" ? "/data/samples/seafood.traffic.jsonl" : null;
      }
      case "export_rehearsal_decisions":
        files.set(String(a.path), '{"line":1,"id":"o-1","decision":"accept","reason":null,"rule":null,"deliveries":[]}\n');
        return null;
      case "export_rehearsal_report":
        files.set(String(a.path), JSON.stringify(MOCK_REPORT.counts));
        return null;
      case "plugin:dialog|open":
      case "plugin:dialog|save": {
        const p = nextPath.value;
        nextPath.value = null;
        return p;
      }
      default:
        throw new Error(`mock backend: unknown command ${cmd}`);
    }
  });
  const backend: MockBackend = {
    calls,
    files,
    nextPath,
    edits,
    layout: (id) => [...get(id).layout].map(([nodeId, p]) => ({ nodeId, x: p.x, y: p.y })),
    rehearsalStepMs: 0,
    rehearsals,
    trials,
  };
  (window as unknown as { __charterMock: MockBackend }).__charterMock = backend;
  return backend;
}
