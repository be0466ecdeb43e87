// Live findings, grouped by severity then code (counts in the headers), each
// with its subject, message and suggested fix, and "Apply fix" when the
// backend offers a one-click fix for it. Clicking a finding selects its
// subject. The list scrolls inside a fixed-height panel: no layout shift.
import { useState } from "react";
import { describe, type Finding, type Model, type ModelState } from "../api";
import type { Selection, SelectionKind } from "../selection";

type Props = {
  state: ModelState;
  onSelect: (s: Selection) => void;
  applyQuickFix: (code: string, subject: string) => Promise<void>;
  /** Defaults to `state.findings`. */
  findings?: Finding[];
  /** Folded to its header line by the user (the app lets the canvas take the room). */
  collapsed?: boolean;
  onToggle?: () => void;
};

type ItemKind = Exclude<SelectionKind, "model">;

/** Findings shown per code before "Show all" (large models have thousands). */
export const GROUP_LIMIT = 100;

const SEVERITIES: Finding["severity"][] = ["error", "warning", "info"];
const SEVERITY_TITLE: Record<Finding["severity"], string> = { error: "Errors", warning: "Warnings", info: "Info" };

/** The kind of subject each code is about (a subject id may name several kinds). */
const CODE_KIND: Record<string, ItemKind> = {
  "condition-syntax": "rule",
  "condition-type-mismatch": "rule",
  "condition-unknown-field": "rule",
  "condition-unknown-function": "rule",
  "event-echo": "flow",
  "missing-idempotency-key": "flow",
  "missing-schedule": "flow",
  "request-not-to-owner": "flow",
  "system-triggered-request": "flow",
  "unacknowledged-flow": "flow",
  "user-triggered-event": "flow",
  "undeclared-copy": "flow",
  "missing-endpoint": "system",
  "unused-system": "system",
  "literal-secret": "system",
  "no-owner": "entity",
  "no-steward": "entity",
  "no-consistency-window": "entity",
  "owner-listed-as-copy": "entity",
  "key-not-a-field": "entity",
  "stale-copy": "entity",
  "unknown-owner": "entity",
  "unreconciled-money": "entity",
  "zero-ack-deadline": "flow",
  "ack-deadline-without-ack": "flow",
  "unmeasurable-alert": "rule",
  "reconcile-too-few-systems": "rule",
  "reconcile-non-holder": "rule",
  "double-write": "entity",
};

function exists(m: Model, kind: ItemKind, id: string): boolean {
  switch (kind) {
    case "system":
      return m.systems.some((s) => s.id === id);
    case "entity":
      return m.entities.some((e) => e.id === id);
    case "flow":
      return m.flows.some((f) => f.id === id);
    case "rule":
      return (m.rules ?? []).some((r) => r.id === id);
  }
}

/** What a finding is about: by its code first, else the first list naming the id; the model otherwise. */
export function subjectOf(m: Model, f: Pick<Finding, "code" | "subject">): Selection {
  const preferred = CODE_KIND[f.code] ?? (f.code.startsWith("condition-") ? "rule" : undefined);
  if (preferred && exists(m, preferred, f.subject)) return { kind: preferred, id: f.subject };
  for (const kind of ["system", "entity", "flow", "rule"] as ItemKind[]) {
    if (exists(m, kind, f.subject)) return { kind, id: f.subject };
  }
  return { kind: "model", id: f.subject };
}

type Group = { code: string; findings: Finding[] };

export function groupFindings(findings: Finding[]): { severity: Finding["severity"]; count: number; groups: Group[] }[] {
  return SEVERITIES.map((severity) => {
    const of = findings.filter((f) => f.severity === severity);
    const byCode = new Map<string, Finding[]>();
    for (const f of of) {
      const list = byCode.get(f.code);
      if (list) list.push(f);
      else byCode.set(f.code, [f]);
    }
    const groups = [...byCode.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([code, fs]) => ({ code, findings: fs }));
    return { severity, count: of.length, groups };
  }).filter((s) => s.count > 0);
}

