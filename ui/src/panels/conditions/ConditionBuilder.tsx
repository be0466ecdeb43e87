// The CEL condition of a validate or route rule, built by a form: clauses of
// a field, an operator that suits its type and a typed value (or another
// field), joined by all/any, with groups joined the other way. The backend
// writes the CEL (api.conditionToCel) and reads it back (conditionFromCel);
// a condition that is not a form shape is shown read-only, with "Rebuild
// with the form".
import { useEffect, useRef, useState } from "react";
import { describe, type Entity } from "../../api";
import {
  JOIN_LABEL,
  OP_LABELS,
  adaptClause,
  comparableFields,
  newClause,
  opsFor,
  otherJoin,
  takesOtherField,
  takesValue,
  type Clause,
  type ClauseOp,
  type ConditionForm,
  type ConditionItem,
  type ConditionService,
  type Join,
} from "./types";
import { TryRule } from "./TryRule";

type EntityField = Entity["fields"][number];

type Props = {
  entity: Entity;
  /** The rule's condition now. */
  cel: string;
  service: ConditionService;
  /** Stores a new condition (one edit). Throws on refusal. */
  onCommit: (cel: string) => Promise<void>;
};

type Parsed = { cel: string; form: ConditionForm | null };

export function ConditionBuilder({ entity, cel, service, onCommit }: Props) {
  const [parsed, setParsed] = useState<Parsed | null>(null);
  const [draft, setDraftState] = useState<ConditionForm | null>(null);
  const [error, setError] = useState<string | null>(null);
  const draftRef = useRef<ConditionForm | null>(null);
  const written = useRef<string | null>(null);
  const fieldsKey = JSON.stringify(entity.fields);

  const setDraft = (f: ConditionForm | null) => {
    draftRef.current = f;
    setDraftState(f);
  };

  useEffect(() => {
    // What we wrote ourselves comes back as the prop: the draft already shows it.
    if (written.current !== null && written.current === cel && draftRef.current) return;
    let cancelled = false;
    service
      .fromCel(entity.id, cel)
      .then((form) => {
        if (cancelled) return;
        setParsed({ cel, form });
        draftRef.current = null;
        setDraftState(null);
      })
      .catch(() => {
        if (!cancelled) setParsed({ cel, form: null });
      });
    return () => {
      cancelled = true;
    };
    // fieldsKey: a changed field list may change how the condition reads.
  }, [cel, entity.id, fieldsKey, service]);

  const fields = entity.fields;
  const form = draft ?? parsed?.form ?? null;

  async function commit(next: ConditionForm) {
    setDraft(next);
    try {
      const text = await service.toCel(entity.id, next);
      setError(null);
      if (text !== cel) {
        written.current = text;
        await onCommit(text);
      }
    } catch (e) {
      setError(describe(e));
    }
  }

  /** Changes the draft; `now` commits it too (selects), else a later blur does. */
  const change = (next: ConditionForm, now: boolean) => {
    if (now) void commit(next);
    else setDraft(next);
  };
  const commitDraft = () => {
    const d = draftRef.current;
    if (d) void commit(d);
  };

  if (parsed === null && draft === null) {
    return (
      <div className="condition" data-testid="condition-builder" data-state="loading">
        <code className="cel">{cel}</code>
      </div>
    );
  }

  if (!form) {
    return (
      <div className="condition" data-testid="condition-builder" data-state="text">
        <code className="cel" data-testid="condition-text">
          {cel}
        </code>
        <p className="hint">This condition was written by hand and has a shape the form cannot show.</p>
        <button type="button" data-testid="condition-rebuild" onClick={() => setDraft({ join: "all", items: [{ kind: "clause", ...newClause(fields[0]) }] })} disabled={fields.length === 0}>
          Rebuild with the form
        </button>
        {fields.length === 0 && <p className="hint">Declare the entity&apos;s fields first.</p>}
        <TryRule entity={entity} cel={cel} service={service} />
      </div>
    );
  }

  const setItem = (i: number, item: ConditionItem | null, now: boolean) => {
    const items = form.items.slice();
    if (item) items[i] = item;
    else items.splice(i, 1);
    change({ ...form, items }, now);
  };

  return (
    <div className="condition" data-testid="condition-builder" data-state="form">
      <div className="condition-head">
        Records match{" "}
        <select data-testid="condition-join" aria-label="Join" value={form.join} onChange={(e) => change({ ...form, join: e.target.value as Join }, true)}>
          <option value="all">all of</option>
          <option value="any">any of</option>
        </select>{" "}
        these:
      </div>
      <ol className="clauses">
        {form.items.map((item, i) =>
          item.kind === "clause" ? (
            <li key={i}>
              <ClauseRow
                fields={fields}
                clause={item}
                onChange={(c, now) => setItem(i, { kind: "clause", ...c }, now)}
                onCommit={commitDraft}
                onRemove={form.items.length > 1 ? () => setItem(i, null, true) : undefined}
              />
            </li>
          ) : (
            <li key={i} className="clause-group" data-testid="condition-group">
              <span className="group-join">{JOIN_LABEL[otherJoin(form.join)]}:</span>
              <ol className="clauses">
                {item.clauses.map((c, j) => (
                  <li key={j}>
                    <ClauseRow
                      fields={fields}
                      clause={c}
                      onChange={(next, now) => {
                        const clauses = item.clauses.slice();
                        clauses[j] = next;
                        setItem(i, { kind: "group", clauses }, now);
                      }}
                      onCommit={commitDraft}
                      onRemove={() => {
                        const clauses = item.clauses.filter((_, k) => k !== j);
                        setItem(i, clauses.length ? { kind: "group", clauses } : null, true);
                      }}
                    />
                  </li>
                ))}
              </ol>
              <button type="button" data-testid="group-add-clause" onClick={() => setItem(i, { kind: "group", clauses: [...item.clauses, newClause(fields[0])] }, true)}>
                + Clause in group
              </button>
            </li>
          ),
        )}
      </ol>
      <div className="condition-actions">
        <button type="button" data-testid="clause-add" disabled={fields.length === 0} onClick={() => change({ ...form, items: [...form.items, { kind: "clause", ...newClause(fields[0]) }] }, true)}>
          + Clause
        </button>
        <button
          type="button"
          data-testid="group-add"
          disabled={fields.length === 0}
          onClick={() => change({ ...form, items: [...form.items, { kind: "group", clauses: [newClause(fields[0]), newClause(fields[0])] }] }, true)}
        >
          + Group ({JOIN_LABEL[otherJoin(form.join)]})
        </button>
        {draft && parsed?.form === null && (
          <button type="button" data-testid="condition-rebuild-cancel" onClick={() => setDraft(null)}>
            Keep the written condition
          </button>
        )}
      </div>
      {error && (
        <p className="form-error" role="alert" data-testid="condition-error">
          {error}
        </p>
      )}
      <div className="cel-preview">
        CEL: <code data-testid="condition-cel">{cel}</code>
      </div>
      <TryRule entity={entity} cel={cel} service={service} />
    </div>
  );
}

