import { useState } from "react";
import { api, ApiError, pickOpenFile, pickSaveFile, type Edit, type ImportPreview, type ModelState } from "../api";
import { ImportPreviewDialog } from "./imports/ImportPreview";

export type View = "canvas" | "matrix" | "decisions" | "list" | "rehearsal" | "discover";

const VIEWS: { view: View; label: string; testid: string }[] = [
  { view: "canvas", label: "Canvas", testid: "view-canvas" },
  { view: "matrix", label: "Matrix", testid: "view-matrix" },
  { view: "decisions", label: "Decision log", testid: "toggle-decisions" },
  { view: "list", label: "Lists", testid: "view-list" },
  { view: "rehearsal", label: "Rehearsal", testid: "view-rehearsal" },
  { view: "discover", label: "Discover", testid: "view-discover" },
];

type Props = {
  state: ModelState;
  run: (f: () => Promise<ModelState | void>, ok?: string) => Promise<void>;
  onError: (e: unknown) => void;
  view: View;
  setView: (v: View) => void;
  undo: () => void;
  redo: () => void;
  onEdit: (e: Edit) => Promise<void>;
};

function slug(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "model";
}

export function Toolbar({ state, run, onError, view, setView, undo, redo }: Props) {
  const envs = state.model.environments ?? ["prod"];
  const [env, setEnv] = useState(envs[envs.length - 1] ?? "prod");
  const errors = state.findings.filter((f) => f.severity === "error").length;
  const id = state.modelId;
  const [preview, setPreview] = useState<ImportPreview | null>(null);

  const saveAs = async () => {
    const path = await pickSaveFile("Charter model", `${slug(state.model.name)}.model.json`, ["json"]);
    if (path) await run(() => api.saveModelAs(id, path), `Saved to ${path}`);
  };

  return (
    <nav className="toolbar" data-testid="toolbar">
      <span className="model-title" data-testid="model-title">
        {state.model.name}
        {state.dirty && <span title="Not saved to its file" data-testid="dirty"> •</span>}
      </span>
      {state.filePath && (
        <span className="file-path" data-testid="file-path">
          {state.filePath}
        </span>
      )}
      <button type="button" data-testid="undo" disabled={!state.canUndo} onClick={undo} title={state.undoSummary ? `Undo: ${state.undoSummary} (Ctrl+Z)` : "Undo (Ctrl+Z)"}>
        Undo
      </button>
      <button type="button" data-testid="redo" disabled={!state.canRedo} onClick={redo} title={state.redoSummary ? `Redo: ${state.redoSummary} (Ctrl+Shift+Z)` : "Redo (Ctrl+Shift+Z)"}>
        Redo
      </button>
      <span className="sep" />
      <button
        type="button"
        data-testid="import"
        onClick={async () => {
          try {
            const path = await pickOpenFile("Charter model", ["json"]);
            if (path) await run(() => api.importModelFile(path), `Opened ${path} as a new model`);
          } catch (e) {
            onError(e);
          }
        }}
      >
        Open…
      </button>
      <button
        type="button"
        data-testid="import-sketch"
        title="Import a whiteboard sketch (Mermaid, Excalidraw, draw.io, CSV) or an API spec (OpenAPI, AsyncAPI): a preview first"
        onClick={async () => {
          try {
            const path = await pickOpenFile("Sketch or spec", ["mmd", "mermaid", "md", "excalidraw", "drawio", "xml", "csv", "json", "yaml", "yml"]);
            if (path) setPreview(await api.importPreview(path));
          } catch (e) {
            onError(e);
          }
        }}
      >
        Import…
      </button>
      {preview && (
        <ImportPreviewDialog
          preview={preview}
          openModel={state.model.name}
          onCancel={() => setPreview(null)}
          onCreate={(model) => {
            setPreview(null);
            void run(() => api.importApply(model, preview.fileName, null), `Imported ${preview.fileName} as a new model`);
          }}
          onMerge={(model) => {
            setPreview(null);
            void run(() => api.importApply(model, preview.fileName, id), `Merged ${preview.fileName} into ${state.model.name} (one step: Undo takes it back)`);
          }}
        />
      )}
      <button
        type="button"
        data-testid="save"
        onClick={async () => {
          try {
            await api
              .saveModel(id)
              .then((s) => run(async () => s, `Saved to ${s.filePath ?? ""}`))
              .catch(async (e: unknown) => {
                if (e instanceof ApiError && e.code === "no-file") await saveAs();
                else throw e;
              });
          } catch (e) {
            onError(e);
          }
        }}
      >
        Save
      </button>
      <button type="button" data-testid="save-as" onClick={() => saveAs().catch(onError)}>
        Save As…
      </button>
      <span className="sep" />
      <label>
        Environment{" "}
        <select data-testid="export-env" value={env} onChange={(e) => setEnv(e.target.value)}>
          {envs.map((e) => (
            <option key={e} value={e}>
              {e}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        data-testid="export-config"
        title={errors > 0 ? `${errors} error(s) must be fixed before export` : "Export charter-config/1"}
        onClick={async () => {
          // The model's own findings (the Rust checks, in the state) refuse an export before any dialog opens.
          const blocking = state.findings.filter((f) => f.severity === "error");
          if (blocking.length > 0) {
            onError(
              new ApiError({
                code: "export-refused",
                message: `Export refused: the model has ${blocking.length} error(s). Fix them first (each has its place in the findings).`,
                findings: blocking,
                problems: [],
              }),
            );
            return;
          }
          try {
            const path = await pickSaveFile("Charter config", `${slug(state.model.name)}.${env}.config.json`, ["json"]);
            if (!path) return;
            const digest = await api.exportConfig(id, env, path);
            await run(async () => undefined, `Exported ${env} configuration to ${path} (${digest})`);
          } catch (e) {
            onError(e);
          }
        }}
      >
        Export config
      </button>
      <span className="sep" />
      <div className="view-switch" role="tablist" aria-label="View">
        {VIEWS.map((v) => (
          <button key={v.view} type="button" role="tab" aria-selected={view === v.view} className={view === v.view ? "active" : ""} data-testid={v.testid} onClick={() => setView(v.view)}>
            {v.label}
          </button>
        ))}
      </div>
    </nav>
  );
}
