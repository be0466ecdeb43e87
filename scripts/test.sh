#!/usr/bin/env bash
# Runs every test suite. Called by `npm test` and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

# One feature set for every Rust step, so the app is compiled once: the
# desktop app embeds the built UI (custom-protocol), so build the UI first.
APP_FEATURES=(--features charter-app/custom-protocol)

echo "== UI: lint, types, unit tests, build"
npm --prefix ui run --silent lint
npm --prefix ui run --silent typecheck
npm --prefix ui test --silent
npm --prefix ui run --silent build >/dev/null

echo "== Rust: format, lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked "${APP_FEATURES[@]}" -- -D warnings

echo "== Rust: tests (includes the bindings staleness check: charter-app files::checked_in_bindings_are_current)"
cargo nextest run --workspace --locked --no-fail-fast "${APP_FEATURES[@]}"
cargo test --workspace --doc --locked "${APP_FEATURES[@]}"

echo "== UI: browser e2e (Chromium, mocked IPC)"
npm --prefix ui run --silent build:e2e >/dev/null
node ui/e2e/run.mjs

echo "== App: real-app e2e (tauri-driver + WebKitWebDriver under Xvfb)"
cargo build -p charter-app --locked "${APP_FEATURES[@]}"
xvfb-run -a -s "-screen 0 1280x800x24" node tests/e2e-app/run.mjs
