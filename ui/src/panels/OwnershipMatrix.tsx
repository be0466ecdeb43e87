// The ownership matrix: entities (rows) by systems (columns), each cell Owner,
// Copy or nothing, editable. Making a system the owner asks for the rationale
// (recorded in the decision log). Filter box, sticky headers, CSV/Markdown
// export made by the backend.
import { useState } from "react";
import { api, pickSaveFile, type Edit, type Entity, type ModelState } from "../api";
import { truncated } from "./names";
import type { Suggestion } from "./imports/suggestions";

type Props = {
  state: ModelState;
  apply: (edit: Edit) => Promise<void>;
  onError: (e: unknown) => void;
  onDone: (text: string) => void;
  /** Owner suggestions from the last discovery (Discover view), and the log they come from. */
  suggestions?: Map<string, Suggestion>;
  suggestedFrom?: string;
};

export type Role = "owner" | "copy" | "none";

export function roleOf(e: Entity, system: string): Role {
  if (e.owner === system) return "owner";
  if (e.copies.includes(system)) return "copy";
  return "none";
}

/** The edit that gives `system` the role `role` for entity `e` (null: nothing to do, or the owner needs a rationale first). */
export function roleEdit(e: Entity, system: string, role: Role, rationale: string | null): Edit | null {
  const was = roleOf(e, system);
  if (was === role) return null;
  const withoutCopy = e.copies.filter((c) => c !== system);
  switch (role) {
    case "owner":
      // One step: the backend takes the new owner out of the copies and keeps
      // the previous owner as a copy holder in its place (so A→B→A restores the model).
      return { op: "setOwner", entity: e.id, owner: system, rationale };
    case "copy":
      if (was === "owner")
        return { op: "batch", summary: `${system} holds a copy of ${e.id}`, edits: [{ op: "setOwner", entity: e.id, owner: null, rationale }, { op: "setCopies", entity: e.id, copies: [...e.copies, system] }] };
      return { op: "setCopies", entity: e.id, copies: [...e.copies, system] };
    case "none":
      if (was === "owner") return { op: "setOwner", entity: e.id, owner: null, rationale };
      return { op: "setCopies", entity: e.id, copies: withoutCopy };
  }
}

const ROLE_LABEL: Record<Role, string> = { owner: "Owner", copy: "Copy", none: "—" };

type Pending = { entity: Entity; system: string };

/** The rationale an accepted suggestion records: where it comes from and its evidence, one sentence each. */
export function suggestionRationale(s: Suggestion, from: string): string {
  const top = s.candidates[0];
  return `Suggested by discovery from ${from}${s.contested ? " (contested)" : ""}: ${(top?.evidence ?? []).join("; ")}`;
}

