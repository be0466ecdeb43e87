// What the user has selected: shared by the canvas, the properties panel,
// the findings panel and the matrix.
export type SelectionKind = "system" | "entity" | "flow" | "rule" | "model";

export type Selection = { kind: SelectionKind; id: string };

/** Several items selected at once (canvas multi-select). */
export type MultiSelection = Selection[];

export function sameSelection(a: Selection | null, b: Selection | null): boolean {
  return a !== null && b !== null && a.kind === b.kind && a.id === b.id;
}
