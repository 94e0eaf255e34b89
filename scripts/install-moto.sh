#!/usr/bin/env bash
# Installs the pinned moto server (a second real S3 implementation with ACLs, versioning,
# SSE, tagging and IAM/STS enforcement) into a virtualenv cached outside the clone, with boto3
# as the tests' independent client. Prints the venv's bin directory.
set -euo pipefail
MOTO_VERSION=5.2.5
root="${S3WASM_CACHE:-$HOME/.cache/s3wasm}/moto-$MOTO_VERSION"
if [ ! -x "$root/bin/moto_server" ] || [ ! -f "$root/.complete" ]; then
  echo "Installing moto $MOTO_VERSION into $root (first run only)..." >&2
  rm -rf "$root"
  python3 -m venv "$root"
  "$root/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION" >&2
  touch "$root/.complete"
fi
echo "$root/bin"
