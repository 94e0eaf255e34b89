#!/usr/bin/env bash
# Builds the pinned Binaryen optimizer (`wasm-opt`, Binaryen 116 from the `wasm-opt` crate) once
# and caches it outside the clone; prints the binary's path. The build scripts run it over the
# component's core module (host/optimize_component.rs); WASM_OPT overrides where they find it.
set -euo pipefail
WASM_OPT_VERSION=0.116.1
root="${S3WASM_CACHE:-$HOME/.cache/s3wasm}/wasm-opt-$WASM_OPT_VERSION"
bin="$root/bin/wasm-opt"
if [ ! -x "$bin" ]; then
  echo "Building wasm-opt $WASM_OPT_VERSION into $root (first run only, about 10 minutes)..." >&2
  mkdir -p "$root"
  # Its own target directory: the workspace's may be locked by a build in progress.
  CARGO_TARGET_DIR="$root/target" cargo install wasm-opt --version "$WASM_OPT_VERSION" --locked --root "$root" >&2
  rm -rf "$root/target"
fi
echo "$bin"
