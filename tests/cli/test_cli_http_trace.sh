#!/bin/sh
# SPDX-License-Identifier: MIT
# sgp32 -v traces the HTTP exchanges of the IPA commands (method, URL, size, outcome) next to the APDUs.
# Usage: test_cli_http_trace.sh <sgp32> <test PKI generator>
set -eu
cli=$1
pki_tool=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$pki_tool" --curve nist "$work/pki" > /dev/null
"$cli" euicc-sim create "$work/card" --pki "$work/pki/nist" > /dev/null
# Nothing listens on port 9: the request is traced, then its failure.
set +e
"$cli" -v --transport "softeuicc:$work/card" download '1$127.0.0.1:9$NOTHING' --max-seconds 2 \
  > "$work/out" 2> "$work/err"
code=$?
set -e
fail() { echo "test_cli_http_trace: $1" >&2; cat "$work/err" >&2; exit 1; }
[ $code -ne 0 ] || fail "a download from nowhere succeeded"
grep -q '^> POST https://127.0.0.1:9/gsma/rsp2/es9plus/initiateAuthentication ([0-9]* bytes)$' "$work/err" ||
  fail "no HTTP request line"
grep -q '^! SGP32_ERR_HTTP: ' "$work/err" || fail "no HTTP failure line"
grep -q '^> 00A4\|^> 01A4\|^> 0070' "$work/err" || fail "no APDU trace next to it"
echo "test_cli_http_trace: ok"
