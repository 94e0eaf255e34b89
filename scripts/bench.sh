#!/usr/bin/env bash
# The benchmark: the connector through the sandbox vs aws-sdk-s3, curl on a presigned URL and a
# bare signed hyper client, on a local Garage, in one run — on loopback, then through a latency
# proxy (20 and 80 ms round trips) where `aws s3 cp` runs too. Writes bench/RESULTS.md.
# Extra arguments go to s3-bench (e.g. --size-mib 256 --ops 200 --repeats 1 for a quick run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export GARAGE_BIN="${GARAGE_BIN:-$(scripts/install-garage.sh)}"
export BENCH_AWS_CLI="${BENCH_AWS_CLI:-$(scripts/install-awscli.sh)}"
# Garage with TCP_NODELAY on its connections, so a small GET is not held by Nagle's algorithm
# against the client's delayed ACK (bench/nodelay/nodelay.c says why). Built once per source.
cache="${S3WASM_CACHE:-$HOME/.cache/s3wasm}"
shim="$cache/nodelay-$(sha256sum bench/nodelay/nodelay.c | cut -c1-12).so"
if [ ! -f "$shim" ]; then
  mkdir -p "$cache"
  cc -shared -fPIC -O2 -o "$shim.tmp" bench/nodelay/nodelay.c -ldl
  mv "$shim.tmp" "$shim"
fi
export GARAGE_PRELOAD="$shim"
exec cargo run --release --locked -q -p s3-bench -- "$@"
