// The first-launch guide under the canvas, beside the findings: one tip for where the model stands.
// "Got it" hides it for good (kept in this browser's storage); "?" brings
// back the shortcuts.
import type { Finding, Model } from "../api";
import { guideTip } from "./guide";

type Props = { model: Model; findings: Finding[]; onDismiss: () => void };

export function Guide({ model, findings, onDismiss }: Props) {
  const tip = guideTip(model, findings);
  return (
    <aside className="guide" data-testid="guide" data-tip={tip.id} aria-label="Where to start">
      <p>
        <strong className="guide-title">{tip.title}.</strong> {tip.text}
      </p>
      <button type="button" data-testid="guide-dismiss" onClick={onDismiss}>
        Got it
      </button>
    </aside>
  );
}
