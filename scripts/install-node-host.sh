#!/usr/bin/env bash
# Installs the Node.js host's packages (jco and preview2-shim, pinned by
# portable/node/package-lock.json) once per lock file into a cache outside the clone, and links
# portable/node/node_modules to it. Prints the cached node_modules directory.
set -euo pipefail
cd "$(dirname "$0")/../portable/node"
command -v npm >/dev/null || { echo "install-node-host: Node.js 20 or later with npm is needed" >&2; exit 1; }
cache="${S3WASM_CACHE:-$HOME/.cache/s3wasm}"
dir="$cache/node-host-$(sha256sum package-lock.json | cut -c1-12)"
if [ ! -d "$dir/node_modules" ]; then
  rm -rf "$dir.tmp"
  mkdir -p "$dir.tmp"
  cp package.json package-lock.json "$dir.tmp/"
  (cd "$dir.tmp" && npm ci --no-audit --no-fund --loglevel=error >&2)
  rm -rf "$dir"
  mv "$dir.tmp" "$dir"
fi
ln -sfn "$dir/node_modules" node_modules
echo "$dir/node_modules"
