# SPDX-License-Identifier: MIT
# Shell functions the PC/SC test scripts share (sourced by run_pcsc_test.sh and
# run_pcsc_timeout_test.sh, bash): preconditions and the machine-wide lock, a free vpcd port pair, the
# project-owned reader.conf, our own pcscd, and stopping what we started by PID.
# The sourcing script defines fail() and sets driver, reader_name and work before calling them;
# start_pcscd sets pcscd_pid.

# Stops a process we started: SIGTERM, up to 5 s, then SIGKILL. Returns its exit status.
stop_pid() {
  local pid=$1 i
  kill -TERM "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return $?; }
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

# Clear failures instead of interfering with the machine: root (pcscd writes /run/pcscd), pcscd and
# vpcd installed, no other pcscd (one per machine: fixed socket /run/pcscd/pcscd.comm; we never stop
# one we did not start). Runs from other build directories (ctest's RESOURCE_LOCK only covers one
# ctest run) take turns through a machine-wide lock, released when the script exits.
pcsc_preconditions() {
  local other
  [ "$(id -u)" -eq 0 ] || fail "needs root: pcscd must create /run/pcscd (run the PC/SC tests as root)"
  command -v pcscd >/dev/null || fail "pcscd is not installed (Debian: apt-get install pcscd)"
  [ -f "$driver" ] || fail "$driver missing (Debian: apt-get install vsmartcard-vpcd)"
  exec {pcsc_lock_fd}>/run/lock/sgp32-pcsc-test.lock || fail "cannot open /run/lock/sgp32-pcsc-test.lock"
  flock -w 120 "$pcsc_lock_fd" || fail "another PC/SC test run held /run/lock/sgp32-pcsc-test.lock for 120 s"
  other=$(ps -C pcscd -o pid=,stat= | awk '$2 !~ /^Z/ {print $1}' | tr '\n' ' ')
  if [ -n "$other" ]; then
    fail "another pcscd is already running (PID $other). Only one pcscd can run per" \
      "machine (fixed socket /run/pcscd/pcscd.comm); this test starts its own and will not stop yours." \
      "Stop it (e.g. systemctl stop pcscd.socket pcscd) and run the test again."
  fi
}

# Two free consecutive TCP ports: vpcd listens on <port> (slot 0) and <port>+1 (slot 1). Prints the
# first; nothing when none was found.
free_port_pair() {
  /usr/bin/python3 - <<'PY'
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
}

# write_reader_conf <port> <written by>: $work/reader.conf, one vsmartcard-vpcd reader on that port.
write_reader_conf() {
  cat >"$work/reader.conf" <<EOC
# Written by $2: one vsmartcard-vpcd reader on TCP port $1.
FRIENDLYNAME "$reader_name"
DEVICENAME /dev/null:$1
LIBPATH $driver
CHANNELID $1
EOC
}

# Our pcscd, then wait until it is serving: its PID file names it and its socket exists.
start_pcscd() {
  local deadline=$((SECONDS + 20))
  pcscd --foreground --config "$work/reader.conf" >>"$work/pcscd.log" 2>&1 &
  pcscd_pid=$!
  until [ -S /run/pcscd/pcscd.comm ] && [ "$(tr -d '\0' </run/pcscd/pcscd.pid 2>/dev/null)" = "$pcscd_pid" ]; do
    kill -0 "$pcscd_pid" 2>/dev/null || { pcscd_pid=; fail "pcscd exited at start: $(tail -n 5 "$work/pcscd.log")"; }
    [ "$SECONDS" -lt "$deadline" ] || fail "pcscd did not come up within 20 s"
    sleep 0.05
  done
}
