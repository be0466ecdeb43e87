import type { Finding } from "../api";

export function FindingsPanel({ findings }: { findings: Finding[] }) {
  const errors = findings.filter((f) => f.severity === "error").length;
  return (
    <aside className="panel findings" data-testid="findings-panel" data-errors={errors}>
      <h2>
        Findings ({findings.length}
        {errors > 0 ? `, ${errors} error${errors === 1 ? "" : "s"}` : ""})
      </h2>
      {findings.length === 0 ? (
        <p data-testid="no-findings">No findings: the model is consistent.</p>
      ) : (
        <ul>
          {findings.map((f, i) => (
            <li key={i} className={`finding finding-${f.severity}`} data-testid="finding" data-code={f.code} data-subject={f.subject}>
              <span className="severity">{f.severity}</span> <code>{f.code}</code> <strong>{f.subject}</strong>: {f.message}
              {f.fix && <div className="fix">Fix: {f.fix}</div>}
            </li>
          ))}
        </ul>
      )}
    </aside>
  );
}
