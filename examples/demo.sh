#!/bin/sh
# SPDX-License-Identifier: MIT
# The README's first command (make demo): a device goes from its bootstrap profile to an operational
# one, driven by its eIM, everything real on 127.0.0.1:
#   a test PKI -> a software eUICC with a bootstrap profile -> the test SM-DP+ and eIM (HTTPS) ->
#   AddInitialEim -> the IPA host loop (`sgp32 ipa run`) -> orders queued through the eIM's REST API:
#   download (indirect, via the eIM) -> enable with rollbackFlag -> list profiles -> done.
# Usage: examples/demo.sh [--json] [build dir]   (--json: one JSON object per line, for machines)
set -eu
json=0
if [ "${1:-}" = "--json" ]; then
  json=1
  shift
fi
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SGP32_SHARED_DIR:-$here/../shared}
bin="$build/bin"
cli="$bin/sgp32"
py=/usr/bin/python3
work=$(mktemp -d)
pids=""

cleanup() {
  for pid in $pids; do kill "$pid" 2> /dev/null || true; done
  for pid in $pids; do wait "$pid" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Narration: a line for people, or a JSON object for machines.
say() {
  if [ $json = 1 ]; then
    $py -c 'import json,sys; print(json.dumps({"type": "progress", "step": sys.argv[1], "message": sys.argv[2]}))' "$1" "$2"
  else
    printf '[demo] %-10s %s\n' "$1" "$2"
  fi
}
fail() {
  if [ $json = 1 ]; then
    $py -c 'import json,sys; print(json.dumps({"type": "result", "code": 1, "status": "failed", "message": sys.argv[1]}))' "$1"
  else
    printf '[demo] FAILED: %s\n' "$1" >&2
  fi
  for f in "$work"/*.log; do [ -f "$f" ] && { echo "--- $f" >&2; tail -20 "$f" >&2; }; done
  exit 1
}
json_get() { # json_get <python expression on d> < json
  $py -c 'import json,sys; d=json.load(sys.stdin); v='"$1"'; print(v if v is not None else "")'
}

for tool in "$cli" "$bin/sgp32-eim" "$bin/sgp32-smdp"; do
  [ -x "$tool" ] || fail "$tool is missing: run make (the servers need libmicrohttpd, SQLite, cJSON, libcurl)"
done

say start "libsgp32 $("$cli" version | cut -d' ' -f2): the device side of SGP.32 eSIM IoT"

say pki "a test PKI: CI -> EUM -> eUICC, CI -> SM-DP+, eIM signing key, TLS for 127.0.0.1"
"$here/examples/pki/sgp32-test-pki" --curve nist "$work/pki" > /dev/null
pki="$work/pki/nist"
cat "$pki/tls/root.cert.pem" "$pki/ci/ci.cert.pem" > "$work/trust.pem"

say card "a software eUICC with a bootstrap profile (provisioning class), enabled"
bootstrap_iccid=89000000000000000001
eid=$("$cli" euicc-sim create "$work/card" --pki "$pki" \
  --profile E3305A0A${bootstrap_iccid}4F10A0000005591010FFFFFFFF89000011009209426F6F74737472617095010191024F4D \
  | sed -n 's/^EID //p')
transport="softeuicc:$work/card"
"$cli" --transport "$transport" --json profile enable $bootstrap_iccid > /dev/null
say card "EID $eid, bootstrap profile $bootstrap_iccid enabled"

# The servers, on free ports, stopped by PID at the end.
# (not in a command substitution: the PID must reach this shell's list for the cleanup)
start_server() { # start_server <name> <args...>; sets $port
  name=$1
  shift
  "$@" --port-file "$work/$name.port" > "$work/$name.out" 2> "$work/$name.log" &
  pids="$pids $!"
  i=0
  while ! grep -q '^listening' "$work/$name.out" 2> /dev/null; do
    i=$((i + 1))
    [ $i -lt 100 ] || fail "$name did not start"
    sleep 0.1
  done
  port=$(cat "$work/$name.port")
}
start_server smdp "$bin/sgp32-smdp" --pki "$pki" --profiles "$shared/profiles"
smdp_port=$port
say smdp "test SM-DP+ (ES9+) listening on 127.0.0.1:$smdp_port, serving the GSMA TS.48 test profiles"
start_server eim "$bin/sgp32-eim" --pki "$pki" --db "$work/eim.db" --smdp-ca "$pki/ci/ci.cert.pem"
eim_port=$port
eim="https://127.0.0.1:$eim_port"
say eim "test eIM (ESipa, REST API, SQLite) listening on 127.0.0.1:$eim_port"

api() { # api <path> [json body]
  if [ $# -gt 1 ]; then
    curl -sS --fail-with-body --cacert "$pki/tls/root.cert.pem" "$eim$1" -d "$2"
  else
    curl -sS --fail-with-body --cacert "$pki/tls/root.cert.pem" "$eim$1"
  fi
}

say bootstrap "AddInitialEim: the eIM's configuration (eimId, eimFqdn, public key) onto the eUICC"
api /api/eim | json_get 'd["addInitialEimRequest"]' | base64 -d > "$work/add-initial-eim.der"
token=$("$cli" --transport "$transport" --json eim add-initial "$work/add-initial-eim.der" |
  json_get 'd["data"]["response"]["addInitialEimOk"][0]["associationToken"]')
[ -n "$token" ] || fail "AddInitialEim refused"
api /api/devices "{\"eid\": \"$eid\", \"euiccCertificate\": \"$(base64 -w0 "$pki/euicc/euicc.cert.der")\",
  \"associationToken\": $token, \"counterValue\": 0}" > /dev/null
say bootstrap "eUICC assigned associationToken $token; device registered at the eIM"

say ipa "the IPA host loop starts (sgp32 ipa run): it polls its eIM every 2 s"
if [ $json = 1 ]; then
  "$cli" --transport "$transport" --json ipa run --state "$work/ipa-state" --ca "$work/trust.pem" \
    --poll-interval 2 2> "$work/ipa.log" &
else
  # through a FIFO, so that $! is the host loop's PID (the stop below signals it), not sed's
  mkfifo "$work/ipa.fifo"
  sed -u 's/^/[ipa]  /' < "$work/ipa.fifo" &
  pids="$pids $!"
  "$cli" --transport "$transport" ipa run --state "$work/ipa-state" --ca "$work/trust.pem" \
    --poll-interval 2 2> "$work/ipa.log" > "$work/ipa.fifo" &
fi
host=$!
pids="$pids $host"

order() { # order <json> -> id
  api "/api/devices/$eid/orders" "$1" | json_get 'd["id"]'
}
wait_order() { # wait_order <id> <what>: until done or failed
  i=0
  while :; do
    status=$(api "/api/orders/$1" | json_get 'd["status"]')
    case $status in
      done) break ;;
      failed) fail "$2: $(api "/api/orders/$1" | json_get 'd.get("reason")')" ;;
    esac
    i=$((i + 1))
    [ $i -lt 300 ] || fail "$2: still '$status' after 60 s"
    sleep 0.2
  done
}

ac="1\$127.0.0.1:$smdp_port\$TS48V2-SAIP2-1-BERTLV-UNIQUE"
say order "eIM order 1: download a profile (ProfileDownloadTrigger, activation code $ac)"
id=$(order "{\"download\": {\"activationCode\": \"$ac\"}}")
wait_order "$id" download
iccid=$(api "/api/orders/$id" | json_get \
  'd["resultDecoded"]["profileDownloadTriggerResultData"]["profileInstallationResult"]["profileInstallationResultData"]["notificationMetadata"]["iccid"]')
say order "order 1 done: profile $iccid installed (indirect download: IPA -> eIM -> SM-DP+)"

say order "eIM order 2: enable $iccid with rollbackFlag (PSMO)"
id=$(order "{\"psmo\": [{\"enable\": {\"iccid\": \"$iccid\", \"rollbackFlag\": true}}]}")
wait_order "$id" enable
say order "order 2 done: $(api "/api/orders/$id" | json_get 'd.get("outcome")')"

say order "eIM order 3: list the profiles (PSMO listProfileInfo)"
id=$(order '{"psmo": [{"listProfileInfo": {}}]}')
wait_order "$id" listProfileInfo
api "/api/orders/$id" > "$work/list.json"
say order "order 3 done: $(json_get '", ".join("%s %s" % (p.get("iccid"), {0: "disabled", 1: "enabled"}.get(p.get("profileState"), "?")) for p in d["resultDecoded"]["euiccPackageResultSigned"]["euiccPackageResultDataSigned"]["euiccResult"][0]["listProfileInfoResult"]["profileInfoListOk"])' < "$work/list.json" 2> /dev/null || echo "see the eIM")"

say ipa "stopping the host loop"
kill -TERM "$host" 2> /dev/null || true
wait "$host" 2> /dev/null || true

"$cli" --transport "$transport" --json profile list > "$work/profiles.json"
state=$(json_get '[p.get("profileState") for p in d["data"]["profiles"] if p["iccid"] == "'"$iccid"'"][0]' \
  < "$work/profiles.json")
boot=$(json_get '[p.get("profileState") for p in d["data"]["profiles"] if p["iccid"] == "'"$bootstrap_iccid"'"][0]' \
  < "$work/profiles.json")
[ "$state" = 1 ] && [ "$boot" = 0 ] || fail "unexpected profile states: operational $state, bootstrap $boot"
say done "the device runs on its operational profile $iccid; the bootstrap profile is disabled"
if [ $json = 1 ]; then
  $py -c 'import json,sys; print(json.dumps({"type": "result", "code": 0, "status": "ok", "message": "demo done", "data": {"eid": sys.argv[1], "operationalIccid": sys.argv[2]}}))' "$eid" "$iccid"
fi
