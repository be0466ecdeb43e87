// Presentation mode's words: the ownership decision of one entity, as a
// facilitator reads it to a room ("Stock: owned by ERP, copies in Webshop
// and OMS, because …"). Pure, so it is tested without a canvas.
import type { Model } from "../api";

/** "A", "A and B", "A, B and C". */
export function listing(names: string[]): string {
  if (names.length <= 1) return names.join("");
  return `${names.slice(0, -1).join(", ")} and ${names[names.length - 1]}`;
}

export type Decision = {
  entity: string;
  /** "Stock: owned by ERP, copies in Webshop and OMS" */
  headline: string;
  /** "because …" (the recorded rationale), or null when none is recorded. */
  because: string | null;
  steward: string | null;
};

/** The ownership decision of an entity, in the product's words. */
export function ownershipDecision(model: Model, entityId: string): Decision | null {
  const e = model.entities.find((x) => x.id === entityId);
  if (!e) return null;
  const sys = (id: string) => model.systems.find((s) => s.id === id)?.name ?? id;
  const owner = e.owner ? `owned by ${sys(e.owner)}` : "no owner yet";
  const copies = e.copies ?? [];
  const held = copies.length === 0 ? "no copies" : `copies in ${listing(copies.map(sys))}`;
  const r = e.rationale?.trim();
  // "Customers are created…" reads on as "because customers are created…"; "ERP books…" keeps its capitals.
  const because = r ? `because ${/^[A-Z][a-z]/.test(r) ? r.charAt(0).toLowerCase() + r.slice(1) : r}` : null;
  return { entity: e.id, headline: `${e.name}: ${owner}, ${held}`, because, steward: e.steward?.trim() || null };
}

/** The entities a facilitator steps through, in model order. */
export function decisionOrder(model: Model): string[] {
  return model.entities.map((e) => e.id);
}

/** The next step from `current` (-1: the whole model) by `delta`, staying within -1..n-1. */
export function step(current: number, delta: number, count: number): number {
  return Math.max(-1, Math.min(count - 1, current + delta));
}
