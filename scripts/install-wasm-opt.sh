#!/usr/bin/env bash
# Builds the pinned Binaryen optimizer (`wasm-opt`, Binaryen 116 from the `wasm-opt` crate) once,
# without its DWARF support (the component carries no debug information; a quarter less C++ to
# compile), and caches it outside the clone (about 10 minutes on 2 cores the first time; instant
# afterwards); prints the binary's path. The build scripts run it over the component's core
# module (host/optimize_component.rs); WASM_OPT overrides where they find it.
set -euo pipefail
WASM_OPT_VERSION=0.116.1
exec "$(dirname "$0")/cargo-install-cached.sh" "wasm-opt-$WASM_OPT_VERSION" wasm-opt wasm-opt "$WASM_OPT_VERSION" \
  --no-default-features
