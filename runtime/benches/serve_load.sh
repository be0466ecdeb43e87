#!/usr/bin/env bash
# Load test of `charter serve` on 127.0.0.1 with wrk (apt-get install wrk).
# Usage: runtime/benches/serve_load.sh [SECONDS] [CONNECTIONS]
# Needs the release binary: cargo build --release -p charter-cli
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-15}
conns=${2:-32}
dir=$(mktemp -d)
trap 'kill -TERM $pid 2>/dev/null || true; rm -rf "$dir"' EXIT
target/release/charter serve tests/traffic/ecommerce.config.json --listen 127.0.0.1:0 \
  --log "$dir/decisions.log" > "$dir/out" &
pid=$!
for _ in $(seq 100); do grep -q listening "$dir/out" 2>/dev/null && break; sleep 0.05; done
addr=$(sed -n 's/^listening on //p' "$dir/out")
echo "server $addr, log on $(df --output=fstype "$dir" | tail -1)"
wrk -t2 -c"$conns" -d"${secs}s" --latency -s runtime/benches/serve_load.lua "$addr"
kill -TERM $pid
wait $pid
echo "decisions logged: $(wc -l < "$dir/decisions.log")"
