#!/usr/bin/env bash
# Builds the pinned cargo-machete (finds dependencies no source file uses) once and caches it
# outside the clone; prints the binary's path. CI runs it on every crate (.ci/run).
set -euo pipefail
MACHETE_VERSION=0.9.2
root="${S3WASM_CACHE:-$HOME/.cache/s3wasm}/cargo-machete-$MACHETE_VERSION"
bin="$root/bin/cargo-machete"
if [ ! -x "$bin" ]; then
  echo "Building cargo-machete $MACHETE_VERSION into $root (first run only)..." >&2
  mkdir -p "$root"
  # Its own target directory: the workspace's may be locked by a build in progress.
  CARGO_TARGET_DIR="$root/target" cargo install cargo-machete --version "$MACHETE_VERSION" --locked --root "$root" >&2
  rm -rf "$root/target"
fi
echo "$bin"
