// An in-memory stand-in for the Rust backend, for component tests and the
// browser e2e (the real backend is covered by `cargo test -p charter-app` and
// the real-app e2e). It answers the same commands with the same shapes.
import { mockIPC } from "@tauri-apps/api/mocks";
import type { AppError, Decision, Edit, Entity, Finding, Flow, Model, ModelState, ModelSummary, NodePosition, System } from "../api";

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
    { id: "order", name: "Order", owner: "erp", key: "id", fields: [], copies: ["wms"] },
    { id: "stock", name: "Stock", owner: "wms", key: "sku", fields: [], copies: [] },
  ],
  flows: [{ id: "order-to-wms", entity: "order", from: "erp", to: "wms", pattern: "event", trigger: "system", ack: true }],
  rules: [],
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
      return next;
    default:
      fail("edit-refused", `the mock backend does not do ${e.op}`);
  }
}

export type MockBackend = {
  calls: string[];
  files: Map<string, string>;
  nextPath: { value: string | null };
  /** Every edit applied, in order (as sent). */
  edits: AnyEdit[];
  /** The stored layout of a model. */
  layout: (modelId: number) => NodePosition[];
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
          en.log.push({ entity: o.entity, fromOwner: old, toOwner: o.owner ?? null, rationale: o.rationale ?? null, who: "tester", at: "2026-11-23T12:00:00Z", revision: en.head + 1 });
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
      case "report_first_paint":
        return 1;
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
  };
  (window as unknown as { __charterMock: MockBackend }).__charterMock = backend;
  return backend;
}
