#!/bin/bash
# SPDX-License-Identifier: MIT
# ES10 over a real pcscd + vsmartcard-vpcd + the software eUICC (`sgp32 euicc-sim serve`).
#
#   run_pcsc_test.sh <sgp32 CLI> <pcsc_es10_check> [--t0] [--removal] [--restart-pcscd]
#                    [--conformance <expected report>]
#
# Starts its own pcscd with a project-owned reader.conf on a free TCP port, creates a card, serves it,
# runs pcsc_es10_check (the PC/SC transport + lib/es10) and `pcsc_scan -r`; --removal also removes and
# reinserts the card, --restart-pcscd restarts pcscd under the running `serve` (which must reconnect).
# --conformance runs only the shared ES10 conformance suite (tests/conformance) in the checker, whose
# report must equal the given reference file.
# At the end `serve` must exit 0 on SIGTERM, and exit 1 when no vpcd comes back within its retry
# bound. Everything it started is stopped by PID and its temporary directory removed. pcscd has a fixed socket path, so only one can
# run per machine: if another pcscd is running this test FAILS (it never stops a pcscd it did not
# start). Needs root (pcscd writes /run/pcscd). ctest runs these tests under RESOURCE_LOCK pcscd.
set -u

cli=$1
checker=$2
shift 2
t0=0
removal=0
restart=0
expected_report=
while [ $# -gt 0 ]; do
  case "$1" in
    --t0) t0=1 ;;
    --removal) removal=1 ;;
    --restart-pcscd) restart=1 ;;
    --conformance) [ $# -ge 2 ] || { echo "$0: --conformance needs a file" >&2; exit 2; }; expected_report=$2; shift ;;
    *) echo "usage: $0 <sgp32 CLI> <pcsc_es10_check> [--t0] [--removal] [--restart-pcscd] [--conformance <file>]" >&2
       exit 2 ;;
  esac
  shift
done

reader_name="libsgp32 Virtual PCD"
driver=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
pki_tool=$(cd "$(dirname "$0")/../../examples/pki" && pwd)/sgp32-test-pki
pcscd_pid=
serve_pid=
work=

fail() { echo "run_pcsc_test: FAIL: $*" >&2; exit 1; }

. "$(dirname "$0")/pcsc_env.sh"

