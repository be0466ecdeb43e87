// The app shell: model picker, toolbar with the view switch, banners, and
// the workspace: the canvas (or the matrix, decision log, lists) in the
// middle, the properties panel on the right, the findings at the bottom.
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { api, ApiError, describe, type DiscoverResult, type Edit, type Finding, type ModelState, type ModelSummary } from "./api";
import { listItemAt, SelectionContext, type Selection } from "./selection";
import { Canvas } from "./canvas/Canvas";
import { backend, type AnyEdit } from "./canvas/backend";
import { ModelPicker } from "./panels/ModelPicker";
import { Toolbar, type View } from "./panels/Toolbar";
import { SystemsPanel } from "./panels/SystemsPanel";
import { EntitiesPanel } from "./panels/EntitiesPanel";
import { FlowsPanel } from "./panels/FlowsPanel";
import { RulesPanel } from "./panels/RulesPanel";
import { DecisionLogPanel } from "./panels/DecisionLogPanel";
import { NoticeBar, type Notice } from "./panels/Notice";
import { DiscoverView } from "./panels/imports/DiscoverView";
import { suggestionsOf } from "./panels/imports/suggestions";
import { RehearsalView } from "./panels/rehearsal/RehearsalView";
import { useRehearsal } from "./panels/rehearsal/useRehearsal";
import { rehearsed, RehearsedContext, whatIfMarks, WhatIfContext } from "./canvas/rehearsalOverlay";

export type Banner = { kind: "error" | "info" | "notice"; text: string; findings?: Finding[] };
export type Theme = "light" | "dark";

import { PropertiesPanel } from "./panels/PropertiesPanel";
import { FindingsPanel } from "./panels/FindingsPanel";
import { Guide } from "./canvas/Guide";
import { storedFlag, storeFlag } from "./flags";
import { OwnershipMatrix } from "./panels/OwnershipMatrix";

