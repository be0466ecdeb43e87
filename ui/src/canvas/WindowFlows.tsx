// The flows of a large model at detail zoom, drawn by the canvas itself in
// one SVG under the nodes (xyflow's edge-label layer) instead of as xyflow
// edges. xyflow recomputes every edge's position on every store update, so
// with hundreds of flows on screen a pan cost 10–20 ms of script per frame;
// here nothing re-renders while the view moves, only when nodes or flows
// change. Each flow looks and behaves as on small models (FlowShape): click
// selects it, double click on its label renames it. All labels are drawn
// above all paths, so no flow hides another's label.
import { memo, useContext } from "react";
import { EdgeLabelRenderer, useStore } from "@xyflow/react";
import { ActionsContext } from "./context";
import { FlowShape, zoomedOutSel } from "./FlowEdge";
import type { FlowEdge, Rect } from "./graph";
import type { Ends } from "./windowing";

type Props = { edges: FlowEdge[]; ends: Map<string, Ends>; win: Rect };

export function WindowFlows({ edges, ends, win }: Props) {
  const zoomedOut = useStore(zoomedOutSel);
  return (
    <EdgeLabelRenderer>
      {/* Sized and clipped to the window, with a ground as large as the window: Chromium then paints
          every flow, and the nodes after them, into one layer (see .window-flows-ground). */}
      <svg
        className="window-flows"
        data-testid="window-flows"
        style={{ left: win.x, top: win.y }}
        width={win.width}
        height={win.height}
        viewBox={`${win.x} ${win.y} ${win.width} ${win.height}`}
      >
        <defs>
          <marker id="charter-arrow" viewBox="-10 -10 20 20" markerWidth={18} markerHeight={18} orient="auto-start-reverse" refX={0} refY={0} markerUnits="userSpaceOnUse">
            <polyline className="window-arrow" points="-5,-4 0,0 -5,4 -5,-4" />
          </marker>
        </defs>
        <rect className="window-flows-ground" x={win.x} y={win.y} width={win.width} height={win.height} />
        {(["path", "label"] as const).map((part) => (
          <g key={part} className={`window-flow-${part}s`}>
            {edges.map((e) => {
              const a = ends.get(e.source);
              const b = ends.get(e.target);
              if (!a || !b) return null;
              return <WindowFlow key={e.id} part={part} edge={e} sx={a.sx} sy={a.sy} tx={b.tx} ty={b.ty} selected={!!e.selected} zoomedOut={zoomedOut} />;
            })}
          </g>
        ))}
      </svg>
    </EdgeLabelRenderer>
  );
}

type FlowProps = { part: "path" | "label"; edge: FlowEdge; sx: number; sy: number; tx: number; ty: number; selected: boolean; zoomedOut: boolean };

/** One flow's path (with its hit area) or its label: all labels are drawn above all paths. */
const WindowFlow = memo(function WindowFlow({ part, edge, sx, sy, tx, ty, selected, zoomedOut }: FlowProps) {
  const actions = useContext(ActionsContext);
  const shape = (
    <FlowShape
      part={part}
      id={edge.id}
      sx={sx}
      sy={sy}
      tx={tx}
      ty={ty}
      data={edge.data}
      selected={selected}
      zoomedOut={zoomedOut}
      renderPath={(path, cls) => (
        <>
          <path d={path} className={`react-flow__edge-path ${cls}`} markerEnd="url(#charter-arrow)" />
          <path
            d={path}
            className="window-flow-hit"
            onClick={(ev) => {
              ev.stopPropagation();
              actions?.select({ kind: "flow", id: edge.id });
            }}
          />
        </>
      )}
    />
  );
  if (part === "label") return shape;
  return (
    <g className="react-flow__edge window-flow" data-id={edge.id} data-testid="window-flow">
      {shape}
    </g>
  );
});
