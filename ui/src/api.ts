// The one door to the backend: a thin wrapper over the generated bindings
// (bindings.ts) that turns `{status: "error"}` results into thrown ApiErrors
// the UI can branch on by `code`.
import { open, save } from "@tauri-apps/plugin-dialog";
import { Channel } from "@tauri-apps/api/core";
import { commands } from "./bindings";
import type * as B from "./bindings";

// What the backend sends (…_Serialize) and what it accepts (…_Deserialize).
export type AppError = B.AppError_Serialize;
export type Decision = B.Decision_Serialize;
export type Edit = B.Edit_Deserialize;
export type ErrorCode = B.ErrorCode;
export type LogFormat = B.LogFormat;
export type ModelState = B.ModelState_Serialize;
export type ModelSummary = B.ModelSummary_Serialize;
export type NodePosition = B.NodePosition;
export type StartupInfo = B.StartupInfo_Serialize;
export type Model = B.Model_Serialize;
export type System = B.System_Serialize;
export type Entity = B.Entity_Serialize;
export type Flow = B.Flow_Serialize;
export type Rule = B.Rule_Serialize;
export type Finding = B.Finding_Serialize;
export type SystemKind = B.SystemKind;
export type Pattern = B.Pattern;
export type Trigger = B.Trigger;
export type ValidateAction = B.ValidateAction;
export type QuickFixOffer = B.QuickFixOffer;
export type MatrixFormat = B.MatrixFormat;
export type DocumentEncoding = B.DocumentEncoding;
export type ConditionForm = B.ConditionForm;
export type Rehearsal = B.Rehearsal_Serialize;
export type RehearsalReport = B.RehearsalReport_Serialize;
export type RehearsalRecord = B.RehearsalRecord;
export type RehearsalProgress = B.RehearsalProgress_Serialize;
export type RehearsalIncident = B.RehearsalIncident_Serialize;
export type RefusedGroup = B.RefusedGroup_Serialize;
export type RefusedExample = B.RefusedExample_Serialize;
export type FlowTraffic = B.FlowTraffic;
export type RuleTraffic = B.RuleTraffic;
export type SubjectKind = B.SubjectKind;
export type WhatIf = B.WhatIf_Serialize;
export type DecisionChange = B.DecisionChange_Serialize;
export type RevisionInfo = B.RevisionInfo;
export type TrialResult = B.TrialResult_Serialize;
export type ImportPreview = B.ImportPreview_Serialize;
export type DiscoverResult = B.DiscoverResult_Serialize;
export type TrialOutcome = B.TrialOutcome;

export class ApiError extends Error {
  readonly code: ErrorCode;
  readonly detail: AppError;
  constructor(detail: AppError) {
    super(detail.message);
    this.code = detail.code;
    this.detail = detail;
  }
}

type Result<T> = { status: "ok"; data: T } | { status: "error"; error: AppError };

async function call<T>(p: Promise<Result<T>>): Promise<T> {
  let r: Result<T>;
  try {
    r = await p;
  } catch (e) {
    // The IPC itself failed (not a command error).
    throw new ApiError({ code: "store", message: String(e), findings: [], problems: [] });
  }
  if (r.status === "error") throw new ApiError(r.error);
  return r.data;
}

