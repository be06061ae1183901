#!/usr/bin/env bash
# Rebuilds tree-sitter-nix.wasm from the sources in the npm package tree-sitter-nix@0.0.2 and checks
# that the result is byte-identical to the committed file (the hash in PROVENANCE.json).
# Needs Debian's emscripten (3.1.6): apt-get install -y emscripten
# Usage: server/grammar/build-grammar.sh [--write]   (--write replaces the committed wasm)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="0.0.2"
expected="$(node -p "require('$here/PROVENANCE.json').sha256")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent "tree-sitter-nix@$version" >/dev/null && tar xzf "tree-sitter-nix-$version.tgz")
cd "$work/package"
emcc -o "$work/tree-sitter-nix.wasm" -Os -s WASM=1 -s SIDE_MODULE=2 -s TOTAL_MEMORY=33554432 \
  -s NODEJS_CATCH_EXIT=0 -s 'EXPORTED_FUNCTIONS=["_tree_sitter_nix"]' -fno-exceptions \
  -fvisibility=hidden -I src src/scanner.c src/parser.c
actual="$(sha256sum "$work/tree-sitter-nix.wasm" | cut -d' ' -f1)"
if [ "${1:-}" = "--write" ]; then
  cp "$work/tree-sitter-nix.wasm" "$here/tree-sitter-nix.wasm"
  echo "wrote $here/tree-sitter-nix.wasm ($actual); update PROVENANCE.json if the hash changed"
elif [ "$actual" = "$expected" ]; then
  echo "tree-sitter-nix.wasm rebuilt: identical ($actual)"
else
  echo "tree-sitter-nix.wasm rebuilt: DIFFERENT hash $actual, expected $expected" >&2
  exit 1
fi
