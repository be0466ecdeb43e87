// The canvas's small modal dialogs: new flow, owner change with rationale,
// new entity, rename, and the keyboard help.
import { useEffect, useRef, useState, type ReactNode } from "react";
import type { Model, Pattern, Trigger } from "../api";
import { RenameForm } from "../panels/RenameForm";
import { freshId } from "./graph";

export function Modal({ title, testid, onClose, children }: { title: string; testid: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === "Escape") onClose();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [onClose]);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal" role="dialog" aria-modal="true" aria-label={title} data-testid={testid} ref={ref}>
        <h2>{title}</h2>
        {children}
      </div>
    </div>
  );
}

export type NewFlow = { id: string; entity: string; from: string; to: string; pattern: Pattern; trigger: Trigger; ack: boolean };

/** After connecting two systems: which entity travels, and how. */
export function ConnectDialog({ model, from, to, onOk, onCancel }: { model: Model; from: string; to: string; onOk: (f: NewFlow) => void; onCancel: () => void }) {
  // Sensible defaults: an entity the source owns travels as an event; otherwise a request to the owner.
  const fromOwns = model.entities.filter((e) => e.owner === from);
  const toOwns = model.entities.filter((e) => e.owner === to);
  const first = fromOwns[0] ?? toOwns[0] ?? model.entities[0];
  const [entity, setEntity] = useState(first?.id ?? "");
  const ownerOf = (id: string) => model.entities.find((e) => e.id === id)?.owner;
  const [pattern, setPattern] = useState<Pattern>(first && ownerOf(first.id) === to ? "request" : "event");
  const [trigger, setTrigger] = useState<Trigger>("system");
  const [ack, setAck] = useState(true);
  const sys = (id: string) => model.systems.find((s) => s.id === id)?.name ?? id;
  const taken = new Set(model.flows.map((f) => f.id));
  const id = freshId(`${entity}-${from}-to-${to}`, taken);
  return (
    <Modal title={`New flow: ${sys(from)} → ${sys(to)}`} testid="connect-dialog" onClose={onCancel}>
      {model.entities.length === 0 ? (
        <p>Add an entity first: a flow carries one entity.</p>
      ) : (
        <form
          className="dialog-form"
          onSubmit={(e) => {
            e.preventDefault();
            if (entity) onOk({ id, entity, from, to, pattern, trigger, ack });
          }}
        >
          <label>
            Entity
            <select data-testid="connect-entity" value={entity} autoFocus onChange={(e) => {
              setEntity(e.target.value);
              setPattern(ownerOf(e.target.value) === to ? "request" : "event");
            }}>
              {model.entities.map((e) => (
                <option key={e.id} value={e.id}>
                  {e.name} ({e.id}){e.owner ? `, owned by ${sys(e.owner)}` : ", no owner"}
                </option>
              ))}
            </select>
          </label>
          <label>
            Pattern
            <select data-testid="connect-pattern" value={pattern} onChange={(e) => setPattern(e.target.value as Pattern)}>
              <option value="event">event (the owner announces a change)</option>
              <option value="request">request (a system asks the owner)</option>
            </select>
          </label>
          <label>
            Trigger
            <select data-testid="connect-trigger" value={trigger} onChange={(e) => setTrigger(e.target.value as Trigger)}>
              <option value="system">system</option>
              <option value="user">user</option>
              <option value="schedule">schedule</option>
            </select>
          </label>
          <label className="check">
            <input type="checkbox" data-testid="connect-ack" checked={ack} onChange={(e) => setAck(e.target.checked)} /> The receiver acknowledges
          </label>
          <p className="hint">
            Flow id: <code>{id}</code>
          </p>
          <div className="dialog-buttons">
            <button type="submit" data-testid="connect-ok" className="primary">
              Create flow
            </button>
            <button type="button" data-testid="connect-cancel" onClick={onCancel}>
              Cancel
            </button>
          </div>
        </form>
      )}
    </Modal>
  );
}

