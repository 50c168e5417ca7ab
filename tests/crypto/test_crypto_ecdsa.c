/* SPDX-License-Identifier: MIT */
/* ECDSA-SHA256 with raw r||s signatures, DER conversion, and the SGP.26 SM-DP+ keys/certificates. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/ecdsa.h"
#include "crypto/x509.h"
#include "crypto_test_util.h"

static struct sgp32_crypto_rng rng;

/* Group orders n (SEC 2, RFC 5639): r or s equal to n is out of range. */
static const char p256_order[] = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
static const char bp256_order[] = "a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a7";

static int setup(void **state)
{
    (void)state;
    return sgp32_crypto_rng_init(&rng, NULL, NULL) == SGP32_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sgp32_crypto_rng_free(&rng);
    return 0;
}

static void round_trip_on(enum sgp32_curve curve, const char *order_hex)
{
    static const uint8_t message[] = "EuiccPackageSigned || 84 01 FF";
    uint8_t signature[64], tampered[64], digest[32], order[32];
    struct sgp32_ec_key key, public_only, other;
    struct sgp32_sha256 hash;
    uint8_t point[65];
    size_t point_len, i;

    sgp32_ec_key_init(&key);
    sgp32_ec_key_init(&public_only);
    sgp32_ec_key_init(&other);
    assert_int_equal(sgp32_ec_generate(&key, curve, &rng), SGP32_OK);
    assert_int_equal(sgp32_ec_generate(&other, curve, &rng), SGP32_OK);
    assert_int_equal(sgp32_ec_export_public(&key, point, sizeof point, &point_len), SGP32_OK);
    assert_int_equal(sgp32_ec_import_public_raw(&public_only, curve, point, point_len), SGP32_OK);

    assert_int_equal(sgp32_ecdsa_sign_sha256(&key, &rng, message, sizeof message, signature), SGP32_OK);
    assert_int_equal(sgp32_ecdsa_verify_sha256(&public_only, message, sizeof message, signature, 64), SGP32_OK);
    /* Multi-part hashing (DER(EuiccPackageSigned) then the association token) verifies the same. */
    assert_int_equal(sgp32_sha256_init(&hash), SGP32_OK);
    assert_int_equal(sgp32_sha256_update(&hash, message, 18), SGP32_OK);
    assert_int_equal(sgp32_sha256_update(&hash, message + 18, sizeof message - 18), SGP32_OK);
    assert_int_equal(sgp32_sha256_final(&hash, digest), SGP32_OK);
    assert_int_equal(sgp32_ecdsa_verify_digest(&public_only, digest, signature, 64), SGP32_OK);
    assert_int_equal(sgp32_ecdsa_sign_digest(&key, &rng, digest, tampered), SGP32_OK);
    assert_int_equal(sgp32_ecdsa_verify_sha256(&public_only, message, sizeof message, tampered, 64), SGP32_OK);

    /* Refusals: every bit of r and s matters (sampled), another message, another key, wrong size. */
    for (i = 0; i < 64; i += 7) {
        memcpy(tampered, signature, 64);
        tampered[i] ^= (uint8_t)(1u << (i % 8));
        assert_int_equal(sgp32_ecdsa_verify_sha256(&public_only, message, sizeof message, tampered, 64),
                         SGP32_ERR_CRYPTO);
    }
    assert_int_equal(sgp32_ecdsa_verify_sha256(&public_only, message, sizeof message - 1, signature, 64),
                     SGP32_ERR_CRYPTO);
    assert_int_equal(sgp32_ecdsa_verify_sha256(&other, message, sizeof message, signature, 64), SGP32_ERR_CRYPTO);
    assert_int_equal(sgp32_ecdsa_verify_sha256(&public_only, message, sizeof message, signature, 63), SGP32_ERR_CRYPTO);
    /* r = 0, s = n: out of range, never valid. */
    memcpy(tampered, signature, 64);
    memset(tampered, 0, 32);
    assert_int_equal(sgp32_ecdsa_verify_sha256(&public_only, message, sizeof message, tampered, 64), SGP32_ERR_CRYPTO);
    test_hex(order_hex, order, sizeof order);
    memcpy(tampered, signature, 32);
    memcpy(tampered + 32, order, 32);
    assert_int_equal(sgp32_ecdsa_verify_sha256(&public_only, message, sizeof message, tampered, 64), SGP32_ERR_CRYPTO);
    /* Signing needs the private key. */
    assert_int_equal(sgp32_ecdsa_sign_sha256(&public_only, &rng, message, sizeof message, tampered), SGP32_ERR_STATE);
    sgp32_ec_key_free(&key);
    sgp32_ec_key_free(&public_only);
    sgp32_ec_key_free(&other);
}

