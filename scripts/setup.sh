#!/usr/bin/env bash
# Installs everything Charter needs on a fresh machine of the `rust-svc` kind.
# Idempotent: every step is skipped when it is already done, so warm runs take seconds.
# Usage: scripts/setup.sh [--release] [--e2e] [--postgres]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

want_release=0 want_e2e=0 want_pg=0
for a in "$@"; do
  case "$a" in
    --release) want_release=1 ;;
    --e2e) want_e2e=1 ;;
    --postgres) want_pg=1 ;;
    *) echo "setup: unknown flag \`$a\`" >&2; exit 2 ;;
  esac
done

export PATH="$HOME/.cargo/bin:$root/.tools/node_modules/.bin:$PATH"
step() { printf '\n== setup: %s\n' "$*"; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# --- Debian packages ---------------------------------------------------------------
need_pkgs=()
command -v pkg-config >/dev/null || need_pkgs+=(pkg-config)
command -v z3 >/dev/null || need_pkgs+=(z3)
if [ "$want_e2e" = 1 ]; then
  [ -x /usr/bin/chromium ] || need_pkgs+=(chromium)
  command -v node >/dev/null || need_pkgs+=(nodejs npm)
fi
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  step "apt-get install ${need_pkgs[*]}"
  apt_install "${need_pkgs[@]}"
fi

# --- PostgreSQL at 127.0.0.1:5432, user postgres, trust auth --------------------------
if [ "$want_pg" = 1 ]; then
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    step "starting PostgreSQL"
    if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then apt_install postgresql; fi
    ver=$(ls /etc/postgresql | sort -V | tail -1)
    hba=/etc/postgresql/$ver/main/pg_hba.conf
    if ! grep -q '^host all all 127.0.0.1/32 trust' "$hba"; then
      sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust' "$hba"
    fi
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start || pg_ctlcluster --skip-systemctl-redirect "$ver" main restart
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done
  fi
  pg_isready -h 127.0.0.1 -p 5432
fi

# --- Rust: wasm target, cargo-leptos, wasm-bindgen-cli --------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

leptos_version=0.3.10
if ! cargo leptos --version 2>/dev/null | grep -q " $leptos_version\$"; then
  step "cargo install cargo-leptos $leptos_version (about 17 min cold)"
  cargo install cargo-leptos --locked --version "$leptos_version"
fi

# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock.
wb_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wb_version\$"; then
  step "cargo install wasm-bindgen-cli $wb_version"
  # Its published lockfile names a webpki-roots release the registry no longer serves:
  # fetch the source, pin that one crate, then install from the path with the fixed lock.
  tmp=$(mktemp -d)
  cat > "$tmp/Cargo.toml" <<TOML
[package]
name = "fetch-wasm-bindgen-cli"
version = "0.0.0"
edition = "2021"
[dependencies]
wasm-bindgen-cli = "=$wb_version"
TOML
  mkdir -p "$tmp/src" && echo 'fn main() {}' > "$tmp/src/main.rs"
  (cd "$tmp" && cargo fetch -q)
  src=$(ls -d "$HOME"/.cargo/registry/src/*/wasm-bindgen-cli-"$wb_version" | head -1)
  cp -r "$src" "$tmp/cli"
  (cd "$tmp/cli" && cargo update -q -p webpki-roots --precise 1.0.10 && cargo install --locked --path .)
  rm -rf "$tmp"
fi

# --- npm: wasm-opt for release builds, Playwright for end-to-end tests ----------------
if [ "$want_release" = 1 ] && ! [ -x "$root/.tools/node_modules/.bin/wasm-opt" ]; then
  step "npm install binaryen@132.0.0 (wasm-opt)"
  mkdir -p .tools && (cd .tools && [ -f package.json ] || echo '{"private":true}' > package.json) && npm install --prefix .tools --no-audit --no-fund binaryen@132.0.0 >/dev/null
fi
if [ "$want_e2e" = 1 ] && ! [ -d end2end/node_modules/@playwright/test ]; then
  step "npm ci in end2end/"
  (cd end2end && npm ci --no-audit --no-fund)
fi
echo "setup: done"
