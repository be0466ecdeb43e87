// The decision log, read like minutes: newest first, names beside ids, local
// readable times, and who decided (the name kept in the workspace: asked once
// here, editable).
import { useEffect, useState } from "react";
import { api, pickSaveFile, type Decision, type LogFormat, type Model } from "../api";

type Props = {
  model: Model;
  modelId: number;
  revision: number;
  onError: (e: unknown) => void;
  onDone: (text: string) => void;
};

const WHEN = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** "3 Dec 2026, 14:05" in the user's locale and zone; the stored text when it is not a time. */
export function readableTime(at: string): string {
  const t = Date.parse(at);
  return Number.isNaN(t) ? at : WHEN.format(t);
}

/** "Stock (stock)"; the id alone when the model no longer has it or the name is the id. */
export function named(id: string | null, names: Map<string, string>): string {
  if (id === null) return "—";
  const name = names.get(id);
  return name && name !== id ? `${name} (${id})` : id;
}

export function DecisionLogPanel({ model, modelId, revision, onError, onDone }: Props) {
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

  const entities = new Map(model.entities.map((e) => [e.id, e.name]));
  const systems = new Map(model.systems.map((s) => [s.id, s.name]));
  const newestFirst = rows ? rows.slice().reverse() : null;

  return (
    <section className="panel decisions" data-testid="decision-log">
      <h2>Decision log</h2>
      <UserName onError={onError} onDone={onDone} />
      <button type="button" data-testid="export-log-csv" onClick={() => void exportAs("csv")}>
        Export CSV
      </button>{" "}
      <button type="button" data-testid="export-log-json" onClick={() => void exportAs("json")}>
        Export JSON
      </button>
      {newestFirst === null ? (
        <p>Loading…</p>
      ) : newestFirst.length === 0 ? (
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
            {newestFirst.map((d, i) => (
              <tr key={i} data-testid="decision-row" data-entity={d.entity}>
                <td title={d.at} data-testid="decision-when">
                  {readableTime(d.at)}
                </td>
                <td>{named(d.entity, entities)}</td>
                <td>{named(d.fromOwner, systems)}</td>
                <td>{named(d.toOwner, systems)}</td>
                <td>{d.rationale ?? ""}</td>
                <td data-testid="decision-who">{d.who}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/** Who is deciding: asked while unset, then shown with a way to change it. */
function UserName({ onError, onDone }: { onError: (e: unknown) => void; onDone: (text: string) => void }) {
  const [name, setName] = useState<string | null | undefined>(undefined);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState("");
  useEffect(() => {
    let live = true;
    api
      .getUserName()
      .then((n) => live && setName(n))
      .catch(onError);
    return () => {
      live = false;
    };
  }, [onError]);
  if (name === undefined) return null;
  const save = async () => {
    try {
      const stored = await api.setUserName(draft);
      setName(stored);
      setEditing(false);
      onDone(`Decisions from now on are recorded as ${stored}`);
    } catch (e) {
      onError(e);
    }
  };
  if (name !== null && !editing) {
    return (
      <p className="user-name" data-testid="user-name">
        Decisions are recorded as <strong data-testid="user-name-value">{name}</strong>{" "}
        <button
          type="button"
          data-testid="user-name-change"
          onClick={() => {
            setDraft(name);
            setEditing(true);
          }}
        >
          Change
        </button>
      </p>
    );
  }
  return (
    <form
      className="user-name user-name-ask"
      data-testid="user-name-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <label>
        {name === null ? "Who is deciding? Your name is recorded with each ownership decision:" : "Your name:"}{" "}
        <input data-testid="user-name-input" value={draft} maxLength={80} onChange={(e) => setDraft(e.target.value)} autoComplete="name" />
      </label>{" "}
      <button type="submit" data-testid="user-name-save" disabled={draft.trim() === ""}>
        Save
      </button>
      {editing && (
        <button type="button" onClick={() => setEditing(false)}>
          Cancel
        </button>
      )}
    </form>
  );
}