cleanup() {
  local rc=$?
  [ -n "$serve_pid" ] && stop_pid "$serve_pid"
  [ -n "$pcscd_pid" ] && stop_pid "$pcscd_pid"
  if [ "$rc" -ne 0 ] && [ -n "$work" ]; then
    for log in "$work"/*.log; do
      [ -f "$log" ] || continue
      echo "---- $(basename "$log") (last 30 lines)" >&2
      tail -n 30 "$log" >&2
    done
  fi
  [ -n "$work" ] && rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- Preconditions: clear failures instead of interfering with the machine.
[ -x "$cli" ] || fail "$cli is not executable"
[ -x "$checker" ] || fail "$checker is not executable"
command -v openssl >/dev/null || fail "openssl is not installed (the test PKI needs it; Debian: apt-get install openssl)"
command -v pcsc_scan >/dev/null || fail "pcsc_scan is not installed (Debian: apt-get install pcsc-tools)"
pcsc_preconditions

work=$(mktemp -d "${TMPDIR:-/tmp}/sgp32-pcsc-test.XXXXXX") || fail "mktemp failed"

port=$(free_port_pair) || fail "cannot find a free TCP port"
[ -n "$port" ] || fail "cannot find a free TCP port"
write_reader_conf "$port" tests/pcsc/run_pcsc_test.sh

# ---- The card: the identity of a fresh test PKI (NIST set), with a random EID.
random_eid=$(/usr/bin/python3 -c 'import random; d = "89049032" + "".join(random.choice("0123456789") for _ in range(22)); print(d + "%02d" % (98 - int(d + "00") % 97))')
"$pki_tool" --curve nist --eid "$random_eid" "$work/pki" >"$work/pki.log" 2>&1 || fail "examples/pki/sgp32-test-pki failed"
ci_pkid=$(sed -n 's/^ci_pkid=//p' "$work/pki/nist/manifest.txt")
"$cli" euicc-sim create "$work/card" --pki "$work/pki/nist" >"$work/create.out" 2>"$work/create.log" ||
  fail "sgp32 euicc-sim create failed"
eid=$(sed -n 's/^EID \([0-9A-F]\{32\}\)$/\1/p' "$work/create.out")
[ "$eid" = "$random_eid" ] || fail "sgp32 euicc-sim create --pki printed EID '$(cat "$work/create.out")', expected $random_eid"
echo "run_pcsc_test: card EID $eid, vpcd port $port$([ "$t0" = 1 ] && echo ', T=0')"

# ---- pcscd (ours)
start_pcscd

start_serve() {
  local extra=()
  [ "$t0" = 1 ] && extra+=(--t0)
  "$cli" euicc-sim serve "$work/card" --vpcd "127.0.0.1:$port" --retry-seconds 20 "${extra[@]}" \
    >>"$work/serve.log" 2>&1 &
  serve_pid=$!
}
start_serve

# ---- The ES10 checks over PC/SC (the checker waits for reader and card with SCardGetStatusChange).
args=(--reader "$reader_name" --eid "$eid" --protocol "$([ "$t0" = 1 ] && echo t0 || echo t1)" --wait-ms 20000)
identity=(--ci-pkid "$ci_pkid" --euicc-cert "$work/pki/nist/euicc/euicc.cert.der")
phases=()
[ -n "$expected_report" ] && phases+=(--quick --conformance "$expected_report" --pki "$work/pki/nist")
[ "$removal" = 1 ] && phases+=(--removal)
[ "$restart" = 1 ] && phases+=(--restart)
# The checker asks for removal, reinsertion and a pcscd restart on its stdout and waits for "go".
coproc CHECK { "$checker" "${args[@]}" "${identity[@]}" "${phases[@]}" 2>&1; }
check_pid=$CHECK_PID
exec {from_check}<&"${CHECK[0]}" {to_check}>&"${CHECK[1]}"
while IFS= read -r -t 60 -u "$from_check" line; do
  echo "$line"
  case "$line" in
    "removal: remove the card")
      stop_pid "$serve_pid"
      serve_rc=$?
      serve_pid=
      [ "$serve_rc" -eq 0 ] || fail "sgp32 euicc-sim serve exited $serve_rc on SIGTERM (expected 0)"
      echo go >&"$to_check" ;;
    "removal: insert the card")
      start_serve
      echo go >&"$to_check" ;;
    "restart: restart pcscd")
      # pcscd restarts under the running serve: serve must notice and reconnect by itself.
      stop_pid "$pcscd_pid"
      pcscd_pid=
      deadline=$((SECONDS + 20))
      until grep -q "vpcd connection ended" "$work/serve.log"; do
        kill -0 "$serve_pid" 2>/dev/null || fail "serve exited when pcscd stopped (it should reconnect)"
        [ "$SECONDS" -lt "$deadline" ] || fail "serve did not notice that pcscd stopped"
        sleep 0.05
      done
      start_pcscd
      echo "run_pcsc_test: pcscd restarted (PID $pcscd_pid)"
      echo go >&"$to_check" ;;
  esac
done
exec {to_check}>&-
wait "$check_pid"
check_rc=$?
[ "$check_rc" -eq 0 ] || fail "pcsc_es10_check failed (exit $check_rc)"
if [ "$restart" = 1 ]; then
  [ "$(grep -c "card inserted into vpcd at 127.0.0.1:$port" "$work/serve.log")" -ge 2 ] ||
    fail "serve did not report its reconnection after the pcscd restart"
fi

# ---- A third-party tool sees the reader (and the card).
timeout 10 pcsc_scan -r >"$work/pcsc_scan.out" 2>&1 || fail "pcsc_scan -r failed: $(tr -d '\0' <"$work/pcsc_scan.out")"
tr -d '\0' <"$work/pcsc_scan.out"
grep -a -q "$reader_name 00 00" "$work/pcsc_scan.out" || fail "pcsc_scan -r does not list '$reader_name 00 00'"

# ---- serve stops cleanly on SIGTERM.
stop_pid "$serve_pid"
serve_rc=$?
serve_pid=
[ "$serve_rc" -eq 0 ] || fail "sgp32 euicc-sim serve exited $serve_rc on SIGTERM (expected 0)"
grep -q "card inserted into vpcd at 127.0.0.1:$port" "$work/serve.log" || fail "serve did not report the connection"

# ---- Without vpcd, serve gives up after its retry bound with exit 1 and a message.
stop_pid "$pcscd_pid"
pcscd_pid=
timeout 30 "$cli" euicc-sim serve "$work/card" --vpcd "127.0.0.1:$port" --retry-seconds 1 >"$work/giveup.log" 2>&1
giveup_rc=$?
[ "$giveup_rc" -eq 1 ] || fail "serve without vpcd exited $giveup_rc (expected 1): $(cat "$work/giveup.log")"
grep -q "no vpcd listening at 127.0.0.1:$port" "$work/giveup.log" || fail "serve without vpcd: no clear message"
echo "run_pcsc_test: PASSED"