type RowProps = {
  fields: EntityField[];
  clause: Clause;
  onChange: (c: Clause, now: boolean) => void;
  onCommit: () => void;
  onRemove?: () => void;
};

function ClauseRow({ fields, clause, onChange, onCommit, onRemove }: RowProps) {
  const field = fields.find((f) => f.name === clause.field);
  const ops = field ? opsFor(field.type) : (["present", "absent"] as ClauseOp[]);
  const kind = takesValue(clause.op);
  const others = field && takesOtherField(clause.op) ? comparableFields(fields, field, clause.op) : [];
  return (
    <div className="clause" data-testid="clause" data-field={clause.field} data-op={clause.op}>
      <select
        data-testid="clause-field"
        aria-label="Field"
        value={clause.field}
        onChange={(e) => {
          const f = fields.find((x) => x.name === e.target.value);
          const nextOps = f ? opsFor(f.type) : [];
          const op = nextOps.includes(clause.op) ? clause.op : (nextOps[0] ?? "present");
          onChange(adaptClause(clause, f, op), true);
        }}
      >
        {!field && <option value={clause.field}>{clause.field || "(field)"}</option>}
        {fields.map((f) => (
          <option key={f.name} value={f.name}>
            {f.name}
          </option>
        ))}
      </select>{" "}
      <select data-testid="clause-op" aria-label="Operator" value={clause.op} onChange={(e) => onChange(adaptClause(clause, field, e.target.value as ClauseOp), true)}>
        {ops.map((o) => (
          <option key={o} value={o}>
            {OP_LABELS[o]}
          </option>
        ))}
      </select>{" "}
      {kind === "one" && others.length > 0 && (
        <select
          data-testid="clause-compare"
          aria-label="Compare with"
          value={clause.otherField ?? ""}
          onChange={(e) => onChange({ ...clause, otherField: e.target.value || null }, true)}
        >
          <option value="">a value</option>
          {others.map((f) => (
            <option key={f.name} value={f.name}>
              the field {f.name}
            </option>
          ))}
        </select>
      )}{" "}
      {kind === "one" && !clause.otherField && field && <ValueInput field={field} value={clause.value} onChange={(v, now) => onChange({ ...clause, value: v }, now)} onCommit={onCommit} />}
      {kind === "list" && field && <ValueList field={field} values={clause.values} onChange={(values) => onChange({ ...clause, values }, true)} />}
      {onRemove && (
        <button type="button" data-testid="clause-remove" aria-label="Remove clause" onClick={onRemove}>
          ×
        </button>
      )}
    </div>
  );
}

