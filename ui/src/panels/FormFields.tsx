// Small form controls for the properties forms. Text and numbers commit on
// blur or Enter (Escape puts the stored value back); selects and checkboxes
// commit at once. A control keeps what the user typed until the stored value
// changes (callers pass `key={value}`-style remounts through `FieldKey`), so
// a refused change leaves the input as typed, next to the error.
import { useState, type CSSProperties, type ReactNode } from "react";

// Layout only (colours come from the app's stylesheet): one control per line.
const ROW: CSSProperties = { display: "flex", flexDirection: "column", gap: "0.15rem", margin: "0 0 0.5rem" };
const CHECK_ROW: CSSProperties = { display: "flex", flexDirection: "row", alignItems: "center", gap: "0.4rem", margin: "0 0 0.5rem", flexWrap: "wrap" };
const SET: CSSProperties = { ...ROW, flexDirection: "row", flexWrap: "wrap", alignItems: "center", border: "1px solid var(--border, #ccc)", borderRadius: 4, padding: "0.3rem 0.5rem" };
const LABEL: CSSProperties = { fontWeight: 600, fontSize: "0.9em" };

type Common = { label: string; testid: string; hint?: ReactNode };

function Row({ label, hint, children }: { label: string; hint?: ReactNode; children: ReactNode }) {
  return (
    <label className="form-row" style={ROW}>
      <span className="form-label" style={LABEL}>
        {label}
      </span>
      {children}
      {hint && <span className="hint" style={{ fontSize: "0.8em", opacity: 0.75 }}>{hint}</span>}
    </label>
  );
}

type TextProps = Common & {
  value: string;
  onCommit: (v: string) => void;
  placeholder?: string;
  multiline?: boolean;
};

function TextInput({ label, testid, hint, value, onCommit, placeholder, multiline }: TextProps) {
  const [draft, setDraft] = useState(value);
  const commit = () => {
    if (draft !== value) onCommit(draft);
  };
  const common = {
    "data-testid": testid,
    "aria-label": label,
    value: draft,
    placeholder,
    onBlur: commit,
  };
  return (
    <Row label={label} hint={hint}>
      {multiline ? (
        <textarea
          {...common}
          rows={3}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") setDraft(value);
            else if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) commit();
          }}
        />
      ) : (
        <input
          {...common}
          type="text"
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Escape") setDraft(value);
            else if (e.key === "Enter") {
              e.preventDefault();
              commit();
            }
          }}
        />
      )}
    </Row>
  );
}

/** Text committed on blur/Enter. Remounts (drops the draft) when `value` changes. */
export function TextField(props: TextProps) {
  return <TextInput key={props.value} {...props} />;
}

type NumberProps = Common & {
  value: number | null | undefined;
  onCommit: (v: number | null) => void;
  integer?: boolean;
  min?: number;
  max?: number;
  placeholder?: string;
};

function NumberInput({ label, testid, hint, value, onCommit, integer, min, max, placeholder }: NumberProps) {
  const shown = value === null || value === undefined ? "" : String(value);
  const [draft, setDraft] = useState(shown);
  const [bad, setBad] = useState<string | null>(null);
  const commit = () => {
    const t = draft.trim();
    if (t === shown) return;
    if (t === "") {
      setBad(null);
      onCommit(null);
      return;
    }
    const n = Number(t);
    if (!Number.isFinite(n) || (integer && !Number.isInteger(n))) {
      setBad(integer ? "a whole number" : "a number");
      return;
    }
    if ((min !== undefined && n < min) || (max !== undefined && n > max)) {
      setBad(`between ${min ?? "…"} and ${max ?? "…"}`);
      return;
    }
    setBad(null);
    onCommit(n);
  };
  return (
    <Row label={label} hint={bad ? <span className="form-error" data-testid={`${testid}-invalid`}>Give {bad}.</span> : hint}>
      <input
        data-testid={testid}
        aria-label={label}
        aria-invalid={bad ? true : undefined}
        type="number"
        step={integer ? 1 : "any"}
        min={min}
        max={max}
        placeholder={placeholder}
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === "Escape") setDraft(shown);
          else if (e.key === "Enter") {
            e.preventDefault();
            commit();
          }
        }}
      />
    </Row>
  );
}

