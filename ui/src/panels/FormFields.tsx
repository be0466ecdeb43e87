// Small form controls for the properties forms. Text and numbers commit on
// blur or Enter (Escape puts the stored value back); selects and checkboxes
// commit at once. A control keeps what the user typed until the stored value
// changes (callers pass `key={value}`-style remounts through `FieldKey`), so
// a refused change leaves the input as typed, next to the error.
import { createContext, useContext, useId, useState, type CSSProperties, type ReactNode } from "react";

// Layout only (colours come from the app's stylesheet): one control per line.
const ROW: CSSProperties = { display: "flex", flexDirection: "column", gap: "0.15rem", margin: "0 0 0.5rem" };
const CHECK_ROW: CSSProperties = { display: "flex", flexDirection: "row", alignItems: "center", gap: "0.4rem", margin: "0 0 0.5rem", flexWrap: "wrap" };
const SET: CSSProperties = { ...ROW, flexDirection: "row", flexWrap: "wrap", alignItems: "center", border: "1px solid var(--border, #ccc)", borderRadius: 4, padding: "0.3rem 0.5rem" };
const LABEL: CSSProperties = { fontWeight: 600, fontSize: "0.9em" };

type Common = { label: string; testid: string; hint?: ReactNode };

/**
 * Which control made the last change, so that the backend's refusal shows
 * beside it. A form provides it (see `useFieldErrors`); each control says
 * "this change is mine" (`touch`) just before it commits, and shows the
 * error when it is the one that caused it.
 */
export type FieldErrorsApi = { touch: (source: string) => void; source: string | null; message: string | null };
export const FieldErrors = createContext<FieldErrorsApi | null>(null);

/** The refusal of this control's last change (null if none), and `touch` to call before committing. */
function useOwnError(): { touch: () => void; error: string | null } {
  const id = useId();
  const api = useContext(FieldErrors);
  return { touch: () => api?.touch(id), error: api && api.source === id ? api.message : null };
}

/** The refusal, beside the control that caused it. */
function OwnError({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <span className="form-error field-error" role="alert" data-testid="form-error">
      {error}
    </span>
  );
}

function Row({ label, hint, error, children }: { label: string; hint?: ReactNode; error?: string | null; children: ReactNode }) {
  return (
    <label className={error ? "form-row form-row-invalid" : "form-row"} style={ROW}>
      <span className="form-label" style={LABEL}>
        {label}
      </span>
      {children}
      <OwnError error={error ?? null} />
      {hint && <span className="hint" style={{ fontSize: "0.8em", opacity: 0.75 }}>{hint}</span>}
    </label>
  );
}

type TextProps = Common & {
  value: string;
  onCommit: (v: string) => void;
  placeholder?: string;
  multiline?: boolean;
  maxLength?: number;
};

function TextInput({ label, testid, hint, value, onCommit, placeholder, multiline, maxLength }: TextProps) {
  const [draft, setDraft] = useState(value);
  const own = useOwnError();
  const commit = () => {
    if (draft === value) return;
    own.touch();
    onCommit(draft);
  };
  const common = {
    "data-testid": testid,
    "aria-label": label,
    "aria-invalid": own.error ? true : undefined,
    value: draft,
    placeholder,
    maxLength,
    onBlur: commit,
  };
  return (
    <Row label={label} hint={hint} error={own.error}>
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
  const own = useOwnError();
  const commit = () => {
    const t = draft.trim();
    if (t === shown) return;
    if (t === "") {
      setBad(null);
      own.touch();
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
    own.touch();
    onCommit(n);
  };
  return (
    <Row label={label} error={own.error} hint={bad ? <span className="form-error" data-testid={`${testid}-invalid`}>Give {bad}.</span> : hint}>
      <input
        data-testid={testid}
        aria-label={label}
        aria-invalid={bad || own.error ? true : undefined}
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
  const own = useOwnError();
  return (
    <Row label={label} hint={hint} error={own.error}>
      <select
        data-testid={testid}
        aria-label={label}
        aria-invalid={own.error ? true : undefined}
        value={value}
        onChange={(e) => {
          own.touch();
          onChange(e.target.value);
        }}
      >
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
  const own = useOwnError();
  return (
    <label className="form-row form-check" style={CHECK_ROW}>
      <input
        type="checkbox"
        data-testid={testid}
        checked={checked}
        onChange={(e) => {
          own.touch();
          onChange(e.target.checked);
        }}
      />
      <span className="form-label">{label}</span>
      <OwnError error={own.error} />
      {hint && <span className="hint" style={{ fontSize: "0.8em", opacity: 0.75 }}>{hint}</span>}
    </label>
  );
}

/** A set of choices as checkboxes (systems, fields); commits at once. */
export function ChoiceList({ label, testid, hint, choices, selected, onChange }: Common & { choices: Option[]; selected: string[]; onChange: (v: string[]) => void }) {
  const own = useOwnError();
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
              own.touch();
              onChange(e.target.checked ? [...selected.filter((s) => s !== c.value), c.value] : selected.filter((s) => s !== c.value));
            }}
          />
          {c.label}
        </label>
      ))}
      <OwnError error={own.error} />
      {hint && <span className="hint" style={{ fontSize: "0.8em", opacity: 0.75 }}>{hint}</span>}
    </fieldset>
  );
}

/** A list of short texts (environments, enum values): chips with ×, and an input that adds on Enter. */
export function TextListField({ label, testid, hint, values, onChange, placeholder }: Common & { values: string[]; onChange: (v: string[]) => void; placeholder?: string }) {
  const [adding, setAdding] = useState("");
  const own = useOwnError();
  const add = () => {
    const v = adding.trim();
    if (!v || values.includes(v)) return;
    own.touch();
    onChange([...values, v]);
    setAdding("");
  };
  return (
    <fieldset className="form-row text-list" data-testid={testid} style={SET}>
      <legend className="form-label" style={LABEL}>{label}</legend>
      {values.map((v, i) => (
        <span key={v} className="chip" data-testid={`${testid}-item`}>
          {v}{" "}
          <button type="button" data-testid={`${testid}-remove`} aria-label={`Remove ${v}`} onClick={() => {
              own.touch();
              onChange(values.filter((_, k) => k !== i));
            }}
          >
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
      <OwnError error={own.error} />
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