function ValueInput({ field, value, onChange, onCommit }: { field: EntityField; value: string; onChange: (v: string, now: boolean) => void; onCommit: () => void }) {
  if (field.type === "boolean") {
    return (
      <select data-testid="clause-value" aria-label="Value" value={value} onChange={(e) => onChange(e.target.value, true)}>
        <option value="true">true</option>
        <option value="false">false</option>
      </select>
    );
  }
  if (field.type === "enum" && field.values && field.values.length > 0) {
    return (
      <select data-testid="clause-value" aria-label="Value" value={value} onChange={(e) => onChange(e.target.value, true)}>
        {!field.values.includes(value) && <option value={value}>{value || "(choose)"}</option>}
        {field.values.map((v) => (
          <option key={v} value={v}>
            {v}
          </option>
        ))}
      </select>
    );
  }
  const type = field.type === "integer" || field.type === "number" ? "number" : field.type === "date" ? "date" : "text";
  return (
    <input
      data-testid="clause-value"
      aria-label="Value"
      type={type}
      step={field.type === "integer" ? 1 : field.type === "number" ? "any" : undefined}
      placeholder={field.type === "datetime" ? "2026-03-01T10:00:00Z" : undefined}
      value={value}
      onChange={(e) => onChange(e.target.value, false)}
      onBlur={onCommit}
      onKeyDown={(e) => {
        if (e.key === "Enter") {
          e.preventDefault();
          onCommit();
        }
      }}
    />
  );
}

function ValueList({ field, values, onChange }: { field: EntityField; values: string[]; onChange: (values: string[]) => void }) {
  const [adding, setAdding] = useState("");
  if (field.type === "enum" && field.values && field.values.length > 0) {
    return (
      <span className="value-list" data-testid="clause-values">
        {field.values.map((v) => (
          <label key={v} className="chip">
            <input
              type="checkbox"
              data-testid="clause-value-option"
              data-value={v}
              checked={values.includes(v)}
              onChange={(e) => onChange(e.target.checked ? field.values!.filter((x) => x === v || values.includes(x)) : values.filter((x) => x !== v))}
            />
            {v}
          </label>
        ))}
      </span>
    );
  }
  const add = () => {
    if (adding === "" || values.includes(adding)) return;
    onChange([...values, adding]);
    setAdding("");
  };
  return (
    <span className="value-list" data-testid="clause-values">
      {values.map((v, i) => (
        <span key={i} className="chip" data-testid="clause-value-chip">
          {v}{" "}
          <button type="button" aria-label={`Remove ${v}`} onClick={() => onChange(values.filter((_, k) => k !== i))}>
            ×
          </button>
        </span>
      ))}
      <input
        data-testid="clause-value-add"
        aria-label="Add a value"
        type={field.type === "integer" || field.type === "number" ? "number" : "text"}
        placeholder="add a value, Enter"
        value={adding}
        onChange={(e) => setAdding(e.target.value)}
        onBlur={add}
        onKeyDown={(e) => {
          if (e.key === "Enter") {
            e.preventDefault();
            add();
          }
        }}
      />
    </span>
  );
}
