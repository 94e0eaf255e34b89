#!/usr/bin/env bash
# Builds the pinned Garage once and caches the binary outside the clone (about 10-15 minutes on
# 2 cores the first time; instant afterwards). Prints the binary's path.
set -euo pipefail
GARAGE_VERSION=2.5.0
exec "$(dirname "$0")/cargo-install-cached.sh" "garage-$GARAGE_VERSION" garage garage "$GARAGE_VERSION" \
  --no-default-features --features bundled-libs,sqlite
