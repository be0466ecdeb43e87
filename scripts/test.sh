#!/usr/bin/env bash
# Runs every test suite. Called by `npm test` and by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

echo "== Rust: format, lints"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

echo "== Rust: tests"
cargo nextest run --workspace --locked --no-fail-fast
cargo test --workspace --doc --locked
