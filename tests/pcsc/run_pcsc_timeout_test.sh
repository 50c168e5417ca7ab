#!/bin/bash
# SPDX-License-Identifier: MIT
# What bounds one PC/SC exchange (docs/pcsc.md, "Timeouts"): a real pcscd with a vsmartcard-vpcd
# reader and a slow card (slow_vpcd_card.py, READ BINARY answered after a delay), checked by
# pcsc_timeout_check.
#
#   run_pcsc_timeout_test.sh <pcsc_timeout_check>
#
# Starts its own pcscd on a free TCP port and stops it (and the card) by PID at the end. Like
# run_pcsc_test.sh: needs root, fails if another pcscd runs, takes turns through the machine-wide lock
# /run/lock/sgp32-pcsc-test.lock; ctest runs it under RESOURCE_LOCK pcscd.
set -u

checker=$1
delay_ms=2500
here=$(cd "$(dirname "$0")" && pwd)
reader_name="libsgp32 Slow PCD"
driver=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
pcscd_pid=
card_pid=
work=

fail() { echo "run_pcsc_timeout_test: FAIL: $*" >&2; exit 1; }

. "$here/pcsc_env.sh"

cleanup() {
  local rc=$?
  [ -n "$card_pid" ] && stop_pid "$card_pid"
  [ -n "$pcscd_pid" ] && stop_pid "$pcscd_pid"
  if [ "$rc" -ne 0 ] && [ -n "$work" ] && [ -f "$work/pcscd.log" ]; then
    echo "---- pcscd.log (last 20 lines)" >&2
    tail -n 20 "$work/pcscd.log" >&2
  fi
  [ -n "$work" ] && rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$checker" ] || fail "$checker is not executable"
pcsc_preconditions

work=$(mktemp -d "${TMPDIR:-/tmp}/sgp32-pcsc-timeout.XXXXXX") || fail "mktemp failed"
port=$(free_port_pair)
[ -n "$port" ] || fail "cannot find a free TCP port"
write_reader_conf "$port" tests/pcsc/run_pcsc_timeout_test.sh

start_pcscd
/usr/bin/python3 "$here/slow_vpcd_card.py" "$port" "$delay_ms" >"$work/card.log" 2>&1 &
card_pid=$!

timeout 60 "$checker" --reader "$reader_name" --delay-ms "$delay_ms"
rc=$?
[ "$rc" -eq 0 ] || fail "pcsc_timeout_check failed (exit $rc)"
echo "run_pcsc_timeout_test: PASSED"
