#!/usr/bin/env bash
# Measures the desktop app's cold start to first paint and idle RSS under Xvfb
# (figures for docs/performance.md, "Desktop app"). Run by hand after
# `cargo build -p charter-app --features custom-protocol` (or pass a binary):
#   xvfb-run -a -s "-screen 0 1280x800x24" bash tests/e2e-app/measure.sh [BIN] [RUNS]
# Cold start: wall time from spawning the process to the UI's first paint
# (the UI calls report_first_paint in the first animation frame after the
# model is shown; the app logs the unix time). Idle memory: the app plus its
# WebKit helper processes, 5 s after first paint: RSS (counts shared
# libraries once per process), PSS (shares them out) and anonymous memory.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN="${1:-target/debug/charter-app}"
RUNS="${2:-5}"
[ -n "${DISPLAY:-}" ] || { echo "measure: no DISPLAY: run under xvfb-run" >&2; exit 1; }
descendants() { # a pid and all its descendant processes (not threads)
  echo "$1"
  local c
  for c in $(pgrep -P "$1" || true); do descendants "$c"; done
}
tree_sum_kb() { # sum of a smaps_rollup field (Rss, Pss, Anonymous) over a process tree
  local total=0 pid
  for pid in $(descendants "$1"); do
    total=$((total + $(awk -v f="$2:" '$1 == f {print $2}' /proc/"$pid"/smaps_rollup 2>/dev/null || echo 0)))
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
  rss=$(tree_sum_kb "$pid" Rss)
  pss=$(tree_sum_kb "$pid" Pss)
  anon=$(tree_sum_kb "$pid" Anonymous)
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "run $i: first paint $((paint - start)) ms after spawn; idle, app + WebKit processes: RSS $((rss / 1024)) MiB, PSS $((pss / 1024)) MiB, anonymous $((anon / 1024)) MiB"
  rm -rf "$dir"
done