/** A number committed on blur/Enter; empty means "not set" (null). */
export function NumberField(props: NumberProps) {
  return <NumberInput key={String(props.value ?? "")} {...props} />;
}

type Option = { value: string; label: string };

export function SelectField({ label, testid, hint, value, options, onChange }: Common & { value: string; options: Option[]; onChange: (v: string) => void }) {
  return (
    <Row label={label} hint={hint}>
      <select data-testid={testid} aria-label={label} value={value} onChange={(e) => onChange(e.target.value)}>
        {!options.some((o) => o.value === value) && <option value={value}>{value || "(none)"}</option>}
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </Row>
  );
}

export function CheckField({ label, testid, hint, checked, onChange }: Common & { checked: boolean; onChange: (v: boolean) => void }) {
  return (
    <label className="form-row form-check" style={CHECK_ROW}>
      <input type="checkbox" data-testid={testid} checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <span className="form-label">{label}</span>
      {hint && <span className="hint" style={{ fontSize: "0.8em", opacity: 0.75 }}>{hint}</span>}
    </label>
  );
}

/** A set of choices as checkboxes (systems, fields); commits at once. */
export function ChoiceList({ label, testid, hint, choices, selected, onChange }: Common & { choices: Option[]; selected: string[]; onChange: (v: string[]) => void }) {
  return (
    <fieldset className="form-row choice-list" data-testid={testid} style={SET}>
      <legend className="form-label" style={LABEL}>{label}</legend>
      {choices.length === 0 && <span className="hint">(nothing to choose)</span>}
      {choices.map((c) => (
        <label key={c.value} className="chip">
          <input
            type="checkbox"
            data-testid={`${testid}-option`}
            data-value={c.value}
            checked={selected.includes(c.value)}
            onChange={(e) => {
              // Kept in the stored order, a new choice last: a one-line diff in the file.
              onChange(e.target.checked ? [...selected.filter((s) => s !== c.value), c.value] : selected.filter((s) => s !== c.value));
            }}
          />
          {c.label}
        </label>
      ))}
      {hint && <span className="hint" style={{ fontSize: "0.8em", opacity: 0.75 }}>{hint}</span>}
    </fieldset>
  );
}

/** A list of short texts (environments, enum values): chips with ×, and an input that adds on Enter. */
export function TextListField({ label, testid, hint, values, onChange, placeholder }: Common & { values: string[]; onChange: (v: string[]) => void; placeholder?: string }) {
  const [adding, setAdding] = useState("");
  const add = () => {
    const v = adding.trim();
    if (!v || values.includes(v)) return;
    onChange([...values, v]);
    setAdding("");
  };
  return (
    <fieldset className="form-row text-list" data-testid={testid} style={SET}>
      <legend className="form-label" style={LABEL}>{label}</legend>
      {values.map((v, i) => (
        <span key={v} className="chip" data-testid={`${testid}-item`}>
          {v}{" "}
          <button type="button" data-testid={`${testid}-remove`} aria-label={`Remove ${v}`} onClick={() => onChange(values.filter((_, k) => k !== i))}>
            ×
          </button>
        </span>
      ))}
      <input
        data-testid={`${testid}-add`}
        aria-label={`Add to ${label}`}
        placeholder={placeholder ?? "add, Enter"}
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
      {hint && <span className="hint" style={{ fontSize: "0.8em", opacity: 0.75 }}>{hint}</span>}
    </fieldset>
  );
}

/** The backend's refusal of the last change, next to the form. */
export function FormError({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <p className="form-error" role="alert" data-testid="form-error">
      {error}
    </p>
  );
}