function initialTheme(): Theme {
  try {
    const t = localStorage.getItem("charter-theme");
    if (t === "light" || t === "dark") return t;
  } catch {
    // No storage: the default.
  }
  return typeof matchMedia === "function" && matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

export default function App() {
  const [models, setModels] = useState<ModelSummary[]>([]);
  const [state, setState] = useState<ModelState | null>(null);
  const [banner, setBanner] = useState<Banner | null>(null);
  const [view, setView] = useState<View>("canvas");
  const [ready, setReady] = useState(false);
  const [selection, setSelection] = useState<Selection | null>(null);
  const [focus, setFocus] = useState<{ sel: Selection; n: number } | null>(null);
  const [theme, setTheme] = useState<Theme>(initialTheme);
  // Presentation mode (the canvas's Present button): the shell hides its panels.
  const [presenting, setPresenting] = useState(false);
  // The first-launch guide (canvas view, beside the findings): "Got it" hides it for good.
  const [guide, setGuide] = useState(() => !storedFlag("charter-guide-dismissed", false));
  // On the canvas with nothing selected the properties fold to a narrow rail, so the drawing has
  // the room; a selection, or the rail's "Model details", opens them.
  const [sidePinned, setSidePinned] = useState(false);
  const queue = useRef<Promise<unknown>>(Promise.resolve());

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    try {
      localStorage.setItem("charter-theme", theme);
    } catch {
      // No storage: the choice lasts this session.
    }
  }, [theme]);

  const fail = useCallback((e: unknown) => {
    const findings = e instanceof ApiError ? e.detail.findings : undefined;
    setBanner({ kind: "error", text: describe(e), findings });
  }, []);
  const info = useCallback((text: string) => setBanner({ kind: "info", text }), []);
  const rehearsal = useRehearsal(fail, info);
  const [notice, setNotice] = useState<Notice | null>(null);
  // The last discovery (the Discover view shows it; the matrix offers its owner suggestions).
  const [discovered, setDiscovered] = useState<DiscoverResult | null>(null);
  const suggestions = useMemo(() => (discovered ? suggestionsOf(discovered.model) : undefined), [discovered]);
  // The findings panel folded to one line by the user (kept across launches).
  const [findingsFolded, setFindingsFolded] = useState(() => localStorage.getItem("charter-findings-folded") === "true");
  const toggleFindings = useCallback(() => {
    setFindingsFolded((f) => {
      localStorage.setItem("charter-findings-folded", String(!f));
      return !f;
    });
  }, []);
  // The last rehearsal of the open model, shown on the canvas's flows and beside its rules.
  const rehearsedModel = rehearsal.result && state && rehearsal.result.record.modelId === state.modelId ? rehearsal.result : null;
  const shownRehearsal = useMemo(
    () => (rehearsedModel ? rehearsed(`${rehearsedModel.record.fileName}, revision ${rehearsedModel.record.revision} (${rehearsedModel.record.environment})`, rehearsedModel.report.flows, rehearsedModel.report.rules) : null),
    [rehearsedModel],
  );
  // The last what-if of the open model marks the entities whose messages change decision.
  const whatIfNow = rehearsal.whatIf && state && rehearsal.whatIf.modelId === state.modelId ? rehearsal.whatIf : null;
  const model = state?.model ?? null;
  const shownWhatIf = useMemo(() => (whatIfNow && model ? whatIfMarks(whatIfNow, model) : null), [whatIfNow, model]);

  // Information banners go away by themselves; errors and notices stay until dismissed.
  useEffect(() => {
    if (banner?.kind !== "info") return;
    const t = setTimeout(() => setBanner((b) => (b === banner ? null : b)), 6000);
    return () => clearTimeout(t);
  }, [banner]);

  const refreshList = useCallback(async () => {
    setModels(await api.listModels());
  }, []);

  const openModel = useCallback(
    async (id: number) => {
      try {
        setState(await api.getModelState(id));
        setSelection(null);
        setView("canvas");
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

  /**
   * Runs a state-changing call; errors go into the banner. True when it went
   * through. Calls run one at a time in the order they were made (an edit made
   * while another is on its way waits for it; none is dropped).
   */
  const run = useCallback(
    (f: () => Promise<ModelState | void>, ok?: string, tell?: (next: ModelState) => Omit<Notice, "id"> | null): Promise<boolean> => {
      const go = async () => {
        try {
          const next = await f();
          if (next) setState(next);
          const n = next && tell ? tell(next) : null;
          if (n) setNotice((old) => ({ ...n, id: (old?.id ?? 0) + 1 }));
          setBanner(ok ? { kind: "info", text: ok } : null);
          await refreshList();
          return true;
        } catch (e) {
          fail(e);
          return false;
        }
      };
      const result = queue.current.then(go, go);
      queue.current = result;
      return result;
    },
    [fail, refreshList],
  );

  const applyAny = useCallback(
    (e: AnyEdit): Promise<boolean> => {
      if (!state) return Promise.resolve(false);
      const id = state.modelId;
      // Deletions and batches (paste, several at once) are told, with Undo at hand.
      const tell = e.op === "batch" || e.op.startsWith("delete") ? (next: ModelState) => (next.undoSummary ? { text: next.undoSummary, action: "undo" as const } : null) : undefined;
      return run(() => backend.applyEdit(id, e), undefined, tell);
    },
    [state, run],
  );
  const edit = useCallback(async (e: Edit): Promise<void> => {
    await applyAny(e);
  }, [applyAny]);
  /** For forms that show a refused edit inline: the error is thrown back, not bannered. */
  const editInline = useCallback(
    async (e: Edit): Promise<void> => {
      if (!state) return;
      const next = await backend.applyEdit(state.modelId, e);
      setState(next);
      setBanner(null);
      await refreshList();
    },
    [state, refreshList],
  );
  const runVoid = useCallback(async (f: () => Promise<ModelState | void>, ok?: string): Promise<void> => {
    await run(f, ok);
  }, [run]);

  const applyQuickFix = useCallback(
    async (code: string, subject: string): Promise<void> => {
      if (!state) return;
      const id = state.modelId;
      await run(() => backend.applyQuickFix(id, code, subject), undefined, (next) => ({ text: `Applied fix: ${next.undoSummary ?? code}`, action: "undo" }));
    },
    [state, run],
  );

  /** Select on the canvas: clearing the selection there folds the properties again. */
  const selectOnCanvas = useCallback((s: Selection | null) => {
    if (!s) setSidePinned(false);
    setSelection(s);
  }, []);
  /** Select from the properties: their "Model" button shows the model's properties (and keeps them open). */
  const selectInProperties = useCallback((s: Selection | null) => {
    if (!s) setSidePinned(true);
    setSelection(s);
  }, []);

  /** Select from a list (finding, matrix): show it on the canvas and centre on it. */
  const selectAndFocus = useCallback((s: Selection | null) => {
    setSelection(s);
    if (s) {
      setView("canvas");
      setFocus((f) => ({ sel: s, n: (f?.n ?? 0) + 1 }));
    }
  }, []);

  const undo = useCallback(() => {
    if (state?.canUndo) void run(() => api.undo(state.modelId), undefined, (next) => ({ text: `Undid: ${next.redoSummary ?? "the last change"}`, action: next.canRedo ? "redo" : null }));
  }, [state, run]);
  const redo = useCallback(() => {
    if (state?.canRedo) void run(() => api.redo(state.modelId), undefined, (next) => ({ text: `Redid: ${next.undoSummary ?? "the change"}`, action: next.canUndo ? "undo" : null }));
  }, [state, run]);
  const closeNotice = useCallback(() => setNotice(null), []);
  const noticeAction = useCallback((a: "undo" | "redo") => (a === "undo" ? undo() : redo()), [undo, redo]);

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

  // A selection whose subject is gone (deleted, undone) is dropped.
  useEffect(() => {
    if (!state || !selection) return;
    const m = state.model;
    const exists =
      selection.kind === "model" ||
      (selection.kind === "system" && m.systems.some((s) => s.id === selection.id)) ||
      (selection.kind === "entity" && m.entities.some((e) => e.id === selection.id)) ||
      (selection.kind === "flow" && m.flows.some((f) => f.id === selection.id)) ||
      (selection.kind === "rule" && (m.rules ?? []).some((r) => r.id === selection.id));
    if (!exists) setSelection(null);
  }, [state, selection]);

  const sideFolded = view === "canvas" && !presenting && !selection && !sidePinned;

  let center = null;
  if (state) {
    if (view === "decisions") center = <DecisionLogPanel model={state.model} modelId={state.modelId} revision={state.revision} onError={fail} onDone={info} />;
    else if (view === "discover") center = <DiscoverView state={state} result={discovered} onResult={setDiscovered} run={runVoid} onError={fail} />;
    else if (view === "rehearsal") center = <RehearsalView state={state} rehearsal={rehearsal} onSelect={selectAndFocus} onError={fail} onDone={info} />;
    else if (view === "matrix") center = <OwnershipMatrix state={state} apply={edit} onError={fail} onDone={info} suggestions={suggestions} suggestedFrom={discovered?.fileName} />;
    else if (view === "list")
      center = (
        <div
          className="lists"
          onClick={(ev) => {
            // A click on a row (not on its controls) selects the item, here and on the canvas.
            const s = listItemAt(ev.target);
            if (s) {
              setSelection(s);
              setFocus((f) => ({ sel: s, n: (f?.n ?? 0) + 1 }));
            }
          }}
        >
          <SystemsPanel model={state.model} onEdit={edit} />
          <EntitiesPanel model={state.model} onEdit={edit} />
          <FlowsPanel model={state.model} onEdit={edit} />
          <RulesPanel model={state.model} modelId={state.modelId} onEdit={edit} />
        </div>
      );
    else center = <Canvas state={state} selection={selection} onSelect={selectOnCanvas} apply={applyAny} onError={fail} onInfo={info} focus={focus} theme={theme} onPresent={setPresenting} />;
  }

  return (
    <div className={`app${presenting && view === "canvas" ? " app-presenting" : ""}`} data-testid="app" data-ready={ready ? "true" : "false"} data-theme={theme}>
      <header className="topbar">
        <h1>Charter</h1>
        <ModelPicker
          models={models}
          currentId={state?.modelId ?? null}
          onOpen={openModel}
          onCreate={(name) =>
            run(async () => {
              const id = await api.createModel(name);
              setView("canvas");
              setSelection(null);
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
        <button type="button" className="theme-toggle" data-testid="theme-toggle" onClick={() => setTheme(theme === "dark" ? "light" : "dark")} title="Light or dark theme">
          {theme === "dark" ? "Light theme" : "Dark theme"}
        </button>
      </header>
      {state && <Toolbar state={state} run={runVoid} onError={fail} view={view} setView={setView} undo={undo} redo={redo} onEdit={edit} />}
      <div className="banner-slot">
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
      </div>
      {state ? (
        <SelectionContext.Provider value={selection}>
        <RehearsedContext.Provider value={shownRehearsal}>
        <WhatIfContext.Provider value={shownWhatIf}>
        <main className={`workspace view-${view}${presenting && view === "canvas" ? " presenting" : ""}${findingsFolded || state.findings.length === 0 ? " findings-compact" : ""}${sideFolded ? " side-folded" : ""}`}>
          <section className="center">
            {center}
            <NoticeBar notice={notice} onAction={noticeAction} onClose={closeNotice} />
          </section>
          <aside className="side" data-testid="side" data-folded={sideFolded ? "true" : "false"}>
            {sideFolded ? (
              <button type="button" className="side-open" data-testid="side-open" onClick={() => setSidePinned(true)} title="The model's name, description and environments">
                <span className="side-open-text">Model details</span>
              </button>
            ) : (
              <>
                {view === "canvas" && !selection && (
                  <button type="button" className="side-fold" data-testid="side-fold" onClick={() => setSidePinned(false)} title="Fold the properties: the canvas takes the room">
                    Hide details ›
                  </button>
                )}
                <PropertiesPanel state={state} selection={selection} apply={editInline} onSelect={selectInProperties} />
              </>
            )}
          </aside>
          <section className="bottom">
            {guide && view === "canvas" && !presenting && (
              <Guide
                model={state.model}
                findings={state.findings}
                onDismiss={() => {
                  setGuide(false);
                  storeFlag("charter-guide-dismissed", true);
                }}
              />
            )}
            {<FindingsPanel state={state} findings={state.findings} onSelect={selectAndFocus} applyQuickFix={applyQuickFix} collapsed={findingsFolded} onToggle={toggleFindings} />}
          </section>
        </main>
        </WhatIfContext.Provider>
        </RehearsedContext.Provider>
        </SelectionContext.Provider>
      ) : (
        ready && <p className="empty" data-testid="no-model">No model is open. Type a name in the box above and press New model, then add the systems that hold your data.</p>
      )}
    </div>
  );
}
