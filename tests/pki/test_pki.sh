# SPDX-License-Identifier: MIT
# test_pki.sh <sgp32 cli> <pki_der_check> <sgp32-test-pki>: generates the test PKI for both curves
# into a temporary directory and checks it: every chain verifies with openssl (and fails against the
# wrong anchor), the SGP.22 profiles (policy OIDs, key usages, basic constraints, SKI/AKI, EID in the
# eUICC subject) are present, the manifest is right, and every certificate decodes with libsgp32's
# codec (the sgp32 CLI, and strict DER with pki_der_check). Also the script's option handling.
set -eu

[ $# -eq 3 ] || { echo "usage: test_pki.sh <sgp32 cli> <pki_der_check> <sgp32-test-pki>" >&2; exit 2; }
cli=$1
der_check=$2
gen=$3
OPENSSL=${OPENSSL:-openssl}
command -v "$OPENSSL" >/dev/null 2>&1 || { echo "FAIL: openssl not found (apt-get install openssl)" >&2; exit 1; }
[ -x "$cli" ] || { echo "FAIL: sgp32 CLI '$cli' missing" >&2; exit 1; }
[ -x "$der_check" ] || { echo "FAIL: pki_der_check '$der_check' missing" >&2; exit 1; }
[ -r "$gen" ] || { echo "FAIL: generator '$gen' missing" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test_pki.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

failures=0
checks=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}
ok() {
  checks=$((checks + 1))
}
# expect <description> <command...>: the command must succeed.
expect() {
  desc=$1
  shift
  if "$@" >"$tmp/out.log" 2>&1; then ok; else fail "$desc"; sed 's/^/    /' "$tmp/out.log" >&2; fi
}
# refuse <description> <command...>: the command must fail.
refuse() {
  desc=$1
  shift
  if "$@" >"$tmp/out.log" 2>&1; then fail "$desc (it succeeded)"; else ok; fi
}
text() { "$OPENSSL" x509 -in "$1" -noout -text; }
ext() { "$OPENSSL" x509 -in "$1" -noout -ext "$2" 2>/dev/null; }
# has <file> <extension> <fixed string>: the printed extension contains the string.
has() {
  if ext "$1" "$2" | grep -F -q -- "$3"; then ok; else fail "$1: $2 lacks '$3'"; ext "$1" "$2" >&2 || true; fi
}
hexof() { tr -d ' :\r\n' | tr 'abcdef' 'ABCDEF'; }
ski() { ext "$1" subjectKeyIdentifier | sed -n 2p | hexof; }
aki() { ext "$1" authorityKeyIdentifier | sed -n 2p | sed 's/keyid://' | hexof; }
manifest_value() { sed -n "s/^$2=//p" "$1"; }

# ---- generation -------------------------------------------------------------------------------------
pki=$tmp/pki
expect "generate both curves" sh "$gen" --curve both "$pki"
[ -f "$pki/nist/manifest.txt" ] && [ -f "$pki/brainpool/manifest.txt" ] || {
  echo "FAIL: generation produced no manifests" >&2
  exit 1
}
for leftover in "$pki"/.sgp32-test-pki.*; do
  if [ -e "$leftover" ]; then fail "work directory left behind: $leftover"; fi
done

default_eid=89049032123451234512345678901235
serials=""

check_curve() {
  c=$1
  d=$pki/$c
  m=$d/manifest.txt
  case "$c" in
    nist) ocurve=prime256v1 other=brainpool ;;
    brainpool) ocurve=brainpoolP256r1 other=nist ;;
  esac
  [ "$(manifest_value "$m" curve)" = "$c" ] && ok || fail "$c: manifest curve"
  [ "$(manifest_value "$m" eid)" = "$default_eid" ] && ok || fail "$c: manifest eid"

  # Every file the manifest names exists and is non-empty.
  for f in $(grep -E '^[a-z_]+_(cert|key|pub)_(der|pem)=' "$m" | cut -d= -f2) euicc/chain.pem; do
    [ -s "$d/$f" ] && ok || fail "$c: $f missing or empty"
  done
  [ "$(grep -c '_cert_der=' "$m")" -eq 12 ] && ok || fail "$c: manifest does not list 12 certificates"

  ci=$d/ci/ci.cert.pem eum=$d/eum/eum.cert.pem euicc=$d/euicc/euicc.cert.pem
  auth=$d/smdp/auth.cert.pem pb=$d/smdp/pb.cert.pem dptls=$d/smdp/tls.cert.pem
  dsauth=$d/smds/auth.cert.pem dstls=$d/smds/tls.cert.pem
  eimsign=$d/eim/sign.cert.pem eimtls=$d/eim/tls.cert.pem
  tlsroot=$d/tls/root.cert.pem server=$d/tls/server.cert.pem

  # Chains (x509_strict also checks SKI/AKI presence, named curves and CA key usage).
  V="$OPENSSL verify -x509_strict"
  expect "$c: eUICC -> EUM -> CI" $V -CAfile "$ci" -untrusted "$eum" "$euicc"
  expect "$c: eUICC -> EUM (partial chain)" $V -partial_chain -CAfile "$eum" "$euicc"
  expect "$c: eUICC chain.pem" $V -CAfile "$ci" -untrusted "$d/euicc/chain.pem" "$euicc"
  expect "$c: EUM, DPauth, DPpb, DSauth, eIM signing -> CI" $V -CAfile "$ci" "$eum" "$auth" "$pb" "$dsauth" "$eimsign"
  expect "$c: DStls -> CI as a TLS server for 127.0.0.1" \
    $V -purpose sslserver -verify_ip 127.0.0.1 -CAfile "$ci" "$dstls"
  expect "$c: DPtls -> CI as a TLS server for 127.0.0.1" \
    $V -purpose sslserver -verify_ip 127.0.0.1 -CAfile "$ci" "$dptls"
  expect "$c: DPtls -> CI as a TLS server for localhost" \
    $V -purpose sslserver -verify_hostname localhost -CAfile "$ci" "$dptls"
  expect "$c: eIM TLS -> TLS root for 127.0.0.1" \
    $V -purpose sslserver -verify_ip 127.0.0.1 -CAfile "$tlsroot" "$eimtls"
  expect "$c: TLS server -> TLS root for 127.0.0.1 and localhost" \
    $V -purpose sslserver -verify_ip 127.0.0.1 -verify_hostname localhost -CAfile "$tlsroot" "$server"
  # ... and they must fail against the wrong anchors.
  refuse "$c: eUICC verified without its EUM" $V -CAfile "$ci" "$euicc"
  refuse "$c: eUICC verified against the $other CI" \
    $V -CAfile "$pki/$other/ci/ci.cert.pem" -untrusted "$eum" "$euicc"
  refuse "$c: DPauth verified against the TLS root" $V -CAfile "$tlsroot" "$auth"
  refuse "$c: eIM TLS verified against the CI" $V -CAfile "$ci" "$eimtls"
  refuse "$c: eUICC accepted as a CA" $V -partial_chain -CAfile "$euicc" "$auth"

  # Curve, PEM = DER, key matches certificate, 16-byte random serials, SKI by RFC 5280 method 1.
  for name in ci/ci eum/eum euicc/euicc smdp/auth smdp/pb smdp/tls smds/auth smds/tls eim/sign eim/tls tls/root tls/server; do
    pem=$d/$name.cert.pem der=$d/$name.cert.der
    text "$pem" | grep -q "ASN1 OID: $ocurve" && ok || fail "$c: $name is not on $ocurve"
    text "$pem" | grep -q "Signature Algorithm: ecdsa-with-SHA256" && ok || fail "$c: $name not ecdsa-with-SHA256"
    "$OPENSSL" x509 -in "$pem" -outform DER | cmp -s - "$der" && ok || fail "$c: $name PEM and DER differ"
    "$OPENSSL" x509 -in "$pem" -noout -pubkey >"$tmp/cert.pub"
    "$OPENSSL" ec -in "$d/$name.key.pem" -pubout 2>/dev/null >"$tmp/key.pub"
    cmp -s "$tmp/cert.pub" "$tmp/key.pub" && ok || fail "$c: $name key does not match the certificate"
    "$OPENSSL" ec -inform DER -in "$d/$name.key.der" -pubout 2>/dev/null | cmp -s - "$tmp/key.pub" &&
      ok || fail "$c: $name key.der differs from key.pem"
    cmp -s "$d/$name.pub.pem" "$tmp/key.pub" && ok || fail "$c: $name pub.pem differs from the key"
    head -1 "$d/$name.key.pem" | grep -q "BEGIN EC PRIVATE KEY" && ok || fail "$c: $name key is not SEC1 PEM"
    serial=$("$OPENSSL" x509 -in "$pem" -noout -serial | sed 's/^serial=//')
    [ ${#serial} -eq 32 ] && ok || fail "$c: $name serial '$serial' is not 16 bytes"
    serials="$serials $serial"
    point_sha1=$("$OPENSSL" pkey -pubin -in "$tmp/key.pub" -outform DER | tail -c 65 |
      "$OPENSSL" dgst -sha1 -r | cut -d' ' -f1 | hexof)
    [ "$(ski "$pem")" = "$point_sha1" ] && ok || fail "$c: $name SKI is not SHA-1 of the public key"
    # Validity: the default 2026-01-01 .. 2099-12-31 (GeneralizedTime after 2049).
    "$OPENSSL" x509 -in "$pem" -noout -startdate | grep -q 'Jan  1 00:00:00 2026 GMT' && ok ||
      fail "$c: $name notBefore is not 2026-01-01"
    "$OPENSSL" x509 -in "$pem" -noout -enddate | grep -q 'Dec 31 23:59:59 2099 GMT' && ok ||
      fail "$c: $name notAfter is not 2099-12-31"
  done

  # Issuer linkage: AKI = issuer SKI; the CI PKID of the manifest is the CI SKI (SGP.22 CI PKID).
  ci_ski=$(ski "$ci")
  [ "$(manifest_value "$m" ci_pkid)" = "$ci_ski" ] && ok || fail "$c: manifest ci_pkid != CI SKI"
  [ "$(manifest_value "$m" eum_ski)" = "$(ski "$eum")" ] && ok || fail "$c: manifest eum_ski"
  for f in "$eum" "$auth" "$pb" "$dptls" "$dsauth" "$dstls" "$eimsign"; do
    [ "$(aki "$f")" = "$ci_ski" ] && ok || fail "$c: $f AKI is not the CI SKI"
  done
  [ "$(aki "$euicc")" = "$(ski "$eum")" ] && ok || fail "$c: eUICC AKI is not the EUM SKI"
  [ "$(aki "$eimtls")" = "$(ski "$tlsroot")" ] && ok || fail "$c: eIM TLS AKI is not the TLS root SKI"
  [ -z "$(ext "$ci" authorityKeyIdentifier)" ] && ok || fail "$c: the CI has an AKI (SGP.26 CI has none)"

  # SGP.22 profiles.
  has "$ci" certificatePolicies "Policy: 2.23.146.1.2.1.0"
  has "$euicc" certificatePolicies "Policy: 2.23.146.1.2.1.1"
  has "$eum" certificatePolicies "Policy: 2.23.146.1.2.1.2"
  has "$dptls" certificatePolicies "Policy: 2.23.146.1.2.1.3"
  has "$auth" certificatePolicies "Policy: 2.23.146.1.2.1.4"
  has "$pb" certificatePolicies "Policy: 2.23.146.1.2.1.5"
  has "$dstls" certificatePolicies "Policy: 2.23.146.1.2.1.6"
  has "$dsauth" certificatePolicies "Policy: 2.23.146.1.2.1.7"
  for f in "$ci" "$euicc" "$eum" "$auth" "$pb" "$dsauth"; do
    has "$f" certificatePolicies "Certificate Policies: critical"
  done
  has "$ci" keyUsage "Certificate Sign, CRL Sign"
  has "$ci" basicConstraints "CA:TRUE"
  has "$ci" subjectAltName "Registered ID:2.999.1"
  has "$eum" keyUsage "Certificate Sign"
  has "$eum" basicConstraints "critical"
  has "$eum" basicConstraints "CA:TRUE, pathlen:0"
  for f in "$euicc" "$auth" "$pb" "$dptls" "$dsauth" "$dstls" "$eimsign" "$eimtls" "$server"; do
    has "$f" keyUsage "Key Usage: critical"
    has "$f" keyUsage "Digital Signature"
    ext "$f" basicConstraints | grep -q "CA:TRUE" && fail "$c: $f is a CA" || ok
  done
  has "$auth" subjectAltName "Registered ID:2.999.10"
  has "$pb" subjectAltName "Registered ID:2.999.10"
  has "$dsauth" subjectAltName "Registered ID:2.999.15"
  has "$dstls" subjectAltName "IP Address:127.0.0.1"
  has "$dstls" extendedKeyUsage "TLS Web Server Authentication"
  has "$dptls" subjectAltName "IP Address:127.0.0.1"
  has "$dptls" extendedKeyUsage "TLS Web Server Authentication"
  has "$eimtls" subjectAltName "IP Address:127.0.0.1"
  has "$server" subjectAltName "DNS:localhost"
  [ "$(ext "$dptls" subjectAltName | grep -o '127\.0\.0\.1' | wc -l)" -eq 1 ] && ok ||
    fail "$c: DPtls lists 127.0.0.1 twice"
  "$OPENSSL" x509 -in "$eimsign" -noout -subject | grep -q "CN = eIM" && ok || fail "$c: eIM id not in subject"

  # EID in the eUICC subject: serialNumber, a PrintableString (SGP.22 4.5.2.1.0.3).
  "$OPENSSL" x509 -in "$euicc" -noout -subject -nameopt RFC2253 | grep -q "serialNumber=$default_eid" &&
    ok || fail "$c: EID not in the eUICC subject"
  "$OPENSSL" asn1parse -in "$euicc" | grep -A1 ':serialNumber' | grep -q "PRINTABLESTRING *:$default_eid" &&
    ok || fail "$c: the eUICC serialNumber is not a PrintableString EID"
  [ "$("$OPENSSL" x509 -in "$euicc" -noout -issuer)" = "issuer=$("$OPENSSL" x509 -in "$eum" -noout -subject | sed 's/^subject=//')" ] &&
    ok || fail "$c: eUICC issuer is not the EUM subject"

  # Our codec: the CLI decodes and prints every certificate; strict DER for all of them.
  for der in "$d"/*/*.cert.der; do
    if "$cli" decode Certificate "$der" >"$tmp/decoded.txt" 2>"$tmp/decode.err"; then ok; else
      fail "$c: sgp32 decode Certificate $der: $(cat "$tmp/decode.err")"
    fi
  done
  # The CLI prints attribute values as hex: the serialNumber (2.5.4.5) value must be the EID as a
  # PrintableString (tag 13, length 32).
  want="1320$(printf '%s' "$default_eid" | od -An -tx1 | hexof)"
  got=$("$cli" decode Certificate "$d/euicc/euicc.cert.der" |
    awk '/type: \{ 2\.5\.4\.5 \}/ { on = 1; next } on && /}/ { exit } on { sub(/value:/, ""); print }' | hexof)
  [ "$got" = "$want" ] && ok || fail "$c: the decoded eUICC certificate shows serialNumber '$got', not the EID"
  expect "$c: strict DER certificates" "$der_check" Certificate "$d"/*/*.cert.der
  expect "$c: strict DER public keys" "$der_check" SubjectPublicKeyInfo "$d"/*/*.pub.der
}

# pki_der_check must reject a non-DER encoding (long-form length where the short form fits):
# otherwise the strict DER checks above prove nothing.
der=$pki/nist/euicc/euicc.cert.der
[ "$(od -An -tx1 -N2 "$der" | tr -d ' ')" = 3082 ] || fail "unexpected eUICC certificate header"
{ printf '\060\203\000'; tail -c +3 "$der"; } >"$tmp/ber.der"
refuse "pki_der_check accepted a non-DER length" "$der_check" Certificate "$tmp/ber.der"

check_curve nist
check_curve brainpool
all_serials=$(printf '%s\n' $serials | sort | uniq -d)
[ -z "$all_serials" ] && ok || fail "repeated serial numbers: $all_serials"
[ "$(manifest_value "$pki/manifest.txt" curves)" = "nist brainpool" ] && ok || fail "top manifest curves"

# ---- options and robustness -------------------------------------------------------------------------
refuse "overwrote a non-empty directory without --force" sh "$gen" --curve nist "$pki"
grep -q "not empty" "$tmp/out.log" && ok || fail "no clear message for a non-empty directory"
old_ski=$(ski "$pki/nist/ci/ci.cert.pem")
expect "--force regenerates" sh "$gen" --curve nist --force "$pki"
[ "$(ski "$pki/nist/ci/ci.cert.pem")" != "$old_ski" ] && ok || fail "--force kept the old CI key"
[ -f "$pki/brainpool/manifest.txt" ] && ok || fail "--force --curve nist removed the brainpool set"

custom=$tmp/custom
eid2=89049032000000000000000000001234
expect "custom options" sh "$gen" --curve brainpool --eid 89049032000000000000000000001234 --days 30 \
  --smdp-address smdp.example.com:8443 --smdp-oid 2.999.12 --eim-id my-eim.1 "$custom"
b=$custom/brainpool
[ ! -e "$custom/nist" ] && ok || fail "--curve brainpool generated nist"
"$OPENSSL" x509 -in "$b/euicc/euicc.cert.pem" -noout -subject -nameopt RFC2253 | grep -q "serialNumber=$eid2" &&
  ok || fail "--eid not in the eUICC subject"
[ "$(manifest_value "$b/manifest.txt" eid)" = "$eid2" ] && ok || fail "--eid not in the manifest"
expect "custom DPtls for smdp.example.com" "$OPENSSL" verify -x509_strict -purpose sslserver \
  -verify_hostname smdp.example.com -CAfile "$b/ci/ci.cert.pem" "$b/smdp/tls.cert.pem"
has "$b/smdp/auth.cert.pem" subjectAltName "Registered ID:2.999.12"
"$OPENSSL" x509 -in "$b/eim/sign.cert.pem" -noout -subject | grep -q "CN = my-eim.1" && ok || fail "--eim-id"
"$OPENSSL" x509 -in "$b/ci/ci.cert.pem" -noout -checkend $((29 * 86400)) >/dev/null && ok ||
  fail "--days 30: expires within 29 days"
refuse "--days 30: still valid after 31 days" \
  "$OPENSSL" x509 -in "$b/ci/ci.cert.pem" -noout -checkend $((31 * 86400))
expect "custom: eUICC chain" "$OPENSSL" verify -x509_strict -CAfile "$b/ci/ci.cert.pem" \
  -untrusted "$b/eum/eum.cert.pem" "$b/euicc/euicc.cert.pem"
expect "custom: strict DER" "$der_check" Certificate "$b"/*/*.cert.der

nc=$tmp/nc
expect "--name-constraints" sh "$gen" --curve nist --name-constraints "$nc"
has "$nc/nist/eum/eum.cert.pem" nameConstraints "critical"
has "$nc/nist/eum/eum.cert.pem" nameConstraints "serialNumber = 89049032"
expect "--name-constraints: strict DER" "$der_check" Certificate "$nc/nist/eum/eum.cert.der"
[ -z "$(ext "$pki/nist/eum/eum.cert.pem" nameConstraints)" ] && ok || fail "nameConstraints without the option"

refuse "a 31-digit EID" sh "$gen" --eid 8904903212345123451234567890123 "$tmp/bad1"
refuse "a non-hex EID" sh "$gen" --eid 8904903212345123451234567890123X "$tmp/bad2"
refuse "an unknown curve" sh "$gen" --curve p384 "$tmp/bad3"
refuse "a bad --days" sh "$gen" --days 0 "$tmp/bad4"
refuse "an --eim-id with a slash" sh "$gen" --eim-id "a/b" "$tmp/bad5"
refuse "no output directory" sh "$gen" --curve nist
: >"$tmp/file"
refuse "a file as output directory" sh "$gen" --curve nist "$tmp/file"
for bad in bad1 bad2 bad3 bad4 bad5; do
  [ ! -e "$tmp/$bad" ] && ok || fail "a rejected command line created $bad"
done
expect "--help" sh "$gen" --help
# A failing openssl leaves no partial PKI behind.
refuse "generation with a failing openssl" env OPENSSL=false sh "$gen" --curve nist "$tmp/broken"
[ ! -e "$tmp/broken/nist" ] && [ -z "$(ls -A "$tmp/broken" 2>/dev/null)" ] && ok ||
  fail "a failed generation left files in $tmp/broken"

echo "test_pki: $checks checks passed, $failures failed"
[ "$failures" -eq 0 ]
