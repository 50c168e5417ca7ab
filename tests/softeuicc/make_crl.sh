#!/bin/sh
# SPDX-License-Identifier: MIT
# Test helper of test_softeuicc_crl: a CRL signed by a test CI with OpenSSL (independent of the card's
# own code). Usage: make_crl.sh CI_DIR OUT_DER CRL_NUMBER_HEX [REVOKED_SERIAL_HEX...]
# CI_DIR holds ci.cert.pem and ci.key.pem (examples/pki/sgp32-test-pki output).
set -e
ci=$1
out=$2
number=$3
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: >"$work/index.txt"
for serial in "$@"; do
    printf 'R\t491231235959Z\t250101000000Z\t%s\tunknown\t/CN=revoked\n' "$serial" >>"$work/index.txt"
done
printf '%s\n' "$number" >"$work/crlnumber"
cat >"$work/ca.cnf" <<EOF
[ca]
default_ca = test
[test]
database = $work/index.txt
crlnumber = $work/crlnumber
default_md = sha256
default_crl_days = 30
crl_extensions = crl_ext
[crl_ext]
authorityKeyIdentifier = keyid:always
EOF
openssl ca -batch -gencrl -config "$work/ca.cnf" -keyfile "$ci/ci.key.pem" -cert "$ci/ci.cert.pem" \
    -out "$work/crl.pem" 2>"$work/log" || { cat "$work/log" >&2; exit 1; }
openssl crl -in "$work/crl.pem" -outform DER -out "$out"