static void test_round_trip_both_curves(void **state)
{
    (void)state;
    round_trip_on(SGP32_CURVE_P256, p256_order);
    round_trip_on(SGP32_CURVE_BRAINPOOLP256R1, bp256_order);
}

static void check_raw_to_der(const char *raw_hex, const char *der_hex)
{
    uint8_t raw[64], expected[80], der[80], back[64];
    size_t expected_len, der_len;

    test_hex(raw_hex, raw, sizeof raw);
    expected_len = test_hex(der_hex, expected, sizeof expected);
    assert_int_equal(sgp32_ecdsa_raw_to_der(raw, der, sizeof der, &der_len), SGP32_OK);
    assert_int_equal(der_len, expected_len);
    assert_memory_equal(der, expected, der_len);
    assert_int_equal(sgp32_ecdsa_der_to_raw(der, der_len, back), SGP32_OK);
    assert_memory_equal(back, raw, 64);
}

#define R_HIGH "80112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define S_PLAIN "7f112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define S_ZEROS "0000001299aabbccddeeff00112233445566778899aabbccddeeff0011223344"
#define S_ZERO_HIGH "0000ff8899aabbccddeeff00112233445566778899aabbccddeeff0011223344"

static void test_raw_der_conversion(void **state)
{
    uint8_t raw[64], der[80];
    size_t der_len;
    (void)state;

    /* High bit set: a 00 is prepended (33-byte INTEGER). The largest form is 72 bytes. */
    check_raw_to_der(R_HIGH R_HIGH, "3046"
                                    "022100" R_HIGH "022100" R_HIGH);
    check_raw_to_der(R_HIGH S_PLAIN, "3045"
                                     "022100" R_HIGH "0220" S_PLAIN);
    /* Leading zero bytes are dropped; a zero byte returns when the next one has its high bit set. */
    check_raw_to_der(S_PLAIN S_ZEROS, "3041"
                                      "0220" S_PLAIN "021d"
                                      "1299aabbccddeeff00112233445566778899aabbccddeeff0011223344");
    check_raw_to_der(S_PLAIN S_ZERO_HIGH, "3043"
                                          "0220" S_PLAIN "021f"
                                          "00ff8899aabbccddeeff00112233445566778899aabbccddeeff0011223344");
    /* Zero and one. */
    check_raw_to_der("0000000000000000000000000000000000000000000000000000000000000000"
                     "0000000000000000000000000000000000000000000000000000000000000001",
                     "3006020100020101");
    /* Buffer too small for the 72-byte worst case. */
    test_hex(R_HIGH R_HIGH, raw, sizeof raw);
    assert_int_equal(sgp32_ecdsa_raw_to_der(raw, der, 71, &der_len), SGP32_ERR_BUFFER_TOO_SMALL);
}

static void der_refused(const char *der_hex, enum sgp32_status expected)
{
    uint8_t der[80], raw[64];
    size_t len = test_hex(der_hex, der, sizeof der);
    assert_int_equal(sgp32_ecdsa_der_to_raw(der, len, raw), expected);
}

static void test_der_refusals(void **state)
{
    (void)state;
    der_refused("3006020100020101"
                "00",
                SGP32_ERR_TRAILING);
    der_refused("3007020100020101", SGP32_ERR_TRUNCATED);
    der_refused("300702010002010100", SGP32_ERR_DECODE); /* junk inside the SEQUENCE */
    der_refused("3106020100020101", SGP32_ERR_DECODE);   /* not a SEQUENCE */
    der_refused("308106020100020101", SGP32_ERR_DECODE); /* long length form */
    der_refused("3006020180020101", SGP32_ERR_DECODE);   /* negative r */
    der_refused("300702020001020101", SGP32_ERR_DECODE); /* non-minimal r */
    der_refused("30050200020101", SGP32_ERR_DECODE);     /* empty INTEGER */
    der_refused("300702810100020101", SGP32_ERR_DECODE); /* INTEGER with long length */
    der_refused("3006020100040101", SGP32_ERR_DECODE);   /* s not an INTEGER */
    der_refused("3003020100", SGP32_ERR_DECODE);         /* s missing */
    der_refused("", SGP32_ERR_DECODE);
    /* r wider than 32 bytes: 33 significant bytes, and 00 + 33 bytes with the high bit. */
    der_refused("3026022101"
                "0000000000000000000000000000000000000000000000000000000000000000"
                "020101",
                SGP32_ERR_DECODE);
    der_refused("3027022200"
                "800000000000000000000000000000000000000000000000000000000000000000"
                "020101",
                SGP32_ERR_DECODE);
}

