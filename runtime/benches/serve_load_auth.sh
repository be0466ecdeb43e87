#!/usr/bin/env bash
# Load test of `charter serve` without credentials, with bearer tokens
# (--identities), and with tokens over TLS (--tls-cert/--tls-key), the gate
# pinned to CPU 0 and wrk (one thread) to CPU 1 with taskset, so that the
# latency measures the gate, not the load generator competing for its core.
# Usage: runtime/benches/serve_load_auth.sh [SECONDS] [CONNECTIONS]
# Needs wrk (apt-get install wrk), openssl, and the release binary:
# cargo build --release -p charter-cli
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-20}
conns=${2:-32}
bin=${CHARTER_BIN:-target/release/charter}
dir=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill -TERM $pid 2>/dev/null; rm -rf "$dir"' EXIT
config=tests/traffic/ecommerce.config.json
systems=$(python3 -c 'import json,sys; print(" ".join(s["id"] for s in json.load(open(sys.argv[1]))["systems"]))' "$config")
# shellcheck disable=SC2086
token=$("$bin" identities new $systems --file "$dir/identities.json" 2>/dev/null | sed -n 's/^erp //p')
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -subj /CN=localhost -keyout "$dir/key.pem" -out "$dir/cert.pem" 2>/dev/null

run() {
  local name=$1; shift
  rm -f "$dir/decisions.log" "$dir/out"
  taskset -c 0 "$bin" serve "$config" --listen 127.0.0.1:0 --log "$dir/decisions.log" "$@" > "$dir/out" &
  pid=$!
  for _ in $(seq 100); do grep -q listening "$dir/out" 2>/dev/null && break; sleep 0.05; done
  local addr
  addr=$(sed -n 's/^listening on //p' "$dir/out")
  echo "== $name: $addr"
  CHARTER_TOKEN=${TOKEN:-} taskset -c 1 wrk -t1 -c"$conns" -d"${secs}s" --latency \
    -s runtime/benches/serve_load_auth.lua "$addr" | grep -E "Requests/sec|  50%|  99%|Non-2xx|Socket errors|requests in"
  kill -TERM $pid; wait $pid || true; pid=
  echo "decisions logged: $(wc -l < "$dir/decisions.log")"
}

TOKEN= run "no credentials (loopback, open gate)"
TOKEN=$token run "bearer token" --identities "$dir/identities.json"
TOKEN=$token run "bearer token over TLS" --identities "$dir/identities.json" \
  --tls-cert "$dir/cert.pem" --tls-key "$dir/key.pem"
