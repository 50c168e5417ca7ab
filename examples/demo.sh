#!/bin/sh
# SPDX-License-Identifier: MIT
# The README's first command (make demo). Until the end-to-end flow (software eUICC, test eIM and
# SM-DP+) lands, it shows what the build has: the CLI and the codecs on the shared sample vectors.
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SGP32_SHARED_DIR:-$here/../shared}
cli="$build/bin/sgp32"

echo "== libsgp32 demo =="
"$cli" version
echo "ASN.1 types known: $("$cli" types | wc -l)"
vector="$shared/vectors/sample_eim_cfg.AddInitialEimRequest.ber"
if [ -f "$vector" ]; then
  echo "== decode the sample AddInitialEimRequest (BF57) =="
  "$cli" decode AddInitialEimRequest "$vector"
fi
echo "== GetEimPackage answer 'noEimPackageAvailable' (BF4F 03 02 01 01) =="
"$cli" decode GetEimPackageResponse "BF4F03020101"
echo "demo: the end-to-end SGP.32 flow is not built yet (see the open issues)"
