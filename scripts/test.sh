#!/usr/bin/env bash
# The whole test suite: unit tests (published SigV4 vectors included), the component against a
# local Garage (or S3_TEST_ENDPOINT), the sandbox tests and the CLI. Servers start and stop
# inside the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export GARAGE_BIN="${GARAGE_BIN:-$(scripts/install-garage.sh)}"
cargo test --workspace --locked "$@"
