import { SelectionContext } from "../selection";
import { useContext, useState } from "react";
import type { Edit, Model, Pattern, Trigger } from "../api";
import { RenameForm } from "./RenameForm";

type Props = { model: Model; onEdit: (e: Edit) => Promise<void> };

export function FlowsPanel({ model, onEdit }: Props) {
  const selected = useContext(SelectionContext);
  const [entity, setEntity] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [pattern, setPattern] = useState<Pattern>("event");
  const [trigger, setTrigger] = useState<Trigger>("system");
  const [renaming, setRenaming] = useState<string | null>(null);
  const e0 = entity || model.entities[0]?.id || "";
  const f0 = from || model.systems[0]?.id || "";
  const t0 = to || model.systems[1]?.id || model.systems[0]?.id || "";
  return (
    <section className="panel" data-testid="flows-panel">
      <h2>Flows ({model.flows.length})</h2>
      <ul>
        {model.flows.map((f) => (
          <li key={f.id} data-id={f.id} data-testid="flow-item" aria-selected={selected?.kind === "flow" && selected.id === f.id}>
            {renaming === f.id ? (
              <RenameForm
                id={f.id}
                onCancel={() => setRenaming(null)}
                onSubmit={(newId) => {
                  setRenaming(null);
                  void onEdit({ op: "rename", kind: "flow", id: f.id, newId, name: null });
                }}
              />
            ) : (
              <>
                <code>{f.id}</code>: {f.entity} {f.from} → {f.to} <span className="kind">{f.pattern}</span>
                <button type="button" data-testid="rename-flow" onClick={() => setRenaming(f.id)}>
                  Rename
                </button>
                <button type="button" data-testid="delete-flow" onClick={() => void onEdit({ op: "deleteFlow", id: f.id })}>
                  Delete
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
      {model.entities.length > 0 && model.systems.length > 1 && (
        <form
          className="add-form"
          data-testid="add-flow-form"
          onSubmit={(ev) => {
            ev.preventDefault();
            const id = `${e0}-${f0}-to-${t0}`.slice(0, 64);
            void onEdit({ op: "addFlow", flow: { id, entity: e0, from: f0, to: t0, pattern, trigger } });
          }}
        >
          <select data-testid="add-flow-entity" value={e0} onChange={(ev) => setEntity(ev.target.value)}>
            {model.entities.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name}
              </option>
            ))}
          </select>
          <select data-testid="add-flow-from" value={f0} onChange={(ev) => setFrom(ev.target.value)}>
            {model.systems.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
          →
          <select data-testid="add-flow-to" value={t0} onChange={(ev) => setTo(ev.target.value)}>
            {model.systems.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name}
              </option>
            ))}
          </select>
          <select data-testid="add-flow-pattern" value={pattern} onChange={(ev) => setPattern(ev.target.value as Pattern)}>
            <option value="event">event</option>
            <option value="request">request</option>
          </select>
          <select data-testid="add-flow-trigger" value={trigger} onChange={(ev) => setTrigger(ev.target.value as Trigger)}>
            <option value="system">system</option>
            <option value="user">user</option>
            <option value="schedule">schedule</option>
          </select>
          <button type="submit" data-testid="add-flow">
            Add flow
          </button>
        </form>
      )}
    </section>
  );
}
