// The Rehearsal view: recorded traffic through the model on the table. Pick
// a traffic file and an environment; the backend exports the current
// revision and replays the file through charter-runtime (progress, Cancel).
// Results for people: the decisions as a chart, then incidents (one line
// each, the runtime's words), alerts, per-flow health and examples of
// refused messages. Clicking a subject selects it on the canvas.
import { useEffect, useMemo, useState } from "react";
import { api, pickOpenFile, pickSaveFile, type FlowTraffic, type ModelState, type Rehearsal, type RehearsalIncident, type RehearsalRecord, type RevisionInfo, type SubjectKind, type WhatIf } from "../../api";
import type { Selection } from "../../selection";
import type { RehearsalState } from "./useRehearsal";
import { DECISIONS, fraction, num, progressText, size, span } from "./format";
import "./rehearsal.css";

type Props = {
  state: ModelState;
  rehearsal: RehearsalState;
  /** Selects a subject and centres it on the canvas. */
  onSelect: (s: Selection) => void;
  onError: (e: unknown) => void;
  onDone: (text: string) => void;
};

const TRAFFIC_EXTENSIONS = ["jsonl", "ndjson", "json", "log", "txt"];

function defaultEnv(envs: string[]): string {
  return envs.includes("prod") ? "prod" : (envs[envs.length - 1] ?? "prod");
}

export function RehearsalView({ state, rehearsal, onSelect, onError, onDone }: Props) {
  const envs = state.model.environments ?? ["prod"];
  const [env, setEnv] = useState(() => defaultEnv(envs));
  const [sample, setSample] = useState<string | null>(null);
  const modelId = state.modelId;
  const { running, result, records, whatIf, start, compare, cancel, load } = rehearsal;

  useEffect(() => {
    load(modelId);
    let live = true;
    api
      .sampleTraffic(modelId)
      .then((p) => live && setSample(p))
      .catch(() => live && setSample(null));
    return () => {
      live = false;
    };
  }, [modelId, load]);

  const mine = result && result.record.modelId === modelId ? result : null;
  const busy = running !== null;

  const pickAndRun = async () => {
    try {
      const path = await pickOpenFile("Recorded traffic (JSON Lines)", TRAFFIC_EXTENSIONS);
      if (path) await start(modelId, env, path);
    } catch (e) {
      onError(e);
    }
  };

  return (
    <section className="panel rehearsal" data-testid="rehearsal-view">
      <header className="rehearsal-controls">
        <h2>Rehearsal</h2>
        <label>
          Environment{" "}
          <select data-testid="rehearsal-env" value={env} onChange={(e) => setEnv(e.target.value)} disabled={busy}>
            {envs.map((e) => (
              <option key={e} value={e}>
                {e}
              </option>
            ))}
          </select>
        </label>
        <button type="button" data-testid="rehearse-file" disabled={busy} onClick={() => void pickAndRun()}>
          Rehearse a traffic file…
        </button>
        {sample && mine && (
          <button type="button" data-testid="rehearse-sample-again" disabled={busy} onClick={() => void start(modelId, env, sample)}>
            Rehearse the sample traffic
          </button>
        )}
      </header>
      {running && running.modelId === modelId && <Progress running={running} onCancel={cancel} />}
      {!running && !mine && (
        <div className="rehearsal-empty" data-testid="rehearsal-empty">
          <p>
            Run recorded traffic through this model before anything is connected: every message gets the decision the runtime would take under the rules on the
            table, revision {state.revision}, and what fails is grouped into incidents.
          </p>
          {sample ? (
            <button type="button" className="primary" data-testid="rehearse-sample" onClick={() => void start(modelId, env, sample)}>
              Rehearse the sample traffic
            </button>
          ) : (
            <p className="muted">Choose a JSON Lines file of recorded messages (one message per line, see docs/formats/traffic.md).</p>
          )}
        </div>
      )}
      {mine && <WhatIfSection rehearsal={mine} state={state} whatIf={whatIf} busy={busy} onCompare={(base) => void compare(modelId, base, mine.record.environment, mine.record.filePath)} onSelect={onSelect} onError={onError} />}
      {mine && <Results rehearsal={mine} state={state} onSelect={onSelect} />}
      <History records={records} current={mine?.record.id ?? null} onError={onError} onDone={onDone} />
    </section>
  );
}

