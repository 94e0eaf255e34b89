#!/usr/bin/env bash
# Builds the pinned cargo-machete (finds dependencies no source file uses) once and caches it
# outside the clone; prints the binary's path. CI runs it on every crate (.ci/run).
set -euo pipefail
MACHETE_VERSION=0.9.2
exec "$(dirname "$0")/cargo-install-cached.sh" "cargo-machete-$MACHETE_VERSION" cargo-machete cargo-machete "$MACHETE_VERSION"