/* data_sig.der (beside the SGP.26 DPauth keys) is a DER ECDSA-Sig-Value over data that is not in
 * the set; it serves as a real-world DER signature: the conversion must round-trip it exactly. */
static void test_data_sig_der(void **state)
{
    size_t len, der_len;
    uint8_t *der = test_read_shared_exact("certs/sgp26/DPauth/data_sig.der", &len);
    uint8_t raw[64], back[80];
    (void)state;

    assert_int_equal(sgp32_ecdsa_der_to_raw(der, len, raw), SGP32_OK);
    assert_int_equal(sgp32_ecdsa_raw_to_der(raw, back, sizeof back, &der_len), SGP32_OK);
    assert_int_equal(der_len, len);
    assert_memory_equal(back, der, len);
    free(der);
}

static void sign_with_sgp26_key(const char *key_path, const char *cert_path, const char *foreign_cert_path)
{
    static const uint8_t message[] = "serverSigned1 DER bytes stand-in";
    size_t key_len, cert_len, foreign_len;
    uint8_t *pem = test_read_shared_exact(key_path, &key_len);
    uint8_t *cert = test_read_shared_exact(cert_path, &cert_len);
    uint8_t *foreign = test_read_shared(foreign_cert_path, &foreign_len);
    uint8_t signature[64];
    struct sgp32_ec_key key;

    sgp32_ec_key_init(&key);
    assert_int_equal(sgp32_ec_import_private(&key, pem, key_len), SGP32_OK);
    assert_int_equal(sgp32_ecdsa_sign_sha256(&key, &rng, message, sizeof message, signature), SGP32_OK);
    assert_int_equal(sgp32_ecdsa_verify_sha256_with_cert(cert, cert_len, message, sizeof message, signature, 64),
                     SGP32_OK);
    assert_int_equal(sgp32_ecdsa_verify_sha256_with_cert(foreign, foreign_len, message, sizeof message, signature, 64),
                     SGP32_ERR_CRYPTO);
    signature[40] ^= 0x10;
    assert_int_equal(sgp32_ecdsa_verify_sha256_with_cert(cert, cert_len, message, sizeof message, signature, 64),
                     SGP32_ERR_CRYPTO);
    /* A damaged certificate is a decode error, not a verification result. */
    assert_int_equal(sgp32_ecdsa_verify_sha256_with_cert(cert, cert_len - 1, message, sizeof message, signature, 64),
                     SGP32_ERR_DECODE);
    sgp32_ec_key_free(&key);
    free(pem);
    free(cert);
    free(foreign);
}

static void test_sgp26_dpauth_keys(void **state)
{
    (void)state;
    sign_with_sgp26_key("certs/sgp26/DPauth/SK_S_SM_DPauth_ECDSA_NIST.pem",
                        "certs/sgp26/DPauth/CERT_S_SM_DPauth_ECDSA_NIST.der",
                        "certs/sgp26/DPauth/CERT_S_SM_DP2auth_ECDSA_NIST.der");
    sign_with_sgp26_key("certs/sgp26/DPauth/SK_S_SM_DPauth_ECDSA_BRP.pem",
                        "certs/sgp26/DPauth/CERT_S_SM_DPauth_ECDSA_BRP.der",
                        "certs/sgp26/DPauth/CERT_S_SM_DPauth_ECDSA_NIST.der");
    sign_with_sgp26_key("certs/sgp26/DPauth/SK_S_SM_DP2auth_ECDSA_BRP.pem",
                        "certs/sgp26/DPauth/CERT_S_SM_DP2auth_ECDSA_BRP.der",
                        "certs/sgp26/DPauth/CERT_S_SM_DPauth_ECDSA_BRP.der");
}

