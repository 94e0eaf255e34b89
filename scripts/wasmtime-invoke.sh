#!/usr/bin/env bash
# Runs one operation of the portable component under the stock `wasmtime` CLI (not this
# project's host): wasi:http for S3, one granted directory for files, a memory and a time limit.
#
#   scripts/wasmtime-invoke.sh [--files DIR] [--component FILE] OPERATION ['INPUT JSON']
#   scripts/wasmtime-invoke.sh describe
#
# The S3 connection comes from the AWS CLI's variables (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
# AWS_SESSION_TOKEN, AWS_REGION, AWS_ENDPOINT_URL). The component defaults to the one `s3c
# component --portable` writes; the CLI to `$WASMTIME`, else the pinned build
# (scripts/install-wasmtime-cli.sh; about 10 minutes the first time). Prints the call's result
# as wasmtime shows it — `ok("<output JSON>")` or `err({kind: ..., message: ...})` — and exits 1
# on `err`.
#
# The stock CLI takes the call on its command line, so the credentials are visible in this
# machine's process list while it runs, and it allows any outbound HTTP: use it to try the
# component, and a host with an egress policy (s3c, the host library, portable/node) for work.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
files="" component=""
while [ $# -gt 0 ]; do
  case "$1" in
    --files) files="$2"; shift 2 ;;
    --component) component="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) break ;;
  esac
done
[ $# -ge 1 ] || { echo "usage: $0 [--files DIR] [--component FILE] OPERATION ['INPUT JSON']" >&2; exit 2; }
operation="$1" input="${2:-{\}}"
wasmtime="${WASMTIME:-$("$root/scripts/install-wasmtime-cli.sh")}"
if [ -z "$component" ]; then
  component="$(mktemp --suffix .wasm)"
  trap 'rm -f "$component"' EXIT
  (cd "$root" && cargo run -q --locked -p connector-host --bin s3c -- component --portable -o "$component")
fi

# A WAVE string literal (the syntax of --invoke): backslash, quote and control characters escaped.
wave_string() {
  local s="$1"
  s="${s//\\/\\\\}"; s="${s//\"/\\\"}"; s="${s//$'\n'/\\n}"; s="${s//$'\t'/\\t}"; s="${s//$'\r'/\\r}"
  printf '"%s"' "$s"
}
# A JSON string literal.
json_string() {
  local s="$1"
  s="${s//\\/\\\\}"; s="${s//\"/\\\"}"
  printf '"%s"' "$s"
}

if [ "$operation" = describe ]; then
  call="describe()"
else
  : "${AWS_ACCESS_KEY_ID:?set the S3 credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)}"
  : "${AWS_SECRET_ACCESS_KEY:?set AWS_SECRET_ACCESS_KEY}"
  auth="{\"access_key_id\":$(json_string "$AWS_ACCESS_KEY_ID"),\"secret_access_key\":$(json_string "$AWS_SECRET_ACCESS_KEY")"
  auth+=",\"region\":$(json_string "${AWS_REGION:-${AWS_DEFAULT_REGION:-auto}}")"
  [ -z "${AWS_SESSION_TOKEN:-}" ] || auth+=",\"session_token\":$(json_string "$AWS_SESSION_TOKEN")"
  endpoint="${AWS_ENDPOINT_URL_S3:-${AWS_ENDPOINT_URL:-}}"
  [ -z "$endpoint" ] || auth+=",\"endpoint\":$(json_string "$endpoint")"
  auth+="}"
  call="invoke($(wave_string "$operation"), $(wave_string "$auth"), $(wave_string "$input"))"
fi

args=(run -S http -W "max-memory-size=$((64 << 20))" -W timeout=900s)
[ -z "$files" ] || args+=(--dir "$files")
result="$("$wasmtime" "${args[@]}" --invoke "$call" "$component")"
printf '%s\n' "$result"
case "$result" in err\(*) exit 1 ;; esac
