// The backend calls the canvas needs that the lead is adding to api.ts
// (batch edits, quick fixes, setLayout, Mermaid, saveDocument). Until they
// land there, they go straight to the Tauri command of the planned name, so
// the same code runs against the real app and the mock backend.
import { invoke } from "@tauri-apps/api/core";
import { api, ApiError, type AppError, type Edit, type ModelState, type NodePosition } from "../api";
import { commands } from "../bindings";

/** An edit, including the planned `batch`: several edits as one transaction and one undo step. */
export type AnyEdit = Edit | { op: "batch"; summary: string; edits: AnyEdit[] };

export type QuickFix = { code: string; subject: string; label: string };

type Planned = {
  applyQuickFix?: (modelId: number, code: string, subject: string) => Promise<ModelState>;
  setLayout?: (modelId: number, positions: NodePosition[]) => Promise<null>;
  exportMermaid?: (modelId: number) => Promise<string>;
  saveDocument?: (path: string, contents: string, encoding: "text" | "base64") => Promise<null>;
};
// A wrapper in api.ts only counts once the generated binding behind it exists.
const generated = commands as unknown as Record<string, unknown>;
const wrappers = api as unknown as Planned;
const planned: Planned = Object.fromEntries(
  (Object.keys({ applyQuickFix: 1, setLayout: 1, exportMermaid: 1, saveDocument: 1 }) as (keyof Planned)[])
    .filter((k) => typeof generated[k] === "function" && typeof wrappers[k] === "function")
    .map((k) => [k, wrappers[k]]),
);

async function direct<T>(cmd: string, args: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(cmd, args);
  } catch (e) {
    if (e && typeof e === "object" && "code" in e && "message" in e) throw new ApiError(e as AppError);
    throw new ApiError({ code: "store", message: String(e), findings: [], problems: [] });
  }
}

export const backend = {
  applyEdit: (modelId: number, edit: AnyEdit): Promise<ModelState> => api.applyEdit(modelId, edit as Edit),
  applyQuickFix: (modelId: number, code: string, subject: string): Promise<ModelState> =>
    planned.applyQuickFix ? planned.applyQuickFix(modelId, code, subject) : direct("apply_quick_fix", { modelId, code, subject }),
  setLayout: (modelId: number, positions: NodePosition[]): Promise<null> =>
    planned.setLayout ? planned.setLayout(modelId, positions) : direct("set_layout", { modelId, positions }),
  exportMermaid: (modelId: number): Promise<string> =>
    planned.exportMermaid ? planned.exportMermaid(modelId) : direct("export_mermaid", { modelId }),
  saveDocument: (path: string, contents: string, encoding: "text" | "base64"): Promise<null> =>
    planned.saveDocument ? planned.saveDocument(path, contents, encoding) : direct("save_document", { path, contents, encoding }),
};

/** The quick fixes of a state (empty until the backend sends them). */
export function quickFixesOf(state: ModelState): QuickFix[] {
  return (state as ModelState & { quickFixes?: QuickFix[] }).quickFixes ?? [];
}
