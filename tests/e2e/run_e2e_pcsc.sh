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

cleanup() {
  local rc=$? i
  if [ -n "$pcscd_pid" ]; then
    kill -TERM "$pcscd_pid" 2>/dev/null
    for ((i = 0; i < 100; i++)); do kill -0 "$pcscd_pid" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$pcscd_pid" 2>/dev/null
    wait "$pcscd_pid" 2>/dev/null
  fi
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
[ "$(id -u)" -eq 0 ] || fail "needs root: pcscd must create /run/pcscd (run the PC/SC tests as root)"
command -v pcscd >/dev/null || fail "pcscd is not installed (Debian: apt-get install pcscd)"
[ -f "$driver" ] || fail "$driver missing (Debian: apt-get install vsmartcard-vpcd)"
exec {lock_fd}>/run/lock/sgp32-pcsc-test.lock || fail "cannot open /run/lock/sgp32-pcsc-test.lock"
flock -w 120 "$lock_fd" || fail "another PC/SC test run held /run/lock/sgp32-pcsc-test.lock for 120 s"
other=$(ps -C pcscd -o pid=,stat= | awk '$2 !~ /^Z/ {print $1}' | tr '\n' ' ')
[ -z "$other" ] || fail "another pcscd is already running (PID $other); this test starts its own and will not stop yours"

work=$(mktemp -d "${TMPDIR:-/tmp}/sgp32-e2e-pcsc.XXXXXX") || fail "mktemp failed"
# Two free consecutive TCP ports: vpcd listens on <port> (slot 0) and <port>+1 (slot 1).
port=$(/usr/bin/python3 - <<'PY'
import random, socket
for _ in range(200):
    port = random.randrange(20000, 60000, 2)
    sockets = []
    try:
        for p in (port, port + 1):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("0.0.0.0", p))
            sockets.append(s)
        print(port)
        break
    except OSError:
        pass
    finally:
        for s in sockets:
            s.close()
PY
)
[ -n "$port" ] || fail "cannot find a free TCP port"
cat >"$work/reader.conf" <<CONF
# Written by tests/e2e/run_e2e_pcsc.sh: one vsmartcard-vpcd reader on TCP port $port.
FRIENDLYNAME "$reader_name"
DEVICENAME /dev/null:$port
LIBPATH $driver
CHANNELID $port
CONF

pcscd --foreground --config "$work/reader.conf" >"$work/pcscd.log" 2>&1 &
pcscd_pid=$!
deadline=$((SECONDS + 20))
until [ -S /run/pcscd/pcscd.comm ] && [ "$(tr -d '\0' </run/pcscd/pcscd.pid 2>/dev/null)" = "$pcscd_pid" ]; do
  kill -0 "$pcscd_pid" 2>/dev/null || { pcscd_pid=; fail "pcscd exited at start: $(tail -n 5 "$work/pcscd.log")"; }
  [ "$SECONDS" -lt "$deadline" ] || fail "pcscd did not come up within 20 s"
  sleep 0.05
done
echo "run_e2e_pcsc: pcscd $pcscd_pid, vpcd port $port"

E2E_SGP32_CLI="$cli" E2E_VPCD_PORT="$port" E2E_PCSC_READER="$reader_name" "$test_binary"
