#!/usr/bin/env bash
# Installs pinned Python packages into their own virtualenv cached outside the clone (first run
# only) and prints the path of one of its commands: pip-tool.sh NAME VERSION SPECS COMMAND, e.g.
# pip-tool.sh moto 5.2.5 "moto[server]==5.2.5" moto_server (SPECS: one or more, space-separated).
set -euo pipefail
name="$1" version="$2" spec="$3" command="$4"
root="${S3WASM_CACHE:-$HOME/.cache/s3wasm}/$name-$version"
if [ ! -x "$root/bin/$command" ] || [ ! -f "$root/.complete" ]; then
  echo "Installing $name $version into $root (first run only)..." >&2
  rm -rf "$root"
  python3 -m venv "$root"
  read -ra specs <<< "$spec"
  "$root/bin/pip" install --quiet --disable-pip-version-check "${specs[@]}" >&2
  touch "$root/.complete"
fi
echo "$root/bin/$command"
