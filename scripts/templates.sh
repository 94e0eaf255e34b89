#!/usr/bin/env bash
# The three templates against a local Garage with sample data they create (started here):
# "Sync Salesforce files to AWS S3 backups" (with a loopback Salesforce org: a dry run, the first
# backup, an unchanged rerun, an incremental run after the org changes), "Extract AWS S3 data as
# JSON" and "Extract and transform CSV data from AWS S3".
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export GARAGE_BIN="${GARAGE_BIN:-$(scripts/install-garage.sh)}"
echo "Building the templates, the connector component and the host (the first build takes several minutes)..." >&2
cargo build --release --locked -p integration-tests --bin templates-demo
exec cargo run --release --locked -q -p integration-tests --bin templates-demo -- "$@"
