import { memo, useContext } from "react";
import { BaseEdge, EdgeLabelRenderer, useStore, type EdgeProps } from "@xyflow/react";
import { ActionsContext, DETAIL_ZOOM } from "./context";
import type { FlowEdge as FlowEdgeType } from "./graph";

const zoomedOutSel = (s: { transform: [number, number, number] }) => s.transform[2] < DETAIL_ZOOM;

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

function FlowEdgeView({ id, sourceX, sourceY, targetX, targetY, data, selected, markerEnd }: EdgeProps<FlowEdgeType>) {
  const zoomedOut = useStore(zoomedOutSel);
  const actions = useContext(ActionsContext);
  if (!data) return null;
  const f = data.flow;
  const { path, x, y } = curve(sourceX, sourceY, targetX, targetY, data.offset);
  const acked = f.ack === true;
  const cls = `flow-path flow-${f.pattern}${acked ? "" : " flow-noack"}${selected ? " flow-selected" : ""}`;
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} className={cls} interactionWidth={14} />
      {!zoomedOut && (
        <EdgeLabelRenderer>
          <div
            className={`flow-label nodrag nopan${selected ? " flow-label-selected" : ""}`}
            data-testid="flow-label"
            data-id={id}
            data-pattern={f.pattern}
            data-ack={acked ? "true" : "false"}
            style={{ transform: `translate(-50%, -50%) translate(${x}px, ${y}px)` }}
            onClick={() => actions?.select({ kind: "flow", id })}
            onDoubleClick={() => actions?.startRename({ kind: "flow", id })}
          >
            <span className="flow-entity">{data.entityName}</span>
            <span className="flow-pattern">{f.pattern}</span>
            {!acked && (
              <span className="flow-noack-tag" data-testid="no-ack" title="Not acknowledged: the receiver does not confirm delivery">
                no ack
              </span>
            )}
            {(data.errors > 0 || data.warnings > 0) && (
              <span className={`badge ${data.errors > 0 ? "badge-error" : "badge-warning"}`} data-testid="edge-badge">
                {data.errors + data.warnings}
              </span>
            )}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export const FlowEdge = memo(FlowEdgeView);
