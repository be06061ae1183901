#!/usr/bin/env bash
# Installs what the editor-level test needs, idempotently: Debian's chromium and ripgrep, and
# code-server 4.100.3 (VS Code 1.100.3, the newest that runs on node 20) in .e2e/code-server.
# @vscode/ripgrep would download rg during code-server's install; it is given Debian's instead.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo_if_needed() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

if ! command -v chromium >/dev/null 2>&1 || ! command -v rg >/dev/null 2>&1 || ! command -v unzip >/dev/null 2>&1; then
  sudo_if_needed apt-get update -q
  DEBIAN_FRONTEND=noninteractive sudo_if_needed apt-get install -y -q --no-install-recommends chromium ripgrep libkrb5-dev unzip
fi

server=.e2e/code-server
if [ ! -x "$server/node_modules/.bin/code-server" ]; then
  cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
  mkdir -p "$cache"
  tarball="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
  [ -f "$tarball" ] || tar czf "$tarball" -C "$(dirname "$(command -v rg)")" rg
  mkdir -p "$server"
  (cd "$server" && [ -f package.json ] || echo '{ "name": "e2e-code-server", "private": true }' > package.json)
  # As root, code-server's postinstall insists on unsafe-perm to build VS Code's native modules.
  (cd "$server" && npm_config_yes=true npm_config_unsafe_perm=true npm install --no-audit --no-fund --save-exact code-server@4.100.3)
fi
echo "e2e set-up: chromium $(chromium --version 2>/dev/null | cut -d' ' -f2), code-server $(node -p "require('./$server/node_modules/code-server/package.json').version")"
