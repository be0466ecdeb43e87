// What the rehearsed-traffic colours on the flows mean, with the rehearsal
// they come from. Shown while the overlay is on.
import { BAD_SHARE, type Rehearsed } from "./rehearsalOverlay";

const LEVELS = [
  ["ok", "all settled"],
  ["warn", "some refused or unacked"],
  ["bad", `${Math.round(BAD_SHARE * 100)}%+ refused or unacked`],
  ["idle", "no traffic"],
] as const;

export function TrafficLegend({ rehearsed }: { rehearsed: Rehearsed }) {
  return (
    <div className="traffic-legend" data-testid="traffic-legend" aria-label="Rehearsed traffic legend">
      <div className="traffic-legend-title">Rehearsed: {rehearsed.label}</div>
      {LEVELS.map(([k, text]) => (
        <span className="legend-item" key={k}>
          <svg width="44" height="14" aria-hidden="true">
            <path d="M2 7 H42" className={`react-flow__edge-path flow-path flow-event traffic-${k}`} />
          </svg>{" "}
          {text}
        </span>
      ))}
      <span className="legend-item">thicker: busier</span>
    </div>
  );
}
