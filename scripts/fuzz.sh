#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer) of the connector's parsers and the host's outbound rules.
#   scripts/fuzz.sh            every target for 1,000,000 executions (the long run; figures in fuzz/RESULTS.md)
#   scripts/fuzz.sh 20000      every target for 20,000 executions (the short run CI does)
#   scripts/fuzz.sh 1e6 xml_documents
# Corpora live in fuzz/corpus/<target> (committed), seeds in fuzz/seeds/<target>; crashes would
# land in fuzz/artifacts/ (ignored by git).
# Stable Rust: the instrumentation is LLVM's sanitizer-coverage, set through -C flags.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
runs="${1:-1000000}"
runs=$(python3 -c "print(int(float('$runs')))")
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(xml_documents operation_input aws_chunked content_range_and_urls outbound_rule)
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/s3wasm/target}/fuzz"
export RUSTFLAGS="-Cpasses=sancov-module -Cllvm-args=-sanitizer-coverage-level=4 \
  -Cllvm-args=-sanitizer-coverage-inline-8bit-counters -Cllvm-args=-sanitizer-coverage-pc-table \
  -Cllvm-args=-sanitizer-coverage-trace-compares --cfg fuzzing -Cdebug-assertions -Coverflow-checks"
echo "fuzz: building ${targets[*]}" >&2
# With an explicit --target the flags instrument the targets only, not build scripts.
host=$(rustc -vV | sed -n 's/^host: //p')
cargo build --release --locked --target "$host" $(printf -- '--bin %s ' "${targets[@]}") >&2
mkdir -p artifacts
for target in "${targets[@]}"; do
  mkdir -p "corpus/$target"
  # Hand-written seeds (real S3 documents and inputs) start every run; libFuzzer adds to corpus/.
  seeds=()
  [ -d "seeds/$target" ] && seeds=("seeds/$target")
  log=$(mktemp)
  started=$(date +%s)
  if ! "$CARGO_TARGET_DIR/$host/release/$target" -runs="$runs" -max_len=65536 -rss_limit_mb=2048 \
      -artifact_prefix="artifacts/$target-" "corpus/$target" "${seeds[@]}" >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "fuzz: $target FAILED (see fuzz/artifacts/)" >&2
    exit 1
  fi
  done_line=$(grep -E "^Done [0-9]+ runs" "$log" | tail -1)
  cov=$(grep -Eo "cov: [0-9]+" "$log" | tail -1)
  echo "fuzz: $target: $done_line in $(( $(date +%s) - started )) s, $cov, corpus $(ls "corpus/$target" | wc -l) files"
  rm -f "$log"
done
