// The flows inside a bundle, listed when the bundle is clicked; picking one
// selects it (the properties panel opens it). All model text is rendered as
// text nodes.
import { useEffect, useRef } from "react";
import type { Model } from "../api";
import type { Bundle } from "./bundles";

type Props = { bundle: Bundle; model: Model; onPick: (flowId: string) => void; onClose: () => void };

export function BundleList({ bundle, model, onPick, onClose }: Props) {
  const first = useRef<HTMLButtonElement>(null);
  useEffect(() => first.current?.focus(), [bundle.id]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  const sys = (id: string) => model.systems.find((s) => s.id === id)?.name ?? id;
  const ent = (id: string) => model.entities.find((e) => e.id === id)?.name ?? id;
  return (
    <div className="bundle-list" data-testid="bundle-list" data-id={bundle.id} role="dialog" aria-label={`Flows from ${sys(bundle.from)} to ${sys(bundle.to)}`}>
      <div className="bundle-list-head">
        <strong>
          {sys(bundle.from)} → {sys(bundle.to)}
        </strong>
        <span className="muted"> {bundle.flows.length} flows</span>
        <button type="button" className="icon-btn" data-testid="bundle-list-close" aria-label="Close" onClick={onClose}>
          ×
        </button>
      </div>
      <ul>
        {bundle.flows.map((f, i) => (
          <li key={f.id}>
            <button type="button" ref={i === 0 ? first : undefined} data-testid="bundle-flow" data-id={f.id} onClick={() => onPick(f.id)}>
              <span className="flow-entity">{ent(f.entity)}</span> <span className="muted">{f.pattern}</span>
              {f.ack !== true && <span className="bundle-noack"> no ack</span>}
              <code className="bundle-flow-id">{f.id}</code>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}