/*
 * The sample eIM configuration (AddInitialEimRequest, onomondo) carries the eIM's public key as
 * eimPublicKey [0] IMPLICIT SubjectPublicKeyInfo. An eIM signature made with the sample eIM private
 * key over DER(EuiccPackageSigned) || 84 01 FF (associationToken -1, as in that configuration)
 * verifies with that key, and with the sample eIM certificate.
 */
static void test_sample_eim_signature(void **state)
{
    static const uint8_t spki_start[] = {0xA0, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01};
    /* A stand-in for DER(EuiccPackageSigned): the signature covers whatever bytes are given. */
    static const uint8_t package_signed[] = {0x30, 0x0A, 0x80, 0x03, 'e', 'I', 'M', 0x5A, 0x03, 0x89, 0x04, 0x90};
    static const uint8_t association_token[] = {0x84, 0x01, 0xFF};
    size_t cfg_len, key_len, cert_pem_len, cert_len, i, at = 0;
    uint8_t *cfg = test_read_shared_exact("vectors/sample_eim_cfg.AddInitialEimRequest.ber", &cfg_len);
    uint8_t *key_pem = test_read_shared_exact("certs/eim-sample/sample_eim_cert_nist.key", &key_len);
    uint8_t *cert_pem = test_read_shared_exact("certs/eim-sample/sample_eim_cert_nist.crt", &cert_pem_len);
    uint8_t spki[91], digest[32], signature[64], cert[1024], message[sizeof package_signed + 3];
    struct sgp32_ec_key eim_key, eim_public;
    struct sgp32_sha256 hash;
    (void)state;

    for (i = 0; i + sizeof spki <= cfg_len; i++)
        if (memcmp(cfg + i, spki_start, sizeof spki_start) == 0)
            at = i;
    assert_true(at > 0);
    memcpy(spki, cfg + at, sizeof spki);
    spki[0] = 0x30; /* [0] IMPLICIT back to the universal SEQUENCE tag */
    sgp32_ec_key_init(&eim_key);
    sgp32_ec_key_init(&eim_public);
    assert_int_equal(sgp32_ec_import_spki_der(&eim_public, spki, sizeof spki), SGP32_OK);
    assert_int_equal(eim_public.curve, SGP32_CURVE_P256);
    assert_int_equal(sgp32_ec_import_private(&eim_key, key_pem, key_len), SGP32_OK);

    assert_int_equal(sgp32_sha256_init(&hash), SGP32_OK);
    assert_int_equal(sgp32_sha256_update(&hash, package_signed, sizeof package_signed), SGP32_OK);
    assert_int_equal(sgp32_sha256_update(&hash, association_token, sizeof association_token), SGP32_OK);
    assert_int_equal(sgp32_sha256_final(&hash, digest), SGP32_OK);
    assert_int_equal(sgp32_ecdsa_sign_digest(&eim_key, &rng, digest, signature), SGP32_OK);
    assert_int_equal(sgp32_ecdsa_verify_digest(&eim_public, digest, signature, 64), SGP32_OK);
    /* The same as one message, and with the certificate. */
    memcpy(message, package_signed, sizeof package_signed);
    memcpy(message + sizeof package_signed, association_token, 3);
    assert_int_equal(sgp32_ecdsa_verify_sha256(&eim_public, message, sizeof message, signature, 64), SGP32_OK);
    assert_int_equal(sgp32_x509_pem_to_der(cert_pem, cert_pem_len, cert, sizeof cert, &cert_len), SGP32_OK);
    assert_int_equal(sgp32_ecdsa_verify_sha256_with_cert(cert, cert_len, message, sizeof message, signature, 64),
                     SGP32_OK);
    /* Without the association token (a v1.0-style input) the signature does not verify. */
    assert_int_equal(sgp32_ecdsa_verify_sha256(&eim_public, message, sizeof package_signed, signature, 64),
                     SGP32_ERR_CRYPTO);
    sgp32_ec_key_free(&eim_key);
    sgp32_ec_key_free(&eim_public);
    free(cfg);
    free(key_pem);
    free(cert_pem);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_both_curves), cmocka_unit_test(test_raw_der_conversion),
        cmocka_unit_test(test_der_refusals),           cmocka_unit_test(test_data_sig_der),
        cmocka_unit_test(test_sgp26_dpauth_keys),      cmocka_unit_test(test_sample_eim_signature),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
