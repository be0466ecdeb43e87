// File → Import: what a sketch or spec becomes, before anything is stored.
// Every box, entity and arrow is a row the user can rename, re-point or
// leave out; what the importer could not place is listed, never dropped.
// Then a new model, or a merge into the open one (one undo step). Names from
// the file are text, never HTML.
import { useMemo, useState } from "react";
import type { Flow, ImportPreview as Preview, Model, Pattern } from "../../api";
import { Modal } from "../../canvas/dialogs";

export type Skipped = { systems: Set<string>; entities: Set<string>; flows: Set<string> };

/**
 * The model to store: the (edited) preview without what was left out. An
 * entity left out takes its flows with it; a system left out takes the flows
 * it sends or receives, and leaves the entities it owned undecided.
 */
export function chosenModel(model: Model, skipped: Skipped): Model {
  const systems = model.systems.filter((s) => !skipped.systems.has(s.id));
  const kept = new Set(systems.map((s) => s.id));
  const entities = model.entities
    .filter((e) => !skipped.entities.has(e.id))
    .map((e) => ({ ...e, owner: e.owner && kept.has(e.owner) ? e.owner : undefined, copies: e.copies.filter((c) => kept.has(c)) }));
  const ents = new Set(entities.map((e) => e.id));
  const flows = model.flows.filter((f) => !skipped.flows.has(f.id) && kept.has(f.from) && kept.has(f.to) && ents.has(f.entity));
  return { ...model, systems, entities, flows };
}

type Props = {
  preview: Preview;
  /** The open model's name, to merge into; null: only "create" is offered. */
  openModel: string | null;
  onCreate: (model: Model) => void;
  onMerge: (model: Model) => void;
  onCancel: () => void;
};

const toggle = (set: Set<string>, id: string, on: boolean) => {
  const next = new Set(set);
  if (on) next.delete(id);
  else next.add(id);
  return next;
};

export function ImportPreviewDialog({ preview, openModel, onCreate, onMerge, onCancel }: Props) {
  const [model, setModel] = useState<Model>(preview.model);
  const [skipped, setSkipped] = useState<Skipped>({ systems: new Set(), entities: new Set(), flows: new Set() });
  const chosen = useMemo(() => chosenModel(model, skipped), [model, skipped]);
  const sysName = (id: string) => model.systems.find((s) => s.id === id)?.name ?? id;
  const setFlow = (id: string, f: Partial<Flow>) => setModel((m) => ({ ...m, flows: m.flows.map((x) => (x.id === id ? { ...x, ...f } : x)) }));
  const lostFlows = model.flows.length - chosen.flows.length - skipped.flows.size;

  return (
    <Modal title={`Import ${preview.fileName} (${preview.format})`} testid="import-preview" onClose={onCancel}>
      <div className="import-preview">
        <p className="hint">
          What the file becomes: {chosen.systems.length} systems, {chosen.entities.length} entities, {chosen.flows.length} flows. Untick what should stay out; names and
          patterns can be changed here.
        </p>
        <table className="import-table">
          <tbody>
            <tr>
              <th colSpan={3}>Boxes → systems ({model.systems.length})</th>
            </tr>
            {model.systems.map((s) => (
              <tr key={`s-${s.id}`} data-testid="import-system" data-id={s.id}>
                <td>
                  <input type="checkbox" aria-label={`Import ${s.name}`} checked={!skipped.systems.has(s.id)} onChange={(e) => setSkipped((k) => ({ ...k, systems: toggle(k.systems, s.id, e.target.checked) }))} />
                </td>
                <td>
                  <input data-testid="import-name" aria-label="Name" value={s.name} maxLength={200} onChange={(e) => setModel((m) => ({ ...m, systems: m.systems.map((x) => (x.id === s.id ? { ...x, name: e.target.value } : x)) }))} />
                </td>
                <td>
                  <code>{s.id}</code>
                </td>
              </tr>
            ))}
            <tr>
              <th colSpan={3}>Entities ({model.entities.length})</th>
            </tr>
            {model.entities.map((e) => (
              <tr key={`e-${e.id}`} data-testid="import-entity" data-id={e.id}>
                <td>
                  <input type="checkbox" aria-label={`Import ${e.name}`} checked={!skipped.entities.has(e.id)} onChange={(ev) => setSkipped((k) => ({ ...k, entities: toggle(k.entities, e.id, ev.target.checked) }))} />
                </td>
                <td>{e.name}</td>
                <td>
                  <select data-testid="import-owner" aria-label={`Owner of ${e.name}`} value={e.owner ?? ""} onChange={(ev) => setModel((m) => ({ ...m, entities: m.entities.map((x) => (x.id === e.id ? { ...x, owner: ev.target.value || undefined, copies: x.copies.filter((c) => c !== ev.target.value) } : x)) }))}>
                    <option value="">(owner undecided)</option>
                    {model.systems.map((s) => (
                      <option key={s.id} value={s.id}>
                        owned by {s.name}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            ))}
            <tr>
              <th colSpan={3}>Arrows → flows ({model.flows.length})</th>
            </tr>
            {model.flows.map((f) => (
              <tr key={`f-${f.id}`} data-testid="import-flow" data-id={f.id}>
                <td>
                  <input type="checkbox" aria-label={`Import ${f.id}`} checked={!skipped.flows.has(f.id)} onChange={(ev) => setSkipped((k) => ({ ...k, flows: toggle(k.flows, f.id, ev.target.checked) }))} />
                </td>
                <td>
                  {sysName(f.from)} → {sysName(f.to)}
                </td>
                <td>
                  <select data-testid="import-flow-entity" aria-label="Entity" value={f.entity} onChange={(ev) => setFlow(f.id, { entity: ev.target.value })}>
                    {model.entities.map((e) => (
                      <option key={e.id} value={e.id}>
                        {e.name}
                      </option>
                    ))}
                  </select>{" "}
                  <select data-testid="import-flow-pattern" aria-label="Pattern" value={f.pattern} onChange={(ev) => setFlow(f.id, { pattern: ev.target.value as Pattern })}>
                    <option value="event">event</option>
                    <option value="request">request</option>
                  </select>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {lostFlows > 0 && <p className="hint">{lostFlows} flow(s) stay out with the systems or entities left out.</p>}
        {preview.unplaced.length > 0 && (
          <section data-testid="import-unplaced">
            <h3>Not placed ({preview.unplaced.length})</h3>
            <ul>
              {preview.unplaced.map((u, i) => (
                <li key={i}>{u}</li>
              ))}
            </ul>
          </section>
        )}
        {preview.summary.length > 0 && (
          <details>
            <summary>What the importer read ({preview.summary.length})</summary>
            <ul>
              {preview.summary.map((u, i) => (
                <li key={i}>{u}</li>
              ))}
            </ul>
          </details>
        )}
        <div className="dialog-buttons">
          <button type="button" className="primary" data-testid="import-create" disabled={chosen.systems.length === 0} onClick={() => onCreate(chosen)}>
            Create a new model
          </button>
          {openModel !== null && (
            <button type="button" data-testid="import-merge" disabled={chosen.systems.length === 0} onClick={() => onMerge(chosen)}>
              Merge into {openModel}
            </button>
          )}
          <button type="button" data-testid="import-cancel" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </div>
    </Modal>
  );
}
