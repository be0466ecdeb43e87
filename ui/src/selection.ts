import { createContext } from "react";
// What the user has selected: shared by the canvas, the properties panel,
// the findings panel and the matrix.
export type SelectionKind = "system" | "entity" | "flow" | "rule" | "model";

export type Selection = { kind: SelectionKind; id: string };

/** Several items selected at once (canvas multi-select). */
export type MultiSelection = Selection[];

export function sameSelection(a: Selection | null, b: Selection | null): boolean {
  return a !== null && b !== null && a.kind === b.kind && a.id === b.id;
}

/** The shared selection, for lists that mark the selected item. */
export const SelectionContext = createContext<Selection | null>(null);

const ITEM_KINDS: Record<string, SelectionKind> = { "system-item": "system", "entity-item": "entity", "flow-item": "flow", "rule-item": "rule" };

/**
 * The item a click in the Lists view picks: the list row clicked, unless the
 * click was on a control inside it (a button, a field, a select).
 */
export function listItemAt(target: EventTarget | null): Selection | null {
  if (!(target instanceof Element)) return null;
  if (target.closest("button, input, select, textarea, label, form, a, details")) return null;
  const li = target.closest("li[data-testid][data-id]");
  const kind = li ? ITEM_KINDS[li.getAttribute("data-testid") ?? ""] : undefined;
  const id = li?.getAttribute("data-id");
  return kind && id ? { kind, id } : null;
}
