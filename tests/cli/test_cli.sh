#!/bin/sh
# SPDX-License-Identifier: MIT
# sgp32 CLI: decode (text and JSON), chip info and es10 over --transport softeuicc:<dir>, exit codes;
# then every ES10 subcommand (profile, notification, eim, euicc) against a software eUICC made from a
# test PKI with preloaded profiles, and the help of every subcommand.
# JSON is checked with Debian's Python (json module). Usage: test_cli.sh <sgp32 binary> <shared dir>
set -eu
cli=$1
shared=$2
py=/usr/bin/python3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
failures=0
pass=0

check() { # check <description> <command...>: the command must succeed
  name=$1; shift
  if "$@"; then pass=$((pass + 1)); else echo "FAIL: $name"; failures=$((failures + 1)); fi
}
exit_code() { set +e; "$@" >/dev/null 2>&1; rc=$?; set -e; echo $rc; }
json_get() { # json_get <file> <python expression on d>
  "$py" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# decode: text and JSON, the sample AddInitialEimRequest
"$cli" decode --json AddInitialEimRequest "$shared/vectors/sample_eim_cfg.AddInitialEimRequest.ber" > "$work/aie.json"
check "decode --json eimId" [ "$(json_get "$work/aie.json" 'd["eimConfigurationDataList"][0]["eimId"]')" = eIM ]
check "decode --json counter" [ "$(json_get "$work/aie.json" 'd["eimConfigurationDataList"][0]["counterValue"]')" = 1 ]
check "decode text" sh -c "\"$cli\" decode GetEimPackageRequest BF4F125A1089049032123451234512345678901235 | grep -q eidValue"
check "decode bad input exits 1" [ "$(exit_code "$cli" decode GetEimPackageResponse BF4F0302)" = 1 ]
check "decode unknown type exits 2" [ "$(exit_code "$cli" decode NoSuchType BF4F03020101)" = 2 ]
# encode: the decoded JSON back to the same DER; JSON that does not fit the type exits 1
check "encode inverts decode --json" [ "$("$cli" encode AddInitialEimRequest "$work/aie.json")" = \
  "$(od -An -v -tx1 "$shared/vectors/sample_eim_cfg.AddInitialEimRequest.ber" | tr -d ' \n' | tr a-f A-F)" ]
check "encode bad JSON exits 1" [ "$(exit_code "$cli" encode GetEuiccDataRequest '{"tagList":"5A","x":1}')" = 1 ]

# a software eUICC with a known EID
eid=89049032123451234512345678901235
"$cli" euicc-sim create "$work/card" --eid "$eid" > "$work/create.txt"
"$cli" --transport "softeuicc:$work/card" --json chip info > "$work/info.json"
check "chip info code 0" [ "$(json_get "$work/info.json" 'd["code"]')" = 0 ]
check "chip info EID" [ "$(json_get "$work/info.json" 'd["data"]["eid"]["eidValue"]')" = "$eid" ]
check "chip info EUICCInfo2 svn" [ "$(json_get "$work/info.json" 'd["data"]["euiccInfo2"]["svn"]')" = 020500 ]
check "chip info IoT version" [ "$(json_get "$work/info.json" 'len(d["data"]["euiccInfo2"]["iotSpecificInfo"]["iotVersion"])')" = 1 ]
check "chip info eIM list" [ "$(json_get "$work/info.json" 'd["data"]["eimConfiguration"]["eimConfigurationDataList"]')" = "[]" ]
SGP32_TRANSPORT="softeuicc:$work/card" "$cli" chip info > "$work/info.txt"
check "chip info text, transport from the environment" grep -q "eidValue" "$work/info.txt"

# es10: raw command, and a refused one with its status word
check "es10 GetEID" [ "$("$cli" --transport "softeuicc:$work/card" es10 BF3E035C015A)" = "BF3E125A10$eid" ]
set +e
"$cli" --transport "softeuicc:$work/card" --json es10 BF7F00 > "$work/refused.json"
rc=$?
set -e
check "es10 refused exits 1" [ $rc = 1 ]
check "es10 refused SW" [ "$(json_get "$work/refused.json" 'd["sw"]')" = 6A88 ]
check "es10 refused status" [ "$(json_get "$work/refused.json" 'd["status"]')" = SGP32_ERR_CARD_STATUS ]
check "es10 refused step" [ "$(json_get "$work/refused.json" 'd["step"]')" = "store data" ]

# a card from a test PKI keeps its CI certificate for downloads (ci-<PKID>.der in the state dir)
"$cli" euicc-sim pki --curve nist "$work/pki" > /dev/null
"$cli" euicc-sim create "$work/pkicard" --pki "$work/pki/nist" > /dev/null
pkid=$(sed -n 's/^ci_pkid=//p' "$work/pki/nist/manifest.txt")
check "CI certificate installed" cmp -s "$work/pki/nist/ci/ci.cert.der" "$work/pkicard/ci-$pkid.der"
"$cli" --transport "softeuicc:$work/pkicard" --json chip info > "$work/pkiinfo.json"
check "CI PKID listed once" [ "$(json_get "$work/pkiinfo.json" 'd["data"]["euiccInfo1"]["euiccCiPKIdListForVerification"]')" = "['$pkid']" ]

# bad command lines and missing cards
check "unknown transport exits 2" [ "$(exit_code "$cli" --transport bogus chip info)" = 2 ]
check "missing card exits 3" [ "$(exit_code "$cli" --transport "softeuicc:$work/none" chip info)" = 3 ]
check "bad timeout exits 2" [ "$(exit_code "$cli" --timeout 0 chip info)" = 2 ]
check "chip without info exits 2" [ "$(exit_code "$cli" --transport "softeuicc:$work/card" chip)" = 2 ]
check "help exits 0" [ "$(exit_code "$cli" --help)" = 0 ]

. "$(dirname "$0")/test_cli_es10.sh"

echo "test_cli: $pass passed, $failures failed"
[ "$failures" -eq 0 ]
