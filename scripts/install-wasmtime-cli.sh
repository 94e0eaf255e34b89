#!/usr/bin/env bash
# Builds the stock `wasmtime` CLI (the runtime's own command, not our host) once, with just what
# running the portable component needs (components, wasi:http, cranelift), and caches it outside
# the clone (about 10 minutes on 2 cores the first time; instant afterwards). Prints the binary.
set -euo pipefail
WASMTIME_CLI_VERSION=48.0.8
root="${S3WASM_CACHE:-$HOME/.cache/s3wasm}/wasmtime-cli-$WASMTIME_CLI_VERSION"
bin="$root/bin/wasmtime"
if [ ! -x "$bin" ]; then
  echo "Building the wasmtime CLI $WASMTIME_CLI_VERSION into $root (first run only)..." >&2
  mkdir -p "$root"
  build="$(mktemp -d)"
  trap 'rm -rf "$build"' EXIT
  cargo install wasmtime-cli --version "$WASMTIME_CLI_VERSION" --locked --no-default-features \
    --features run,cranelift,component-model,wasi-http,parallel-compilation \
    --target-dir "$build" --root "$root" >&2
fi
echo "$bin"
