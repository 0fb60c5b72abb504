#!/usr/bin/env bash
# Builds Charter (release) and runs it on http://127.0.0.1:3000 with a SQLite file under ./data.
# The database is created, migrated and filled with demo data on first start (--demo).
# Everything it needs is installed first (scripts/setup.sh). Ctrl-C stops the server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --release
export PATH="$HOME/.cargo/bin:$(pwd)/.tools/node_modules/.bin:$PATH"
cargo leptos build --release
export DATABASE_URL="${DATABASE_URL:-sqlite://data/charter.db}"
export LEPTOS_SITE_ROOT=target/site
# Migrates, seeds demo data into an empty database, and prints the demo sign-ins.
./target/release/charter demo
exec ./target/release/charter serve --demo --addr "${CHARTER_ADDR:-127.0.0.1:3000}"
