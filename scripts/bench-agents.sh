#!/usr/bin/env bash
# Benchmarks the Agents list at 1,000+ agents against a bare endpoint of the same server, in the
# same run (wrk on loopback). Usage: scripts/bench-agents.sh [BINARY]  (default: the release build)
# Needs: wrk (apt), curl. Prints a markdown table for docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/charter}
port=3199
dir=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$dir"' EXIT
export DATABASE_URL="sqlite://$dir/bench.db"
"$bin" demo --extra-agents 1000 >/dev/null 2>&1
RUST_LOG=warn "$bin" serve --addr 127.0.0.1:$port --no-demo >"$dir/server.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done

jar="$dir/cookies"
csrf=$(curl -fs -c "$jar" -b "$jar" "http://127.0.0.1:$port/signin" | grep -o 'name="csrf" value="[0-9a-f]*"' | head -1 | sed 's/.*value="//; s/"//')
curl -fs -o /dev/null -c "$jar" -b "$jar" -H 'Accept: text/html' -H "Referer: http://127.0.0.1:$port/signin" \
  --data-urlencode email=owner@northwind.example --data-urlencode password=demo-owner-pass --data-urlencode "csrf=$csrf" \
  "http://127.0.0.1:$port/api/sign_in"
cookie=$(awk '$6 == "charter_session" { print "charter_session=" $7 }' "$jar")
adv=$(curl -fs -b "$jar" "http://127.0.0.1:$port/accounts" | grep -o 'adv_[0-9A-Z]*/agents"><span class="card__title">Northwind' | head -1 | cut -d/ -f1)
total=$(curl -fs -b "$jar" -H 'Accept: application/json' --data "advertiser_id=$adv" "http://127.0.0.1:$port/api/list_agents" | grep -o '"total":[0-9]*' | cut -d: -f2)

lua() { # method body
  cat > "$dir/req.lua" <<LUA
wrk.method = "POST"
wrk.body = "$1"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Accept"] = "application/json"
wrk.headers["Cookie"] = "$cookie"
LUA
}
run() { # name, wrk args...
  local name=$1; shift
  local out; out=$(wrk -t2 -c16 -d${BENCH_SECONDS:-10}s --latency "$@")
  local rps p50 p99
  rps=$(echo "$out" | awk '/Requests\/sec/ { print $2 }')
  p50=$(echo "$out" | awk '$1 == "50%" { print $2 }')
  p99=$(echo "$out" | awk '$1 == "99%" { print $2 }')
  echo "| $name | $rps | $p50 | $p99 |"
  echo "$rps" > "$dir/rps-$(echo "$name" | tr -c 'a-z0-9' '_')"
}
echo "Account: $total grants on one advertiser; 2 wrk threads, 16 connections, ${BENCH_SECONDS:-10} s each."
echo
echo "| endpoint | requests/s | p50 | p99 |"
echo "| --- | ---: | ---: | ---: |"
run "GET /healthz (bare peer)" "http://127.0.0.1:$port/healthz"
lua "advertiser_id=$adv"
run "list_agents page 1" -s "$dir/req.lua" "http://127.0.0.1:$port/api/list_agents"
lua "advertiser_id=$adv&page=40"
run "list_agents page 40" -s "$dir/req.lua" "http://127.0.0.1:$port/api/list_agents"
lua "advertiser_id=$adv&search=fleet+agent+05&status=active"
run "list_agents search+filter" -s "$dir/req.lua" "http://127.0.0.1:$port/api/list_agents"
run "GET agents page (SSR HTML)" -H "Cookie: $cookie" "http://127.0.0.1:$port/accounts/$adv/agents?page=40"
