// Words and numbers for the rehearsal view.
import type { RehearsalProgress } from "../../api";

export const num = (n: number): string => n.toLocaleString("en");

/** "1.2 MB", "340 KB". */
export function size(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} KB`;
  return `${bytes} B`;
}

/** "about 12 s left", "about 3 min left". */
export function timeLeft(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "estimating time left";
  if (seconds < 1) return "less than a second left";
  if (seconds < 90) return `about ${Math.round(seconds)} s left`;
  return `about ${Math.round(seconds / 60)} min left`;
}

/** "12,345 lines · 85,000 lines/s · about 3 s left". */
export function progressText(p: RehearsalProgress): string {
  return `${num(p.lines)} lines · ${num(Math.round(p.linesPerSecond ?? 0))} lines/s · ${timeLeft(p.secondsLeft)}`;
}

/** Share of `bytes` in `total`, 0..1. */
export function fraction(p: RehearsalProgress): number {
  const total = p.totalBytes ?? 0;
  if (p.done) return 1;
  return total > 0 ? Math.min(1, (p.bytes ?? 0) / total) : 0;
}

/** The decisions in the order the chart shows them, with their words. */
export const DECISIONS = [
  { key: "accept", label: "Accepted", tone: "good" },
  { key: "flag", label: "Flagged", tone: "warn" },
  { key: "observe", label: "Observed (acks, states)", tone: "neutral" },
  { key: "duplicate", label: "Duplicates", tone: "neutral" },
  { key: "reject", label: "Rejected", tone: "bad" },
  { key: "quarantine", label: "Quarantined", tone: "bad" },
  { key: "invalid", label: "Not a message", tone: "bad" },
] as const;

export type DecisionKey = (typeof DECISIONS)[number]["key"];

/** "09:35–09:40" from two RFC 3339 times of the same day, else both in full. */
export function span(from: string, to: string): string {
  const t = (s: string) => s.slice(11, 16);
  return from.slice(0, 10) === to.slice(0, 10) ? `${from.slice(0, 10)} ${t(from)}–${t(to)}` : `${from} – ${to}`;
}
