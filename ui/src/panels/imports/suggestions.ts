// Owner suggestions from discovery, as the discovered model carries them
// (charter-model's discover: each entity's `ownerSuggestions`, best first,
// with one sentence of evidence per point, and `contested` when the top two
// are close). The scores are computed in Rust; this only reads them.
import type { Model } from "../../api";

export type Candidate = { system: string; score: number; evidence: string[] };
export type Suggestion = { entity: string; owner: string | null; contested: boolean; candidates: Candidate[]; rationale: string };

type Extra = { ownerSuggestions?: Candidate[]; contested?: boolean };

export function suggestionsOf(discovered: Model): Map<string, Suggestion> {
  const out = new Map<string, Suggestion>();
  for (const e of discovered.entities) {
    const x = e as unknown as Extra;
    const candidates = Array.isArray(x.ownerSuggestions) ? x.ownerSuggestions : [];
    if (candidates.length === 0) continue;
    out.set(e.id, { entity: e.id, owner: e.owner ?? null, contested: x.contested === true, candidates, rationale: e.rationale ?? "" });
  }
  return out;
}
