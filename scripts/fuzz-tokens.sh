#!/usr/bin/env bash
# Fuzzes the token path (crates/tokens/fuzz, target `token_path`) with libFuzzer on stable Rust,
# without cargo-fuzz: base64 → Biscuit → screen → verify, and Datalog blocks a holder appends.
# A crash, a panic or one verification over 50 ms fails the run. Not part of CI (it runs for
# FUZZ_SECONDS, 600 by default); the figures of a run go in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
seconds="${FUZZ_SECONDS:-600}"
target_dir="${FUZZ_TARGET_DIR:-/tmp/charter-tokens-fuzz-target}"
corpus="${FUZZ_CORPUS:-/tmp/charter-tokens-fuzz-corpus}"

RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares -Cdebug-assertions -Coverflow-checks" \
CARGO_TARGET_DIR="$target_dir" \
  cargo build --release --target x86_64-unknown-linux-gnu --manifest-path crates/tokens/fuzz/Cargo.toml

mkdir -p "$corpus"
cp crates/tokens/fuzz/seeds/* "$corpus/"
"$target_dir/x86_64-unknown-linux-gnu/release/token_path" "$corpus" \
  -max_total_time="$seconds" -max_len=4096 -timeout=2 -rss_limit_mb=2048 -print_final_stats=1
