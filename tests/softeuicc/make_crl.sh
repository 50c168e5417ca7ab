#!/bin/sh
# SPDX-License-Identifier: MIT
# Test helper of test_softeuicc_crl: a CRL signed by a test CI with OpenSSL (independent of the card's
# own code). Usage: make_crl.sh CI_DIR OUT_DER CRL_NUMBER_HEX [REVOKED_SERIAL_HEX[,REASON]...]
# CI_DIR holds ci.cert.pem and ci.key.pem (examples/pki/sgp32-test-pki output). REASON is an OpenSSL
# CRL reason name (e.g. certificateHold, removeFromCRL). CRL_EXTENSIONS (environment, optional): more
# lines of the CRL extension section, e.g. a delta CRL's "2.5.29.27 = critical,ASN1:INTEGER:5" or the
# SGP.22 partial CRL numbers "2.23.146.1.2.0.3 = ASN1:INTEGER:1".
set -e
ci=$1
out=$2
number=$3
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: >"$work/index.txt"
for entry in "$@"; do
    serial=${entry%%,*}
    when=250101000000Z
    [ "$serial" = "$entry" ] || when="$when,${entry#*,}"
    printf 'R\t491231235959Z\t%s\t%s\tunknown\t/CN=revoked\n' "$when" "$serial" >>"$work/index.txt"
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
${CRL_EXTENSIONS:-}
EOF
openssl ca -batch -gencrl -config "$work/ca.cnf" -keyfile "$ci/ci.key.pem" -cert "$ci/ci.cert.pem" \
    -out "$work/crl.pem" 2>"$work/log" || { cat "$work/log" >&2; exit 1; }
openssl crl -in "$work/crl.pem" -outform DER -out "$out"
