// An in-memory stand-in for the Rust backend, for component tests and the
// browser e2e (the real backend is covered by `cargo test -p charter-app` and
// the real-app e2e). It answers the same commands with the same shapes.
import { mockIPC } from "@tauri-apps/api/mocks";
import type { AppError, Decision, Edit, Entity, Finding, Model, ModelState, ModelSummary, System } from "../api";

type Rev = { model: Model; summary: string };
type Entry = { id: number; revs: Rev[]; head: number; filePath: string | null; saved: number | null; log: Decision[] };

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
  return m.entities
    .filter((e) => !e.owner)
    .map((e) => ({ severity: "error", code: "no-owner", subject: e.id, message: `Entity "${e.id}" has no owner`, fix: "Choose the system that owns it" }) as Finding);
}

function applyEdit(m: Model, e: Edit): Model {
  const next: Model = structuredClone(m);
  switch (e.op) {
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
        if (e.newId) s.id = e.newId;
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
    case "addEntity":
      next.entities.push(e.entity as Entity);
      return next;
    case "deleteEntity":
      next.entities = next.entities.filter((x) => x.id !== e.id);
      return next;
    default:
      fail("edit-refused", `the mock backend does not do ${e.op}`);
  }
}

export type MockBackend = { calls: string[]; files: Map<string, string>; nextPath: { value: string | null } };

export function installMockBackend(): MockBackend {
  const entries: Entry[] = [{ id: 1, revs: [{ model: SAMPLE, summary: "Sample model" }], head: 0, filePath: null, saved: null, log: [] }];
  let nextId = 2;
  const calls: string[] = [];
  const files = new Map<string, string>();
  const nextPath = { value: null as string | null };

  const get = (id: number): Entry => entries.find((x) => x.id === id) ?? fail("not-found", `there is no model with id ${id}`);
  const state = (en: Entry): ModelState => {
    const model = en.revs[en.head]!.model;
    return {
      modelId: en.id,
      revision: en.head + 1,
      model,
      findings: findingsOf(model),
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
        entries.push({ id: nextId, revs: [{ model: m, summary: "New model" }], head: 0, filePath: null, saved: null, log: [] });
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
        const edit = a.edit as Edit;
        const before = en.revs[en.head]!.model;
        const model = applyEdit(before, edit);
        en.revs = en.revs.slice(0, en.head + 1);
        en.revs.push({ model, summary: edit.op });
        en.head++;
        if (edit.op === "setOwner") {
          const old = before.entities.find((x) => x.id === edit.entity)?.owner ?? null;
          en.log.push({ entity: edit.entity, fromOwner: old, toOwner: edit.owner ?? null, rationale: edit.rationale ?? null, who: "tester", at: "2026-11-23T12:00:00Z", revision: en.head + 1 });
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
        entries.push({ id: nextId, revs: [{ model: m, summary: "Imported" }], head: 0, filePath: path, saved: 0, log: [] });
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
        return [];
      case "set_node_position":
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
  const backend = { calls, files, nextPath };
  (window as unknown as { __charterMock: MockBackend }).__charterMock = backend;
  return backend;
}
