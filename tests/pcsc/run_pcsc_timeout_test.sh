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

stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return; }
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

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
[ "$(id -u)" -eq 0 ] || fail "needs root: pcscd must create /run/pcscd"
command -v pcscd >/dev/null || fail "pcscd is not installed (Debian: apt-get install pcscd)"
[ -f "$driver" ] || fail "$driver missing (Debian: apt-get install vsmartcard-vpcd)"
exec {lock_fd}>/run/lock/sgp32-pcsc-test.lock || fail "cannot open /run/lock/sgp32-pcsc-test.lock"
flock -w 120 "$lock_fd" || fail "another PC/SC test run held /run/lock/sgp32-pcsc-test.lock for 120 s"
other=$(ps -C pcscd -o pid=,stat= | awk '$2 !~ /^Z/ {print $1}' | tr '\n' ' ')
[ -z "$other" ] || fail "another pcscd is already running (PID $other); this test starts its own"

work=$(mktemp -d "${TMPDIR:-/tmp}/sgp32-pcsc-timeout.XXXXXX") || fail "mktemp failed"
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
cat >"$work/reader.conf" <<EOC
# Written by tests/pcsc/run_pcsc_timeout_test.sh: one vsmartcard-vpcd reader on TCP port $port.
FRIENDLYNAME "$reader_name"
DEVICENAME /dev/null:$port
LIBPATH $driver
CHANNELID $port
EOC

pcscd --foreground --config "$work/reader.conf" >"$work/pcscd.log" 2>&1 &
pcscd_pid=$!
deadline=$((SECONDS + 20))
until [ -S /run/pcscd/pcscd.comm ] && [ "$(tr -d '\0' </run/pcscd/pcscd.pid 2>/dev/null)" = "$pcscd_pid" ]; do
  kill -0 "$pcscd_pid" 2>/dev/null || { pcscd_pid=; fail "pcscd exited at start"; }
  [ "$SECONDS" -lt "$deadline" ] || fail "pcscd did not come up within 20 s"
  sleep 0.05
done
/usr/bin/python3 "$here/slow_vpcd_card.py" "$port" "$delay_ms" >"$work/card.log" 2>&1 &
card_pid=$!

timeout 60 "$checker" --reader "$reader_name" --delay-ms "$delay_ms"
rc=$?
[ "$rc" -eq 0 ] || fail "pcsc_timeout_check failed (exit $rc)"
echo "run_pcsc_timeout_test: PASSED"
