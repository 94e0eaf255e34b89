#!/usr/bin/env bash
# Builds the stock `wasmtime` CLI (the runtime's own command, not our host) once, with just what
# running the portable component needs (components, wasi:http, cranelift), and caches it outside
# the clone (about 10 minutes on 2 cores the first time; instant afterwards). Prints the binary.
set -euo pipefail
WASMTIME_CLI_VERSION=48.0.8
exec "$(dirname "$0")/cargo-install-cached.sh" "wasmtime-cli-$WASMTIME_CLI_VERSION" wasmtime wasmtime-cli \
  "$WASMTIME_CLI_VERSION" --no-default-features \
  --features run,cranelift,component-model,wasi-http,parallel-compilation
