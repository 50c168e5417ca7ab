#!/bin/sh
# SPDX-License-Identifier: MIT
# sgp32 ipa run|poll|inject and sgp32 download against the real test servers: sgp32-eim and sgp32-smdp
# on free 127.0.0.1 ports (stopped by PID), a software eUICC from a fresh test PKI with the eIM
# installed through `sgp32 eim add-initial` (the eIM's own AddInitialEimRequest from its REST API).
# Checks the JSON lines of the CLI, the orders at the eIM and the profiles on the card; error exits.
# Then sgp32 profile download by activation code (progress bar on a terminal), --default (the card's
# default SM-DP+) and --smds (its root SM-DS, sgp32-smds), and sgp32 notification process, on cards of
# their own.
# Usage: test_cli_ipa.sh <sgp32> <sgp32-eim> <sgp32-smdp> <shared dir> <sgp32-smds>
set -eu
cli=$1
eim_bin=$2
smdp_bin=$3
shared=$4
smds_bin=$5
py=/usr/bin/python3
work=$(mktemp -d)
pids=""
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; done
  for p in $pids; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
failures=0
pass=0

check() { # check <description> <command...>: the command must succeed
  name=$1; shift
  if "$@"; then pass=$((pass + 1)); else echo "FAIL: $name"; failures=$((failures + 1)); fi
}
exit_code() { set +e; "$@" >/dev/null 2>&1; rc=$?; set -e; echo $rc; }
# run <stdout file> <stderr file> <command...>: runs it (a failure does not end the script); its exit
# status in $rc
run() {
  out=$1; err=$2; shift 2
  set +e
  "$@" > "$out" 2> "$err"
  rc=$?
  set -e
}
# The JSON value d of a file: a whole JSON document (the REST answers), else its last line (the
# result line of the CLI).
last_json='import json,sys
t=open(sys.argv[1]).read()
try: d=json.loads(t)
except ValueError: d=json.loads(t.splitlines()[-1])
'
json_get() { # json_get <file> <python expression on d>
  "$py" -c "$last_json"'print(eval(sys.argv[2]))' "$1" "$2"
}
json_ok() { # json_ok <file> <python condition on d>: true or false, quietly
  "$py" -c "$last_json"'sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}
lines_ok() { # lines_ok <file> <python condition on L, every JSON line>
  "$py" -c 'import json,sys; L=[json.loads(l) for l in open(sys.argv[1]).read().splitlines() if l.strip()]; sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}
# rest <method> <url> [json body]: a REST call (TLS verified against $work/ca.pem), the body on stdout
rest() {
  if [ $# -gt 2 ]; then
    curl -sS --fail --cacert "$work/ca.pem" -X "$1" -H 'Content-Type: application/json' -d "$3" "$2"
  else
    curl -sS --fail --cacert "$work/ca.pem" -X "$1" "$2"
  fi
}
# start_server <name> <port file> <command...>: runs it in the background, waits for its port
start_server() {
  name=$1; port_file=$2; shift 2
  "$@" > "$work/$name.out" 2> "$work/$name.log" &
  pids="$pids $!"
  i=0
  while [ ! -s "$port_file" ]; do
    i=$((i + 1))
    if [ $i -gt 100 ]; then echo "FAIL: $name did not start"; cat "$work/$name.log"; exit 1; fi
    sleep 0.1
  done
}

# ---- the world: a test PKI, the servers, a card with one preloaded (disabled) profile
"$cli" euicc-sim pki --curve nist "$work/pki" > /dev/null
pki=$work/pki/nist
cat "$pki/tls/root.cert.pem" "$pki/ci/ci.cert.pem" > "$work/ca.pem" # the eIM's TLS root, the SM-DP+'s CI
iccid=89000000000000000001
"$cli" euicc-sim create "$work/card" --pki "$pki" \
  --profile E3275A0A${iccid}4F10A0000005591010FFFFFFFF8900001100920454657374950102 > /dev/null
eid=$("$cli" --transport "softeuicc:$work/card" es10 BF3E035C015A | cut -c11-)
card="--transport softeuicc:$work/card"

start_server smdp "$work/smdp.port" "$smdp_bin" --pki "$pki" --profiles "$shared/profiles" \
  --port-file "$work/smdp.port" --lifetime 300
smdp=127.0.0.1:$(cat "$work/smdp.port")
start_server eim "$work/eim.port" "$eim_bin" --pki "$pki" --db "$work/eim.db" --smdp-ca "$pki/ci/ci.cert.pem" \
  --port-file "$work/eim.port" --lifetime 300
eim=https://127.0.0.1:$(cat "$work/eim.port")

# ---- error exits before any eIM is configured
check "ipa poll without eIM exits 1" [ "$(exit_code "$cli" $card ipa poll --state "$work/state" --ca "$work/ca.pem")" = 1 ]
run "$work/noeim.json" /dev/null "$cli" $card --json ipa run --until-idle --state "$work/state"
check "ipa run without eIM exits 1" [ $rc = 1 ]
check "ipa run without eIM says so" json_ok "$work/noeim.json" '"no eIM" in d["message"] and d["exit"] == 1'
check "ipa bad option exits 2" [ "$(exit_code "$cli" $card ipa run --bogus)" = 2 ]
check "ipa bad max-seconds exits 2" [ "$(exit_code "$cli" $card ipa poll --max-seconds x)" = 2 ]
check "ipa bad log level exits 2" [ "$(exit_code "$cli" $card ipa poll --log-level loud)" = 2 ]
check "ipa poll-interval 0 exits 2" [ "$(exit_code "$cli" $card ipa run --poll-interval 0)" = 2 ]
check "ipa inject without input exits 2" [ "$(exit_code "$cli" $card ipa inject)" = 2 ]
check "ipa inject bad hex exits 2" [ "$(exit_code "$cli" $card ipa inject XYZ)" = 2 ]
check "download without code exits 2" [ "$(exit_code "$cli" $card download)" = 2 ]
check "confirmation code without download exits 2" [ "$(exit_code "$cli" $card ipa run --confirmation-code 1)" = 2 ]
check "ipa without card exits 3" [ "$(exit_code "$cli" --transport "softeuicc:$work/none" ipa poll --state "$work/state")" = 3 ]
check "ipa run help exits 0" [ "$(exit_code "$cli" ipa run --help)" = 0 ]
check "download help exits 0" [ "$(exit_code "$cli" help download)" = 0 ]

# ---- direct download (ES9+) through the IPA core
run "$work/download.json" "$work/download.err" "$cli" $card --json download "1\$$smdp\$TS48V2-SAIP2-1-BERTLV-UNIQUE" --state "$work/state" --ca "$work/ca.pem" \
  --max-seconds 120
check "download exits 0" [ $rc = 0 ]
[ $rc = 0 ] || { cat "$work/download.json" "$work/download.err"; }
new_iccid=$(json_get "$work/download.json" 'd["data"]["iccid"]')
check "download result names the ICCID" [ ${#new_iccid} = 20 ]
check "download progress events" lines_ok "$work/download.json" \
  '[e["event"] for e in L if e["type"] == "event"].count("download-progress") >= 1'
check "download-done event OK" lines_ok "$work/download.json" \
  '[e for e in L if e.get("event") == "download-done"][0]["status"] == "SGP32_OK"'
"$cli" $card --json profile list > "$work/list1.json"
check "downloaded profile listed" json_ok "$work/list1.json" \
  '"'"$new_iccid"'" in [p["iccid"] for p in d["data"]["profiles"]]'
check "SM-DP+ got the installation result" sh -c \
  "curl -sS --cacert '$work/ca.pem' https://$smdp/api/notifications | grep -q profileInstallationResult"

# a refused download: unknown Matching ID -> exit 1 with the SM-DP+'s reason
run "$work/refused.json" /dev/null "$cli" $card --json download "1\$$smdp\$NO-SUCH-ID" --state "$work/state" --ca "$work/ca.pem" --max-seconds 60
check "refused download exits 1" [ $rc = 1 ]
check "refused download names the reason" json_ok "$work/refused.json" '"8.2.6" in d["reason"]'
check "refused download message" json_ok "$work/refused.json" 'd["message"].startswith("download failed")'
set +e
"$cli" $card download "1\$$smdp\$NO-SUCH-ID" --state "$work/state" --ca "$work/ca.pem" --max-seconds 60 \
  > /dev/null 2> "$work/refused.txt"
rc=$?
set -e
check "refused download (text) exits 1" [ $rc = 1 ]
check "refused download text names the reason" grep -q "8.2.6" "$work/refused.txt"

check "malformed activation code exits 2" \
  [ "$(exit_code "$cli" $card download garbage --state "$work/state" --ca "$work/ca.pem")" = 2 ]
check "unreadable --ca exits 2" \
  [ "$(exit_code "$cli" $card download "1\$$smdp\$X" --state "$work/state" --ca "$work/none.pem")" = 2 ]

# an SM-DP+ order with a confirmation code: refused without the right one, installed with it
rest POST "https://$smdp/api/orders" \
  '{"matchingId":"CC-ORDER","profile":"TS48V2-SAIP2-3-BERTLV-UNIQUE","confirmationCode":"4711","iccid":"8949000000000000017"}' \
  > /dev/null
run "$work/cc-wrong.json" /dev/null "$cli" $card --json download "1\$$smdp\$CC-ORDER" --confirmation-code 1234 --state "$work/state" --ca "$work/ca.pem" \
  --max-seconds 60
check "wrong confirmation code exits 1" [ $rc = 1 ]
check "wrong confirmation code reason" json_ok "$work/cc-wrong.json" '"8.2.7" in d["reason"]'
# ipa run --download: the same through the host loop (no eIM yet: it ends when nothing is left to do)
run "$work/cc.json" /dev/null "$cli" $card --json ipa run --download "1\$$smdp\$CC-ORDER" --confirmation-code 4711 --until-idle \
  --state "$work/state" --ca "$work/ca.pem" --max-seconds 60
check "ipa run --download with the confirmation code exits 0" [ $rc = 0 ]
check "ipa run --download result ICCID" json_ok "$work/cc.json" 'd["data"]["iccid"] == "989400000000000010F7"'
"$cli" $card --json profile list > "$work/list-cc.json"
check "confirmation code profile listed" json_ok "$work/list-cc.json" \
  '"989400000000000010F7" in [p["iccid"] for p in d["data"]["profiles"]]'

# ---- the eIM: its AddInitialEimRequest onto the card, the device registered with the card's token
rest GET "$eim/api/eim" > "$work/eim.json"
"$py" -c 'import json,sys,base64; sys.stdout.buffer.write(base64.b64decode(json.load(open(sys.argv[1]))["addInitialEimRequest"]))' \
  "$work/eim.json" > "$work/add-initial.der"
"$cli" $card --json eim add-initial "$work/add-initial.der" > "$work/added.json"
token=$("$py" -c '
import json,sys
d=json.load(open(sys.argv[1]))["data"]["response"]
def find(v):
    if isinstance(v, dict):
        for k, x in v.items():
            if k == "associationToken" and isinstance(x, int): return x
            r = find(x)
            if r is not None: return r
    if isinstance(v, list):
        for x in v:
            r = find(x)
            if r is not None: return r
print(find(d))' "$work/added.json")
check "association token assigned" [ "$token" != None ]
# chip info: the eIM configuration now lists it, beside the IoT capabilities (SGP.32 iotSpecificInfo)
"$cli" $card --json chip info > "$work/chip-eim.json"
check "chip info lists the eIM" json_ok "$work/chip-eim.json" \
  'len(d["data"]["eimConfiguration"]["eimConfigurationDataList"]) == 1 and d["data"]["eimConfiguration"]["eimConfigurationDataList"][0]["eimId"]'
check "chip info IoT capabilities" json_ok "$work/chip-eim.json" '"iotVersion" in d["data"]["euiccInfo2"]["iotSpecificInfo"]'
cert=$(base64 -w0 "$pki/euicc/euicc.cert.der")
rest POST "$eim/api/devices" '{"eid":"'"$eid"'","euiccCertificate":"'"$cert"'","associationToken":'"$token"'}' > /dev/null

check "ipa poll with an unknown --eim-id exits 1" \
  [ "$(exit_code "$cli" $card ipa poll --eim-id other --state "$work/state" --ca "$work/ca.pem")" = 1 ]

# nothing queued: ipa poll ends idle
run "$work/empty.json" "$work/empty.err" "$cli" $card --json ipa poll --state "$work/state" --ca "$work/ca.pem" --max-seconds 60
check "empty poll exits 0" [ $rc = 0 ]
[ $rc = 0 ] || cat "$work/empty.json" "$work/empty.err"
check "empty poll ends idle" json_ok "$work/empty.json" 'd["data"]["idle"] == True'
check "empty poll names the EID" json_ok "$work/empty.json" 'd["data"]["eid"] == "'"$eid"'"'

# an enable order -> ipa run --until-idle -> the order done at the eIM, the profile enabled
rest POST "$eim/api/devices/$eid/orders" '{"psmo":[{"enable":{"iccid":"'"$iccid"'"}}]}' > "$work/order.json"
order=$(json_get "$work/order.json" 'd["id"]')
run "$work/run.json" "$work/run.err" "$cli" $card --json ipa run --until-idle --state "$work/state" --ca "$work/ca.pem" --max-seconds 60
check "ipa run --until-idle exits 0" [ $rc = 0 ]
[ $rc = 0 ] || cat "$work/run.json" "$work/run.err"
check "package-executed event" lines_ok "$work/run.json" \
  '[e for e in L if e.get("event") == "package-executed"][0]["status"] == "SGP32_OK"'
check "package result decoded" lines_ok "$work/run.json" \
  '"euiccPackageResultSigned" in [e for e in L if e.get("event") == "package-executed"][0]["result"]'
check "profile-changed event names the ICCID" lines_ok "$work/run.json" \
  '[e for e in L if e.get("event") == "profile-changed"][0]["iccid"] == "'"$iccid"'"'
check "state lines" lines_ok "$work/run.json" '"get-package" in [e["state"] for e in L if e["type"] == "state"]'
check "run result OK" json_ok "$work/run.json" 'd["type"] == "result" and d["code"] == 0 and d["data"]["idle"]'
rest GET "$eim/api/orders/$order" > "$work/order-done.json"
check "order done at the eIM" json_ok "$work/order-done.json" 'd["status"] == "done" and d["outcome"] == "success"'
"$cli" $card --json profile list > "$work/list2.json"
check "profile enabled on the card" json_ok "$work/list2.json" \
  '[p["profileState"] for p in d["data"]["profiles"] if p["iccid"] == "'"$iccid"'"] == [1]'

# the text narration of a disable order with ipa poll
rest POST "$eim/api/devices/$eid/orders" '{"psmo":[{"disable":{"iccid":"'"$iccid"'"}}]}' > /dev/null
run "$work/poll.txt" "$work/poll.err" "$cli" $card ipa poll --state "$work/state" --ca "$work/ca.pem" --max-seconds 60
check "text poll exits 0" [ $rc = 0 ]
check "text: package executed" grep -q "^eIM eIM: package executed (disable: ok)" "$work/poll.txt"
check "text: profile changed" grep -q "^profile changed: disabled by the eIM" "$work/poll.txt"
check "text: done idle" grep -q "^done: idle" "$work/poll.txt"

# a download order at the eIM (ProfileDownloadTrigger with an activation code naming sgp32-smdp)
rest POST "$eim/api/devices/$eid/orders" \
  '{"download":{"activationCode":"1$'"$smdp"'$TS48V3-SAIP2-1-BERTLV-UNIQUE"}}' > "$work/order-dl.json"
order_dl=$(json_get "$work/order-dl.json" 'd["id"]')
set +e
"$cli" $card --json ipa poll --state "$work/state" --ca "$work/ca.pem" --max-seconds 120 > "$work/poll-dl.json" \
  2> "$work/poll-dl.err"
rc=$?
set -e
check "download order: ipa poll exits 0" [ $rc = 0 ]
[ $rc = 0 ] || cat "$work/poll-dl.json" "$work/poll-dl.err"
check "download order: download-done OK" lines_ok "$work/poll-dl.json" \
  '[e for e in L if e.get("event") == "download-done"][0]["status"] == "SGP32_OK"'
rest GET "$eim/api/orders/$order_dl" > "$work/order-dl-done.json"
check "download order: installed at the eIM" json_ok "$work/order-dl-done.json" \
  'd["status"] == "done" and d["outcome"] == "installed"'
"$cli" $card --json profile list > "$work/list-dl.json"
check "download order: four profiles on the card" json_ok "$work/list-dl.json" 'len(d["data"]["profiles"]) == 4'

# ipa inject: a TransferEimPackageRequest the eIM would push (eimAcknowledgements of nothing)
run "$work/inject.json" /dev/null "$cli" $card --json ipa inject BF4E03BF5300 --state "$work/state" --max-seconds 30
check "inject exits 0" [ $rc = 0 ]
check "inject response eimPackageReceived" json_ok "$work/inject.json" 'd["data"]["response"] == "BF4E020500"'
check "inject text prints the response" [ "$("$cli" $card ipa inject BF4E03BF5300 --state "$work/state" --max-seconds 30 2>/dev/null | tail -1)" = BF4E020500 ]
run "$work/inject-bad.json" /dev/null "$cli" $card --json ipa inject BF4E03BF5500 --state "$work/state" --max-seconds 30
check "inject of an unknown alternative exits 1" [ $rc = 1 ]
check "inject of an unknown alternative: eimPackageError" lines_ok "$work/inject-bad.json" \
  '[e for e in L if e.get("event") == "transfer-response"][0]["hex"] == "BF4E03020101"'

# a real eIM-signed package pushed by hand: the eIM hands out the order's EuiccPackageRequest to a
# GetEimPackage made here with curl (ESipa ASN.1), `ipa inject` gets it as TransferEimPackageRequest
rest POST "$eim/api/devices/$eid/orders" '{"psmo":[{"getRAT":{}}]}' > /dev/null
printf "BF4F125A10$eid" | "$py" -c 'import sys; sys.stdout.buffer.write(bytes.fromhex(sys.stdin.read()))' \
  > "$work/get-package.der"
curl -sS --fail --cacert "$work/ca.pem" -H 'Content-Type: application/x-gsma-rsp-asn1' \
  -H 'X-Admin-Protocol: gsma/rsp/v2.1.0' --data-binary "@$work/get-package.der" "$eim/gsma/rsp2/asn1" \
  > "$work/package.der"
"$py" -c '
import sys
d = open(sys.argv[1], "rb").read()
def length(n):
    if n < 0x80: return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b
def value(d):  # the value of the element at d[0:] with a 2-byte tag
    if d[2] < 0x80: return d[3:3 + d[2]]
    k = d[2] & 0x7F; n = int.from_bytes(d[3:3 + k], "big"); return d[3 + k:3 + k + n]
inner = value(d)  # BF4F { BF51 ... } -> BF51 ...
assert inner[:2] == bytes.fromhex("BF51"), inner[:4].hex()
print((bytes.fromhex("BF4E") + length(len(inner)) + inner).hex().upper())' "$work/package.der" > "$work/transfer.hex"
run "$work/inject-package.json" "$work/inject-package.err" "$cli" $card --json ipa inject "$(cat "$work/transfer.hex")" --state "$work/state" --max-seconds 60
check "inject of a signed package exits 0" [ $rc = 0 ]
[ $rc = 0 ] || cat "$work/inject-package.json" "$work/inject-package.err"
check "inject of a signed package: executed" lines_ok "$work/inject-package.json" \
  '"getRAT" in str([e for e in L if e.get("event") == "package-executed"][0]["result"])'
check "inject of a signed package: the result in the response" json_ok "$work/inject-package.json" \
  '"euiccPackageResult" in d["data"]["responseDecoded"] or "ePRAndNotifications" in d["data"]["responseDecoded"]'

# an unreachable eIM: exit 1 with the reason once --max-seconds is over
rest POST "$eim/api/devices/$eid/orders" '{"psmo":[{"getRAT":{}}]}' > /dev/null
run "$work/unreachable.json" /dev/null "$cli" $card --json ipa poll --state "$work/state" --ca "$work/ca.pem" --eim-address 127.0.0.1:1 --max-seconds 3
check "unreachable eIM exits 1" [ $rc = 1 ]
check "unreachable eIM reason" json_ok "$work/unreachable.json" 'd["status"] == "SGP32_ERR_HTTP" and "max-seconds" in d["message"]'
check "unreachable eIM retry events" lines_ok "$work/unreachable.json" \
  '[e["event"] for e in L if e["type"] == "event"].count("retry") >= 1'
# the order is still there for the next poll, which takes it
run "$work/after.json" /dev/null "$cli" $card --json ipa poll --state "$work/state" --ca "$work/ca.pem" --max-seconds 60
check "next poll exits 0" [ $rc = 0 ]
check "next poll runs the order" lines_ok "$work/after.json" \
  '"getRAT" in str([e for e in L if e.get("event") == "package-executed"][0]["result"])'

# a daemon polling every second takes an order queued while it runs; SIGTERM ends it cleanly
"$cli" $card --json ipa run --state "$work/state" --ca "$work/ca.pem" --poll-interval 1 > "$work/daemon.json" \
  2> "$work/daemon.err" &
daemon=$!
pids="$pids $daemon"
rest POST "$eim/api/devices/$eid/orders" '{"psmo":[{"enable":{"iccid":"'"$iccid"'"}}]}' > "$work/order3.json"
order3=$(json_get "$work/order3.json" 'd["id"]')
i=0
until grep -q '"profile-changed"' "$work/daemon.json" || [ $i -gt 150 ]; do i=$((i + 1)); sleep 0.2; done
check "daemon: profile changed by the queued order" grep -q '"event":"profile-changed","status":"SGP32_OK","code":0,"iccid":"'"$iccid"'"' "$work/daemon.json"
i=0
until json_ok /dev/stdin 'd["status"] == "done"' <<EOF2 || [ $i -gt 50 ]
$(rest GET "$eim/api/orders/$order3")
EOF2
do i=$((i + 1)); sleep 0.2; done
kill -TERM $daemon
set +e
wait $daemon
rc=$?
set -e
check "ipa run stopped by SIGTERM exits 0" [ $rc = 0 ]
check "ipa run stopped: result line with the signal" json_ok "$work/daemon.json" 'd["code"] == 0 and d["data"]["signal"] == 15'
rest GET "$eim/api/orders/$order3" > "$work/order3-done.json"
check "daemon: order done at the eIM" json_ok "$work/order3-done.json" 'd["status"] == "done" and d["outcome"] == "success"'

# ---- sgp32 profile download: an activation code on a terminal (script(1) gives the pty): a bar
card2="--transport softeuicc:$work/card2"
"$cli" euicc-sim create "$work/card2" --pki "$pki" --dp-address "$smdp" > /dev/null
eid2=$("$cli" $card2 es10 BF3E035C015A | cut -c11-)
script -qec "'$cli' $card2 profile download '1\$$smdp\$TS48V2-SAIP2-3-NOBERTLV-UNIQUE' --state '$work/state2' --ca '$work/ca.pem' --max-seconds 120" \
  /dev/null > "$work/tty.txt" 2>&1 || true
check "profile download on a TTY: a progress bar redrawn in place" \
  grep -q "$(printf '\r')download \[#*\.*\] *[0-9]*%  [0-9]*/[0-9]* bytes" "$work/tty.txt"
check "profile download on a TTY: the bar reaches 100%" grep -q "\[#*\] 100%  \([0-9]*\)/\1 bytes" "$work/tty.txt"
check "profile download on a TTY: installed" grep -q "^profile 9894.* installed" "$work/tty.txt"
# not a terminal: one line per event
"$cli" $card2 profile download "1\$$smdp\$TS48V4-SAIP2-3-NOBERTLV-UNIQUE" --state "$work/state2" --ca "$work/ca.pem" \
  --max-seconds 120 > "$work/notty.txt" 2>/dev/null
check "profile download (no TTY): progress lines, no bar" \
  sh -c "grep -q '^download: [0-9]* bytes of the Bound Profile Package loaded' '$work/notty.txt' && ! grep -q '%' '$work/notty.txt'"
# JSON: total in the progress events
"$cli" $card2 --json profile download "1\$$smdp\$TS48V4-SAIP2-3-BERTLV-UNIQUE" --state "$work/state2" --ca "$work/ca.pem" \
  --max-seconds 120 > "$work/pd.json" 2>/dev/null
check "profile download --json: progress events carry total" lines_ok "$work/pd.json" \
  '[(e["code"], e["total"]) for e in L if e.get("event") == "download-progress"][-1:] == [(d, d) for d in [[e["total"] for e in L if e.get("event") == "download-progress"][-1]] if d > 0]'
check "profile download --json: ICCID" json_ok "$work/pd.json" 'len(d["data"]["iccid"]) == 20'

# --default: the card's default SM-DP+ finds the order by the EID (no Matching ID)
rest POST "https://$smdp/api/orders" \
  '{"matchingId":"BY-EID","profile":"TS48V5-SAIP2-3-NOBERTLV-UNIQUE","eid":"'"$eid2"'"}' > /dev/null
run "$work/default.json" "$work/default.err" "$cli" $card2 --json profile download --default --state "$work/state2" --ca "$work/ca.pem" --max-seconds 120
check "profile download --default exits 0" [ $rc = 0 ]
[ $rc = 0 ] || cat "$work/default.json" "$work/default.err"
rest GET "https://$smdp/api/orders" > "$work/orders-default.json"
check "profile download --default: the EID's order installed" \
  json_ok "$work/orders-default.json" '[o["state"] for o in d["orders"] if o["matchingId"] == "BY-EID"] == ["installed"]'
check "profile download --default again: nothing left for the EID, exits 1" \
  [ "$(exit_code "$cli" $card2 profile download --default --state "$work/state2" --ca "$work/ca.pem" --max-seconds 60)" = 1 ]
run "$work/smds-dp.json" /dev/null "$cli" $card2 --json profile download --smds --state "$work/state2" --ca "$work/ca.pem"
check "profile download --smds with a default SM-DP+ exits 1" [ $rc = 1 ]
check "profile download --smds with a default SM-DP+ says why" json_ok "$work/smds-dp.json" '"default SM-DP+" in d["message"]'
check "profile download: code and --default exits 2" \
  [ "$(exit_code "$cli" $card2 profile download "1\$$smdp\$X" --default)" = 2 ]
check "profile download: --default and --smds exits 2" [ "$(exit_code "$cli" $card2 profile download --default --smds)" = 2 ]
check "profile download: nothing exits 2" [ "$(exit_code "$cli" $card2 profile download)" = 2 ]
check "profile download --help exits 0" [ "$(exit_code "$cli" profile download --help)" = 0 ]

# --smds: the card's root SM-DS (ES11) holds an event for the EID naming the SM-DP+ and the Matching ID
start_server smds "$work/smds.port" "$smds_bin" --pki "$pki" --port-file "$work/smds.port" --lifetime 300
smds=127.0.0.1:$(cat "$work/smds.port")
card3="--transport softeuicc:$work/card3"
"$cli" euicc-sim create "$work/card3" --pki "$pki" --root-ds-address "$smds" > /dev/null
eid3=$("$cli" $card3 es10 BF3E035C015A | cut -c11-)
rest POST "https://$smds/api/events" \
  '{"eid":"'"$eid3"'","smdpAddress":"'"$smdp"'","eventId":"TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE"}' > /dev/null
check "profile download --smds <another SM-DS> exits 1" \
  [ "$(exit_code "$cli" $card3 profile download --smds 127.0.0.1:1 --state "$work/state3" --ca "$work/ca.pem")" = 1 ]
run "$work/smds.json" "$work/smds.err" "$cli" $card3 --json profile download --smds "$smds" --state "$work/state3" --ca "$work/ca.pem" --max-seconds 120
check "profile download --smds exits 0" [ $rc = 0 ]
[ $rc = 0 ] || cat "$work/smds.json" "$work/smds.err"
check "profile download --smds: ICCID" json_ok "$work/smds.json" 'len(d["data"]["iccid"]) == 20'
rest GET "https://$smds/api/events" > "$work/smds-events.json"
check "profile download --smds: the SM-DS handed the event out" json_ok "$work/smds-events.json" \
  'd["events"][0]["retrieved"] == 1'

# ---- sgp32 notification process: enable + disable queue two notifications for the SM-DP+
new2=$(json_get "$work/pd.json" 'd["data"]["iccid"]')
"$cli" $card2 profile enable "$new2" > /dev/null
"$cli" $card2 profile disable "$new2" > /dev/null
"$cli" $card2 --json notification list > "$work/pending.json"
check "notification process: two pending before" json_ok "$work/pending.json" 'len(d["data"]["notifications"]) == 2'
run "$work/process.json" "$work/process.err" "$cli" $card2 --json notification process --state "$work/state2" --ca "$work/ca.pem" --max-seconds 120
check "notification process exits 0" [ $rc = 0 ]
[ $rc = 0 ] || cat "$work/process.json" "$work/process.err"
check "notification process: two delivered" json_ok "$work/process.json" 'd["data"]["notificationsDelivered"] == 2'
check "notification process: events" lines_ok "$work/process.json" \
  '[e["event"] for e in L if e["type"] == "event"].count("notification-delivered") == 2'
"$cli" $card2 --json notification list > "$work/pending-after.json"
check "notification process: none pending after" json_ok "$work/pending-after.json" 'd["data"]["notifications"] == []'
rest GET "https://$smdp/api/notifications" > "$work/smdp-notes.json"
check "notification process: the SM-DP+ got enable and disable" json_ok "$work/smdp-notes.json" \
  '[n["operation"] for n in d["notifications"] if n["kind"] == "otherSignedNotification" and n["verified"]][-2:] == ["enable", "disable"]'
"$cli" $card2 notification process --state "$work/state2" --ca "$work/ca.pem" > "$work/process.txt" 2>/dev/null
check "notification process (text): nothing left" grep -q "^0 notifications delivered" "$work/process.txt"

echo "test_cli_ipa: $pass passed, $failures failed"
[ "$failures" -eq 0 ]
