#!/usr/bin/env bash
# Builds a pinned crate's binary with `cargo install` once, into the cache outside the clone
# (`S3WASM_CACHE`, by default ~/.cache/s3wasm), and prints the binary's path; later calls only
# print it. The build has a target directory of its own (the workspace's may be locked by a
# build in progress), removed afterwards.
#   usage: cargo-install-cached.sh DIR BINARY CRATE VERSION [more `cargo install` options]
#   e.g.:  cargo-install-cached.sh garage-2.5.0 garage garage 2.5.0 --features sqlite
set -euo pipefail
dir=$1 binary=$2 crate=$3 version=$4
shift 4
root="${S3WASM_CACHE:-$HOME/.cache/s3wasm}/$dir"
bin="$root/bin/$binary"
if [ ! -x "$bin" ]; then
  echo "Building $crate $version into $root (first run only)..." >&2
  mkdir -p "$root"
  build="$(mktemp -d)"
  trap 'rm -rf "$build"' EXIT
  cargo install "$crate" --version "$version" --locked --root "$root" --target-dir "$build" "$@" >&2
fi
echo "$bin"
