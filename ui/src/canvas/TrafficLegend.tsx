// What the rehearsed-traffic colours on the flows mean, with the rehearsal
// they come from, and the switch that shows or hides them (kept here, not in
// the canvas bar, which must fit one line at 1280 px).
import { useContext } from "react";
import { BAD_SHARE, WhatIfContext, type Rehearsed } from "./rehearsalOverlay";

const LEVELS = [
  ["ok", "all settled"],
  ["warn", "some refused or unacked"],
  ["bad", `${Math.round(BAD_SHARE * 100)}%+ refused or unacked`],
  ["idle", "no traffic"],
] as const;

type Props = { rehearsed: Rehearsed; shown: boolean; onShow: (shown: boolean) => void };

export function TrafficLegend({ rehearsed, shown, onShow }: Props) {
  const whatIf = useContext(WhatIfContext);
  const toggle = (
    <label className="traffic-legend-title" title={`Show what the rehearsal of ${rehearsed.label} did on each flow`}>
      <input type="checkbox" data-testid="traffic-toggle" checked={shown} onChange={(e) => onShow(e.target.checked)} /> Rehearsed: {rehearsed.label}
    </label>
  );
  if (!shown) {
    return (
      <div className="traffic-legend traffic-legend-off" data-testid="traffic-legend" data-shown="false">
        {toggle}
      </div>
    );
  }
  return (
    <div className="traffic-legend" data-testid="traffic-legend" data-shown="true" aria-label="Rehearsed traffic legend">
      {toggle}
      {LEVELS.map(([k, text]) => (
        <span className="legend-item" key={k}>
          <svg width="44" height="14" aria-hidden="true">
            <path d="M2 7 H42" className={`react-flow__edge-path flow-path flow-event traffic-${k}`} />
          </svg>{" "}
          {text}
        </span>
      ))}
      <span className="legend-item">thicker: busier</span>
      {whatIf && (
        <span className="legend-item">
          <span className="chip-changed-badge">Δ</span> decisions change in the what-if
        </span>
      )}
    </div>
  );
}
