// The workshop canvas: systems as nodes with entity chips, flows as edges.
// The model lives in the backend; every change here is an Edit (or a batch
// of edits, one undo step) and the canvas redraws from the returned state.
// Node positions live in the workspace store (getLayout / setNodePosition /
// setLayout), never in the model.
import { useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState, type RefObject } from "react";
import {
  applyEdgeChanges,
  applyNodeChanges,
  getNodesBounds,
  getViewportForBounds,
  Controls,
  MarkerType,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
  useStore,
  useStoreApi,
  ViewportPortal,
  type Connection,
  type EdgeChange,
  type NodeChange,
  type OnSelectionChangeParams,
} from "@xyflow/react";
import "@xyflow/react/dist/style.css";
import { api, pickSaveFile, type Entity, type Flow, type Model, type ModelState, type System } from "../api";
import type { Selection } from "../selection";
import { backend, type AnyEdit } from "./backend";
import { ActionsContext, FocusContext, OVERVIEW_ZOOM, type CanvasActions } from "./context";
import { ConnectDialog, EntityDialog, HelpOverlay, OwnerDialog, RenameDialog, type NewFlow } from "./dialogs";
import { captureDiagram } from "./exportImage";
import { FlowEdge } from "./FlowEdge";
import { buildGraph, edgeSignature, freeSpot, freshId, NODE_WIDTH, nodeBox, nodeSignature, type FlowEdge as FlowEdgeT, type Point, type Rect, type SystemNode as SystemNodeT } from "./graph";
import { autoLayout, layoutInput } from "./layout";
import { routeAroundBoxes } from "./route";
import { SystemNode } from "./SystemNode";
import { WindowFlows } from "./WindowFlows";
import { BundleList } from "./BundleList";
import { isBundleId } from "./bundles";
import { DimContext, entityFocus, systemFocus } from "./focus";
import { bend, LABEL_HEIGHT, LabelScaleContext, LabelSpotContext, labelAt, labelParts, placeLabels, PRESENT_LABEL_SCALE, type LabelInput } from "./labels";
import { Caption, Legend } from "./Presentation";
import { storedFlag, storeFlag } from "../flags";
import { decisionOrder, step } from "./presentation";
import "./canvas.css";
import { needsNewWindow, viewRect, windowAround, windowed } from "./windowing";
import { RehearsedContext } from "./rehearsalOverlay";
import { TrafficLegend } from "./TrafficLegend";
import { UnownedTray } from "./UnownedTray";

// At module scope, as xyflow asks (a new object per render remounts everything).
const nodeTypes = { system: SystemNode };
const edgeTypes = { flow: FlowEdge };
const defaultEdgeOptions = { markerEnd: { type: MarkerType.ArrowClosed, width: 18, height: 18 } };
const proOptions = { hideAttribution: false };
// Systems outside the rendering window are hidden nodes (windowing.ts): fitting includes them. (The first
// fit is the canvas's own, once the boxes are measured: see `frame`.)
const fitViewOptions = { includeHiddenNodes: true };

/** Above this size, only what is on screen is rendered (and the minimap is left out). */
const LARGE_NODES = 120;
const LARGE_EDGES = 400;

export type CanvasProps = {
  state: ModelState;
  selection: Selection | null;
  onSelect: (s: Selection | null) => void;
  /** Applies an edit; resolves to true when the backend took it. */
  apply: (e: AnyEdit) => Promise<boolean>;
  onError: (e: unknown) => void;
  onInfo: (text: string) => void;
  /** Centre on this (a finding was clicked); `n` changes on every request. */
  focus: { sel: Selection; n: number } | null;
  theme: "light" | "dark";
  /** Presentation mode went on or off (the shell hides its panels). */
  onPresent?: (on: boolean) => void;
};

type Clip = { systems: System[]; entities: Entity[]; flows: Flow[] };
let clipboard: Clip | null = null;

/** `next`, plus the positions in `prev` of systems `next` does not place. */
function keepOthers(next: Map<string, Point>, prev: Map<string, Point> | null): Map<string, Point> {
  for (const [id, p] of prev ?? []) if (!next.has(id)) next.set(id, p);
  return next;
}

/** "Delete system Warehouse and 2 flows": what a delete of several things takes away, by name. */
export function deleteSummary(m: Model, edits: AnyEdit[]): string {
  const name = (list: { id: string; name?: string | null }[], id: string) => list.find((x) => x.id === id)?.name || id;
  const parts: string[] = [];
  const systems = edits.flatMap((e) => (e.op === "deleteSystem" ? [name(m.systems, e.id)] : []));
  const entities = edits.flatMap((e) => (e.op === "deleteEntity" ? [name(m.entities, e.id)] : []));
  const flows = edits.filter((e) => e.op === "deleteFlow").length;
  const list = (kind: string, names: string[]) => (names.length <= 2 ? `${kind}${names.length === 1 ? "" : "s"} ${names.join(" and ")}` : `${names.length} ${kind}s`);
  if (systems.length) parts.push(list("system", systems));
  if (entities.length) parts.push(list("entity", entities).replace("entitys", "entities"));
  if (flows) parts.push(`${flows} flow${flows === 1 ? "" : "s"}`);
  return `Delete ${parts.join(" and ")}`;
}

function mergeNodes(prev: SystemNodeT[], next: SystemNodeT[]): SystemNodeT[] {
  const byId = new Map(prev.map((n) => [n.id, n]));
  return next.map((n) => {
    const p = byId.get(n.id);
    if (!p) return n;
    const sameData = nodeSignature(p.data) === nodeSignature(n.data);
    const samePos = p.position.x === n.position.x && p.position.y === n.position.y;
    if (sameData && samePos) return p;
    return { ...p, position: samePos ? p.position : n.position, data: sameData ? p.data : n.data };
  });
}

function mergeEdges(prev: FlowEdgeT[], next: FlowEdgeT[]): FlowEdgeT[] {
  const byId = new Map(prev.map((e) => [e.id, e]));
  return next.map((e) => {
    const p = byId.get(e.id);
    if (!p || !p.data || !e.data) return e;
    if (p.source === e.source && p.target === e.target && edgeSignature(p.data) === edgeSignature(e.data)) return p;
    return { ...e, selected: p.selected };
  });
}

const zoomSel = (s: { transform: [number, number, number] }) => s.transform[2];

/**
 * Keeps `--zoom` on the canvas element, so that system names keep a size a
 * room can read when the drawing is fitted small (styles.css: `.sys-name`).
 * Only this component follows the zoom; the canvas does not re-render.
 */
function ZoomVar({ target }: { target: RefObject<HTMLDivElement | null> }) {
  const zoom = useStore(zoomSel);
  useEffect(() => {
    target.current?.style.setProperty("--zoom", String(Math.max(zoom, 0.05)));
  }, [zoom, target]);
  return null;
}

const overviewSel = (s: { transform: [number, number, number] }) => s.transform[2] < OVERVIEW_ZOOM;
const NO_EDGES: FlowEdgeT[] = [];
const NO_NODES: SystemNodeT[] = [];

