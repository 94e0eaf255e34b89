#!/usr/bin/env bash
# The tour: starts a local Garage with two buckets that have folders, and runs every operation
# through the sandboxed component, printing the results.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec cargo run --release --locked -q -p integration-tests --bin demo
