// The Discover view: the landscape as it runs today, from a log of observed
// exchanges (charter-model's discovery, in Rust, off the UI thread), beside
// the model on the table: what the log shows that the model does not say
// (undocumented), what the model says that the log never shows (unused),
// and who the log suggests owns each entity, with its evidence. "Add to the
// model" merges what is undocumented as one undo step; suggested owners are
// recorded with their evidence as the rationale. Text from the log is text.
import { useState } from "react";
import { api, pickOpenFile, type DiscoverResult, type ModelState } from "../../api";
import { suggestionsOf } from "./suggestions";

type Props = {
  state: ModelState;
  result: DiscoverResult | null;
  onResult: (r: DiscoverResult | null) => void;
  /** Runs a state-changing call (the app's queue; errors go to the banner). */
  run: (f: () => Promise<ModelState | void>, ok?: string) => Promise<void>;
  onError: (e: unknown) => void;
};

const count = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function DiscoverView({ state, result, onResult, run, onError }: Props) {
  const [busy, setBusy] = useState(false);
  const pick = async () => {
    try {
      const path = await pickOpenFile("Observed exchanges", ["jsonl", "json", "ndjson", "csv", "log"]);
      if (!path) return;
      setBusy(true);
      onResult(await api.discoverLog(path, state.modelId));
    } catch (e) {
      onError(e);
    } finally {
      setBusy(false);
    }
  };
  const names = new Map(state.model.systems.map((s) => [s.id, s.name]));
  const name = (id: string) => names.get(id) ?? result?.model.systems.find((s) => s.id === id)?.name ?? id;

  if (!result) {
    return (
      <section className="panel discover" data-testid="discover-view">
        <h2>Discover the landscape from its traffic</h2>
        <p>
          Pick a log of observed exchanges (JSON Lines in the exchange format, or CSV): who sent what to whom, and when. Charter reads it, draws the map as it
          runs today, says what the model does not document, and suggests an owner for each entity with its evidence.
        </p>
        <button type="button" className="primary" data-testid="discover-pick" disabled={busy} onClick={() => void pick()}>
          {busy ? "Reading…" : "Read a log…"}
        </button>
      </section>
    );
  }
  const undocumented = result.compare.filter((l) => l.startsWith("undocumented"));
  const unused = result.compare.filter((l) => l.startsWith("unused"));
  const suggestions = [...suggestionsOf(result.model).values()];
  return (
    <section className="panel discover" data-testid="discover-view" data-file={result.fileName}>
      <h2>
        Discovered from {result.fileName}: {count(result.model.systems.length, "system")}, {count(result.model.entities.length, "entity", "entities")}, {count(result.model.flows.length, "flow")}
      </h2>
      <div className="discover-actions">
        <button
          type="button"
          className="primary"
          data-testid="discover-add"
          disabled={undocumented.length === 0 && suggestions.every((s) => state.model.entities.find((e) => e.id === s.entity)?.owner)}
          onClick={() => void run(() => api.importApply(result.model, result.fileName, state.modelId), `Added what ${result.fileName} shows to ${state.model.name} (one step: Undo takes it back)`)}
        >
          Add what is undocumented to {state.model.name}
        </button>{" "}
        <button type="button" data-testid="discover-pick" onClick={() => void pick()} disabled={busy}>
          Read another log…
        </button>{" "}
        <button type="button" onClick={() => onResult(null)}>
          Close
        </button>
      </div>
      <div className="discover-columns">
        <section data-testid="discover-undocumented">
          <h3>Undocumented ({undocumented.length})</h3>
          {undocumented.length === 0 ? <p>Everything the log shows is in the model.</p> : <ul>{undocumented.map((l, i) => <li key={i}>{l.replace(/^undocumented /, "")}</li>)}</ul>}
          <h3>Unused ({unused.length})</h3>
          {unused.length === 0 ? <p>Every flow of the model carries traffic.</p> : <ul data-testid="discover-unused">{unused.map((l, i) => <li key={i}>{l.replace(/^unused /, "")}</li>)}</ul>}
        </section>
        <section data-testid="discover-suggestions">
          <h3>Who owns what, by the evidence</h3>
          <table>
            <tbody>
              {suggestions.map((s) => {
                const decided = state.model.entities.find((e) => e.id === s.entity)?.owner;
                const top = s.candidates[0];
                return (
                  <tr key={s.entity} data-testid="discover-suggestion" data-entity={s.entity} data-owner={s.owner ?? ""} data-contested={s.contested ? "true" : "false"}>
                    <th scope="row">{result.model.entities.find((e) => e.id === s.entity)?.name ?? s.entity}</th>
                    <td>
                      {s.contested ? (
                        <strong className="contested">contested: {s.candidates.slice(0, 2).map((c) => `${name(c.system)} (${c.score.toFixed(1)})`).join(" or ")}</strong>
                      ) : (
                        top && (
                          <strong>
                            {name(top.system)} ({top.score.toFixed(1)})
                          </strong>
                        )
                      )}
                      {decided && <span className="hint"> · the model says {name(decided)}</span>}
                      <ul className="evidence">{top?.evidence.map((ev, i) => <li key={i}>{ev}</li>)}</ul>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      </div>
      <details>
        <summary>What was read ({result.summary.length})</summary>
        <ul>{result.summary.map((l, i) => <li key={i}>{l}</li>)}</ul>
      </details>
    </section>
  );
}