/** Dropping a chip on another system: the new owner needs a rationale (recorded in the decision log). */
export function OwnerDialog({ model, entity, owner, onOk, onCancel }: { model: Model; entity: string; owner: string; onOk: (rationale: string) => void; onCancel: () => void }) {
  const [rationale, setRationale] = useState("");
  const e = model.entities.find((x) => x.id === entity);
  const sys = (id: string | undefined | null) => (id ? model.systems.find((s) => s.id === id)?.name ?? id : "nobody");
  return (
    <Modal title={`Make ${sys(owner)} the owner of ${e?.name ?? entity}?`} testid="owner-dialog" onClose={onCancel}>
      <form
        className="dialog-form"
        onSubmit={(ev) => {
          ev.preventDefault();
          if (rationale.trim()) onOk(rationale.trim());
        }}
      >
        <p>
          Today the owner is <strong>{sys(e?.owner)}</strong>. Every other system keeps a copy and must ask the owner to change it.
        </p>
        <label>
          Why? (recorded in the decision log)
          <textarea data-testid="owner-rationale" rows={3} value={rationale} autoFocus onChange={(ev) => setRationale(ev.target.value)} />
        </label>
        <div className="dialog-buttons">
          <button type="submit" data-testid="owner-ok" className="primary" disabled={!rationale.trim()}>
            Change owner
          </button>
          <button type="button" data-testid="owner-cancel" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}

export type NewEntity = { id: string; name: string; key: string };

export function EntityDialog({ model, owner, onOk, onCancel }: { model: Model; owner: string; onOk: (e: NewEntity) => void; onCancel: () => void }) {
  const [name, setName] = useState("");
  const [key, setKey] = useState("");
  const id = freshId(name || "entity", new Set(model.entities.map((e) => e.id)));
  const ownerName = model.systems.find((s) => s.id === owner)?.name ?? owner;
  return (
    <Modal title={`New entity owned by ${ownerName}`} testid="entity-dialog" onClose={onCancel}>
      <form
        className="dialog-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (name.trim()) onOk({ id, name: name.trim(), key: key.trim() });
        }}
      >
        <label>
          Name
          <input data-testid="entity-name" value={name} autoFocus onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Key field
          <input data-testid="entity-key" value={key} placeholder="e.g. orderNo" onChange={(e) => setKey(e.target.value)} />
        </label>
        <p className="hint">
          Id: <code>{id}</code>
        </p>
        <div className="dialog-buttons">
          <button type="submit" data-testid="entity-ok" className="primary" disabled={!name.trim()}>
            Add entity
          </button>
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}

export function RenameDialog({ what, id, name, onOk, onCancel }: { what: string; id: string; name?: string; onOk: (newId: string, name: string | undefined) => void; onCancel: () => void }) {
  return (
    <Modal title={`Rename ${what} ${id}`} testid="rename-dialog" onClose={onCancel}>
      <RenameForm id={id} name={name} onSubmit={onOk} onCancel={onCancel} />
    </Modal>
  );
}

export const SHORTCUTS: [string, string][] = [
  ["Click / Shift+click", "Select / add to the selection"],
  ["Shift+drag on the background", "Select with a box"],
  ["Drag from a system's right dot to another system", "New flow (pick the entity and pattern)"],
  ["Drag an entity chip onto a system", "Make that system the owner (asks why)"],
  ["Double-click a name, or F2", "Rename"],
  ["Delete / Backspace", "Delete the selection"],
  ["Ctrl+C, Ctrl+V", "Copy and paste systems (with their entities and flows)"],
  ["Ctrl+A", "Select all systems"],
  ["Ctrl+Z, Ctrl+Shift+Z (or Ctrl+Y)", "Undo, redo"],
  ["N", "New system"],
  ["F", "Fit the whole model in view"],
  ["L", "Automatic layout"],
  ["Click a system", "Focus: dim all but its neighbours (Esc leaves)"],
  ["Click a bundle's label", "List the flows inside; pick one to open it"],
  ["P", "Presentation mode: → / ← step through the ownership decisions, Esc leaves"],
  ["Esc", "Clear the selection, the focus and the lineage view"],
  ["?", "This help"],
];

export function HelpOverlay({ onClose }: { onClose: () => void }) {
  return (
    <Modal title="Keyboard and mouse" testid="help-overlay" onClose={onClose}>
      <table className="shortcuts">
        <tbody>
          {SHORTCUTS.map(([k, what]) => (
            <tr key={k}>
              <th>
                <kbd>{k}</kbd>
              </th>
              <td>{what}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="dialog-buttons">
        <button type="button" data-testid="help-close" className="primary" onClick={onClose}>
          Close
        </button>
      </div>
    </Modal>
  );
}
