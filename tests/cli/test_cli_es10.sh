# SPDX-License-Identifier: MIT
# Sourced by test_cli.sh (uses its cli, shared, work, py, check, exit_code, json_get): every ES10
# subcommand against a software eUICC made from the test PKI in $work/pki with three preloaded
# profiles, asserting on the JSON result lines, the error reports and the exit codes.

# SGP32-ProfileInfo DER: operational with enable/disable/delete notifications to notify.example.com,
# a fallback profile (fallbackAttribute, fallbackAllowed) and an eCall profile (ecallIndication).
profile_one=E3545A0A890000000000000000014F10A0000005591010FFFFFFFF890000110091084F70657261746F72920B50726F66696C65204F6E65950102B61A30188002047081126E6F746966792E6578616D706C652E636F6D
profile_fallback=E3335A0A890000000000000000044F10A0000005591010FFFFFFFF8900001400920846616C6C6261636B9501029F2601FF9F6701FF
profile_ecall=E32C5A0A890000000000000000054F10A0000005591010FFFFFFFF890000150092056543616C6C9501029F7B01FF
iccid_one=89000000000000000001
aid_one=A0000005591010FFFFFFFF8900001100
iccid_fallback=89000000000000000004

card=$work/es10card
"$cli" euicc-sim create "$card" --pki "$work/pki/nist" --profile "$profile_one" --profile "$profile_fallback" \
  --profile "$profile_ecall" > /dev/null
out=$work/out.json
err=$work/err.txt

# on <args>: the command with --json on the card; its exit code in $rc, stdout in $out, stderr in $err
on() {
  set +e
  "$cli" --transport "softeuicc:$card" --json "$@" > "$out" 2> "$err"
  rc=$?
  set -e
}
j() { json_get "$out" "$1"; }
ok() { [ "$rc" = 0 ] && [ "$(j 'd["code"]')" = 0 ] && [ "$(j 'd["status"]')" = SGP32_OK ]; }
# failed <exit code> <ES10 result name>: a result line naming the eUICC's result code
failed() { [ "$rc" = "$1" ] && [ "$(j 'd["es10ResultName"]')" = "$2" ] && [ "$(j 'd["exit"]')" = "$1" ] &&
  [ "$(j 'd["status"]')" = SGP32_ERR_EUICC_RESULT ] && [ "$(j 'd["sw"]')" = 9000 ]; }
state_of() { # state_of <iccid>: profileState from profile list
  on profile list
  j "[p.get('profileState') for p in d['data']['profiles'] if p['iccid'] == '$1'][0]"
}

# profile list / enable / disable / nickname / delete
on profile list
check "profile list ok" ok
check "profile list: three preloaded" [ "$(j 'len(d["data"]["profiles"])')" = 3 ]
check "profile list: ICCID, name" [ "$(j 'd["data"]["profiles"][0]["iccid"] + "/" + d["data"]["profiles"][0]["profileName"]')" = "$iccid_one/Profile One" ]
check "profile list text" sh -c "\"$cli\" --transport softeuicc:$card profile list | grep -q '^$iccid_one  disabled  operational.*Profile One'"
on profile enable "$iccid_one" --refresh
check "profile enable ok" ok
check "profile enable echoes ICCID and refresh" [ "$(j 'd["data"]["iccid"] + str(d["data"]["refresh"])')" = "${iccid_one}True" ]
check "profile enabled" [ "$(state_of "$iccid_one")" = 1 ]
on profile enable 89000000000000000099
check "unknown ICCID: exit 1, iccidOrAidNotFound" failed 1 iccidOrAidNotFound
check "unknown ICCID: es10Result 1" [ "$(j 'd["es10Result"]')" = 1 ]
set +e
"$cli" --transport "softeuicc:$card" profile disable 89000000000000000099 2> "$err"
rc=$?
set -e
check "unknown ICCID text: exit 1" [ "$rc" = 1 ]
check "unknown ICCID text: message" grep -q "iccidOrAidNotFound (1)" "$err"
on profile enable "$iccid_one"
check "enable the enabled: profileNotInDisabledState" failed 1 profileNotInDisabledState
on profile nickname "$iccid_one" "my modem"
check "profile nickname ok" ok
on profile list
check "nickname listed" [ "$(j 'd["data"]["profiles"][0]["profileNickname"]')" = "my modem" ]
on profile disable "$aid_one"
check "profile disable by AID" ok
check "disable echoes the AID" [ "$(j 'd["data"]["aid"]')" = "$aid_one" ]
check "profile disabled" [ "$(state_of "$iccid_one")" = 0 ]
on profile nickname 89000000000000000099 x
check "nickname unknown ICCID: iccidNotFound" failed 1 iccidNotFound