export function OwnershipMatrix({ state, apply, onError, onDone, suggestions, suggestedFrom = "a log" }: Props) {
  const m = state.model;
  const [filter, setFilter] = useState("");
  const [pending, setPending] = useState<Pending | null>(null);
  const [rationale, setRationale] = useState("");
  const [error, setError] = useState<string | null>(null);
  const q = filter.trim().toLowerCase();
  const match = (id: string, name: string) => !q || id.toLowerCase().includes(q) || name.toLowerCase().includes(q);
  const entities = m.entities.filter((e) => match(e.id, e.name) || (e.owner ?? "").toLowerCase().includes(q));
  // Systems: those matching the filter, else all (filtering entities by name must not hide the columns).
  const systemsMatching = m.systems.filter((s) => match(s.id, s.name));
  const systems = q && systemsMatching.length > 0 && entities.length === 0 ? systemsMatching : m.systems;
  const rows = q && entities.length === 0 ? m.entities : entities;

  const run = async (edit: Edit | null) => {
    if (!edit) return;
    try {
      await apply(edit);
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  const choose = (e: Entity, system: string, role: Role) => {
    if (role === "owner") {
      setPending({ entity: e, system });
      setRationale("");
      return;
    }
    void run(roleEdit(e, system, role, null));
  };

  const exportAs = async (format: "csv" | "markdown") => {
    try {
      const text = await api.exportMatrix(state.modelId, format);
      const ext = format === "csv" ? "csv" : "md";
      const base = m.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "") || "model";
      const path = await pickSaveFile(format === "csv" ? "Ownership matrix (CSV)" : "Ownership matrix (Markdown)", `${base}-ownership.${ext}`, [ext]);
      if (!path) return;
      await api.saveDocument(path, text, "text");
      onDone(`Saved the ownership matrix to ${path}`);
    } catch (e) {
      onError(e);
    }
  };

  const sticky = { position: "sticky" as const, background: "var(--panel-bg, var(--bg, Canvas))" };
  return (
    <section className="panel matrix" data-testid="ownership-matrix" style={{ display: "flex", flexDirection: "column", height: "100%", minHeight: 0, fontSize: "1.05rem" }}>
      <header className="matrix-head" style={{ display: "flex", gap: "0.5rem", alignItems: "center", flexWrap: "wrap" }}>
        <h2 style={{ margin: 0 }}>Ownership matrix</h2>
        <input data-testid="matrix-filter" aria-label="Filter entities and systems" placeholder="Filter entities or systems" value={filter} onChange={(e) => setFilter(e.target.value)} />
        <span className="hint" data-testid="matrix-count">
          {rows.length} of {m.entities.length} entities
        </span>
        <button type="button" data-testid="matrix-export-csv" onClick={() => void exportAs("csv")}>
          Export CSV
        </button>
        <button type="button" data-testid="matrix-export-markdown" onClick={() => void exportAs("markdown")}>
          Export Markdown
        </button>
      </header>
      {error && (
        <p className="form-error" role="alert" data-testid="matrix-error">
          {error}
        </p>
      )}
      {pending && (
        <form
          className="inline-form matrix-rationale"
          role="dialog"
          aria-label="Rationale for the owner"
          data-testid="matrix-rationale-form"
          onSubmit={(ev) => {
            ev.preventDefault();
            const p = pending;
            setPending(null);
            void run(roleEdit(p.entity, p.system, "owner", rationale.trim() || null));
          }}
        >
          <label>
            Why should <strong>{m.systems.find((s) => s.id === pending.system)?.name ?? pending.system}</strong> own <strong>{pending.entity.name}</strong>?{" "}
            <input data-testid="matrix-rationale" aria-label="Rationale" value={rationale} placeholder="recorded in the decision log" onChange={(e) => setRationale(e.target.value)} autoFocus />
          </label>
          <button type="submit" data-testid="matrix-rationale-ok">
            Decide
          </button>
          <button type="button" data-testid="matrix-rationale-cancel" onClick={() => setPending(null)}>
            Cancel
          </button>
        </form>
      )}
      {m.entities.length === 0 || m.systems.length === 0 ? (
        <p className="hint" data-testid="matrix-empty">
          Add systems and entities to decide who owns what.
        </p>
      ) : (
        <div className="matrix-scroll" style={{ flex: "1 1 0", minHeight: 0, overflow: "auto" }}>
          <table className="matrix-table" data-testid="matrix-table" style={{ borderCollapse: "separate", borderSpacing: 0 }}>
            <thead>
              <tr>
                <th style={{ ...sticky, top: 0, left: 0, zIndex: 3, textAlign: "left" }}>Entity</th>
                {systems.map((s) => (
                  <th key={s.id} scope="col" data-testid="matrix-system" data-system={s.id} style={{ ...sticky, top: 0, zIndex: 2, padding: "0.25rem 0.5rem" }}>
                    <span data-testid="matrix-system-name" title={s.name} style={truncated("10rem")}>
                      {s.name}
                    </span>
                    <div className="hint">
                      <code>{s.id}</code>
                    </div>
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {rows.map((e) => (
                <tr key={e.id} data-testid="matrix-row" data-entity={e.id} className={e.owner ? undefined : "matrix-row-undecided"}>
                  <th scope="row" style={{ ...sticky, left: 0, zIndex: 1, textAlign: "left", padding: "0.25rem 0.5rem" }}>
                    <span data-testid="matrix-entity-name" title={e.name} style={truncated("16rem")}>
                      {e.name}
                    </span>
                    {!e.owner && <span className="severity" title="No owner yet"> (no owner)</span>}
                    {!e.owner && <SuggestionLine entity={e} suggestion={suggestions?.get(e.id)} systems={m.systems} from={suggestedFrom} apply={apply} />}
                  </th>
                  {systems.map((s) => {
                    const role = roleOf(e, s.id);
                    return (
                      <td key={s.id} data-testid="matrix-cell" data-entity={e.id} data-system={s.id} data-role={role} className={`matrix-cell matrix-${role}`} style={{ padding: "0.2rem 0.4rem", fontWeight: role === "owner" ? 700 : undefined }}>
                        <select aria-label={`${s.name} for ${e.name}`} data-testid="matrix-cell-select" style={{ fontSize: "1.1rem", fontWeight: role === "owner" ? 700 : undefined }} value={pending && pending.entity.id === e.id && pending.system === s.id ? "owner" : role} onChange={(ev) => choose(e, s.id, ev.target.value as Role)}>
                          {(["none", "copy", "owner"] as Role[]).map((r) => (
                            <option key={r} value={r}>
                              {ROLE_LABEL[r]}
                            </option>
                          ))}
                        </select>
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** On an undecided entity: the owner the log suggests, its evidence, and Accept (one setOwner, the evidence as rationale). */
function SuggestionLine({ entity, suggestion, systems, from, apply }: { entity: Entity; suggestion: Suggestion | undefined; systems: ModelState["model"]["systems"]; from: string; apply: (edit: Edit) => Promise<void> }) {
  const top = suggestion?.candidates[0];
  const system = top ? systems.find((s) => s.id === top.system) : undefined;
  if (!suggestion || !top || !system) return null;
  return (
    <div className="matrix-suggestion" data-testid="matrix-suggestion" data-entity={entity.id} data-system={system.id} data-contested={suggestion.contested ? "true" : "false"}>
      <span title={top.evidence.join("\n")}>
        {suggestion.contested ? "Contested; the log leans to " : "The log suggests "}
        <strong>{system.name}</strong> ({top.score.toFixed(1)})
      </span>{" "}
      <button type="button" data-testid="matrix-suggestion-accept" onClick={() => void apply({ op: "setOwner", entity: entity.id, owner: system.id, rationale: suggestionRationale(suggestion, from) })}>
        Accept
      </button>
      <ul className="evidence">
        {top.evidence.map((ev, i) => (
          <li key={i}>{ev}</li>
        ))}
      </ul>
    </div>
  );
}
