// The rehearsal run, held by the app shell so it goes on (and its result
// stays) while the user looks at the canvas. The backend does the work off
// the UI thread; this only keeps its progress and its report.
import { useCallback, useRef, useState } from "react";
import { api, ApiError, type Rehearsal, type RehearsalProgress, type RehearsalRecord, type WhatIf } from "../../api";

export type Running = { modelId: number; path: string; env: string; progress: RehearsalProgress | null; cancelling: boolean; whatIf?: number };

export type RehearsalState = {
  running: Running | null;
  /** The latest finished rehearsal (of any model: the view shows it for its own). */
  result: Rehearsal | null;
  /** The recorded rehearsals of `modelId`, newest first. */
  records: RehearsalRecord[];
  /** The latest what-if (two revisions, the same traffic). */
  whatIf: WhatIf | null;
  start: (modelId: number, env: string, path: string) => Promise<void>;
  compare: (modelId: number, baseRevision: number, env: string, path: string) => Promise<void>;
  cancel: () => void;
  /** Loads the records of a model (the view calls it for the open model). */
  load: (modelId: number) => void;
};

export function useRehearsal(onError: (e: unknown) => void, onInfo: (text: string) => void): RehearsalState {
  const [running, setRunning] = useState<Running | null>(null);
  const [result, setResult] = useState<Rehearsal | null>(null);
  const [records, setRecords] = useState<RehearsalRecord[]>([]);
  const [whatIf, setWhatIf] = useState<WhatIf | null>(null);
  const busy = useRef(false);
  const recordsOf = useRef<number | null>(null);

  const load = useCallback(
    (modelId: number) => {
      recordsOf.current = modelId;
      api
        .listRehearsals(modelId)
        .then((r) => {
          if (recordsOf.current === modelId) setRecords(r);
        })
        .catch(onError);
    },
    [onError],
  );

  const start = useCallback(
    async (modelId: number, env: string, path: string) => {
      if (busy.current) return;
      busy.current = true;
      setRunning({ modelId, path, env, progress: null, cancelling: false });
      setWhatIf(null);
      try {
        const done = await api.rehearse(modelId, env, path, (progress) => setRunning((r) => (r ? { ...r, progress } : r)));
        setResult(done);
        onInfo(`Rehearsed ${done.record.lines.toLocaleString("en")} lines of ${done.record.fileName} against revision ${done.record.revision} (${done.record.environment})`);
      } catch (e) {
        if (e instanceof ApiError && e.code === "cancelled") onInfo(e.message);
        else onError(e);
      } finally {
        busy.current = false;
        setRunning(null);
        load(modelId);
      }
    },
    [onError, onInfo, load],
  );

  const compare = useCallback(
    async (modelId: number, baseRevision: number, env: string, path: string) => {
      if (busy.current) return;
      busy.current = true;
      setRunning({ modelId, path, env, progress: null, cancelling: false, whatIf: baseRevision });
      try {
        setWhatIf(await api.rehearseWhatIf(modelId, baseRevision, env, path, (progress) => setRunning((r) => (r ? { ...r, progress } : r))));
      } catch (e) {
        if (e instanceof ApiError && e.code === "cancelled") onInfo(e.message);
        else onError(e);
      } finally {
        busy.current = false;
        setRunning(null);
      }
    },
    [onError, onInfo],
  );

  const cancel = useCallback(() => {
    setRunning((r) => (r ? { ...r, cancelling: true } : r));
    api.cancelRehearsal().catch(onError);
  }, [onError]);

  return { running, result, records, whatIf, start, compare, cancel, load };
}
