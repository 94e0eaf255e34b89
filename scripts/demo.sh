#!/usr/bin/env bash
# The tour: starts a local Garage with two buckets that have folders, and runs every operation
# through the sandboxed component, printing the results. `--keep` leaves the server and the
# buckets up (until Enter) with the environment to paste for `s3c`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "Building the tour, the connector component and the host (the first build takes several minutes)..." >&2
cargo build --release --locked -p integration-tests --bin demo
exec cargo run --release --locked -q -p integration-tests --bin demo -- "$@"
