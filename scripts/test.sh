#!/usr/bin/env bash
# Runs every test: formatting and lints, unit and integration tests on SQLite and PostgreSQL,
# the wasm32 build of authz, and the Playwright browser specs (JavaScript on and off).
# Everything it needs is installed first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --e2e --postgres
export PATH="$HOME/.cargo/bin:$PATH"
# A one-off build gains nothing from incremental artifacts, which take tens of GB of disk.
export CARGO_INCREMENTAL=0
step() { printf '\n== test: %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "layout: no import cycles between files, no file over 800 lines, no function over 120"
python3 scripts/check-layout.py

step "clippy (ssr and hydrate, -D warnings)"
cargo clippy --workspace --all-targets -- -D warnings
cargo clippy -p app --lib --target wasm32-unknown-unknown --no-default-features --features hydrate --target-dir target/front -- -D warnings

step "authz builds for wasm32"
cargo build -p authz --target wasm32-unknown-unknown --target-dir target/front

step "fuzz targets build (the runs themselves: scripts/fuzz-tokens.sh, docs/benchmarks.md)"
cargo build --manifest-path crates/authz/fuzz/Cargo.toml --target-dir target/fuzz
cargo build --manifest-path crates/tokens/fuzz/Cargo.toml --target-dir target/fuzz

step "unit and integration tests (SQLite and PostgreSQL)"
# The test build takes about 10 GB under target/. A disk that fills up mid-link fails as a
# linker crash (SIGBUS), which names nothing: say how much room there is, and stop clearly.
free_gb=$(df -Pk target 2>/dev/null | awk 'NR == 2 { print int($4 / 1048576) }')
echo "disk: ${free_gb:-?} GB free for target/"
if [ -n "$free_gb" ] && [ "$free_gb" -lt 12 ]; then
  echo "test: only ${free_gb} GB free; the test build needs about 10 GB (free some, or remove old target/ folders)" >&2
  exit 1
fi
# Test databases left behind by an earlier, interrupted run (and any sessions still on them)
# would only slow this run down: drop them first.
psql -h 127.0.0.1 -U postgres -d postgres -Atqc \
  "SELECT datname FROM pg_database WHERE datname LIKE 'charter\_test\_%'" 2>/dev/null |
  while read -r db; do
    psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  done || true
# A hung test fails its story after 5 minutes (common::STORY_DEADLINE); this bounds the rest.
timeout 45m cargo test --workspace

# Build with cargo-leptos last: `cargo test` relinks target/debug/charter without cargo-leptos'
# settings, and the browser tests need the server and the wasm bundle from the same build.
step "build (cargo leptos build: server + hydrate wasm)"
cargo leptos build

if [ -x ../shared/checks/policy-cli/run ] && ./target/debug/charter policy --help >/dev/null 2>&1; then
  step "policy CLI contract check"
  ../shared/checks/policy-cli/run ./target/debug/charter
fi

step "Playwright (Debian chromium, JavaScript on and off)"
(cd end2end && npx playwright test)
