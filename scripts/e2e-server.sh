#!/usr/bin/env bash
# Starts one Charter server for the browser tests on PORT with a fresh SQLite database.
# Usage: scripts/e2e-server.sh PORT [BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
port=${1:?usage: e2e-server.sh PORT [BINARY]}
bin=${2:-target/debug/charter}
dir="end2end/.tmp/db-$port"
rm -rf "$dir" && mkdir -p "$dir"
exec env LEPTOS_OUTPUT_NAME="${LEPTOS_OUTPUT_NAME:-charter}" DATABASE_URL="sqlite://$dir/charter.db" LEPTOS_SITE_ROOT="${LEPTOS_SITE_ROOT:-target/site}" RUST_LOG="${RUST_LOG:-warn}" \
  "$bin" serve --demo --allow-insecure-webhooks --addr "127.0.0.1:$port"
