#!/usr/bin/env bash
# Everything the demo and the tests need on a fresh machine: the wasm target, Garage, moto
# (the second server, with boto3 as the tests' independent client), the Node.js host's packages
# (jco and preview2-shim) and the stock wasmtime CLI (the portable component's other runtimes),
# the Temporal CLI with the Python SDK (and protoc, which the Rust SDK's build needs), and
# Binaryen's wasm-opt, which the build scripts run over the shipped component.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! rustup target list --installed | grep -qx wasm32-wasip2; then
  rustup target add wasm32-wasip2
fi
scripts/install-garage.sh >/dev/null
scripts/install-moto.sh >/dev/null
scripts/install-node-host.sh >/dev/null
scripts/install-wasmtime-cli.sh >/dev/null
scripts/install-temporal.sh >/dev/null
scripts/install-wasm-opt.sh >/dev/null
