// The backend calls the canvas makes, through api.ts (the generated bindings).
import { api, type Edit, type ModelState, type NodePosition, type QuickFixOffer } from "../api";

/** An edit, including `batch`: several edits as one transaction and one undo step. */
export type AnyEdit = Edit;

export type QuickFix = QuickFixOffer;

export const backend = {
  applyEdit: (modelId: number, edit: AnyEdit): Promise<ModelState> => api.applyEdit(modelId, edit),
  applyQuickFix: (modelId: number, code: string, subject: string): Promise<ModelState> => api.applyQuickFix(modelId, code, subject),
  setLayout: (modelId: number, positions: NodePosition[]): Promise<null> => api.setLayout(modelId, positions),
  exportMermaid: (modelId: number): Promise<string> => api.exportMermaid(modelId),
  saveDocument: (path: string, contents: string, encoding: "text" | "base64"): Promise<null> => api.saveDocument(path, contents, encoding),
};

/** The quick fixes on offer in a state. */
export function quickFixesOf(state: ModelState): QuickFix[] {
  return state.quickFixes;
}