/**
 * Large models zoomed far out: systems and flows drawn as a handful of SVG
 * paths (the system nodes stay mounted but invisible), so pan and zoom move
 * one cheap picture. Click a system to zoom in on it.
 */
function OverviewFlows({ nodes, edges }: { nodes: SystemNodeT[]; edges: FlowEdgeT[] }) {
  const paths = useMemo(() => {
    const at = new Map(nodes.map((n) => [n.id, n]));
    const d = { event: [] as string[], request: [] as string[], noack: [] as string[], boxes: [] as string[], bad: [] as string[] };
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const n of nodes) {
      const { width: w, height: h } = nodeBox(n);
      (n.data.errors > 0 ? d.bad : d.boxes).push(`M${Math.round(n.position.x)} ${Math.round(n.position.y)}h${w}v${h}h${-w}Z`);
      minX = Math.min(minX, n.position.x);
      minY = Math.min(minY, n.position.y);
      maxX = Math.max(maxX, n.position.x + w);
      maxY = Math.max(maxY, n.position.y + h);
    }
    for (const e of edges) {
      const a = at.get(e.source);
      const b = at.get(e.target);
      if (!a || !b || !e.data) continue;
      const ba = nodeBox(a);
      const ha = ba.height / 2;
      const hb = nodeBox(b).height / 2;
      const x1 = Math.round(a.position.x + ba.width);
      const y1 = Math.round(a.position.y + ha);
      const x2 = Math.round(b.position.x);
      const y2 = Math.round(b.position.y + hb);
      minX = Math.min(minX, x1, x2);
      minY = Math.min(minY, y1, y2);
      maxX = Math.max(maxX, x1, x2);
      maxY = Math.max(maxY, y1, y2);
      const seg = `M${x1} ${y1}L${x2} ${y2}`;
      if (e.data.flow.ack !== true) d.noack.push(seg);
      else d[e.data.flow.pattern].push(seg);
    }
    return { d, box: Number.isFinite(minX) ? { x: minX, y: minY, w: maxX - minX + 1, h: maxY - minY + 1 } : null };
  }, [nodes, edges]);
  if (!paths.box) return null;
  const { x, y, w, h } = paths.box;
  return (
    <ViewportPortal>
      <svg className="overview-flows" data-testid="overview-flows" style={{ position: "absolute", left: x, top: y, width: w, height: h, overflow: "visible" }} viewBox={`${x} ${y} ${w} ${h}`}>
        <path className="ov-event" d={paths.d.event.join("")} />
        <path className="ov-request" d={paths.d.request.join("")} />
        <path className="ov-noack" d={paths.d.noack.join("")} />
        <path className="ov-box" d={paths.d.boxes.join("")} />
        <path className="ov-box ov-bad" d={paths.d.bad.join("")} />
      </svg>
    </ViewportPortal>
  );
}