/**
 * What would a rule change do to live traffic: the same file through an
 * earlier revision and the current one, the messages whose decision changes.
 */
function WhatIfSection({ rehearsal, state, whatIf, busy, onCompare, onSelect, onError }: { rehearsal: Rehearsal; state: ModelState; whatIf: WhatIf | null; busy: boolean; onCompare: (base: number) => void; onSelect: (s: Selection) => void; onError: (e: unknown) => void }) {
  const [revisions, setRevisions] = useState<RevisionInfo[]>([]);
  const rehearsed = rehearsal.record.revision;
  const [base, setBase] = useState<number | null>(null);
  useEffect(() => {
    let live = true;
    api
      .listRevisions(state.modelId)
      .then((r) => live && setRevisions(r))
      .catch(onError);
    return () => {
      live = false;
    };
  }, [state.modelId, state.revision, onError]);
  const earlier = revisions.filter((r) => r.revision !== state.revision);
  if (earlier.length === 0) return null;
  const fallback = rehearsed !== state.revision ? rehearsed : (earlier.find((r) => r.revision < state.revision)?.revision ?? earlier[0]!.revision);
  const chosen = base !== null && earlier.some((r) => r.revision === base) ? base : fallback;
  const shown = whatIf && whatIf.modelId === state.modelId && whatIf.revision === state.revision && whatIf.fileName === rehearsal.record.fileName ? whatIf : null;
  return (
    <section className="what-if" data-testid="what-if">
      <h3>What if</h3>
      <div className="what-if-controls">
        <label>
          Compare revision{" "}
          <select data-testid="what-if-base" value={chosen} onChange={(e) => setBase(Number(e.target.value))} disabled={busy}>
            {earlier.map((r) => (
              <option key={r.revision} value={r.revision}>
                {r.revision}: {r.summary}
                {r.revision === rehearsed ? " (rehearsed)" : ""}
              </option>
            ))}
          </select>
        </label>{" "}
        with the current revision {state.revision} on {rehearsal.record.fileName}{" "}
        <button type="button" data-testid="what-if-run" disabled={busy} onClick={() => onCompare(chosen)}>
          Compare
        </button>
      </div>
      {shown && (
        <div data-testid="what-if-result" data-base={shown.baseRevision}>
          <p className="rehearsal-summary" data-testid="what-if-summary">
            {shown.changed === 0 ? (
              <>
                No message changes decision between revision {shown.baseRevision} and revision {shown.revision} ({num(shown.lines)} lines).
              </>
            ) : (
              <>
                <strong>{num(shown.changed)}</strong> of {num(shown.lines)} messages change decision between revision {shown.baseRevision} and revision {shown.revision}: refused{" "}
                {num(shown.baseCounts.reject + shown.baseCounts.quarantine + shown.baseCounts.invalid)} → {num(shown.counts.reject + shown.counts.quarantine + shown.counts.invalid)}.
              </>
            )}
          </p>
          <ul>
            {shown.changes.map((c, i) => {
              const sel = selectable(c.subjectKind, c.subject);
              return (
                <li key={i}>
                  <button type="button" className="link-line" data-testid="what-if-change" data-subject={c.subject} disabled={!sel} onClick={() => sel && onSelect(sel)}>
                    {c.summary}
                    <span className="muted">
                      {" "}
                      (e.g. {c.examples.map((x) => `line ${num(x.line)}${x.id ? ` ${x.id}` : ""}`).join(", ")})
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
          {shown.changesOmitted > 0 && <p className="muted">{num(shown.changesOmitted)} more messages change in other ways.</p>}
        </div>
      )}
    </section>
  );
}

function Progress({ running, onCancel }: { running: NonNullable<RehearsalState["running"]>; onCancel: () => void }) {
  const p = running.progress;
  const name = running.path.split(/[\\/]/).pop() ?? running.path;
  return (
    <div className="rehearsal-progress" data-testid="rehearsal-running" role="status">
      <div>
        {running.whatIf !== undefined ? `Comparing revision ${running.whatIf} with the current one on ` : "Rehearsing "}
        <strong>{name}</strong> ({running.env}){p ? ` · ${size(p.bytes ?? 0)} of ${size(p.totalBytes ?? 0)}` : ""}
      </div>
      <progress data-testid="rehearsal-progress" max={1} value={p ? fraction(p) : undefined} />
      <div className="progress-line">
        <span data-testid="rehearsal-progress-text">{p ? progressText(p) : "Starting…"}</span>
        <button type="button" data-testid="rehearsal-cancel" onClick={onCancel} disabled={running.cancelling}>
          {running.cancelling ? "Cancelling…" : "Cancel"}
        </button>
      </div>
    </div>
  );
}

function selectable(kind: SubjectKind | null | undefined, id: string): Selection | null {
  return kind && id ? { kind, id } : null;
}

function Results({ rehearsal, state, onSelect }: { rehearsal: Rehearsal; state: ModelState; onSelect: (s: Selection) => void }) {
  const { record, report } = rehearsal;
  const c = report.counts;
  const refused = c.reject + c.quarantine + c.invalid;
  const flows = useMemo(() => troubleFirst(report.flows), [report.flows]);
  const quiet = report.flows.length - flows.length;
  const max = Math.max(1, ...DECISIONS.map((d) => c[d.key]));
  const names = useMemo(() => {
    const m = new Map<string, string>();
    for (const s of state.model.systems) m.set(`system:${s.id}`, s.name);
    for (const e of state.model.entities) m.set(`entity:${e.id}`, e.name);
    return m;
  }, [state.model]);
  const label = (kind: SubjectKind | null | undefined, id: string) => (kind ? (names.get(`${kind}:${id}`) ?? id) : id || "lines that are not messages");

  return (
    <div className="rehearsal-results" data-testid="rehearsal-results" data-rehearsal={record.id}>
      <p className="rehearsal-summary" data-testid="rehearsal-summary">
        <strong>{num(c.messages)}</strong> messages from <strong>{record.fileName}</strong> against revision {record.revision} ({record.environment}):{" "}
        <strong>{num(refused)}</strong> refused, <strong>{num(report.incidents.length)}</strong> incident{report.incidents.length === 1 ? "" : "s"},{" "}
        <strong>{num(report.alerts.length)}</strong> alert{report.alerts.length === 1 ? "" : "s"}.
        {record.revision !== state.revision && (
          <span className="stale-note" data-testid="rehearsal-stale">
            {" "}
            The model has changed since (revision {state.revision}): rehearse again to see the effect.
          </span>
        )}
      </p>
      <div className="rehearsal-grid">
        <section className="decision-chart" aria-label="Decisions">
          <h3>Decisions</h3>
          {DECISIONS.map((d) => (
            <div key={d.key} className={`bar-row tone-${d.tone}`} data-testid="decision-bar" data-decision={d.key} data-count={c[d.key]}>
              <span className="bar-label">{d.label}</span>
              <span className="bar-track">
                <span className="bar" style={{ width: `${(100 * c[d.key]) / max}%` }} />
              </span>
              <span className="bar-count">{num(c[d.key])}</span>
            </div>
          ))}
          {Object.keys(c.reasons).length > 0 && (
            <p className="reasons" data-testid="reasons">
              Why:{" "}
              {Object.entries(c.reasons)
                .map(([r, n]) => `${r} ${num(n)}`)
                .join(" · ")}
            </p>
          )}
        </section>
        <section className="incidents">
          <h3>Incidents</h3>
          {report.incidents.length === 0 ? (
            <p data-testid="no-incidents">No incident: nothing failed.</p>
          ) : (
            <ol data-testid="incidents">
              {report.incidents.map((i) => (
                <IncidentLine key={i.id} incident={i} onSelect={onSelect} />
              ))}
            </ol>
          )}
          {report.incidentsOmitted > 0 && <p className="muted">{num(report.incidentsOmitted)} more occurrences past the incident bound.</p>}
        </section>
      </div>
      <section className="alerts">
        <h3>Alerts</h3>
        {report.alerts.length === 0 ? (
          <p data-testid="no-alerts">No alert fired.</p>
        ) : (
          <ul data-testid="alerts">
            {report.alerts.map((a, i) => (
              <li key={i}>
                <button type="button" className="link-line" data-testid="alert" data-rule={a.rule} onClick={() => onSelect({ kind: "rule", id: a.rule })}>
                  <span className="badge bad">alert</span> <strong>{a.rule}</strong> on {a.flow}: {a.metric} {round(a.value)} against {round(a.threshold)}, {span(a.from, a.to)}
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
      <section className="flow-health">
        <h3>Flows</h3>
        {flows.length === 0 ? (
          <p data-testid="no-flow-traffic">No flow carried traffic.</p>
        ) : (
          <table data-testid="flow-health">
            <thead>
              <tr>
                <th>Flow</th>
                <th>Delivered</th>
                <th>Acked</th>
                <th>Nacked</th>
                <th>Unacknowledged</th>
                <th>Pending</th>
                <th>Refused</th>
                <th>Ack rate</th>
              </tr>
            </thead>
            <tbody>
              {flows.map((f) => {
                const h = health(f);
                return (
                  <tr key={f.flow} data-testid="flow-row" data-flow={f.flow} data-health={h.tone} onClick={() => onSelect({ kind: "flow", id: f.flow })} className={`tone-${h.tone}`}>
                    <td>
                      <button type="button" className="link" data-testid="flow-link">
                        {f.flow}
                      </button>
                    </td>
                    <td>{num(f.delivered)}</td>
                    <td>{num(f.acked)}</td>
                    <td className={f.nacked ? "bad" : ""}>{num(f.nacked)}</td>
                    <td className={f.unacknowledged ? "bad" : ""}>{num(f.unacknowledged)}</td>
                    <td>{num(f.pending)}</td>
                    <td className={f.refused ? "bad" : ""}>{num(f.refused)}</td>
                    <td>
                      <span className="rate" title={h.text}>
                        <span className="rate-fill" style={{ width: `${Math.round(100 * (h.rate ?? 0))}%` }} />
                      </span>{" "}
                      {h.rate === null ? "—" : `${Math.round(100 * h.rate)} %`}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
        {quiet > 0 && <p className="muted">{num(quiet)} other flows carried no traffic.</p>}
      </section>
      {report.refused.length > 0 && (
        <section className="refused">
          <h3>Refused messages</h3>
          <ul data-testid="refused-groups">
            {report.refused.map((g) => {
              const sel = selectable(g.subjectKind, g.subject);
              return (
                <li key={`${g.subjectKind ?? ""}:${g.subject}`} data-testid="refused-group" data-subject={g.subject}>
                  <button type="button" className="link-line" disabled={!sel} onClick={() => sel && onSelect(sel)}>
                    <strong>{label(g.subjectKind, g.subject)}</strong>
                    {g.subjectKind && <span className="muted"> ({g.subjectKind})</span>}: {num(g.count)} refused
                  </button>
                  <ul className="examples">
                    {g.examples.map((x) => (
                      <li key={x.line} data-testid="refused-example" data-line={x.line}>
                        <button type="button" className="link-line" disabled={!sel} onClick={() => sel && onSelect(sel)}>
                          line {num(x.line)} · {x.id ?? "(no id)"}
                          {x.source ? ` from ${x.source}` : ""}
                          {x.key ? ` (${x.key})` : ""} · {x.decision}
                          {x.rule ? ` by ${x.rule}` : x.reason ? ` (${x.reason})` : ""}
                          {x.detail ? `: ${x.detail}` : ""}
                        </button>
                      </li>
                    ))}
                  </ul>
                </li>
              );
            })}
          </ul>
          {report.refusedSubjectsOmitted > 0 && <p className="muted">{num(report.refusedSubjectsOmitted)} more subjects with refused messages.</p>}
        </section>
      )}
      {report.rules.length > 0 && (
        <section className="rule-traffic">
          <h3>Rules at work</h3>
          <ul data-testid="rule-traffic">
            {report.rules.map((r) => (
              <li key={r.rule}>
                <button type="button" className="link-line" data-testid="rule-link" data-rule={r.rule} onClick={() => onSelect({ kind: "rule", id: r.rule })}>
                  <strong>{r.rule}</strong>: {num(r.refused)} refused, {num(r.flagged)} flagged
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </div>
  );
}

function IncidentLine({ incident: i, onSelect }: { incident: RehearsalIncident; onSelect: (s: Selection) => void }) {
  const sel = selectable(i.subjectKind, i.subject);
  return (
    <li>
      <button
        type="button"
        className="link-line"
        data-testid="incident"
        data-id={i.id}
        data-kind={i.kind}
        data-subject={i.subject}
        disabled={!sel}
        title={sel ? `Show ${i.subject} on the canvas` : undefined}
        onClick={() => sel && onSelect(sel)}
      >
        <span className={`badge ${badgeTone(i.kind)}`}>{i.reason && i.kind !== "nack" ? `${i.kind}: ${i.reason}` : i.kind}</span> {i.summary}
      </button>
    </li>
  );
}

function badgeTone(kind: string): string {
  return kind === "drift" || kind === "quarantine" ? "warn" : "bad";
}

function round(v: number | null): string {
  if (v === null) return "—";
  return String(Math.round(v * 1000) / 1000);
}

/** Ack rate over settled deliveries and a tone for it. */
function health(f: FlowTraffic): { rate: number | null; tone: "good" | "warn" | "bad" | "none"; text: string } {
  const settled = f.acked + f.nacked + f.unacknowledged;
  const rate = settled > 0 ? f.acked / settled : null;
  const trouble = f.nacked + f.unacknowledged + f.refused;
  const tone = trouble === 0 ? (f.delivered > 0 ? "good" : "none") : rate !== null && rate >= 0.9 && f.refused === 0 ? "warn" : "bad";
  return { rate, tone, text: `${num(f.acked)} of ${num(settled)} settled deliveries acked` };
}

/** Flows with traffic, those in trouble first. */
function troubleFirst(flows: FlowTraffic[]): FlowTraffic[] {
  const trouble = (f: FlowTraffic) => f.nacked + f.unacknowledged + f.refused;
  return flows.filter((f) => f.delivered > 0 || f.refused > 0).sort((a, b) => trouble(b) - trouble(a) || a.flow.localeCompare(b.flow));
}

function History({ records, current, onError, onDone }: { records: RehearsalRecord[]; current: number | null; onError: (e: unknown) => void; onDone: (t: string) => void }) {
  if (records.length === 0) return null;
  const exportReport = async (r: RehearsalRecord) => {
    try {
      const path = await pickSaveFile("Rehearsal report", `rehearsal-${r.id}.report.json`, ["json"]);
      if (!path) return;
      await api.exportRehearsalReport(r.id, path);
      onDone(`Rehearsal report exported to ${path}`);
    } catch (e) {
      onError(e);
    }
  };
  const exportDecisions = async (r: RehearsalRecord) => {
    try {
      const path = await pickSaveFile("Rehearsal decisions (JSON Lines)", `rehearsal-${r.id}.decisions.jsonl`, ["jsonl"]);
      if (!path) return;
      await api.exportRehearsalDecisions(r.id, path);
      onDone(`Decisions exported to ${path}`);
    } catch (e) {
      onError(e);
    }
  };
  return (
    <section className="rehearsal-history">
      <h3>Recorded rehearsals (evidence for go-live)</h3>
      <table data-testid="rehearsal-history">
        <thead>
          <tr>
            <th>When</th>
            <th>Revision</th>
            <th>Environment</th>
            <th>Traffic file</th>
            <th>SHA-256</th>
            <th>Lines</th>
            <th>Refused</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {records.map((r) => (
            <tr key={r.id} data-testid="rehearsal-record" data-id={r.id} className={r.id === current ? "current" : ""}>
              <td>{r.at.replace("T", " ").slice(0, 16)}</td>
              <td>{r.revision}</td>
              <td>{r.environment}</td>
              <td title={r.filePath}>{r.fileName}</td>
              <td>
                <code title={r.sha256}>{r.sha256.slice(0, 8)}…</code>
              </td>
              <td>{num(r.lines)}</td>
              <td>{num(r.counts.reject + r.counts.quarantine + r.counts.invalid)}</td>
              <td>
                <div className="export-buttons">
                  <button type="button" data-testid="export-rehearsal" title="Export the report (JSON, as charter replay --report)" onClick={() => void exportReport(r)}>
                    Report…
                  </button>
                  <button type="button" data-testid="export-rehearsal-decisions" title="Export the decisions (JSON Lines, as charter replay)" onClick={() => void exportDecisions(r)}>
                    Decisions…
                  </button>
                </div>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
