#!/usr/bin/env bash
# The benchmark: the connector through the sandbox vs aws-sdk-s3, curl on a presigned URL and a
# bare signed hyper client, on a local Garage, in one run. Writes bench/RESULTS.md.
# Extra arguments go to s3-bench (e.g. --size-mib 256 --ops 200 --repeats 1 for a quick run).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export GARAGE_BIN="${GARAGE_BIN:-$(scripts/install-garage.sh)}"
exec cargo run --release --locked -q -p s3-bench -- "$@"