function isTyping(t: EventTarget | null): boolean {
  const el = t as HTMLElement | null;
  return !!el && (["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName) || el.isContentEditable);
}

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "model";
}

/** The systems a selection is drawn on: a system; an entity's owner (else a copy's holder); a flow's two ends; a rule's entity's owner. */
function systemsOf(m: Model, sel: Selection): string[] {
  if (sel.kind === "system") return [sel.id];
  if (sel.kind === "entity") {
    const e = m.entities.find((x) => x.id === sel.id);
    return e?.owner ? [e.owner] : (e?.copies ?? []).slice(0, 1);
  }
  if (sel.kind === "flow") {
    const f = m.flows.find((x) => x.id === sel.id);
    return f ? [f.from, f.to] : [];
  }
  if (sel.kind === "rule") {
    const r = (m.rules ?? []).find((x) => x.id === sel.id) as { entity?: string } | undefined;
    const owner = m.entities.find((x) => x.id === r?.entity)?.owner;
    return owner ? [owner] : [];
  }
  return [];
}

/** The box around the selection's systems (flow coordinates), when they are drawn. */
function selectedBox(nodes: SystemNodeT[], m: Model, sel: Selection | null): Rect | null {
  if (!sel) return null;
  const boxes = systemsOf(m, sel).flatMap((id) => {
    const n = nodes.find((x) => x.id === id);
    return n ? [nodeBox(n)] : [];
  });
  if (boxes.length === 0) return null;
  const x = Math.min(...boxes.map((b) => b.x));
  const y = Math.min(...boxes.map((b) => b.y));
  return { x, y, width: Math.max(...boxes.map((b) => b.x + b.width)) - x, height: Math.max(...boxes.map((b) => b.y + b.height)) - y };
}

function CanvasInner({ state, selection, onSelect, apply, onError, onInfo, focus, theme, onPresent }: CanvasProps) {
  const rf = useReactFlow<SystemNodeT, FlowEdgeT>();
  const model = state.model;
  const modelId = state.modelId;
  const wrapper = useRef<HTMLDivElement>(null);
  const addInput = useRef<HTMLInputElement>(null);
  const [positions, setPositions] = useState<Map<string, Point> | null>(null);
  const [layoutBusy, setLayoutBusy] = useState(false);
  const [fitPending, setFitPending] = useState(false);
  const [lineage, setLineage] = useState<string | null>(null);
  // Flows between the same two systems in the same direction drawn as one edge (bundles.ts); a switch shows every flow.
  const [bundled, setBundled] = useState(() => storedFlag("charter-bundled", true));
  const [bundleOpen, setBundleOpen] = useState<string | null>(null);
  // The last rehearsal of this model, drawn on the flows (rehearsalOverlay.ts); a switch hides it.
  const rehearsedNow = useContext(RehearsedContext);
  const [showTraffic, setShowTraffic] = useState(true);
  const traffic = rehearsedNow && showTraffic ? rehearsedNow.flows : null;
  const unowned = useMemo(() => model.entities.filter((e) => !e.owner), [model.entities]);
  // Presentation mode: panels hidden, larger type, a legend; the arrow keys step through the ownership decisions.
  const [presenting, setPresenting] = useState(false);
  const [stepAt, setStepAt] = useState(-1);
  const labelScale = presenting ? PRESENT_LABEL_SCALE : 1;
  const [nodes, setNodes] = useState<SystemNodeT[]>([]);
  const [edges, setEdges] = useState<FlowEdgeT[]>([]);
  const [connect, setConnect] = useState<{ from: string; to: string } | null>(null);
  const [ownerAsk, setOwnerAsk] = useState<{ entity: string; owner: string } | null>(null);
  const [entityAsk, setEntityAsk] = useState<string | null>(null);
  const [renaming, setRenaming] = useState<Selection | null>(null);
  const [help, setHelp] = useState(false);
  const [exporting, setExporting] = useState(false);
  const [newName, setNewName] = useState("");
  const picked = useRef<{ nodes: string[]; edges: string[] }>({ nodes: [], edges: [] });
  /** Systems to select once they are drawn (what was just pasted). */
  const selectWhenDrawn = useRef<string[] | null>(null);
  /** The pasted systems are selected: the shared selection does not override that until it changes. */
  const pasteSelected = useRef(false);
  const lastSelection = useRef<Selection | null>(null);
  const modelRef = useRef(model);
  useEffect(() => {
    modelRef.current = model;
  }, [model]);

  // The browser e2e and the scale benchmark drive the viewport directly.
  useEffect(() => {
    if (import.meta.env.MODE === "e2e") (window as unknown as { __charterFlow: unknown }).__charterFlow = rf;
  }, [rf]);

  // Positions of this model: stored ones, or an automatic layout when there are none.
  const runLayout = useCallback(
    async (m: Model, why: string | null) => {
      setLayoutBusy(true);
      try {
        const out = await autoLayout(layoutInput(m));
        await backend.setLayout(modelId, out);
        // Systems added while the layout ran keep the place they were given.
        setPositions((prev) => keepOthers(new Map(out.map((p) => [p.nodeId, { x: p.x, y: p.y }])), prev));
        setFitPending(true);
        if (why) onInfo(why);
      } catch (e) {
        onError(e);
      } finally {
        setLayoutBusy(false);
      }
    },
    [modelId, onError, onInfo],
  );

  useEffect(() => {
    let cancelled = false;
    setPositions(null);
    setLineage(null);
    (async () => {
      try {
        const stored = await api.getLayout(modelId);
        if (cancelled) return;
        const map = new Map<string, Point>();
        for (const p of stored) if (p.x !== null && p.y !== null) map.set(p.nodeId, { x: p.x, y: p.y });
        const m = modelRef.current;
        const known = m.systems.some((s) => map.has(s.id));
        setPositions((prev) => keepOthers(map, prev));
        if (known) setFitPending(true);
        else if (m.systems.length > 0) await runLayout(m, null);
      } catch (e) {
        if (!cancelled) onError(e);
      }
    })();
    return () => {
      cancelled = true;
    };
    // Only when another model is opened.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [modelId]);

  // When the canvas changes size (the findings panel opens below it, or folds; the properties
  // open beside it on a selection), the drawing keeps its centre: what was in the middle of the
  // view stays there, a system just added included; and what is selected stays in view.
  const lastSize = useRef<{ w: number; h: number } | null>(null);
  const selectionRef = useRef(selection);
  useLayoutEffect(() => {
    selectionRef.current = selection;
  }, [selection]);
  /** Until when a centring on a finding's subject runs (it already allows for the new size). */
  const focusUntil = useRef(0);
  useEffect(() => {
    const el = wrapper.current;
    if (!el || typeof ResizeObserver === "undefined") return;
    const ro = new ResizeObserver(() => {
      const w = el.clientWidth;
      const h = el.clientHeight;
      const before = lastSize.current;
      lastSize.current = { w, h };
      if (!before || w === 0 || h === 0 || (before.w === w && before.h === h) || performance.now() < focusUntil.current) return;
      const v = rf.getViewport();
      const next = { x: v.x + (w - before.w) / 2, y: v.y + (h - before.h) / 2, zoom: v.zoom };
      const box = selectedBox(rf.getNodes(), modelRef.current, selectionRef.current);
      if (box) {
        const margin = 24;
        const left = box.x * v.zoom + next.x;
        const right = (box.x + box.width) * v.zoom + next.x;
        if (right > w - margin) next.x -= right - (w - margin);
        else if (left < margin) next.x += margin - left;
      }
      void rf.setViewport(next);
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, [rf]);

  const expand = selection?.kind === "flow" ? selection.id : null;
  const built = useMemo(() => {
    if (!positions) return null;
    const g = buildGraph(model, state.findings, { positions, lineage, bundled, expand, traffic });
    // Flows that would run through a third system's box bend around it (small models).
    return { nodes: g.nodes, edges: routeAroundBoxes(g.nodes, g.edges, positions) };
  }, [model, state.findings, positions, lineage, bundled, expand, traffic]);
  const openBundle = useMemo(() => (bundleOpen ? (built?.edges.find((e) => e.id === bundleOpen)?.data?.bundle ?? null) : null), [bundleOpen, built]);
  useEffect(() => storeFlag("charter-bundled", bundled), [bundled]);
  useEffect(() => {
    if (!built) return;
    // Decided here, not in the updater (updaters run after the other effects of this render).
    const want = selectWhenDrawn.current;
    const select = want && want.every((id) => built.nodes.some((n) => n.id === id)) ? want : null;
    if (select) {
      selectWhenDrawn.current = null;
      pasteSelected.current = true;
    }
    setNodes((prev) => {
      const merged = mergeNodes(prev, built.nodes);
      if (!select) return merged;
      return merged.map((n) => (select.includes(n.id) === !!n.selected ? n : { ...n, selected: select.includes(n.id) }));
    });
    setEdges((prev) => mergeEdges(prev, built.edges));
  }, [built]);

  const large = nodes.length > LARGE_NODES || edges.length > LARGE_EDGES;
  // Labels slide along their curves to stay clear of each other and of the boxes (small models; large ones keep the middle).
  const placed = useMemo(() => {
    if (large) return null;
    const boxes = new Map<string, Rect>();
    for (const n of nodes) boxes.set(n.id, nodeBox(n));
    const labels: LabelInput[] = [];
    for (const e of edges) {
      const a = boxes.get(e.source);
      const b = boxes.get(e.target);
      if (!a || !b || !e.data) continue;
      const parts = labelParts(e.data);
      labels.push({ id: e.id, sx: a.x + a.width + 7, sy: a.y + a.height / 2, tx: b.x - 7, ty: b.y + b.height / 2, offset: e.data.offset, width: parts.width, height: parts.height, scale: labelScale });
    }
    const spots = placeLabels(labels, [...boxes.values()]);
    // What a fit frames: the boxes and the labels where they sit (a bent flow's label can lie outside the boxes).
    let x0 = Infinity;
    let y0 = Infinity;
    let x1 = -Infinity;
    let y1 = -Infinity;
    const grow = (r: Rect) => {
      x0 = Math.min(x0, r.x);
      y0 = Math.min(y0, r.y);
      x1 = Math.max(x1, r.x + r.width);
      y1 = Math.max(y1, r.y + r.height);
    };
    for (const r of boxes.values()) grow(r);
    for (const l of labels) {
      const p = labelAt(l.sx, l.sy, l.tx, l.ty, bend(l.sx, l.tx, l.offset), spots.get(l.id));
      const h = l.height ?? LABEL_HEIGHT;
      grow({ x: p.x - (l.width * labelScale) / 2, y: p.y - (h * labelScale) / 2, width: l.width * labelScale, height: h * labelScale });
    }
    const bounds: Rect | null = Number.isFinite(x0) ? { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } : null;
    return { spots, bounds };
  }, [large, nodes, edges, labelScale]);
  const spots = placed?.spots ?? null;
  const contentBounds = placed?.bounds ?? null;

  /**
   * Frames `bounds` in the pane, never closer than 1:1 (a small model is not
   * blown up); in presentation mode clear of the legend (top) and the
   * caption (bottom).
   */
  const presentingRef = useRef(false);
  const frame = useCallback(
    (bounds: Rect, duration = 0) => {
      const el = wrapper.current;
      if (!el || !el.clientWidth || !el.clientHeight) return rf.fitBounds(bounds, { padding: 0.04, duration });
      // Clear of what sits on the canvas: in presentation the legend (top) and the caption (bottom);
      // else the tray of unowned entities (top) and the traffic legend (bottom).
      const height = (sel: string) => {
        const h = el.querySelector<HTMLElement>(sel)?.offsetHeight ?? 0;
        return h > 0 ? h + 16 : 0;
      };
      const inset = presentingRef.current
        ? { left: 0, top: (el.querySelector(".legend")?.clientHeight ?? 40) + 14, bottom: (el.querySelector(".present-caption")?.clientHeight ?? 90) + 18 }
        : { left: 0, top: height(".canvas-top"), bottom: height(".traffic-legend") };
      const w = Math.max(200, el.clientWidth - inset.left);
      const h = Math.max(200, el.clientHeight - inset.top - inset.bottom);
      const v = getViewportForBounds(bounds, w, h, 0.05, 1, 0.03);
      return rf.setViewport({ x: v.x + inset.left, y: v.y + inset.top, zoom: v.zoom }, { duration });
    },
    [rf],
  );

  /** Until when a fit may frame again (boxes re-measured at the fitted zoom); a centring on a subject ends it. */
  const refitUntil = useRef(0);
  // After an automatic layout or on opening a model, frame the model (its boxes and labels) once the nodes are in place.
  useEffect(() => {
    if (!fitPending || !positions) return;
    if (nodes.length === 0) {
      if (model.systems.length === 0) setFitPending(false);
      return;
    }
    // Small models: once the boxes are measured, so the frame holds them and their labels.
    if (!large && !nodes.every((n) => n.measured?.width)) return;
    if (!nodes.every((n) => { const p = positions.get(n.id); return !p || (p.x === n.position.x && p.y === n.position.y); })) return;
    const bounds = contentBounds ?? getNodesBounds(nodes);
    // One fit: a frame asked on an earlier render (boxes still being measured) is dropped, or it
    // could come after the fit was done and undo a centring on a subject made meanwhile.
    const ask = requestAnimationFrame(() => {
      void frame(bounds);
      refitUntil.current = performance.now() + 1000;
      setFitPending(false);
    });
    return () => cancelAnimationFrame(ask);
  }, [fitPending, nodes, positions, contentBounds, large, model.systems.length, frame]);

  // System names keep a readable size on screen (ZoomVar), so a frame fitted small makes the
  // boxes taller than they were measured: frame again, once or twice, right after a fit.
  const lastBounds = useRef<Rect | null>(null);
  useEffect(() => {
    const before = lastBounds.current;
    lastBounds.current = contentBounds;
    if (fitPending || !contentBounds || !before || performance.now() > refitUntil.current) return;
    if (contentBounds.height <= before.height + 1 && contentBounds.width <= before.width + 1) return;
    // Only when the grown drawing no longer fits the pane.
    const el = wrapper.current;
    if (!el) return;
    const v = rf.getViewport();
    const b = contentBounds;
    const inside = b.x * v.zoom + v.x >= -1 && b.y * v.zoom + v.y >= -1 && (b.x + b.width) * v.zoom + v.x <= el.clientWidth + 1 && (b.y + b.height) * v.zoom + v.y <= el.clientHeight + 1;
    // Unless a centring on a subject came in meanwhile (it ends the window): the user's subject wins.
    if (!inside) requestAnimationFrame(() => void (performance.now() <= refitUntil.current && frame(contentBounds)));
  }, [contentBounds, fitPending, frame, rf]);

  // The shared selection shows on the canvas (unless it is already part of a multi-selection).
  useEffect(() => {
    if (lastSelection.current === selection && pasteSelected.current) return;
    lastSelection.current = selection;
    pasteSelected.current = false;
    const isSys = selection?.kind === "system";
    const isFlow = selection?.kind === "flow";
    setNodes((nds) => {
      if (isSys && nds.some((n) => n.id === selection.id && n.selected)) return nds;
      let changed = false;
      const out = nds.map((n) => {
        const want = isSys && n.id === selection.id;
        if (!!n.selected === want) return n;
        changed = true;
        return { ...n, selected: want };
      });
      return changed ? out : nds;
    });
    setEdges((eds) => {
      if (isFlow && eds.some((e) => e.id === selection.id && e.selected)) return eds;
      let changed = false;
      const out = eds.map((e) => {
        // A flow inside a bundle selects its bundle.
        const want = isFlow && (e.id === selection.id || !!e.data?.bundle?.flows.some((f) => f.id === selection.id));
        if (!!e.selected === want) return e;
        changed = true;
        return { ...e, selected: want };
      });
      return changed ? out : eds;
    });
  }, [selection, built]);

  // Centre on a finding's subject (or an incident's, a matrix cell's). Asked before the drawing
  // is in place (the canvas just opened from another view), it waits for the layout and its fit.
  const pendingFocus = useRef<Selection | null>(null);
  /** The drawing is in place: laid out (not while an automatic layout runs: its systems stand in first spots) and fitted. */
  const settled = positions !== null && !fitPending && !layoutBusy;
  const centreOn = useCallback(
    (sel: Selection): boolean => {
      const ids = systemsOf(modelRef.current, sel);
      if (lineage && ids.some((id) => !nodes.some((n) => n.id === id))) setLineage(null);
      // From our own node list: in the overview of a large model xyflow holds no nodes.
      const pts = ids.map((id) => nodes.find((n) => n.id === id)).filter((n) => n !== undefined);
      if (pts.length === 0) return false;
      let x = 0;
      let y = 0;
      for (const n of pts) {
        const b = nodeBox(n);
        x += b.x + b.width / 2;
        y += b.y + b.height / 2;
      }
      // Centred in the pane as it is now: a selection made from a list may just have opened the
      // properties beside the canvas (xyflow learns the new size a moment later).
      const el = wrapper.current;
      const zoom = Math.max(rf.getZoom(), 0.9);
      focusUntil.current = performance.now() + 400;
      // A refit still due after the fit that came just before (boxes re-measured at the fitted zoom)
      // would frame the whole model again and lose the subject: on a slow machine it came after.
      refitUntil.current = 0;
      if (el && el.clientWidth > 0) void rf.setViewport({ x: el.clientWidth / 2 - (x / pts.length) * zoom, y: el.clientHeight / 2 - (y / pts.length) * zoom, zoom }, { duration: 300 });
      else void rf.setCenter(x / pts.length, y / pts.length, { zoom, duration: 300 });
      return true;
    },
    [lineage, nodes, rf],
  );
  useEffect(() => {
    if (!focus) return;
    if (!settled || !centreOn(focus.sel)) pendingFocus.current = focus.sel;
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [focus?.n]);
  useEffect(() => {
    const sel = pendingFocus.current;
    if (!sel || !settled || nodes.length === 0) return;
    if (!large && !nodes.every((n) => n.measured?.width)) return;
    pendingFocus.current = null;
    // The fit's frame is in place by now (it is set before the fit is marked done).
    centreOn(sel);
  }, [settled, nodes, large, centreOn]);

  const onNodesChange = useCallback((changes: NodeChange<SystemNodeT>[]) => {
    setNodes((nds) => applyNodeChanges(changes.filter((c) => c.type !== "remove"), nds));
  }, []);
  const onEdgesChange = useCallback((changes: EdgeChange<FlowEdgeT>[]) => {
    setEdges((eds) => applyEdgeChanges(changes.filter((c) => c.type !== "remove"), eds));
  }, []);
  const onSelectionChange = useCallback(({ nodes: n, edges: e }: OnSelectionChangeParams) => {
    picked.current = { nodes: n.map((x) => x.id), edges: e.map((x) => x.id) };
  }, []);

  const savePositions = useCallback(
    (moved: { id: string; position: Point }[]) => {
      setPositions((prev) => {
        const next = new Map(prev ?? []);
        for (const n of moved) next.set(n.id, { x: Math.round(n.position.x), y: Math.round(n.position.y) });
        return next;
      });
      const list = moved.map((n) => ({ nodeId: n.id, x: Math.round(n.position.x), y: Math.round(n.position.y) }));
      const p = list.length === 1 && list[0] ? api.setNodePosition(modelId, list[0]) : backend.setLayout(modelId, list);
      p.catch(onError);
    },
    [modelId, onError],
  );

  // --- edits ---
  const deleteSelection = useCallback(() => {
    const m = modelRef.current;
    const sysIds = new Set(picked.current.nodes);
    const flowIds = new Set(picked.current.edges);
    if (selection?.kind === "system") sysIds.add(selection.id);
    if (selection?.kind === "flow") flowIds.add(selection.id);
    const edits: AnyEdit[] = [];
    for (const f of m.flows) if (flowIds.has(f.id) || sysIds.has(f.from) || sysIds.has(f.to)) edits.push({ op: "deleteFlow", id: f.id });
    for (const id of sysIds) if (m.systems.some((s) => s.id === id)) edits.push({ op: "deleteSystem", id });
    if (selection?.kind === "entity") {
      for (const f of m.flows) if (f.entity === selection.id && !edits.some((e) => e.op === "deleteFlow" && e.id === f.id)) edits.push({ op: "deleteFlow", id: f.id });
      edits.push({ op: "deleteEntity", id: selection.id });
    }
    if (edits.length === 0) return;
    const first = edits[0];
    void apply(edits.length === 1 && first ? first : { op: "batch", summary: deleteSummary(m, edits), edits }).then((ok) => {
      if (ok) {
        picked.current = { nodes: [], edges: [] };
        onSelect(null);
      }
    });
  }, [apply, onSelect, selection]);

  const copySelection = useCallback(() => {
    const m = modelRef.current;
    const ids = new Set(picked.current.nodes);
    if (selection?.kind === "system") ids.add(selection.id);
    if (ids.size === 0) return;
    clipboard = {
      systems: m.systems.filter((s) => ids.has(s.id)),
      entities: m.entities.filter((e) => e.owner && ids.has(e.owner)),
      flows: m.flows.filter((f) => ids.has(f.from) && ids.has(f.to)),
    };
    onInfo(`Copied ${clipboard.systems.length} system(s), ${clipboard.entities.length} entit${clipboard.entities.length === 1 ? "y" : "ies"}, ${clipboard.flows.length} flow(s)`);
  }, [onInfo, selection]);

  const paste = useCallback(async () => {
    const clip = clipboard;
    if (!clip) return;
    const m = modelRef.current;
    const sysTaken = new Set(m.systems.map((s) => s.id));
    const entTaken = new Set(m.entities.map((e) => e.id));
    const flowTaken = new Set(m.flows.map((f) => f.id));
    const sysMap = new Map<string, string>();
    const entMap = new Map<string, string>();
    const edits: AnyEdit[] = [];
    for (const s of clip.systems) {
      const id = freshId(`${s.id}-copy`, sysTaken);
      sysTaken.add(id);
      sysMap.set(s.id, id);
      edits.push({ op: "addSystem", system: { ...s, id, name: `${s.name} (copy)` } });
    }
    for (const e of clip.entities) {
      const id = freshId(`${e.id}-copy`, entTaken);
      entTaken.add(id);
      entMap.set(e.id, id);
      edits.push({ op: "addEntity", entity: { ...e, id, name: `${e.name} (copy)`, owner: sysMap.get(e.owner ?? "") ?? null, copies: e.copies.map((c) => sysMap.get(c)).filter((c): c is string => !!c) } });
    }
    for (const f of clip.flows) {
      const id = freshId(`${f.id}-copy`, flowTaken);
      flowTaken.add(id);
      edits.push({ op: "addFlow", flow: { ...f, id, entity: entMap.get(f.entity) ?? f.entity, from: sysMap.get(f.from) ?? f.from, to: sysMap.get(f.to) ?? f.to } });
    }
    // Pasted systems land next to the originals, shifted down and right.
    const moved = clip.systems.map((s) => {
      const p = positions?.get(s.id) ?? { x: 0, y: 0 };
      return { id: sysMap.get(s.id) ?? s.id, position: { x: p.x + 60, y: p.y + 60 } };
    });
    setPositions((prev) => {
      const next = new Map(prev ?? []);
      for (const n of moved) next.set(n.id, n.position);
      return next;
    });
    const pasted = moved.map((n) => n.id);
    selectWhenDrawn.current = pasted;
    if (await apply({ op: "batch", summary: `Paste ${clip.systems.length} system(s)`, edits })) {
      savePositions(moved);
      // The copy is selected (one system: in the properties panel too), ready to move or delete.
      picked.current = { nodes: pasted, edges: [] };
      const first = pasted[0];
      if (pasted.length === 1 && first) onSelect({ kind: "system", id: first });
    } else selectWhenDrawn.current = null;
  }, [apply, positions, savePositions, onSelect]);

  const addSystem = useCallback(
    async (name: string) => {
      const m = modelRef.current;
      const id = freshId(name, new Set(m.systems.map((s) => s.id)));
      const box = wrapper.current?.getBoundingClientRect();
      const c = box ? rf.screenToFlowPosition({ x: box.left + box.width / 2, y: box.top + box.height / 2 }) : { x: 0, y: 0 };
      const taken = nodes.map(nodeBox);
      const position = freeSpot(c, { width: NODE_WIDTH, height: 110 }, taken);
      setPositions((prev) => new Map(prev ?? []).set(id, position));
      if (await apply({ op: "addSystem", system: { id, name, kind: "other" } })) {
        savePositions([{ id, position }]);
        onSelect({ kind: "system", id });
        return true;
      }
      return false;
    },
    [apply, nodes, onSelect, rf, savePositions],
  );

  const createFlow = useCallback(
    async (f: NewFlow) => {
      setConnect(null);
      if (await apply({ op: "addFlow", flow: { id: f.id, entity: f.entity, from: f.from, to: f.to, pattern: f.pattern, trigger: f.trigger, ack: f.ack } })) onSelect({ kind: "flow", id: f.id });
    },
    [apply, onSelect],
  );

  const changeOwner = useCallback(
    async (entity: string, owner: string, rationale: string) => {
      setOwnerAsk(null);
      if (!modelRef.current.entities.some((x) => x.id === entity)) return;
      // One edit, one undo step: the model hands over (the old owner keeps its data as a copy,
      // the new owner leaves the copies: models/src/edit.rs).
      const ok = await apply({ op: "setOwner", entity, owner, rationale });
      if (ok) onSelect({ kind: "entity", id: entity });
    },
    [apply, onSelect],
  );

  const actions = useMemo<CanvasActions>(
    () => ({
      select: (s) => onSelect(s),
      startRename: (s) => setRenaming(s),
      cancelRename: () => setRenaming(null),
      renameSystem: (id, newId, name) => {
        setRenaming(null);
        const s = modelRef.current.systems.find((x) => x.id === id);
        const idChanged = newId && newId !== id;
        const nameChanged = name !== undefined && name !== s?.name;
        if (!idChanged && !nameChanged) return;
        const pos = positions?.get(id);
        if (idChanged && pos) setPositions((prev) => new Map(prev ?? []).set(newId, pos));
        void apply({ op: "rename", kind: "system", id, newId: idChanged ? newId : null, name: nameChanged ? name : null }).then((ok) => {
          if (ok && idChanged && pos) savePositions([{ id: newId, position: pos }]);
          if (ok && idChanged) onSelect({ kind: "system", id: newId });
        });
      },
      addEntity: (systemId) => setEntityAsk(systemId),
      dropChip: (entity, system) => {
        const e = modelRef.current.entities.find((x) => x.id === entity);
        if (e && e.owner !== system) setOwnerAsk({ entity, owner: system });
      },
      openBundle: (id) => setBundleOpen(id),
    }),
    [apply, onSelect, positions, savePositions],
  );

  const renameOther = useCallback(
    (sel: Selection, newId: string, name: string | undefined) => {
      setRenaming(null);
      const kind = sel.kind === "entity" ? "entity" : sel.kind === "flow" ? "flow" : null;
      if (!kind) return;
      const old = kind === "entity" ? modelRef.current.entities.find((e) => e.id === sel.id)?.name : undefined;
      const idChanged = newId && newId !== sel.id;
      const nameChanged = name !== undefined && name !== old;
      if (!idChanged && !nameChanged) return;
      void apply({ op: "rename", kind, id: sel.id, newId: idChanged ? newId : null, name: nameChanged ? name : null }).then((ok) => {
        if (ok && idChanged) onSelect({ kind, id: newId });
      });
    },
    [apply, onSelect],
  );

  const fit = useCallback(() => {
    if (nodes.length > 0) void frame(contentBounds ?? getNodesBounds(nodes), 200);
  }, [nodes, frame, contentBounds]);



  // Presentation: the shell hides its panels; once the canvas has its new size, frame the picture again.
  const order = useMemo(() => decisionOrder(model), [model]);
  const boundsRef = useRef<Rect | null>(null);
  useEffect(() => {
    boundsRef.current = contentBounds;
  }, [contentBounds]);
  useEffect(() => {
    presentingRef.current = presenting;
    onPresent?.(presenting);
    setStepAt(-1);
    let id = requestAnimationFrame(() => {
      id = requestAnimationFrame(() => {
        if (boundsRef.current) void frame(boundsRef.current);
      });
    });
    return () => cancelAnimationFrame(id);
  }, [presenting, onPresent, frame]);
  useEffect(() => () => onPresent?.(false), [onPresent]);
  // Presenting the whole model: keep it framed as the boxes and labels take their larger size.
  useEffect(() => {
    if (presenting && stepAt < 0 && contentBounds) void frame(contentBounds);
  }, [presenting, stepAt, contentBounds, frame]);

  /** Shows decision `n` (-1: the whole model): its entity selected, its lineage lit and framed. */
  const showStep = useCallback(
    (n: number) => {
      setStepAt(n);
      const id = n >= 0 ? order[n] : undefined;
      if (!id) {
        onSelect(null);
        if (boundsRef.current) void frame(boundsRef.current, 300);
        return;
      }
      onSelect({ kind: "entity", id });
    },
    [order, onSelect, frame],
  );
  // Frame the decision's systems once its caption is drawn (the caption's height sets the room left).
  useEffect(() => {
    const id = presenting && stepAt >= 0 ? order[stepAt] : undefined;
    if (!id) return;
    const lit = entityFocus(modelRef.current, id).systems;
    const boxes = nodes.filter((nd) => lit.has(nd.id));
    if (boxes.length === 0) return;
    const b = getNodesBounds(boxes);
    // With room around the boxes for their labels.
    void frame({ x: b.x - 60, y: b.y - 40, width: b.width + 120, height: b.height + 80 }, 300);
    // Only when the step changes (not when a node is measured again).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [presenting, stepAt, order, frame]);

  const exportImage = useCallback(
    async (kind: "svg" | "png") => {
      try {
        const path = await pickSaveFile(kind === "svg" ? "SVG image" : "PNG image", `${slug(model.name)}.${kind}`, [kind]);
        if (!path) return;
        setExporting(true);
        // Let everything render (large models only render what is on screen).
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const viewport = wrapper.current?.querySelector<HTMLElement>(".react-flow__viewport");
        if (!viewport) throw new Error("the diagram is not on screen");
        const bg = getComputedStyle(wrapper.current as HTMLElement).getPropertyValue("--canvas-bg").trim() || "#ffffff";
        const { contents, encoding } = await captureDiagram(kind, viewport, rf.getNodes(), bg);
        await backend.saveDocument(path, contents, encoding);
        onInfo(`Saved the diagram to ${path}`);
      } catch (e) {
        onError(e);
      } finally {
        setExporting(false);
      }
    },
    [model.name, onError, onInfo, rf],
  );

  const exportMermaid = useCallback(async () => {
    try {
      const path = await pickSaveFile("Mermaid flowchart", `${slug(model.name)}.mmd`, ["mmd", "md"]);
      if (!path) return;
      const text = await backend.exportMermaid(modelId);
      await backend.saveDocument(path, text, "text");
      onInfo(`Saved the Mermaid flowchart to ${path}`);
    } catch (e) {
      onError(e);
    }
  }, [model.name, modelId, onError, onInfo]);

  const dialogOpen = (!presenting && bundleOpen !== null) || connect !== null || ownerAsk !== null || entityAsk !== null || help || (renaming !== null && renaming.kind !== "system");

  // Keyboard shortcuts (see the help overlay).
  useEffect(() => {
    const onKey = (ev: KeyboardEvent) => {
      if (isTyping(ev.target) || dialogOpen) return;
      const mod = ev.ctrlKey || ev.metaKey;
      const k = ev.key;
      if (presenting) {
        // The facilitator's keys: step through the ownership decisions; nothing edits the model here.
        if (mod || ev.altKey) return;
        if (k === "ArrowRight" || k === "ArrowDown" || k === "PageDown" || k === " " || k === "Enter") {
          ev.preventDefault();
          showStep(step(stepAt, 1, order.length));
        } else if (k === "ArrowLeft" || k === "ArrowUp" || k === "PageUp" || k === "Backspace") {
          ev.preventDefault();
          showStep(step(stepAt, -1, order.length));
        } else if (k === "Home") {
          showStep(-1);
        } else if (k === "Escape" || k === "p" || k === "P") {
          ev.preventDefault();
          setPresenting(false);
          setBundleOpen(null);
          onSelect(null);
        }
        return;
      }
      if (k === "Delete" || k === "Backspace") {
        ev.preventDefault();
        deleteSelection();
      } else if (mod && k.toLowerCase() === "c") {
        copySelection();
      } else if (mod && k.toLowerCase() === "v") {
        ev.preventDefault();
        void paste();
      } else if (mod && k.toLowerCase() === "a") {
        ev.preventDefault();
        setNodes((nds) => nds.map((n) => (n.selected ? n : { ...n, selected: true })));
      } else if (mod || ev.altKey) {
        return;
      } else if (k === "F2" && selection && selection.kind !== "model" && selection.kind !== "rule") {
        ev.preventDefault();
        setRenaming(selection);
      } else if (k === "?") {
        setHelp(true);
      } else if (k === "p" || k === "P") {
        setPresenting(true);
      } else if (k === "n" || k === "N") {
        ev.preventDefault();
        addInput.current?.focus();
      } else if (k === "f" || k === "F") {
        fit();
      } else if (k === "l" || k === "L") {
        void runLayout(modelRef.current, "Laid out automatically");
      } else if (k === "Escape") {
        setLineage(null);
        setBundleOpen(null);
        onSelect(null);
        setNodes((nds) => nds.map((n) => (n.selected ? { ...n, selected: false } : n)));
        setEdges((eds) => eds.map((e) => (e.selected ? { ...e, selected: false } : e)));
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [copySelection, deleteSelection, dialogOpen, fit, onSelect, paste, runLayout, selection, presenting, showStep, stepAt, order.length]);

  const overview = useStore(overviewSel) && large && !exporting;
  // Large models at detail zoom render a window around the view (windowing.ts),
  // recomputed only when the view leaves it.
  const store = useStoreApi<SystemNodeT, FlowEdgeT>();
  const windowMode = large && !overview && !exporting;
  const [win, setWin] = useState<Rect | null>(null);
  useEffect(() => {
    let current: Rect | null = null;
    if (!windowMode) {
      setWin(null);
      return;
    }
    const check = (s: { transform: [number, number, number]; width: number; height: number }) => {
      if (!s.width || !s.height) return;
      const view = viewRect(s.transform, s.width, s.height);
      if (!needsNewWindow(current, view)) return;
      current = windowAround(view);
      setWin(current);
    };
    check(store.getState());
    return store.subscribe(check);
  }, [windowMode, store]);
  const shown = useMemo(() => (windowMode && win ? windowed(nodes, edges, win) : null), [windowMode, win, nodes, edges]);
  const focusValue = useMemo(
    () => ({ entity: selection?.kind === "entity" ? selection.id : null, renaming: renaming?.kind === "system" ? renaming.id : null }),
    [selection, renaming],
  );
  // Focus: a selected system dims all but its neighbours; a selected entity all but its lineage.
  const dim = useMemo(() => {
    if (selection?.kind === "system" && model.systems.some((s) => s.id === selection.id)) return systemFocus(model, selection.id);
    if (selection?.kind === "entity" && model.entities.some((e) => e.id === selection.id)) return entityFocus(model, selection.id);
    return null;
  }, [selection, model]);
  const renameTarget = renaming && renaming.kind !== "system" ? renaming : null;
  const renameEntity = renameTarget?.kind === "entity" ? model.entities.find((e) => e.id === renameTarget.id) : undefined;

  return (
    <div className={`canvas-area${presenting ? " presenting" : ""}`} data-testid="canvas" data-presenting={presenting ? "true" : "false"} data-nodes={nodes.length} data-edges={edges.length} data-lineage={lineage ?? ""} data-bundled={bundled ? "true" : "false"} data-focus={dim ? (selection?.id ?? "") : ""} data-overview={overview ? "true" : "false"} data-layout={positions ? (layoutBusy ? "busy" : fitPending ? "fitting" : "ready") : "loading"}>
      <div className="canvas-bar" data-testid="canvas-bar">
        <form
          className="add-form"
          data-testid="add-system-form"
          onSubmit={(e) => {
            e.preventDefault();
            const name = newName.trim();
            if (name) void addSystem(name).then((ok) => ok && setNewName(""));
          }}
        >
          <input ref={addInput} data-testid="add-system-name" placeholder="New system (N)" aria-label="New system name" value={newName} onChange={(e) => setNewName(e.target.value)} />
          <button type="submit" data-testid="add-system">
            Add system
          </button>
        </form>
        <label className="lineage">
          Lineage{" "}
          <select data-testid="lineage-select" value={lineage ?? ""} onChange={(e) => setLineage(e.target.value || null)}>
            <option value="">(whole model)</option>
            {model.entities.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name}
              </option>
            ))}
          </select>
        </label>
        <label className="bundle-switch" title="Draw the flows between two systems as one edge per direction, or every flow on its own">
          <input type="checkbox" data-testid="bundle-toggle" checked={!bundled} onChange={(e) => { setBundled(!e.target.checked); setBundleOpen(null); }} /> Every flow
        </label>

        <span className="bar-spacer" />
        <button type="button" data-testid="auto-layout" disabled={layoutBusy} onClick={() => void runLayout(model, "Laid out automatically")}>
          {layoutBusy ? "Laying out…" : "Auto layout"}
        </button>
        <button type="button" data-testid="fit-view" onClick={fit}>
          Fit
        </button>
        <ExportMenu onSvg={() => void exportImage("svg")} onPng={() => void exportImage("png")} onMermaid={() => void exportMermaid()} />
        <button type="button" data-testid="present" title="Presentation mode (P): panels hidden, larger type, a legend; the arrow keys step through the ownership decisions" onClick={() => setPresenting(true)}>
          Present
        </button>
        <button type="button" data-testid="help-toggle" title="Keyboard shortcuts (?)" onClick={() => setHelp(true)}>
          ?
        </button>
      </div>
      <div className="canvas-flow" ref={wrapper}>
        <ActionsContext.Provider value={actions}>
          <FocusContext.Provider value={focusValue}>
           <DimContext.Provider value={dim}>
           <LabelSpotContext.Provider value={spots}>
           <LabelScaleContext.Provider value={labelScale}>
            <ReactFlow<SystemNodeT, FlowEdgeT>
              nodes={overview ? NO_NODES : (shown?.nodes ?? nodes)}
              edges={overview || shown ? NO_EDGES : edges}
              className={overview ? "overview" : undefined}
              nodeTypes={nodeTypes}
              edgeTypes={edgeTypes}
              defaultEdgeOptions={defaultEdgeOptions}
              onNodesChange={onNodesChange}
              onEdgesChange={onEdgesChange}
              onSelectionChange={onSelectionChange}
              onConnect={(c: Connection) => c.source !== c.target && setConnect({ from: c.source, to: c.target })}
              isValidConnection={(c) => c.source !== c.target}
              onNodeDragStop={(_, __, dragged) => savePositions(dragged)}
              onNodeClick={(_, n) => onSelect({ kind: "system", id: n.id })}
              onEdgeClick={(_, e) => (isBundleId(e.id) ? setBundleOpen(e.id) : onSelect({ kind: "flow", id: e.id }))}
              onPaneClick={(ev) => {
                if (!overview) return onSelect(null);
                // Overview: a click on a system zooms in on it.
                const p = rf.screenToFlowPosition({ x: ev.clientX, y: ev.clientY });
                const hit = nodes.map(nodeBox).findIndex((b) => p.x >= b.x && p.x <= b.x + b.width && p.y >= b.y && p.y <= b.y + b.height);
                const n = nodes[hit];
                if (!n) return onSelect(null);
                const b = nodeBox(n);
                onSelect({ kind: "system", id: n.id });
                void rf.setCenter(b.x + b.width / 2, b.y + b.height / 2, { zoom: 1, duration: 300 });
              }}
              deleteKeyCode={null}
              selectionKeyCode="Shift"
              multiSelectionKeyCode={["Shift", "Meta", "Control"]}
              onlyRenderVisibleElements={windowMode && !shown}
              minZoom={0.05}
              maxZoom={2}
              colorMode={theme}
              proOptions={proOptions}
            >
              <Controls showInteractive={false} fitViewOptions={fitViewOptions} />
              <ZoomVar target={wrapper} />
              {overview && <OverviewFlows nodes={nodes} edges={edges} />}
              {shown && win && <WindowFlows edges={shown.edges} ends={shown.ends} win={win} />}
            </ReactFlow>
           </LabelScaleContext.Provider>
           </LabelSpotContext.Provider>
           </DimContext.Provider>
          </FocusContext.Provider>
        </ActionsContext.Provider>
        {rehearsedNow && !presenting && <TrafficLegend rehearsed={rehearsedNow} shown={showTraffic} onShow={setShowTraffic} />}
        {presenting && (
          <>
            <div className="present-bar" data-testid="present-bar">
              <button type="button" data-testid="present-exit" onClick={() => { setPresenting(false); onSelect(null); }}>
                Leave presentation (Esc)
              </button>
            </div>
            <Legend />
            <Caption model={model} order={order} at={stepAt} />
          </>
        )}
        {openBundle && (
          <BundleList
            bundle={openBundle}
            model={model}
            onClose={() => setBundleOpen(null)}
            onPick={(id) => {
              setBundleOpen(null);
              onSelect({ kind: "flow", id });
            }}
          />
        )}
        {/* What sits along the top of the canvas (the view is framed clear of it): the tray of unowned entities. */}
        {!presenting && (
          <div className="canvas-top" data-testid="canvas-top">
            <UnownedTray entities={unowned} onSelect={onSelect} />
          </div>
        )}
        {!positions && <div className="canvas-status">Loading the layout…</div>}
        {model.systems.length === 0 && positions && <div className="canvas-status" data-testid="canvas-empty">An empty model: add a system above (or press N).</div>}
      </div>
      {connect && <ConnectDialog model={model} from={connect.from} to={connect.to} onOk={(f) => void createFlow(f)} onCancel={() => setConnect(null)} />}
      {ownerAsk && <OwnerDialog model={model} entity={ownerAsk.entity} owner={ownerAsk.owner} onOk={(r) => void changeOwner(ownerAsk.entity, ownerAsk.owner, r)} onCancel={() => setOwnerAsk(null)} />}
      {entityAsk && (
        <EntityDialog
          model={model}
          owner={entityAsk}
          onCancel={() => setEntityAsk(null)}
          onOk={(e) => {
            setEntityAsk(null);
            void apply({ op: "addEntity", entity: { id: e.id, name: e.name, key: e.key, owner: entityAsk, fields: [], copies: [] } }).then((ok) => ok && onSelect({ kind: "entity", id: e.id }));
          }}
        />
      )}
      {renameTarget && (
        <RenameDialog what={renameTarget.kind} id={renameTarget.id} name={renameTarget.kind === "entity" ? renameEntity?.name ?? "" : undefined} onCancel={() => setRenaming(null)} onOk={(newId, name) => renameOther(renameTarget, newId, name)} />
      )}
      {help && <HelpOverlay onClose={() => setHelp(false)} />}
    </div>
  );
}

export function Canvas(props: CanvasProps) {
  return (
    <ReactFlowProvider>
      <CanvasInner {...props} />
    </ReactFlowProvider>
  );
}

/** The canvas's picture exports in one menu, so the bar stays on one line at 1280 px. */
function ExportMenu({ onSvg, onPng, onMermaid }: { onSvg: () => void; onPng: () => void; onMermaid: () => void }) {
  const menu = useRef<HTMLDetailsElement>(null);
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (!open) return;
    const close = () => {
      if (menu.current) menu.current.open = false;
    };
    const onDown = (e: MouseEvent) => {
      if (!menu.current?.contains(e.target as Node)) close();
    };
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") close();
    };
    document.addEventListener("mousedown", onDown);
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("mousedown", onDown);
      document.removeEventListener("keydown", onKey);
    };
  }, [open]);
  const pick = (run: () => void) => () => {
    if (menu.current) menu.current.open = false;
    run();
  };
  return (
    <details className="bar-menu" ref={menu} onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary data-testid="export-menu" title="Export the diagram: SVG or PNG picture, Mermaid flowchart">Export ▾</summary>
      <div className="bar-menu-items" role="menu">
        <button type="button" role="menuitem" data-testid="export-svg" onClick={pick(onSvg)}>
          Picture (SVG)
        </button>
        <button type="button" role="menuitem" data-testid="export-png" onClick={pick(onPng)}>
          Picture (PNG)
        </button>
        <button type="button" role="menuitem" data-testid="export-mermaid" onClick={pick(onMermaid)}>
          Mermaid flowchart
        </button>
      </div>
    </details>
  );
}
