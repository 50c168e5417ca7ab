#!/bin/sh
# SPDX-License-Identifier: MIT
# The README's first command (make demo). Until the IPA core and the test eIM/SM-DP+ servers land
# (the end-to-end flow), it shows what the build has, on a software eUICC: a test PKI, a new card,
# what the card says about itself, the bootstrap step (AddInitialEim) and the codecs.
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SGP32_SHARED_DIR:-$here/../shared}
cli="$build/bin/sgp32"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM

step() { printf '\n== %s ==\n' "$1"; }

step "libsgp32 $("$cli" version | cut -d' ' -f2): $("$cli" types | wc -l) ASN.1 types"

step "a test PKI (CI -> EUM -> eUICC, CI -> SM-DP+, eIM), NIST P-256"
"$here/examples/pki/sgp32-test-pki" --curve nist "$work/pki" > /dev/null
echo "  $(find "$work/pki" -name '*.cert.der' | wc -l) certificates, CI PKID $(sed -n 's/^ci_pkid=//p' "$work/pki/nist/manifest.txt")"

step "a software eUICC with that identity"
eid=$("$cli" euicc-sim create "$work/card" --pki "$work/pki/nist" | sed -n 's/^EID //p')
echo "  EID $eid"
export SGP32_TRANSPORT="softeuicc:$work/card"

step "what the eUICC says about itself (sgp32 chip info --json)"
"$cli" --json chip info | cut -c1-400
echo "  ..."

vector="$shared/vectors/sample_eim_cfg.AddInitialEimRequest.ber"
if [ -f "$vector" ]; then
  step "bootstrap: AddInitialEim (BF57) with the sample eIM configuration"
  "$cli" decode --json AddInitialEimRequest "$vector" | cut -c1-200
  echo "  eUICC answers: $("$cli" es10 "$vector")"
  step "the eIM configuration now on the card (GetEimConfigurationData, BF55)"
  "$cli" es10 BF5500 > "$work/eim.hex"
  "$cli" decode --json GetEimConfigurationDataResponse "$(cat "$work/eim.hex")" | cut -c1-300
fi

step "an eIM answer decoded: GetEimPackageResponse BF4F 03 02 01 01 (noEimPackageAvailable)"
"$cli" decode --json GetEimPackageResponse BF4F03020101

printf '\ndemo: done. The eIM-driven flow (IPA core, test eIM and SM-DP+) is the subject of the open issues.\n'
