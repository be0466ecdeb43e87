// The rules of the model as a list. Conditions are never typed: a new
// validate rule starts from a condition the backend writes from a one-clause
// form (the entity's key, or first field, is present), and every condition is
// edited with the condition builder.
import { useContext, useMemo, useState } from "react";
import { SelectionContext } from "../selection";
import { describe, type Edit, type Entity, type Model, type ValidateAction } from "../api";
import { ConditionBuilder } from "./conditions/ConditionBuilder";
import { RuleTrafficNote } from "./rehearsal/RuleTrafficNote";
import { backendConditions } from "./conditions/service";
import type { ConditionForm, ConditionService } from "./conditions/types";
import { RenameForm } from "./RenameForm";

type Props = {
  model: Model;
  onEdit: (e: Edit) => Promise<void>;
  /** The model's id, for the backend's condition commands. */
  modelId?: number;
  /** CEL form service; the backend's for `modelId` by default (tests pass one). */
  conditions?: ConditionService;
};

/** The form of a new rule's first condition: the key (or the first field) is present. */
export function starterForm(e: Entity): ConditionForm | null {
  const field = e.fields.find((f) => f.name === e.key) ?? e.fields[0];
  if (!field) return null;
  return { join: "all", items: [{ kind: "clause", field: field.name, op: "present", value: "", values: [], otherField: null }] };
}

export function RulesPanel({ model, onEdit, modelId, conditions }: Props) {
  const selected = useContext(SelectionContext);
  const service = useMemo(() => conditions ?? (modelId === undefined ? null : backendConditions(modelId)), [conditions, modelId]);
  const rules = model.rules ?? [];
  const [id, setId] = useState("");
  const [entity, setEntity] = useState("");
  const [action, setAction] = useState<ValidateAction>("reject");
  const [renaming, setRenaming] = useState<string | null>(null);
  const [editing, setEditing] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const e0 = model.entities.some((e) => e.id === entity) ? entity : (model.entities[0]?.id ?? "");
  const chosen = model.entities.find((e) => e.id === e0);
  const starter = chosen ? starterForm(chosen) : null;
  const canAdd = service !== null && starter !== null;

  async function add() {
    const newId = id.trim();
    if (!newId || !service || !chosen || !starter) return;
    try {
      const condition = await service.toCel(chosen.id, starter);
      await onEdit({ op: "addRule", rule: { kind: "validate", id: newId, entity: chosen.id, condition, action, message: null } });
      setError(null);
      setId("");
      setEditing(newId);
    } catch (e) {
      setError(describe(e));
    }
  }

  return (
    <section className="panel" data-testid="rules-panel">
      <h2>Rules ({rules.length})</h2>
      <ul>
        {rules.map((r) => {
          const ruleEntity = "entity" in r ? model.entities.find((e) => e.id === r.entity) : undefined;
          const hasCondition = r.kind === "validate" || r.kind === "route";
          return (
            <li key={r.id} data-id={r.id} data-testid="rule-item" aria-selected={selected?.kind === "rule" && selected.id === r.id}>
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
                  <code>{r.id}</code> <span className="kind">{r.kind}</span> {"entity" in r ? r.entity : r.flow}
                  {hasCondition && (
                    <code className="cel" data-testid="rule-condition">
                      {" "}
                      {r.condition}
                    </code>
                  )}
                  {hasCondition && service && ruleEntity && (
                    <button type="button" data-testid="edit-rule-condition" aria-expanded={editing === r.id} onClick={() => setEditing(editing === r.id ? null : r.id)}>
                      {editing === r.id ? "Close condition" : "Edit condition"}
                    </button>
                  )}
                  {r.kind === "validate" && <RuleTrafficNote rule={r.id} />}
                  <button type="button" data-testid="rename-rule" onClick={() => setRenaming(r.id)}>
                    Rename
                  </button>
                  <button type="button" data-testid="delete-rule" onClick={() => void onEdit({ op: "deleteRule", id: r.id })}>
                    Delete
                  </button>
                  {hasCondition && service && ruleEntity && editing === r.id && (
                    <ConditionBuilder entity={ruleEntity} cel={r.condition} service={service} onCommit={(condition) => onEdit({ op: "updateRule", id: r.id, rule: { ...r, condition } })} />
                  )}
                </>
              )}
            </li>
          );
        })}
      </ul>
      {model.entities.length > 0 && (
        <form
          className="add-form"
          data-testid="add-rule-form"
          onSubmit={(ev) => {
            ev.preventDefault();
            void add();
          }}
        >
          <input data-testid="add-rule-id" placeholder="Rule id" value={id} onChange={(ev) => setId(ev.target.value)} />
          <select data-testid="add-rule-entity" aria-label="Entity" value={e0} onChange={(ev) => setEntity(ev.target.value)}>
            {model.entities.map((e) => (
              <option key={e.id} value={e.id}>
                {e.name}
              </option>
            ))}
          </select>
          <select data-testid="add-rule-action" aria-label="When it fails" value={action} onChange={(ev) => setAction(ev.target.value as ValidateAction)}>
            <option value="reject">reject</option>
            <option value="quarantine">quarantine</option>
            <option value="flag">flag</option>
          </select>
          <button type="submit" data-testid="add-rule" disabled={!canAdd || !id.trim()}>
            Add validate rule
          </button>
          {chosen && !starter && (
            <p className="hint" data-testid="add-rule-hint">
              Declare the fields of {chosen.name} first: conditions are built from them.
            </p>
          )}
          {canAdd && <p className="hint">The rule starts with &quot;{starter.items[0]?.kind === "clause" ? starter.items[0].field : ""} is present&quot;; change it with the condition builder.</p>}
          {error && (
            <p className="form-error" role="alert" data-testid="add-rule-error">
              {error}
            </p>
          )}
        </form>
      )}
    </section>
  );
}
