import { SelectionContext } from "../selection";
import { useContext, useState } from "react";
import type { Edit, Entity, Model } from "../api";
import { NAME_MAX_CHARS, truncated } from "./names";
import { RenameForm } from "./RenameForm";
import { slugify } from "./SystemsPanel";

type Props = { model: Model; onEdit: (e: Edit) => Promise<void> };

type OwnerChoice = { entity: string; owner: string | null };

export function EntitiesPanel({ model, onEdit }: Props) {
  const selected = useContext(SelectionContext);
  const [name, setName] = useState("");
  // Empty: the user names the key field (an empty key is a `key-not-a-field` finding, not a silent "id").
  const [key, setKey] = useState("");
  const [renaming, setRenaming] = useState<string | null>(null);
  const [choice, setChoice] = useState<OwnerChoice | null>(null);
  const [rationale, setRationale] = useState("");

  const ownerRow = (e: Entity) => (
    <div className="owner-row">
      <label>
        Owner{" "}
        <select
          data-testid="owner-select"
          value={choice?.entity === e.id ? choice.owner ?? "" : e.owner ?? ""}
          onChange={(ev) => {
            setChoice({ entity: e.id, owner: ev.target.value || null });
            setRationale(e.rationale ?? "");
          }}
        >
          <option value="">(undecided)</option>
          {model.systems.map((s) => (
            <option key={s.id} value={s.id}>
              {s.name}
            </option>
          ))}
        </select>
      </label>
      {choice?.entity === e.id && (
        <form
          className="inline-form"
          data-testid="rationale-form"
          onSubmit={(ev) => {
            ev.preventDefault();
            const c = choice;
            setChoice(null);
            void onEdit({ op: "setOwner", entity: c.entity, owner: c.owner, rationale: rationale.trim() || null });
          }}
        >
          <input data-testid="rationale-input" placeholder="Why this owner? (recorded in the decision log)" value={rationale} onChange={(ev) => setRationale(ev.target.value)} autoFocus />
          <button type="submit" data-testid="rationale-ok">
            Decide
          </button>
          <button type="button" data-testid="rationale-cancel" onClick={() => setChoice(null)}>
            Cancel
          </button>
        </form>
      )}
      <span className="copies">
        Copies:{" "}
        {model.systems
          .filter((s) => s.id !== e.owner)
          .map((s) => (
            <label key={s.id} className="copy">
              <input
                type="checkbox"
                data-testid="copy-toggle"
                data-system={s.id}
                checked={e.copies.includes(s.id)}
                onChange={(ev) => {
                  const copies = ev.target.checked ? [...e.copies, s.id] : e.copies.filter((c) => c !== s.id);
                  void onEdit({ op: "setCopies", entity: e.id, copies });
                }}
              />
              {s.id}
            </label>
          ))}
      </span>
    </div>
  );

  return (
    <section className="panel" data-testid="entities-panel">
      <h2>Entities ({model.entities.length})</h2>
      <ul>
        {model.entities.map((e) => (
          <li key={e.id} data-id={e.id} data-testid="entity-item" aria-selected={selected?.kind === "entity" && selected.id === e.id}>
            {renaming === e.id ? (
              <RenameForm
                id={e.id}
                name={e.name}
                onCancel={() => setRenaming(null)}
                onSubmit={(newId, newName) => {
                  setRenaming(null);
                  void onEdit({ op: "rename", kind: "entity", id: e.id, newId: newId === e.id ? null : newId, name: newName === e.name ? null : newName ?? null });
                }}
              />
            ) : (
              <>
                <span className="item-name" title={e.name} style={truncated("14rem")}>
                  {e.name}
                </span> <code>{e.id}</code>
                {e.rationale && <span className="rationale" title="Rationale"> — {e.rationale}</span>}
                <button type="button" data-testid="rename-entity" onClick={() => setRenaming(e.id)}>
                  Rename
                </button>
                <button type="button" data-testid="delete-entity" onClick={() => void onEdit({ op: "deleteEntity", id: e.id })}>
                  Delete
                </button>
                {ownerRow(e)}
              </>
            )}
          </li>
        ))}
      </ul>
      <form
        className="add-form"
        data-testid="add-entity-form"
        onSubmit={(ev) => {
          ev.preventDefault();
          if (!name.trim()) return;
          void onEdit({
            op: "addEntity",
            entity: { id: slugify(name), name: name.trim(), key: key.trim(), fields: [], copies: [] },
          }).then(() => {
            setName("");
            setKey("");
          });
        }}
      >
        <input data-testid="add-entity-name" placeholder="Entity name" maxLength={NAME_MAX_CHARS} value={name} onChange={(ev) => setName(ev.target.value)} />
        <input data-testid="add-entity-key" placeholder="Key field, e.g. orderNo" value={key} onChange={(ev) => setKey(ev.target.value)} />
        <button type="submit" data-testid="add-entity">
          Add entity
        </button>
      </form>
    </section>
  );
}
