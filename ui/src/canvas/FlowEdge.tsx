import { memo, useContext, type ReactNode } from "react";
import { BaseEdge, useStore, type EdgeProps } from "@xyflow/react";
import { ActionsContext, DETAIL_ZOOM } from "./context";
import { DimContext, edgeLit } from "./focus";
import { bend, LABEL_HEIGHT, LabelScaleContext, LabelSpotContext, labelAt, labelParts, TRAFFIC_LINE } from "./labels";
import type { FlowEdge as FlowEdgeType } from "./graph";
import { trafficLevel, trafficTitle } from "./rehearsalOverlay";

export const zoomedOutSel = (s: { transform: [number, number, number] }) => s.transform[2] < DETAIL_ZOOM;

/** A quadratic curve from source to target, bent sideways by `offset` px; returns the path and its midpoint. */
export function curve(sx: number, sy: number, tx: number, ty: number, offset: number): { path: string; x: number; y: number } {
  const mx = (sx + tx) / 2;
  const my = (sy + ty) / 2;
  const dx = tx - sx;
  const dy = ty - sy;
  const len = Math.hypot(dx, dy) || 1;
  const nx = -dy / len;
  const ny = dx / len;
  const cx = mx + nx * offset * 2;
  const cy = my + ny * offset * 2;
  return { path: `M ${sx},${sy} Q ${cx},${cy} ${tx},${ty}`, x: mx + nx * offset, y: my + ny * offset };
}

type ShapeProps = {
  id: string;
  sx: number;
  sy: number;
  tx: number;
  ty: number;
  data: FlowEdgeType["data"];
  selected: boolean;
  zoomedOut: boolean;
  /** The path itself: xyflow's BaseEdge (with its hit area), or a plain path drawn by the windowed layer. */
  renderPath: (path: string, className: string) => ReactNode;
  /** Only the path or only the label (the windowed layer draws all labels above all paths); both by default. */
  part?: "path" | "label";
};