# usage errors: exit 2, before the card is touched
check "profile enable without id exits 2" [ "$(exit_code "$cli" --transport "softeuicc:$card" profile enable)" = 2 ]
check "profile enable bad id exits 2" [ "$(exit_code "$cli" --transport "softeuicc:$card" profile enable 89XY)" = 2 ]
check "profile enable unknown option exits 2" [ "$(exit_code "$cli" --transport "softeuicc:$card" profile enable "$iccid_one" --bogus)" = 2 ]
check "profile delete has no --refresh" [ "$(exit_code "$cli" --transport "softeuicc:$card" profile delete "$iccid_one" --refresh)" = 2 ]
check "unknown subcommand exits 2" [ "$(exit_code "$cli" profile bogus)" = 2 ]
check "profile without subcommand exits 2" [ "$(exit_code "$cli" profile)" = 2 ]
check "usage error before transport" [ "$(exit_code "$cli" --transport "softeuicc:$work/none" profile enable)" = 2 ]
check "notification bad operation exits 2" [ "$(exit_code "$cli" --transport "softeuicc:$card" notification list --operation bogus)" = 2 ]
check "euicc reset without options exits 2" [ "$(exit_code "$cli" --transport "softeuicc:$card" euicc reset)" = 2 ]
check "fallback bad action exits 2" [ "$(exit_code "$cli" --transport "softeuicc:$card" euicc fallback bogus)" = 2 ]
"$cli" -v --transport "softeuicc:$card" profile list > /dev/null 2> "$err"
check "-v traces the STORE DATA of GetProfilesInfo" grep -q '^> ..E29100..BF2D00' "$err"
check "-v traces the answers" grep -q '^< BF2D.*9000$' "$err"
check "transport failure exits 3" [ "$(exit_code "$cli" --transport "softeuicc:$work/none" profile list)" = 3 ]
set +e
"$cli" --transport "softeuicc:$work/none" --json profile list > "$out" 2> /dev/null
rc=$?
set -e
check "transport failure: JSON exit 3, step transport" [ "$rc/$(j 'd["exit"]')/$(j 'd["step"]')" = 3/3/transport ]
check "types lists SGP32-ProfileInfo" sh -c "\"$cli\" types ProfileInfo | grep -q '^SGP32Definitions SGP32-ProfileInfo$'"
check "version" sh -c "\"$cli\" version | grep -q '^sgp32 [0-9]'"

# notifications: enable (seq 1) and disable (seq 2) of profile one
on notification list
check "notification list ok" ok
check "notification list: enable then disable" [ "$(j '[(n["seqNumber"], n["profileManagementOperation"]["hex"]) for n in d["data"]["notifications"]]')" = "[(1, '40'), (2, '20')]" ]
on notification list --operation disable
check "notification list --operation disable" [ "$(j '[n["seqNumber"] for n in d["data"]["notifications"]]')" = "[2]" ]
on notification retrieve
check "notification retrieve ok" ok
check "notification retrieve: signed, seq 1" [ "$(j 'd["data"]["notifications"][0]["value"]["otherSignedNotification"]["tbsOtherNotification"]["seqNumber"]')" = 1 ]
check "retrieved bytes decode" sh -c "\"$cli\" decode OtherSignedNotification $(j 'd["data"]["notifications"][0]["hex"]') > /dev/null"
on notification retrieve 2
check "notification retrieve <seq>" [ "$(j '[n["value"]["otherSignedNotification"]["tbsOtherNotification"]["seqNumber"] for n in d["data"]["notifications"]]')" = "[2]" ]
on notification retrieve --package-results
check "notification retrieve --package-results" [ "$(j 'd["data"]["euiccPackageResults"]')" = "[]" ]
on notification remove 1
check "notification remove ok" ok
on notification remove 1
check "notification remove again: nothingToDelete" failed 1 nothingToDelete
on notification list
check "one notification left" [ "$(j '[n["seqNumber"] for n in d["data"]["notifications"]]')" = "[2]" ]

