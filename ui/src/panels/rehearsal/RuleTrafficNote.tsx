// Beside a validate rule: what it refused or flagged in the last rehearsal of
// the open model (report.rules, the runtime's counts). Nothing without one.
import { useContext } from "react";
import { compact, RehearsedContext } from "../../canvas/rehearsalOverlay";

export function RuleTrafficNote({ rule }: { rule: string }) {
  const r = useContext(RehearsedContext);
  if (!r) return null;
  const t = r.rules.get(rule);
  const refused = t?.refused ?? 0;
  const flagged = t?.flagged ?? 0;
  const words = refused + flagged === 0 ? "refused and flagged nothing" : [refused > 0 && `refused ${compact(refused)}`, flagged > 0 && `flagged ${compact(flagged)}`].filter(Boolean).join(", ") + (refused + flagged === 1 ? " message" : " messages");
  return (
    <p className={`rule-traffic${refused > 0 ? " rule-traffic-refused" : ""}`} data-testid="rule-traffic" data-refused={refused} data-flagged={flagged} title={`In the rehearsal of ${r.label}`}>
      Rehearsal: {words}
    </p>
  );
}
