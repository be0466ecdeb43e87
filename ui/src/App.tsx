// The app shell: model picker, the open model's panels, toolbar, banners.
// Panels live in ./panels; the canvas (./canvas) plugs in later.
import { useCallback, useEffect, useRef, useState } from "react";
import {
  api,
  ApiError,
  describe,
  type Edit,
  type Finding,
  type ModelState,
  type ModelSummary,
} from "./api";
import { ModelPicker } from "./panels/ModelPicker";
import { Toolbar } from "./panels/Toolbar";
import { SystemsPanel } from "./panels/SystemsPanel";
import { EntitiesPanel } from "./panels/EntitiesPanel";
import { FlowsPanel } from "./panels/FlowsPanel";
import { RulesPanel } from "./panels/RulesPanel";
import { FindingsPanel } from "./panels/FindingsPanel";
import { DecisionLogPanel } from "./panels/DecisionLogPanel";

export type Banner = { kind: "error" | "info" | "notice"; text: string; findings?: Finding[] };

export default function App() {
  const [models, setModels] = useState<ModelSummary[]>([]);
  const [state, setState] = useState<ModelState | null>(null);
  const [banner, setBanner] = useState<Banner | null>(null);
  const [view, setView] = useState<"model" | "decisions">("model");
  const [ready, setReady] = useState(false);
  const busy = useRef(false);

  const fail = useCallback((e: unknown) => {
    const findings = e instanceof ApiError ? e.detail.findings : undefined;
    setBanner({ kind: "error", text: describe(e), findings });
  }, []);

  const refreshList = useCallback(async () => {
    setModels(await api.listModels());
  }, []);

  const openModel = useCallback(
    async (id: number) => {
      try {
        setState(await api.getModelState(id));
        setView("model");
      } catch (e) {
        fail(e);
      }
    },
    [fail],
  );

  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const info = await api.startup();
        if (cancelled) return;
        setModels(info.models);
        if (info.notice) setBanner({ kind: "notice", text: info.notice.message });
        if (info.openModelId !== null) setState(await api.getModelState(info.openModelId));
      } catch (e) {
        fail(e);
      } finally {
        if (!cancelled) setReady(true);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [fail]);

  // First paint: report once (cold start figure, see docs/performance.md).
  useEffect(() => {
    if (!ready) return;
    requestAnimationFrame(() => {
      api.reportFirstPaint().catch(() => undefined);
    });
  }, [ready]);

  /** Runs a state-changing call; one at a time, errors into the banner. */
  const run = useCallback(
    async (f: () => Promise<ModelState | void>, ok?: string) => {
      if (busy.current) return;
      busy.current = true;
      try {
        const next = await f();
        if (next) setState(next);
        setBanner(ok ? { kind: "info", text: ok } : null);
        await refreshList();
      } catch (e) {
        fail(e);
      } finally {
        busy.current = false;
      }
    },
    [fail, refreshList],
  );

  const edit = useCallback(
    (e: Edit) => {
      if (!state) return Promise.resolve();
      const id = state.modelId;
      return run(() => api.applyEdit(id, e));
    },
    [state, run],
  );

  const undo = useCallback(() => {
    if (state?.canUndo) void run(() => api.undo(state.modelId));
  }, [state, run]);
  const redo = useCallback(() => {
    if (state?.canRedo) void run(() => api.redo(state.modelId));
  }, [state, run]);

  useEffect(() => {
    const onKey = (ev: KeyboardEvent) => {
      const target = ev.target as HTMLElement | null;
      if (target && ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)) return;
      if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "z") {
        ev.preventDefault();
        if (ev.shiftKey) redo();
        else undo();
      } else if ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === "y") {
        ev.preventDefault();
        redo();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [undo, redo]);

  return (
    <div className="app" data-testid="app" data-ready={ready ? "true" : "false"}>
      <header className="topbar">
        <h1>Charter</h1>
        <ModelPicker
          models={models}
          currentId={state?.modelId ?? null}
          onOpen={openModel}
          onCreate={(name) =>
            run(async () => {
              const id = await api.createModel(name);
              setView("model");
              return api.getModelState(id);
            })
          }
          onDelete={(id) =>
            run(async () => {
              await api.deleteModel(id);
              if (state?.modelId === id) setState(null);
            })
          }
        />
      </header>
      {banner && (
        <div className={`banner banner-${banner.kind}`} data-testid="banner" data-kind={banner.kind} role="status">
          <span>{banner.text}</span>
          {banner.findings && banner.findings.length > 0 && (
            <ul data-testid="banner-findings">
              {banner.findings.map((f, i) => (
                <li key={i} data-code={f.code}>
                  <strong>{f.subject}</strong>: {f.message}
                </li>
              ))}
            </ul>
          )}
          <button type="button" onClick={() => setBanner(null)} aria-label="Dismiss">
            ×
          </button>
        </div>
      )}
      {state ? (
        <>
          <Toolbar state={state} run={run} onError={fail} view={view} setView={setView} undo={undo} redo={redo} onEdit={edit} />
          {view === "decisions" ? (
            <DecisionLogPanel modelId={state.modelId} revision={state.revision} onError={fail} onDone={(t) => setBanner({ kind: "info", text: t })} />
          ) : (
            <main className="workspace">
              <div className="lists">
                <SystemsPanel model={state.model} onEdit={edit} />
                <EntitiesPanel model={state.model} onEdit={edit} />
                <FlowsPanel model={state.model} onEdit={edit} />
                <RulesPanel model={state.model} onEdit={edit} />
              </div>
              <FindingsPanel findings={state.findings} />
            </main>
          )}
        </>
      ) : (
        ready && <p className="empty" data-testid="no-model">No model is open. Create one or import a model file.</p>
      )}
    </div>
  );
}
