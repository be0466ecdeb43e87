import { SelectionContext } from "../selection";
import { useContext, useState } from "react";
import type { Edit, Model, SystemKind } from "../api";
import { NAME_MAX_CHARS, toAscii, truncated } from "./names";
import { RenameForm } from "./RenameForm";

const KINDS: SystemKind[] = ["erp", "wms", "oms", "ecommerce", "3pl", "payments", "finance", "crm", "pim", "production", "quality", "transport", "analytics", "other"];

/** An id made from a name: transliterated to ASCII (`Århus` → `arhus`), anything else a `-`. */
export function slugify(s: string): string {
  return toAscii(s).toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 64).replace(/-+$/, "");
}

type Props = { model: Model; onEdit: (e: Edit) => Promise<void> };

export function SystemsPanel({ model, onEdit }: Props) {
  const selected = useContext(SelectionContext);
  const [name, setName] = useState("");
  const [id, setId] = useState("");
  const [kind, setKind] = useState<SystemKind>("other");
  const [renaming, setRenaming] = useState<string | null>(null);
  return (
    <section className="panel" data-testid="systems-panel">
      <h2>Systems ({model.systems.length})</h2>
      <ul>
        {model.systems.map((s) => (
          <li key={s.id} data-id={s.id} data-testid="system-item" aria-selected={selected?.kind === "system" && selected.id === s.id}>
            {renaming === s.id ? (
              <RenameForm
                id={s.id}
                name={s.name}
                onCancel={() => setRenaming(null)}
                onSubmit={(newId, newName) => {
                  setRenaming(null);
                  void onEdit({ op: "rename", kind: "system", id: s.id, newId: newId === s.id ? null : newId, name: newName === s.name ? null : newName ?? null });
                }}
              />
            ) : (
              <>
                <span className="item-name" data-testid="system-name" title={s.name} style={truncated("14rem")}>
                  {s.name}
                </span> <code>{s.id}</code> <span className="kind">{s.kind}</span>
                <button type="button" data-testid="rename-system" onClick={() => setRenaming(s.id)}>
                  Rename
                </button>
                <button type="button" data-testid="delete-system" onClick={() => void onEdit({ op: "deleteSystem", id: s.id })}>
                  Delete
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
      <form
        className="add-form"
        data-testid="add-system-form"
        onSubmit={(e) => {
          e.preventDefault();
          const sid = id.trim() || slugify(name);
          if (!name.trim()) return;
          void onEdit({ op: "addSystem", system: { id: sid, name: name.trim(), kind } }).then(() => {
            setName("");
            setId("");
          });
        }}
      >
        <input data-testid="add-system-name" placeholder="System name" maxLength={NAME_MAX_CHARS} value={name} onChange={(e) => setName(e.target.value)} />
        <input data-testid="add-system-id" placeholder={slugify(name) || "id"} value={id} onChange={(e) => setId(e.target.value)} />
        <select data-testid="add-system-kind" value={kind} onChange={(e) => setKind(e.target.value as SystemKind)}>
          {KINDS.map((k) => (
            <option key={k}>{k}</option>
          ))}
        </select>
        <button type="submit" data-testid="add-system">
          Add system
        </button>
      </form>
    </section>
  );
}
