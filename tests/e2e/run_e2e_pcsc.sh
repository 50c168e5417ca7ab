#!/bin/bash
# SPDX-License-Identifier: MIT
# The end-to-end bootstrap scenario over PC/SC (docs/e2e.md, scenario 10):
#
#   run_e2e_pcsc.sh <test_e2e_pcsc> <sgp32 CLI>
#
# Starts its own pcscd (--foreground, a project-owned reader.conf with one vsmartcard-vpcd reader on a
# free TCP port), runs test_e2e_pcsc (which starts the servers, creates the card and serves it with
# `sgp32 euicc-sim serve --vpcd`), then stops pcscd by PID. pcscd has a fixed socket path, so only one
# can run per machine: if another pcscd is running this test FAILS (it never stops a pcscd it did not
# start). Needs root (pcscd writes /run/pcscd). ctest runs it under RESOURCE_LOCK pcscd, and it takes
# the machine-wide lock of tests/pcsc/run_pcsc_test.sh (runs from other build directories).
set -u

test_binary=$1
cli=$2
reader_name="libsgp32 e2e Virtual PCD"
driver=/usr/lib/pcsc/drivers/serial/libifdvpcd.so
pcscd_pid=
work=

fail() { echo "run_e2e_pcsc: FAIL: $*" >&2; exit 1; }
# stop_pid, pcsc_preconditions, free_port_pair, write_reader_conf, start_pcscd
. "$(dirname "$0")/../pcsc/pcsc_env.sh"

cleanup() {
  local rc=$?
  [ -n "$pcscd_pid" ] && stop_pid "$pcscd_pid"
  if [ "$rc" -ne 0 ] && [ -n "$work" ] && [ -f "$work/pcscd.log" ]; then
    echo "---- pcscd.log (last 30 lines)" >&2
    tail -n 30 "$work/pcscd.log" >&2
  fi
  [ -n "$work" ] && rm -rf "$work"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[ -x "$test_binary" ] || fail "$test_binary is not executable"
[ -x "$cli" ] || fail "$cli is not executable"
pcsc_preconditions

work=$(mktemp -d "${TMPDIR:-/tmp}/sgp32-e2e-pcsc.XXXXXX") || fail "mktemp failed"
port=$(free_port_pair)
[ -n "$port" ] || fail "cannot find a free TCP port"
write_reader_conf "$port" tests/e2e/run_e2e_pcsc.sh
start_pcscd
echo "run_e2e_pcsc: pcscd $pcscd_pid, vpcd port $port"

E2E_SGP32_CLI="$cli" E2E_VPCD_PORT="$port" E2E_PCSC_READER="$reader_name" "$test_binary"
