// Presentation mode's overlays: the legend (what the marks mean) and the
// caption of the ownership decision being shown. Model text is rendered as
// text nodes only.
import type { Model } from "../api";
import { ownershipDecision } from "./presentation";

export function Legend() {
  return (
    <div className="legend" data-testid="legend" aria-label="Legend">
      <span className="legend-item">
        <span className="chip chip-owner">Entity</span> owner
      </span>
      <span className="legend-item">
        <span className="chip chip-copy">Entity</span> copy
      </span>
      {(
        [
          ["event", "event"],
          ["request", "request"],
          ["mixed", "events and requests"],
          ["noack", "unacknowledged"],
        ] as const
      ).map(([k, text]) => (
        <span className="legend-item" key={k}>
          <svg width="44" height="14" aria-hidden="true">
            <path d="M2 7 H42" className={`react-flow__edge-path flow-path ${k === "noack" ? "flow-event flow-noack" : `flow-${k}`}`} />
          </svg>{" "}
          {text}
        </span>
      ))}
      <span className="legend-item">
        <svg width="24" height="24" aria-hidden="true">
          <g className="edge-badge-warning" transform="translate(12 12)">
            <circle r={11} />
            <text textAnchor="middle" dominantBaseline="middle" y={1}>
              2
            </text>
          </g>
        </svg>{" "}
        findings
      </span>
    </div>
  );
}

type CaptionProps = { model: Model; order: string[]; at: number };

export function Caption({ model, order, at }: CaptionProps) {
  const id = at >= 0 ? order[at] : undefined;
  const d = id ? ownershipDecision(model, id) : null;
  return (
    <div className="present-caption" data-testid="present-caption" data-entity={d?.entity ?? ""} role="status" aria-live="polite">
      {d ? (
        <>
          <div className="present-headline" data-testid="present-headline">
            {d.headline}
            {d.because ? "," : d.steward ? "" : "; no reason recorded yet"}
          </div>
          {d.because && <div className="present-because">{d.because}</div>}
          {d.steward && <div className="present-steward">Steward: {d.steward}</div>}
        </>
      ) : (
        <div className="present-headline" data-testid="present-headline">
          {model.name}: {model.systems.length} systems, {model.entities.length} entities, {model.flows.length} flows
        </div>
      )}
      <div className="present-hint">
        {at >= 0 ? `${at + 1} of ${order.length}` : `${order.length} ownership decisions`} · → next · ← back · Esc leaves
      </div>
    </div>
  );
}
