import { useEffect, useState } from "react";
import { api, pickSaveFile, type Decision, type LogFormat } from "../api";

type Props = {
  modelId: number;
  revision: number;
  onError: (e: unknown) => void;
  onDone: (text: string) => void;
};

export function DecisionLogPanel({ modelId, revision, onError, onDone }: Props) {
  const [rows, setRows] = useState<Decision[] | null>(null);
  useEffect(() => {
    let live = true;
    api
      .decisionLog(modelId)
      .then((r) => live && setRows(r))
      .catch(onError);
    return () => {
      live = false;
    };
  }, [modelId, revision, onError]);

  const exportAs = async (format: LogFormat) => {
    try {
      const path = await pickSaveFile("Decision log", `decisions.${format}`, [format]);
      if (!path) return;
      await api.exportDecisionLog(modelId, path, format);
      onDone(`Decision log exported to ${path}`);
    } catch (e) {
      onError(e);
    }
  };

  return (
    <section className="panel decisions" data-testid="decision-log">
      <h2>Decision log</h2>
      <button type="button" data-testid="export-log-csv" onClick={() => void exportAs("csv")}>
        Export CSV
      </button>{" "}
      <button type="button" data-testid="export-log-json" onClick={() => void exportAs("json")}>
        Export JSON
      </button>
      {rows === null ? (
        <p>Loading…</p>
      ) : rows.length === 0 ? (
        <p data-testid="no-decisions">No ownership decisions yet.</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>When</th>
              <th>Entity</th>
              <th>From</th>
              <th>To</th>
              <th>Rationale</th>
              <th>Who</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((d, i) => (
              <tr key={i} data-testid="decision-row" data-entity={d.entity}>
                <td>{d.at}</td>
                <td>{d.entity}</td>
                <td>{d.fromOwner ?? "—"}</td>
                <td>{d.toOwner ?? "—"}</td>
                <td>{d.rationale ?? ""}</td>
                <td>{d.who}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
