#!/bin/sh
# SPDX-License-Identifier: MIT
# Short fuzz smoke run of every libFuzzer target: fuzz/smoke.sh <build dir> <seconds per target>.
# Seeds come from fuzz/corpus/<target>/ and the shared vectors; findings fail the run.
set -eu
build=${1:-build-fuzz}
seconds=${2:-20}
here=$(cd "$(dirname "$0")" && pwd)
shared=${SGP32_SHARED_DIR:-$here/../../shared}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

status=0
for fuzzer in "$build"/fuzz/fuzz_*; do
  [ -x "$fuzzer" ] || continue
  name=$(basename "$fuzzer")
  corpus="$work/$name"
  mkdir -p "$corpus"
  [ -d "$here/corpus/$name" ] && cp "$here/corpus/$name"/* "$corpus"/ 2>/dev/null || true
  if [ -d "$shared/vectors" ]; then
    find "$shared/vectors" -name '*.ber' -o -name '*.der' | while read -r f; do
      # two selector bytes first for the typed decoder; raw for the others
      case "$name" in fuzz_decode_any) { printf '\000\000'; cat "$f"; } > "$corpus/$(basename "$f")" ;;
                      *) cp "$f" "$corpus"/ ;; esac
    done
  fi
  echo "fuzz smoke: $name for ${seconds}s"
  if ! "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
       -artifact_prefix="$work/" "$corpus" > "$work/$name.log" 2>&1; then
    tail -40 "$work/$name.log"
    mkdir -p "$build/fuzz-findings" && cp "$work"/crash-* "$work"/timeout-* "$work"/leak-* "$build/fuzz-findings/" 2>/dev/null || true
    status=1
  else
    grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs" "$work/$name.log" | tail -1
  fi
done
[ $status -eq 0 ] && echo "fuzz smoke: no findings"
exit $status
