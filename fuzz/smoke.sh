#!/bin/sh
# SPDX-License-Identifier: MIT
# Short fuzz smoke run of every libFuzzer target in <build dir>/fuzz/:
#   fuzz/smoke.sh [build dir] [seconds per target]     (defaults: build-fuzz, $FUZZ_SECONDS or 20)
# Seeds: fuzz/corpus/<target>/ and the shared vectors (../shared/vectors, or $SGP32_SHARED_DIR).
# Any crash, leak, timeout or out-of-memory fails the run; its input is kept in <build dir>/fuzz-findings/.
set -eu
build=${1:-build-fuzz}
seconds=${2:-${FUZZ_SECONDS:-20}}
here=$(cd "$(dirname "$0")" && pwd)
shared=${SGP32_SHARED_DIR:-$here/../../shared}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

fuzzers=$(find "$build/fuzz" -maxdepth 1 -type f -name 'fuzz_*' -perm -u+x 2>/dev/null | sort)
if [ -z "$fuzzers" ]; then
  echo "fuzz smoke: no fuzz targets in $build/fuzz (configure with -DSGP32_BUILD_FUZZERS=ON and clang)" >&2
  exit 1
fi

status=0
summary=""
for fuzzer in $fuzzers; do
  name=$(basename "$fuzzer")
  corpus="$work/$name"
  mkdir -p "$corpus" "$work/artifacts-$name"
  if [ -d "$here/corpus/$name" ]; then
    cp "$here/corpus/$name"/* "$corpus"/ 2>/dev/null || true
  fi
  # fuzz_decode_any reads a 2-byte type selector first: its seeds are the committed ones only.
  if [ "$name" != fuzz_decode_any ] && [ -d "$shared/vectors" ]; then
    find "$shared/vectors" -name '*.ber' -o -name '*.der' | while read -r f; do
      cp "$f" "$corpus/vector-$(basename "$f")"
    done
  fi
  seeds=$(ls "$corpus" | wc -l)
  echo "fuzz smoke: $name for ${seconds}s ($seeds seeds)"
  log="$work/$name.log"
  if "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
       -print_final_stats=1 -artifact_prefix="$work/artifacts-$name/" "$corpus" > "$log" 2>&1; then
    runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$log" | tail -1)
    cov=$(sed -n 's/.*DONE *cov: \([0-9]*\).*/\1/p' "$log" | tail -1)
    summary="$summary$(printf '  %-24s ok       %10s runs  cov %s' "$name" "${runs:-?}" "${cov:-?}")
"
  else
    echo "---- $name: last lines of its log ----"
    tail -40 "$log"
    mkdir -p "$build/fuzz-findings"
    cp "$work/artifacts-$name"/* "$build/fuzz-findings/" 2>/dev/null || true
    summary="$summary$(printf '  %-24s FINDING  (inputs in %s/fuzz-findings; reproduce: %s <file>)' \
      "$name" "$build" "$fuzzer")
"
    status=1
  fi
done

echo "fuzz smoke summary (${seconds}s per target):"
printf '%s' "$summary"
if [ $status -eq 0 ]; then
  echo "fuzz smoke: no findings"
else
  echo "fuzz smoke: FINDINGS (see above)"
fi
exit $status
