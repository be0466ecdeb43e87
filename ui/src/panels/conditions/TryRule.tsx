// "Try a rule": a sample record typed by the entity's fields, and what the
// runtime's own evaluator says about it for the condition as it stands (the
// backend's try_condition: the contract first, then the condition, exactly
// as the gate decides). Live: a new answer follows each change of the
// condition or the sample, debounced.
import { useEffect, useMemo, useState } from "react";
import { describe, type Entity, type TrialResult } from "../../api";
import type { ConditionService } from "./types";

type EntityField = Entity["fields"][number];

/** A first sample value for a field, by type, so the record starts complete. */
export function sampleValue(field: EntityField): string {
  switch (field.type) {
    case "integer":
    case "number":
      return "0";
    case "boolean":
      return "false";
    case "date":
      return "2026-03-01";
    case "datetime":
      return "2026-03-01T10:00:00Z";
    case "enum":
      return field.values?.[0] ?? "";
    default:
      return "sample";
  }
}

/**
 * The record sent to the runtime: numbers and booleans as JSON numbers and
 * booleans when they read as such (otherwise as typed, for the contract to
 * refuse), fields left unset omitted.
 */
export function sampleRecord(fields: EntityField[], values: Record<string, string>, unset: Set<string>): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const f of fields) {
    if (unset.has(f.name)) continue;
    const v = values[f.name] ?? sampleValue(f);
    if ((f.type === "integer" || f.type === "number") && v.trim() !== "" && Number.isFinite(Number(v))) record[f.name] = Number(v);
    else if (f.type === "boolean" && (v === "true" || v === "false")) record[f.name] = v === "true";
    else record[f.name] = v;
  }
  return record;
}

const VERDICT: Record<TrialResult["outcome"], string> = {
  holds: "Holds",
  fails: "Does not hold",
  error: "Cannot be evaluated",
  contract: "Refused by the contract",
  invalid: "Not a condition the runtime can run",
};

type Props = { entity: Entity; cel: string; service: ConditionService };

export function TryRule({ entity, cel, service }: Props) {
  const trySample = service.trySample;
  const [values, setValues] = useState<Record<string, string>>({});
  const [unset, setUnset] = useState<Set<string>>(() => new Set());
  const [result, setResult] = useState<TrialResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const record = useMemo(() => sampleRecord(entity.fields, values, unset), [entity.fields, values, unset]);
  const recordKey = JSON.stringify(record);

  useEffect(() => {
    if (!open || !trySample) return;
    let cancelled = false;
    const timer = setTimeout(() => {
      trySample(entity.id, cel, JSON.parse(recordKey) as Record<string, unknown>)
        .then((r) => {
          if (cancelled) return;
          setResult(r);
          setError(null);
        })
        .catch((e: unknown) => {
          if (!cancelled) setError(describe(e));
        });
    }, 200);
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [open, trySample, entity.id, cel, recordKey]);

  if (!trySample) return null;
  return (
    <details className="try-rule" data-testid="try-rule" onToggle={(e) => setOpen((e.target as HTMLDetailsElement).open)}>
      <summary>Try it on a sample record</summary>
      <table className="try-fields">
        <tbody>
          {entity.fields.map((f) => {
            const isUnset = unset.has(f.name);
            const value = values[f.name] ?? sampleValue(f);
            const set = (v: string) => setValues((old) => ({ ...old, [f.name]: v }));
            return (
              <tr key={f.name} data-testid="try-field" data-field={f.name} className={result?.field === f.name ? "refused" : undefined}>
                <th scope="row">
                  <label htmlFor={`try-${f.name}`}>{f.name}</label>
                </th>
                <td>
                  {f.type === "boolean" ? (
                    <select id={`try-${f.name}`} data-testid="try-value" disabled={isUnset} value={value} onChange={(e) => set(e.target.value)}>
                      <option value="true">true</option>
                      <option value="false">false</option>
                    </select>
                  ) : f.type === "enum" && f.values && f.values.length > 0 ? (
                    <select id={`try-${f.name}`} data-testid="try-value" disabled={isUnset} value={value} onChange={(e) => set(e.target.value)}>
                      {f.values.map((v) => (
                        <option key={v} value={v}>
                          {v}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <input
                      id={`try-${f.name}`}
                      data-testid="try-value"
                      disabled={isUnset}
                      type={f.type === "integer" || f.type === "number" ? "number" : f.type === "date" ? "date" : "text"}
                      step={f.type === "integer" ? 1 : f.type === "number" ? "any" : undefined}
                      value={value}
                      onChange={(e) => set(e.target.value)}
                    />
                  )}
                </td>
                <td>
                  <label className="try-unset">
                    <input
                      type="checkbox"
                      data-testid="try-unset"
                      checked={isUnset}
                      onChange={(e) =>
                        setUnset((old) => {
                          const next = new Set(old);
                          if (e.target.checked) next.add(f.name);
                          else next.delete(f.name);
                          return next;
                        })
                      }
                    />
                    absent
                  </label>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {error ? (
        <p className="form-error" role="alert" data-testid="try-error">
          {error}
        </p>
      ) : (
        result && (
          <p className={`try-verdict ${result.outcome}`} data-testid="try-verdict" data-outcome={result.outcome} aria-live="polite">
            <strong>{VERDICT[result.outcome]}</strong>: {result.message}
          </p>
        )
      )}
    </details>
  );
}