# euicc info / certs / rat / connectivity
on euicc info
check "euicc info ok" ok
check "euicc info: EUICCInfo1 svn" [ "$(j 'd["data"]["euiccInfo1"]["svn"]')" = 020500 ]
check "euicc info: IoT EUICCInfo2" [ "$(j '"iotSpecificInfo" in d["data"]["euiccInfo2"]')" = True ]
on euicc certs
check "euicc certs ok" ok
check "euicc certs: EUM certificate" [ "$(j 'd["data"]["eumCertificate"]')" = "$("$py" -c 'import sys; print(open(sys.argv[1], "rb").read().hex().upper())' "$work/pki/nist/eum/eum.cert.der")" ]
check "euicc certs: eUICC certificate" [ "$(j 'd["data"]["euiccCertificate"]')" = "$("$py" -c 'import sys; print(open(sys.argv[1], "rb").read().hex().upper())' "$work/pki/nist/euicc/euicc.cert.der")" ]
on euicc certs --ci-pkid 0000000000000000000000000000000000000000
check "euicc certs unknown CI: invalidCiPKId" failed 1 invalidCiPKId
on euicc rat
check "euicc rat: empty table" [ "$(j 'd["data"]["rat"]')" = "[]" ]
on euicc connectivity
check "euicc connectivity: parametersNotAvailable" failed 1 parametersNotAvailable

# fallback and emergency profiles
on euicc fallback execute --refresh
check "fallback execute ok" ok
check "fallback profile enabled" [ "$(state_of "$iccid_fallback")" = 1 ]
on euicc fallback return
check "fallback return ok" ok
check "fallback profile disabled again" [ "$(state_of "$iccid_fallback")" = 0 ]
on euicc emergency enable
check "emergency enable ok" ok
check "eCall profile enabled" [ "$(state_of 89000000000000000005)" = 1 ]
on euicc emergency disable
check "emergency disable ok" ok
on euicc emergency disable
check "emergency disable again: profileNotInEnabledState" failed 1 profileNotInEnabledState

# immediate enable, then eIMs
on euicc immediate-enable configure --enable --smdp-oid 2.999.10 --smdp-address smdp.example.com
check "immediate-enable configure ok" ok
check "immediate-enable configure echoes" [ "$(j 'd["data"]["defaultSmdpOid"]')" = 2.999.10 ]
on euicc immediate-enable execute
check "immediate-enable execute: noSessionContext" failed 1 noSessionContext
on eim list
check "eim list empty" [ "$(j 'd["data"]["eims"]')" = "[]" ]
on eim add-initial "$shared/vectors/sample_eim_cfg.AddInitialEimRequest.ber"
check "eim add-initial ok" ok
check "eim add-initial association token" [ "$(j 'd["data"]["response"]["addInitialEimOk"][0]["associationToken"]')" = 1 ]
on eim list
check "eim list: the eIM" [ "$(j '[e["eimId"] + "@" + e["eimFqdn"] for e in d["data"]["eims"]]')" = "['eIM@127.0.0.1:8000']" ]
on eim list other
check "eim list <eimId> filters" [ "$(j 'd["data"]["eims"]')" = "[]" ]
set +e
"$cli" --transport "softeuicc:$card" --json eim add-initial - < "$shared/vectors/sample_eim_cfg.AddInitialEimRequest.ber" > "$out"
rc=$?
set -e
check "eim add-initial from stdin: associatedEimAlreadyExists" failed 1 associatedEimAlreadyExists
check "eim add-initial of garbage exits 1" [ "$(exit_code "$cli" --transport "softeuicc:$card" eim add-initial BF5700)" = 1 ]
on euicc immediate-enable configure
check "immediate-enable with an eIM: associatedEimAlreadyExists" failed 1 associatedEimAlreadyExists

