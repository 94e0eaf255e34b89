#!/usr/bin/env bash
# The whole test suite: unit tests (published SigV4 vectors included), the component against a
# local Garage (or S3_TEST_ENDPOINT), the conformance suite again against moto, the sandbox tests,
# the CLI, the portable component in Node.js and in the stock wasmtime CLI, and the Temporal
# worker (the backup template's workflow too) on a dev cluster. Servers start and stop inside the tests. Ends with one "N passed, N failed" line
# for the whole run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export GARAGE_BIN="${GARAGE_BIN:-$(scripts/install-garage.sh)}"
export MOTO_BIN_DIR="${MOTO_BIN_DIR:-$(scripts/install-moto.sh)}"
export TEMPORAL_BIN_DIR="${TEMPORAL_BIN_DIR:-$(scripts/install-temporal.sh)}"
export WASMTIME="${WASMTIME:-$(scripts/install-wasmtime-cli.sh)}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --locked "$@" 2>&1 | tee "$log" || status=$?
# The conformance suite once more, against the second real server (each test declares the
# features it needs; tests/src/lib.rs says what each server implements).
S3_TEST_SERVER=moto cargo test --locked -p integration-tests --test s3_operations "$@" 2>&1 | tee -a "$log" || status=$?
passed=$(grep -Eo '^test result: .* ([0-9]+) passed' "$log" | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '^test result: .* ([0-9]+) failed' "$log" | grep -Eo '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
echo
echo "tests: $passed passed, $failed failed"
exit "$status"