/** A flow (or a bundle of flows) as drawn: the curve and, at detail zoom, its label with the pattern, "no ack" and a findings badge. */
export function FlowShape({ id, sx, sy, tx, ty, data, selected, zoomedOut, renderPath, part }: ShapeProps) {
  const actions = useContext(ActionsContext);
  const focus = useContext(DimContext);
  const spots = useContext(LabelSpotContext);
  const k = useContext(LabelScaleContext);
  if (!data) return null;
  const f = data.flow;
  // A flow drawn right to left (target left of source) would run under the nodes: bend it well clear.
  const off = bend(sx, tx, data.offset);
  const { path } = curve(sx, sy, tx, ty, off);
  const b = data.bundle;
  const acked = b ? b.ack === "all" : f.ack === true;
  const style = b ? b.style : f.pattern;
  const dim = !edgeLit(focus, b ? b.flows.map((x) => x.id) : [f.id]);
  const level = data.traffic ? trafficLevel(data.traffic) : null;
  const cls = `flow-path flow-${style}${acked ? "" : " flow-noack"}${level ? ` traffic-${level}` : ""}${selected ? " flow-selected" : ""}${dim ? " flow-dimmed" : ""}`;
  // Zoomed out: one thin path, no arrow, no wide hit area, no label (cheap to draw thousands).
  if (zoomedOut) return part === "label" ? null : <path d={path} className={`react-flow__edge-path flow-lite ${cls}`} />;
  if (part === "path") return renderPath(path, cls);
  // The label is SVG text (no HTML portal per edge: cheaper with thousands of edges), placed where no other label is (labels.ts).
  const { x, y } = labelAt(sx, sy, tx, ty, off, spots?.get(id));
  const l = labelParts(data);
  const w = l.width;
  const h = l.height;
  // The first line's middle; the traffic line (when shown) below it.
  const y1 = -h / 2 + LABEL_HEIGHT / 2;
  const text = (
    <>
      <rect className="flow-label-bg" x={-w / 2} y={-h / 2} width={w} height={h} rx={8} />
      <text x={-w / 2 + 10} y={y1 + 1} dominantBaseline="middle">
        <tspan className="flow-entity">{l.main}</tspan>
        <tspan className="flow-pattern" dx={8}>
          {l.tag}
        </tspan>
        {l.noack && (
          <tspan className="flow-noack-tag" data-testid="no-ack" dx={8}>
            {l.noack}
          </tspan>
        )}
      </text>
      {l.traffic && (
        <text x={-w / 2 + 10} y={y1 + LABEL_HEIGHT / 2 + TRAFFIC_LINE / 2 - 3} dominantBaseline="middle" className={`flow-traffic traffic-${level}`} data-testid="edge-traffic" data-level={level ?? undefined}>
          {l.traffic}
        </text>
      )}
      {data.traffic && <title>{trafficTitle(data.traffic)}</title>}
      {l.bad > 0 && (
        <g data-testid="edge-badge" className={data.errors > 0 ? "edge-badge-error" : "edge-badge-warning"} transform={`translate(${w / 2 - 16} ${y1})`}>
          <circle r={11} />
          <text textAnchor="middle" dominantBaseline="middle" y={1}>
            {l.bad}
          </text>
        </g>
      )}
    </>
  );
  if (b) {
    // A bundle: its entities, how its flows travel, how many are unacknowledged, its findings; a click lists its flows.
    return (
      <>
        {part !== "label" && renderPath(path, cls)}
        <g
          className={`flow-label bundle-label${selected ? " flow-label-selected" : ""}${dim ? " flow-dimmed" : ""}`}
          data-testid="bundle-label"
          data-dimmed={dim ? "true" : "false"}
          data-id={id}
          data-style={b.style}
          data-count={b.flows.length}
          data-flows={b.flows.map((x) => x.id).join(" ")}
          transform={`translate(${x} ${y})${k === 1 ? "" : ` scale(${k})`}`}
          role="button"
          aria-label={`${b.flows.length} flows: ${b.entities.join(", ")}`}
          onClick={(e) => {
            e.stopPropagation();
            actions?.openBundle(id);
          }}
        >
          <title>{`${b.flows.length} flows: ${b.entities.join(", ")}. Click to list them.`}</title>
          {text}
        </g>
      </>
    );
  }
  return (
    <>
      {part !== "label" && renderPath(path, cls)}
      <g
        className={`flow-label${selected ? " flow-label-selected" : ""}${dim ? " flow-dimmed" : ""}`}
        data-testid="flow-label"
        data-dimmed={dim ? "true" : "false"}
        data-id={id}
        data-pattern={f.pattern}
        data-ack={acked ? "true" : "false"}
        transform={`translate(${x} ${y})${k === 1 ? "" : ` scale(${k})`}`}
        onClick={(e) => {
          e.stopPropagation();
          actions?.select({ kind: "flow", id });
        }}
        onDoubleClick={(e) => {
          e.stopPropagation();
          actions?.startRename({ kind: "flow", id });
        }}
      >
        {text}
      </g>
    </>
  );
}

function FlowEdgeView({ id, sourceX, sourceY, targetX, targetY, data, selected, markerEnd }: EdgeProps<FlowEdgeType>) {
  const zoomedOut = useStore(zoomedOutSel);
  return (
    <FlowShape
      id={id}
      sx={sourceX}
      sy={sourceY}
      tx={targetX}
      ty={targetY}
      data={data}
      selected={!!selected}
      zoomedOut={zoomedOut}
      renderPath={(path, cls) => <BaseEdge id={id} path={path} markerEnd={markerEnd} className={cls} interactionWidth={14} style={data?.trafficWidth ? { strokeWidth: data.trafficWidth } : undefined} />}
    />
  );
}

export const FlowEdge = memo(FlowEdgeView);
