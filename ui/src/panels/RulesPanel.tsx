import { useState } from "react";
import type { Edit, Model, ValidateAction } from "../api";
import { RenameForm } from "./RenameForm";

type Props = { model: Model; onEdit: (e: Edit) => Promise<void> };

export function RulesPanel({ model, onEdit }: Props) {
  const rules = model.rules ?? [];
  const [id, setId] = useState("");
  const [entity, setEntity] = useState("");
  const [condition, setCondition] = useState("");
  const [action, setAction] = useState<ValidateAction>("reject");
  const [renaming, setRenaming] = useState<string | null>(null);
  const e0 = entity || model.entities[0]?.id || "";
  return (
    <section className="panel" data-testid="rules-panel">
      <h2>Rules ({rules.length})</h2>
      <ul>
        {rules.map((r) => (
          <li key={r.id} data-id={r.id} data-testid="rule-item">
            {renaming === r.id ? (
              <RenameForm
                id={r.id}
                onCancel={() => setRenaming(null)}
                onSubmit={(newId) => {
                  setRenaming(null);
                  void onEdit({ op: "rename", kind: "rule", id: r.id, newId, name: null });
                }}
              />
            ) : (
              <>
                <code>{r.id}</code> <span className="kind">{r.kind}</span>{" "}
                {"entity" in r ? r.entity : r.flow}
                {"condition" in r && <code className="cel"> {r.condition}</code>}
                <button type="button" data-testid="rename-rule" onClick={() => setRenaming(r.id)}>
                  Rename
                </button>
                <button type="button" data-testid="delete-rule" onClick={() => void onEdit({ op: "deleteRule", id: r.id })}>
                  Delete
                </button>
              </>
            )}
          </li>
        ))}
      </ul>
      {model.entities.length > 0 && (
        <form
          className="add-form"
          data-testid="add-rule-form"
          onSubmit={(ev) => {
            ev.preventDefault();
            if (!id.trim() || !condition.trim()) return;
            void onEdit({
              op: "addRule",
              rule: { kind: "validate", id: id.trim(), entity: e0, condition: condition.trim(), action, message: null },
            }).then(() => {
              setId("");
              setCondition("");
            });
          }}
        >
          <input data-testid="add-rule-id" placeholder="Rule id" value={id} onChange={(ev) => setId(ev.target.value)} />
          <select data-testid="add-rule-entity" value={e0} onChange={(ev) => setEntity(ev.target.value)}>
            {model.entities.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name}
              </option>
            ))}
          </select>
          <input data-testid="add-rule-condition" placeholder="CEL condition, e.g. quantity >= 0" value={condition} onChange={(ev) => setCondition(ev.target.value)} />
          <select data-testid="add-rule-action" value={action} onChange={(ev) => setAction(ev.target.value as ValidateAction)}>
            <option value="reject">reject</option>
            <option value="quarantine">quarantine</option>
            <option value="flag">flag</option>
          </select>
          <button type="submit" data-testid="add-rule">
            Add validate rule
          </button>
        </form>
      )}
    </section>
  );
}