# add-initial from fields gives the same eIM configuration as the sample request: its public key as a
# DER SubjectPublicKeyInfo file (eimPublicKeyData [5] { eimPublicKey [0] IMPLICIT SPKI })
"$py" -c 'import sys; v=open(sys.argv[1], "rb").read(); i=v.index(bytes.fromhex("a55ba059")) + 4
open(sys.argv[2], "wb").write(bytes.fromhex("3059") + v[i:i + 0x59])' "$shared/vectors/sample_eim_cfg.AddInitialEimRequest.ber" "$work/eim.spki.der"
"$cli" euicc-sim create "$work/fieldscard" > /dev/null
"$cli" --transport "softeuicc:$card" --json eim list > "$work/eims.file.json"
set +e
"$cli" --transport "softeuicc:$work/fieldscard" --json eim add-initial --eim-id eIM --fqdn 127.0.0.1:8000 --counter 1 \
  --association-token --public-key "$work/eim.spki.der" > "$out"
rc=$?
set -e
check "eim add-initial from fields ok" ok
"$cli" --transport "softeuicc:$work/fieldscard" --json eim list > "$work/eims.fields.json"
check "eim add-initial from fields = from the file" [ "$(json_get "$work/eims.fields.json" 'd["data"]')" = "$(json_get "$work/eims.file.json" 'd["data"]')" ]
check "eim add-initial needs a file or --eim-id" [ "$(exit_code "$cli" --transport "softeuicc:$card" eim add-initial)" = 2 ]
check "eim add-initial bad counter exits 2" [ "$(exit_code "$cli" --transport "softeuicc:$card" eim add-initial --eim-id x --counter -5)" = 2 ]
check "eim add-initial bad key file exits 2" [ "$(exit_code "$cli" --transport "softeuicc:$card" eim add-initial --eim-id x --public-key 0102)" = 2 ]
check "eim delete <id> is refused (exit 2)" [ "$(exit_code "$cli" --transport "softeuicc:$card" eim delete eIM)" = 2 ]
on eim delete --all
check "eim delete --all ok" ok
check "eim delete --all: resetEimResult ok" [ "$(j 'd["data"]["resetEimResult"]')" = 0 ]
on eim list
check "eim list empty after delete --all" [ "$(j 'd["data"]["eims"]')" = "[]" ]
on eim add-initial "$shared/vectors/sample_eim_cfg.AddInitialEimRequest.ber"
check "eim add-initial again after delete --all" ok

# memory reset, delete, preload
on euicc reset --eim
check "euicc reset --eim ok" ok
check "euicc reset --eim result" [ "$(j 'd["data"]["resetEimResult"]')" = 0 ]
on eim list
check "eIMs gone" [ "$(j 'd["data"]["eims"]')" = "[]" ]
on profile delete "$aid_one"
check "profile delete by AID" ok
on profile list
check "two profiles left" [ "$(j 'len(d["data"]["profiles"])')" = 2 ]
on euicc reset --operational
check "euicc reset --operational ok" ok
on profile list
check "no profiles left" [ "$(j 'd["data"]["profiles"]')" = "[]" ]
on euicc reset --operational --sgp22
check "euicc reset again: nothingToDelete" failed 1 nothingToDelete
"$cli" euicc-sim preload "$card" "$profile_one" > /dev/null
on profile list
check "euicc-sim preload" [ "$(j '[p["iccid"] for p in d["data"]["profiles"]]')" = "['$iccid_one']" ]
check "preload twice exits 1" [ "$(exit_code "$cli" euicc-sim preload "$card" "$profile_one")" = 1 ]

# help: sgp32 help <command> and <command> <subcommand> --help for every subcommand
for family in chip profile notification eim euicc euicc-sim es10 decode types; do
  check "help $family" sh -c "\"$cli\" help $family | grep -q 'usage: sgp32'"
  subs=$("$cli" help "$family" | sed -n '/^subcommands:/,/^$/s/^  \([a-z-]*\).*/\1/p')
  for sub in $subs; do
    check "$family $sub --help" sh -c "\"$cli\" $family $sub --help | grep -q 'usage: sgp32 \[global options\] $family $sub'"
    check "help $family $sub" sh -c "\"$cli\" help $family $sub | grep -q 'usage: sgp32'"
  done
done
check "every euicc subcommand has help" [ "$("$cli" help euicc | sed -n '/^subcommands:/,/^$/p' | grep -c '^  [a-z]')" = 8 ]
check "help of an unknown command exits 2" [ "$(exit_code "$cli" help bogus)" = 2 ]