export const api = {
  startup: (): Promise<StartupInfo> => call(commands.startup()),
  listModels: (): Promise<ModelSummary[]> => call(commands.listModels()),
  createModel: (name: string): Promise<number> => call(commands.createModel(name)),
  deleteModel: (modelId: number): Promise<null> => call(commands.deleteModel(modelId)),
  getModelState: (modelId: number): Promise<ModelState> => call(commands.getModelState(modelId)),
  applyEdit: (modelId: number, edit: Edit): Promise<ModelState> =>
    call(commands.applyEdit(modelId, edit)),
  undo: (modelId: number): Promise<ModelState> => call(commands.undo(modelId)),
  redo: (modelId: number): Promise<ModelState> => call(commands.redo(modelId)),
  decisionLog: (modelId: number): Promise<Decision[]> => call(commands.getDecisionLog(modelId)),
  exportDecisionLog: (modelId: number, path: string, format: LogFormat): Promise<null> =>
    call(commands.exportDecisionLog(modelId, path, format)),
  importModelFile: (path: string): Promise<ModelState> => call(commands.importModelFile(path)),
  saveModel: (modelId: number): Promise<ModelState> => call(commands.saveModel(modelId)),
  saveModelAs: (modelId: number, path: string): Promise<ModelState> =>
    call(commands.saveModelAs(modelId, path)),
  exportConfig: (modelId: number, env: string, path: string): Promise<string> =>
    call(commands.exportConfig(modelId, env, path)),
  getLayout: (modelId: number): Promise<NodePosition[]> => call(commands.getLayout(modelId)),
  setNodePosition: (modelId: number, position: NodePosition): Promise<null> =>
    call(commands.setNodePosition(modelId, position)),
  setLayout: (modelId: number, positions: NodePosition[]): Promise<null> =>
    call(commands.setLayout(modelId, positions)),
  applyQuickFix: (modelId: number, code: string, subject: string): Promise<ModelState> =>
    call(commands.applyQuickFix(modelId, code, subject)),
  exportMermaid: (modelId: number): Promise<string> => call(commands.exportMermaid(modelId)),
  exportMatrix: (modelId: number, format: MatrixFormat): Promise<string> =>
    call(commands.exportMatrix(modelId, format)),
  saveDocument: (path: string, contents: string, encoding: DocumentEncoding): Promise<null> =>
    call(commands.saveDocument(path, contents, encoding)),
  conditionToCel: (modelId: number, entityId: string, form: ConditionForm): Promise<string> =>
    call(commands.conditionToCel(modelId, entityId, form)),
  conditionFromCel: (modelId: number, entityId: string, cel: string): Promise<ConditionForm | null> =>
    call(commands.conditionFromCel(modelId, entityId, cel)),
  /** What a sketch or spec would bring in (nothing stored). */
  importPreview: (path: string): Promise<ImportPreview> => call(commands.importPreview(path)),
  /** Stores an (edited) import: a new model (`into` null) or merged into model `into` as one undo step. */
  importApply: (model: Model, fileName: string, into: number | null): Promise<ModelState> => call(commands.importApply(model as B.Model_Deserialize, fileName, into)),
  /** What a log of observed exchanges shows, compared with model `modelId` (nothing stored). */
  discoverLog: (path: string, modelId: number): Promise<DiscoverResult> => call(commands.discoverLog(path, modelId)),
  /** The name recorded as "who" in the decision log; null until set. */
  getUserName: (): Promise<string | null> => call(commands.getUserName()),
  setUserName: (name: string): Promise<string> => call(commands.setUserName(name)),
  /** The runtime's verdict on a sample record for a condition ("try a rule"). */
  tryCondition: (modelId: number, entityId: string, cel: string, record: Record<string, unknown>): Promise<TrialResult> =>
    call(commands.tryCondition(modelId, entityId, cel, JSON.stringify(record))),
  reportFirstPaint: (): Promise<number | null> => commands.reportFirstPaint(),
  /** Rehearses recorded traffic against the model's current revision; progress comes to `onProgress`. */
  rehearse: (modelId: number, env: string, path: string, onProgress: (p: RehearsalProgress) => void): Promise<Rehearsal> => {
    const channel = new Channel<B.RehearsalProgress_Deserialize>();
    channel.onmessage = (p) => onProgress({ ...p, secondsLeft: p.secondsLeft ?? null });
    return call(commands.rehearse(modelId, env, path, channel));
  },
  /** The same traffic through revision `baseRevision` and the current one: the messages whose decision changes. */
  rehearseWhatIf: (modelId: number, baseRevision: number, env: string, path: string, onProgress: (p: RehearsalProgress) => void): Promise<WhatIf> => {
    const channel = new Channel<B.RehearsalProgress_Deserialize>();
    channel.onmessage = (p) => onProgress({ ...p, secondsLeft: p.secondsLeft ?? null });
    return call(commands.rehearseWhatIf(modelId, baseRevision, env, path, channel));
  },
  listRevisions: (modelId: number): Promise<RevisionInfo[]> => call(commands.listRevisions(modelId)),
  cancelRehearsal: (): Promise<boolean> => commands.cancelRehearsal(),
  listRehearsals: (modelId: number): Promise<RehearsalRecord[]> => call(commands.listRehearsals(modelId)),
  sampleTraffic: (modelId: number): Promise<string | null> => call(commands.sampleTraffic(modelId)),
  exportRehearsalReport: (rehearsalId: number, path: string): Promise<null> => call(commands.exportRehearsalReport(rehearsalId, path)),
  exportRehearsalDecisions: (rehearsalId: number, path: string): Promise<null> => call(commands.exportRehearsalDecisions(rehearsalId, path)),
};

/** Asks for a file to open; null when cancelled. */
export async function pickOpenFile(title: string, extensions: string[]): Promise<string | null> {
  const picked = await open({ title, multiple: false, directory: false, filters: [{ name: title, extensions }] });
  return typeof picked === "string" ? picked : null;
}

/** Asks where to save; null when cancelled. */
export async function pickSaveFile(title: string, defaultPath: string, extensions: string[]): Promise<string | null> {
  const picked = await save({ title, defaultPath, filters: [{ name: title, extensions }] });
  return picked ?? null;
}

/** A message for any thrown value. */
export function describe(e: unknown): string {
  if (e instanceof ApiError) return e.message;
  if (e instanceof Error) return e.message;
  return String(e);
}
