#!/usr/bin/env bash
# The "Sync Salesforce files to AWS S3 backups" template, against a local Garage and a loopback
# Salesforce org with sample files (both started here): a dry run, the first backup, an unchanged
# rerun and an incremental run after the org changes.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export GARAGE_BIN="${GARAGE_BIN:-$(scripts/install-garage.sh)}"
echo "Building the template, the connector component and the host (the first build takes several minutes)..." >&2
cargo build --release --locked -p integration-tests --bin salesforce-backup-demo
exec cargo run --release --locked -q -p integration-tests --bin salesforce-backup-demo -- "$@"
