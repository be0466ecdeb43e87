#!/usr/bin/env bash
# Measures the desktop app's cold start to first paint and idle RSS under Xvfb
# (figures for docs/performance.md, "Desktop app"). Run by hand after
# `cargo build -p charter-app --features custom-protocol` (or pass a binary):
#   xvfb-run -a -s "-screen 0 1280x800x24" bash tests/e2e-app/measure.sh [BIN] [RUNS]
# Cold start: wall time from spawning the process to the UI's first paint
# (the UI calls report_first_paint in the first animation frame after the
# model is shown; the app logs the unix time). Idle RSS: the app plus its
# WebKit helper processes, 5 s after first paint.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${1:-target/debug/charter-app}"
RUNS="${2:-5}"
[ -n "${DISPLAY:-}" ] || { echo "measure: no DISPLAY: run under xvfb-run" >&2; exit 1; }
tree_rss_kb() { # sum of VmRSS over a process and its descendants
  local total=0 pid
  for pid in $(pstree -p "$1" 2>/dev/null | grep -o '([0-9]*)' | tr -d '()' || echo "$1"); do
    total=$((total + $(awk '/VmRSS/ {print $2}' /proc/"$pid"/status 2>/dev/null || echo 0)))
  done
  echo "$total"
}
for i in $(seq 1 "$RUNS"); do
  dir=$(mktemp -d)
  log="$dir/stderr"
  start=$(date +%s%3N)
  CHARTER_DATA_DIR="$dir/data" "$BIN" 2>"$log" &
  pid=$!
  for _ in $(seq 1 300); do grep -q "first paint" "$log" && break; sleep 0.05; done
  paint=$(grep -o 'unix_ms=[0-9]*' "$log" | head -1 | cut -d= -f2)
  sleep 5
  rss=$(tree_rss_kb "$pid")
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "run $i: first paint $((paint - start)) ms after spawn; idle RSS $((rss / 1024)) MiB (app + WebKit processes)"
  rm -rf "$dir"
done
