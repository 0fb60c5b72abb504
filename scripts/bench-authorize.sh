#!/usr/bin/env bash
# wrk on loopback against the PDP (`POST /v1/authorize`) and a bare axum endpoint (`GET /healthz`)
# of the same server, in the same run. The ratio of their throughputs is the figure that
# matters (docs/benchmarks.md). Usage: scripts/bench-authorize.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-32}
port=3999
export PATH="$HOME/.cargo/bin:$PATH"
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }

# LEPTOS_OUTPUT_NAME is read at compile time (cargo-leptos sets it for its own builds).
LEPTOS_OUTPUT_NAME=charter CARGO_INCREMENTAL=0 cargo build --profile bench-server -p charter-server --bin charter
bin=target/bench-server/charter
dir=$(mktemp -d)
export DATABASE_URL="sqlite://$dir/charter.db"
"$bin" demo >/dev/null
"$bin" serve --addr "127.0.0.1:$port" >"$dir/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

# A token for the demo agent "Bid Pilot" on its account.
eval "$("$bin" credentials "Bid Pilot")"
token=$(curl -s -u "$CLIENT_ID:$CLIENT_SECRET" -d grant_type=client_credentials \
  -d resource="$RESOURCE" "http://127.0.0.1:$port/oauth/token" |
  sed -E 's/.*"access_token":"([^"]+)".*/\1/')
adv=${RESOURCE#urn:charter:account:}
# The resource names the account's marketplace, which the credentials do not print: try each.
for mkt in us uk de fr es it jp ca; do
  body='{"action":"sp:GetCampaign","resource":"arn:ads:'"$mkt"':'"$adv"':campaign/1001","intent":"bid_optimization"}'
  answer=$(curl -s -H "authorization: Bearer $token" -H 'content-type: application/json' \
    -d "$body" "http://127.0.0.1:$port/v1/authorize")
  case "$answer" in *'"decision":"allow"'*) break ;; esac
done
echo "one decision: $answer"
case "$answer" in *'"decision":"allow"'*) ;; *) echo "the benchmark request is not allowed" >&2; exit 1 ;; esac

cat >"$dir/authorize.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["content-type"] = "application/json"
wrk.headers["authorization"] = "Bearer $token"
LUA

echo; echo "== bare endpoint: GET /healthz"
wrk -t2 -c"$conns" -d"${secs}s" --latency "http://127.0.0.1:$port/healthz" | tee "$dir/bare.txt"
echo; echo "== PDP: POST /v1/authorize (allow, audited)"
wrk -t2 -c"$conns" -d"${secs}s" --latency -s "$dir/authorize.lua" "http://127.0.0.1:$port/v1/authorize" | tee "$dir/pdp.txt"

bare=$(awk '/Requests\/sec/ { print $2 }' "$dir/bare.txt")
pdp=$(awk '/Requests\/sec/ { print $2 }' "$dir/pdp.txt")
p99=$(awk '$1 == "99%" { print $2 }' "$dir/pdp.txt")
echo
echo "bare: $bare req/s; PDP: $pdp req/s; ratio $(awk -v a="$pdp" -v b="$bare" 'BEGIN { printf "%.2f", a / b }'); PDP p99 $p99"
# Every decision was audited: the account's chain must verify.
if "$bin" audit --help >/dev/null 2>&1; then
  sleep 1
  "$bin" audit verify --advertiser "$adv" | tail -3
fi