export function FindingsPanel({ state, onSelect, applyQuickFix, findings: given, collapsed: folded = false, onToggle }: Props) {
  const findings = given ?? state.findings;
  const [collapsed, setCollapsed] = useState<Set<string>>(new Set());
  const [expanded, setExpanded] = useState<Set<string>>(new Set());
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fixes = new Map((state.quickFixes ?? []).map((q) => [`${q.code}\u0000${q.subject}`, q.label]));
  const errors = findings.filter((f) => f.severity === "error").length;
  const toggle = (k: string) =>
    setCollapsed((c) => {
      const n = new Set(c);
      if (n.has(k)) n.delete(k);
      else n.add(k);
      return n;
    });
  const fix = async (f: Finding) => {
    const k = `${f.code}\u0000${f.subject}`;
    setBusy(k);
    try {
      await applyQuickFix(f.code, f.subject);
      setError(null);
    } catch (e) {
      setError(describe(e));
    } finally {
      setBusy(null);
    }
  };
  const compact = folded || findings.length === 0;
  return (
    <aside className={`panel findings${compact ? " findings-compact" : ""}`} data-testid="findings-panel" data-errors={errors} data-collapsed={folded ? "true" : "false"}>
      <h2 className="findings-head">
        <span>
          Findings ({findings.length}
          {errors > 0 ? `, ${errors} error${errors === 1 ? "" : "s"}` : ""})
        </span>
        {findings.length === 0 && (
          <span className="findings-none" data-testid="no-findings">
            No findings: the model is consistent.
          </span>
        )}
        {findings.length > 0 && onToggle && (
          <button type="button" className="findings-toggle" data-testid="findings-toggle" aria-expanded={!folded} onClick={onToggle}>
            {folded ? "Show" : "Hide"}
          </button>
        )}
      </h2>
      {error && (
        <p className="form-error" role="alert" data-testid="quick-fix-error">
          {error}
        </p>
      )}
      {!compact && (
      <div className="findings-list" style={{ flex: "1 1 0", minHeight: 0, overflowY: "auto" }}>
        {(
          groupFindings(findings).map((s) => (
            <section key={s.severity} className={`finding-severity finding-${s.severity}`} data-testid="finding-severity" data-severity={s.severity}>
              <h3>
                <span className="severity">{SEVERITY_TITLE[s.severity]}</span> ({s.count})
              </h3>
              {s.groups.map((g) => {
                const gk = `${s.severity}:${g.code}`;
                const open = !collapsed.has(gk);
                return (
                  <div key={g.code} className="finding-group" data-testid="finding-group" data-code={g.code} data-count={g.findings.length}>
                    <button type="button" className="finding-group-head" aria-expanded={open} onClick={() => toggle(gk)}>
                      {open ? "▾" : "▸"} <code>{g.code}</code> ({g.findings.length})
                    </button>
                    {open && (
                      <ul>
                        {(expanded.has(gk) ? g.findings : g.findings.slice(0, GROUP_LIMIT)).map((f, i) => {
                          const label = fixes.get(`${f.code}\u0000${f.subject}`);
                          const sel = subjectOf(state.model, f);
                          return (
                            <li
                              key={`${f.subject}:${i}`}
                              className={`finding finding-${f.severity}`}
                              data-testid="finding"
                              data-code={f.code}
                              data-subject={f.subject}
                              data-kind={sel.kind}
                              tabIndex={0}
                              role="button"
                              onClick={() => onSelect(sel)}
                              onKeyDown={(e) => {
                                if (e.key === "Enter" || e.key === " ") {
                                  e.preventDefault();
                                  onSelect(sel);
                                }
                              }}
                            >
                              <strong className="finding-subject">{f.subject}</strong>: <span className="finding-message">{f.message}</span>
                              {f.fix && <div className="fix">Fix: {f.fix}</div>}
                              {label && (
                                <button
                                  type="button"
                                  data-testid="quick-fix"
                                  disabled={busy !== null}
                                  onClick={(e) => {
                                    e.stopPropagation();
                                    void fix(f);
                                  }}
                                >
                                  Apply fix: {label}
                                </button>
                              )}
                            </li>
                          );
                        })}
                        {g.findings.length > GROUP_LIMIT && !expanded.has(gk) && (
                          <li>
                            <button type="button" data-testid="findings-show-all" onClick={() => setExpanded((x) => new Set(x).add(gk))}>
                              Show all {g.findings.length}
                            </button>
                          </li>
                        )}
                      </ul>
                    )}
                  </div>
                );
              })}
            </section>
          ))
        )}
      </div>
      )}
    </aside>
  );
}
