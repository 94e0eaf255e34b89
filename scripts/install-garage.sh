#!/usr/bin/env bash
# Builds the pinned Garage once and caches the binary outside the clone (about 10-15 minutes on
# 2 cores the first time; instant afterwards). Prints the binary's path.
set -euo pipefail
GARAGE_VERSION=2.5.0
root="${S3WASM_CACHE:-$HOME/.cache/s3wasm}/garage-$GARAGE_VERSION"
bin="$root/bin/garage"
if [ ! -x "$bin" ]; then
  echo "Building Garage $GARAGE_VERSION into $root (first run only)..." >&2
  mkdir -p "$root"
  cargo install garage --version "$GARAGE_VERSION" --locked --no-default-features \
    --features bundled-libs,sqlite --root "$root" >&2
fi
echo "$bin"
