/* SPDX-License-Identifier: MIT */
/* EC keys, ECKA and the hash/KDF/RNG wrappers of lib/crypto. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/asn_public.h>

#include "crypto/ec.h"
#include "crypto/hash.h"
#include "crypto/rng.h"
#include "crypto_test_util.h"

static struct sgp32_crypto_rng rng;

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

static void test_sha256(void **state)
{
    static const char abc_digest[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    uint8_t expected[32], digest[32], message[200];
    struct sgp32_sha256 hash;
    size_t i;
    (void)state;

    test_hex(abc_digest, expected, sizeof expected);
    assert_int_equal(sgp32_sha256((const uint8_t *)"abc", 3, digest), SGP32_OK);
    assert_memory_equal(digest, expected, 32);
    /* Streaming in uneven parts equals one shot (the eIM signature input is hashed in parts). */
    for (i = 0; i < sizeof message; i++)
        message[i] = (uint8_t)(i * 7);
    assert_int_equal(sgp32_sha256(message, sizeof message, expected), SGP32_OK);
    assert_int_equal(sgp32_sha256_init(&hash), SGP32_OK);
    assert_int_equal(sgp32_sha256_update(&hash, message, 1), SGP32_OK);
    assert_int_equal(sgp32_sha256_update(&hash, message + 1, 0), SGP32_OK);
    assert_int_equal(sgp32_sha256_update(&hash, message + 1, 130), SGP32_OK);
    assert_int_equal(sgp32_sha256_update(&hash, message + 131, sizeof message - 131), SGP32_OK);
    assert_int_equal(sgp32_sha256_final(&hash, digest), SGP32_OK);
    assert_memory_equal(digest, expected, 32);
    assert_int_equal(sgp32_sha256(NULL, 1, digest), SGP32_ERR_INVALID_ARGUMENT);
}

/* X9.63 KDF structure: out = SHA256(Z || counter || info) blocks, checked against our own SHA-256. */
static void test_x963_kdf(void **state)
{
    static const uint8_t z[4] = {1, 2, 3, 4}, info[3] = {0xAA, 0xBB, 0xCC};
    uint8_t out[48], block[32], input[4 + 4 + 3];
    uint32_t counter;
    (void)state;

    assert_int_equal(sgp32_x963_kdf_sha256(z, sizeof z, info, sizeof info, out, sizeof out), SGP32_OK);
    for (counter = 1; counter <= 2; counter++) {
        memcpy(input, z, 4);
        input[4] = 0;
        input[5] = 0;
        input[6] = 0;
        input[7] = (uint8_t)counter;
        memcpy(input + 8, info, 3);
        assert_int_equal(sgp32_sha256(input, sizeof input, block), SGP32_OK);
        assert_memory_equal(out + 32 * (counter - 1), block, counter == 1 ? 32 : 16);
    }
    assert_int_equal(sgp32_x963_kdf_sha256(z, 0, info, sizeof info, out, sizeof out), SGP32_ERR_INVALID_ARGUMENT);
}

/* ECKA vector (pySim TestECKA): the SM-DP+ one-time key against the eUICC one-time public key. */
static void test_ecka_p256_vector(void **state)
{
    size_t len, n, point_len;
    char *text = (char *)test_read_shared("vectors/bsp/ecka_p256_vector.txt", &len);
    uint8_t euicc_pk[65], smdp_pk[65], smdp_sk[32], expected[32], secret[32], point[65];
    struct sgp32_ec_key own, peer;
    (void)state;

    assert_true(test_vector_hex(text, NULL, "euicc_otpk_der", euicc_pk, sizeof euicc_pk, &n) && n == 65);
    assert_true(test_vector_hex(text, NULL, "smdp_otpk_der", smdp_pk, sizeof smdp_pk, &n) && n == 65);
    assert_true(test_vector_hex(text, NULL, "smdp_otsk_bytes", smdp_sk, sizeof smdp_sk, &n) && n == 32);
    assert_true(test_vector_hex(text, NULL, "expected_shared_secret", expected, sizeof expected, &n) && n == 32);
    sgp32_ec_key_init(&own);
    sgp32_ec_key_init(&peer);
    assert_int_equal(sgp32_ec_import_private_raw(&own, SGP32_CURVE_P256, smdp_sk, 32), SGP32_OK);
    /* The public point computed from the private scalar is the vector's otPK. */
    assert_int_equal(sgp32_ec_export_public(&own, point, sizeof point, &point_len), SGP32_OK);
    assert_int_equal(point_len, 65);
    assert_memory_equal(point, smdp_pk, 65);
    assert_int_equal(sgp32_ec_import_public_raw(&peer, SGP32_CURVE_P256, euicc_pk, 65), SGP32_OK);
    assert_int_equal(sgp32_ec_shared_secret(&own, &peer, &rng, secret), SGP32_OK);
    assert_memory_equal(secret, expected, 32);
    /* Without a private key there is no agreement. */
    assert_int_equal(sgp32_ec_shared_secret(&peer, &peer, &rng, secret), SGP32_ERR_STATE);
    sgp32_ec_key_free(&own);
    sgp32_ec_key_free(&peer);
    free(text);
}

static void agreement_on(enum sgp32_curve curve)
{
    struct sgp32_ec_key a, b, a_public, other;
    uint8_t point[65], spki[128], d[32], s1[32], s2[32], s3[32];
    size_t point_len, spki_len;

    sgp32_ec_key_init(&a);
    sgp32_ec_key_init(&b);
    sgp32_ec_key_init(&a_public);
    sgp32_ec_key_init(&other);
    assert_int_equal(sgp32_ec_generate(&a, curve, &rng), SGP32_OK);
    assert_int_equal(sgp32_ec_generate(&b, curve, &rng), SGP32_OK);
    assert_int_equal(a.curve, curve);
    /* Public key travels as 04||X||Y (otPK in euiccSigned2 / smdpSigned2). */
    assert_int_equal(sgp32_ec_export_public(&a, point, sizeof point, &point_len), SGP32_OK);
    assert_int_equal(point[0], 0x04);
    assert_int_equal(sgp32_ec_import_public_raw(&a_public, curve, point, point_len), SGP32_OK);
    assert_int_equal(sgp32_ec_shared_secret(&a, &b, &rng, s1), SGP32_OK);
    assert_int_equal(sgp32_ec_shared_secret(&b, &a_public, &rng, s2), SGP32_OK);
    assert_memory_equal(s1, s2, 32);
    /* The same through a DER SubjectPublicKeyInfo. */
    assert_int_equal(sgp32_ec_export_spki_der(&a, spki, sizeof spki, &spki_len), SGP32_OK);
    assert_int_equal(sgp32_ec_export_spki_der(&a, spki, 10, &spki_len), SGP32_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(sgp32_ec_export_spki_der(&a, spki, sizeof spki, &spki_len), SGP32_OK);
    assert_int_equal(sgp32_ec_import_spki_der(&a_public, spki, spki_len), SGP32_OK);
    assert_int_equal(a_public.curve, curve);
    assert_int_equal(sgp32_ec_shared_secret(&b, &a_public, &rng, s3), SGP32_OK);
    assert_memory_equal(s1, s3, 32);
    /* Raw private export/import gives the same key. */
    assert_int_equal(sgp32_ec_export_private_raw(&a, d, sizeof d), SGP32_OK);
    assert_int_equal(sgp32_ec_import_private_raw(&other, curve, d, sizeof d), SGP32_OK);
    assert_int_equal(sgp32_ec_shared_secret(&other, &b, &rng, s3), SGP32_OK);
    assert_memory_equal(s1, s3, 32);
    assert_int_equal(sgp32_ec_export_private_raw(&a_public, d, sizeof d), SGP32_ERR_STATE);
    /* A different key gives a different secret. */
    assert_int_equal(sgp32_ec_generate(&other, curve, &rng), SGP32_OK);
    assert_int_equal(sgp32_ec_shared_secret(&other, &b, &rng, s3), SGP32_OK);
    assert_memory_not_equal(s1, s3, 32);
    sgp32_ec_key_free(&a);
    sgp32_ec_key_free(&b);
    sgp32_ec_key_free(&a_public);
    sgp32_ec_key_free(&other);
}

static void test_agreement_both_curves(void **state)
{
    struct sgp32_ec_key p, bp;
    uint8_t secret[32];
    (void)state;
    agreement_on(SGP32_CURVE_P256);
    agreement_on(SGP32_CURVE_BRAINPOOLP256R1);
    /* Keys on different curves never agree. */
    sgp32_ec_key_init(&p);
    sgp32_ec_key_init(&bp);
    assert_int_equal(sgp32_ec_generate(&p, SGP32_CURVE_P256, &rng), SGP32_OK);
    assert_int_equal(sgp32_ec_generate(&bp, SGP32_CURVE_BRAINPOOLP256R1, &rng), SGP32_OK);
    assert_int_equal(sgp32_ec_shared_secret(&p, &bp, &rng, secret), SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_ec_generate(&p, SGP32_CURVE_NONE, &rng), SGP32_ERR_NOT_SUPPORTED);
    sgp32_ec_key_free(&p);
    sgp32_ec_key_free(&bp);
}

static void test_public_key_refusals(void **state)
{
    struct sgp32_ec_key key, good;
    uint8_t point[65], spki[128];
    size_t point_len, spki_len;
    (void)state;

    sgp32_ec_key_init(&key);
    sgp32_ec_key_init(&good);
    assert_int_equal(sgp32_ec_generate(&good, SGP32_CURVE_P256, &rng), SGP32_OK);
    assert_int_equal(sgp32_ec_export_public(&good, point, sizeof point, &point_len), SGP32_OK);
    assert_int_equal(sgp32_ec_export_spki_der(&good, spki, sizeof spki, &spki_len), SGP32_OK);

    /* A point off the curve, a compressed or short encoding, an unknown curve. */
    point[64] ^= 1;
    assert_int_equal(sgp32_ec_import_public_raw(&key, SGP32_CURVE_P256, point, 65), SGP32_ERR_DECODE);
    assert_int_equal(key.curve, SGP32_CURVE_NONE);
    point[64] ^= 1;
    /* The P-256 point is (almost surely) not on brainpoolP256r1. */
    assert_int_equal(sgp32_ec_import_public_raw(&key, SGP32_CURVE_BRAINPOOLP256R1, point, 65), SGP32_ERR_DECODE);
    point[0] = 0x02;
    assert_int_equal(sgp32_ec_import_public_raw(&key, SGP32_CURVE_P256, point, 33), SGP32_ERR_DECODE);
    point[0] = 0x04;
    assert_int_equal(sgp32_ec_import_public_raw(&key, SGP32_CURVE_P256, point, 64), SGP32_ERR_DECODE);
    assert_int_equal(sgp32_ec_import_public_raw(&key, SGP32_CURVE_NONE, point, 65), SGP32_ERR_NOT_SUPPORTED);
    assert_int_equal(sgp32_ec_import_public_raw(&key, SGP32_CURVE_P256, point, 65), SGP32_OK);

    /* SPKI: truncated, trailing byte, damaged point. */
    assert_int_equal(sgp32_ec_import_spki_der(&key, spki, spki_len - 1), SGP32_ERR_DECODE);
    spki[spki_len] = 0;
    assert_int_equal(sgp32_ec_import_spki_der(&key, spki, spki_len + 1), SGP32_ERR_TRAILING);
    spki[spki_len - 1] ^= 1;
    assert_int_equal(sgp32_ec_import_spki_der(&key, spki, spki_len), SGP32_ERR_DECODE);
    assert_int_equal(sgp32_ec_export_public(&key, point, sizeof point, &point_len), SGP32_ERR_STATE);
    sgp32_ec_key_free(&key);
    sgp32_ec_key_free(&good);
}

/* Wraps a SEC1 ECPrivateKey in a PKCS#8 PrivateKeyInfo (RFC 5208) for the given curve OID. */
static size_t make_pkcs8(const uint8_t *sec1, size_t sec1_len, const uint8_t *curve_oid, size_t oid_len, uint8_t *out)
{
    static const uint8_t ec_public_key[] = {0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01};
    size_t algorithm_len = sizeof ec_public_key + 2 + oid_len;
    size_t body_len = 3 + 2 + algorithm_len + 2 + sec1_len;
    size_t pos = 0;

    assert_true(sec1_len < 0x80 && body_len < 0x100);
    out[pos++] = 0x30;
    out[pos++] = 0x81;
    out[pos++] = (uint8_t)body_len;
    out[pos++] = 0x02;
    out[pos++] = 0x01;
    out[pos++] = 0x00;
    out[pos++] = 0x30;
    out[pos++] = (uint8_t)algorithm_len;
    memcpy(out + pos, ec_public_key, sizeof ec_public_key);
    pos += sizeof ec_public_key;
    out[pos++] = 0x06;
    out[pos++] = (uint8_t)oid_len;
    memcpy(out + pos, curve_oid, oid_len);
    pos += oid_len;
    out[pos++] = 0x04;
    out[pos++] = (uint8_t)sec1_len;
    memcpy(out + pos, sec1, sec1_len);
    return pos + sec1_len;
}

static void check_private_key_file(const char *sk_path, const char *pk_path, enum sgp32_curve curve, const uint8_t *oid,
                                   size_t oid_len)
{
    size_t sk_len, pk_len, spki_len, pk_der_len, sec1_len, pkcs8_len;
    uint8_t *sk_pem = test_read_shared_exact(sk_path, &sk_len);
    uint8_t *pk_pem = test_read_shared_exact(pk_path, &pk_len);
    uint8_t spki[128], pk_der[128], sec1[200], pkcs8[256];
    struct sgp32_ec_key key;
    int rc;

    sgp32_ec_key_init(&key);
    /* PEM with a leading "EC PARAMETERS" block, as in SGP.26. */
    assert_int_equal(sgp32_ec_import_private(&key, sk_pem, sk_len), SGP32_OK);
    assert_int_equal(key.curve, curve);
    assert_true(key.has_private);
    assert_int_equal(sgp32_ec_export_spki_der(&key, spki, sizeof spki, &spki_len), SGP32_OK);
    rc = wc_PubKeyPemToDer(pk_pem, (int)pk_len, pk_der, (int)sizeof pk_der);
    assert_true(rc > 0);
    pk_der_len = (size_t)rc;
    assert_int_equal(spki_len, pk_der_len);
    assert_memory_equal(spki, pk_der, spki_len);

    /* The same key as DER SEC1 and as DER PKCS#8. */
    rc = wc_KeyPemToDer(sk_pem, (int)sk_len, sec1, (int)sizeof sec1, NULL);
    assert_true(rc > 0);
    sec1_len = (size_t)rc;
    assert_int_equal(sgp32_ec_import_private(&key, sec1, sec1_len), SGP32_OK);
    assert_int_equal(sgp32_ec_export_spki_der(&key, spki, sizeof spki, &spki_len), SGP32_OK);
    assert_memory_equal(spki, pk_der, pk_der_len);
    pkcs8_len = make_pkcs8(sec1, sec1_len, oid, oid_len, pkcs8);
    assert_int_equal(sgp32_ec_import_private(&key, pkcs8, pkcs8_len), SGP32_OK);
    assert_int_equal(key.curve, curve);
    assert_int_equal(sgp32_ec_export_spki_der(&key, spki, sizeof spki, &spki_len), SGP32_OK);
    assert_memory_equal(spki, pk_der, pk_der_len);

    /* Malformed: truncated DER, damaged PEM, a public key where a private one is expected. */
    assert_int_equal(sgp32_ec_import_private(&key, sec1, sec1_len - 3), SGP32_ERR_DECODE);
    assert_int_equal(key.curve, SGP32_CURVE_NONE);
    assert_int_equal(sgp32_ec_import_private(&key, pk_pem, pk_len), SGP32_ERR_DECODE);
    assert_int_equal(sgp32_ec_import_private(&key, pk_der, pk_der_len), SGP32_ERR_DECODE);
    assert_int_equal(sgp32_ec_import_private(&key, (const uint8_t *)"-----BEGIN garbage", 18), SGP32_ERR_DECODE);
    sgp32_ec_key_free(&key);
    free(sk_pem);
    free(pk_pem);
}

static void test_private_key_formats(void **state)
{
    static const uint8_t oid_p256[] = {0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07};
    static const uint8_t oid_bp256[] = {0x2B, 0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07};
    (void)state;
    assert_int_equal(sgp32_ec_curve_from_oid(oid_p256, sizeof oid_p256), SGP32_CURVE_P256);
    assert_int_equal(sgp32_ec_curve_from_oid(oid_bp256, sizeof oid_bp256), SGP32_CURVE_BRAINPOOLP256R1);
    assert_int_equal(sgp32_ec_curve_from_oid(oid_bp256, 8), SGP32_CURVE_NONE);
    check_private_key_file("certs/sgp26/DPauth/SK_S_SM_DPauth_ECDSA_NIST.pem",
                           "certs/sgp26/DPauth/PK_S_SM_DPauth_ECDSA_NIST.pem", SGP32_CURVE_P256, oid_p256,
                           sizeof oid_p256);
    check_private_key_file("certs/sgp26/DPauth/SK_S_SM_DPauth_ECDSA_BRP.pem",
                           "certs/sgp26/DPauth/PK_S_SM_DPauth_ECDSA_BRP.pem", SGP32_CURVE_BRAINPOOLP256R1, oid_bp256,
                           sizeof oid_bp256);
    check_private_key_file("certs/sgp26/DPpb/SK_S_SM_DP2pb_ECDSA_BRP.pem",
                           "certs/sgp26/DPpb/PK_S_SM_DP2pb_ECDSA_BRP.pem", SGP32_CURVE_BRAINPOOLP256R1, oid_bp256,
                           sizeof oid_bp256);
}

struct fake_source {
    int calls;
    int fail;
};

static int fake_random(void *user, uint8_t *buf, size_t len)
{
    struct fake_source *source = user;
    source->calls++;
    memset(buf, 0x5A, len);
    return source->fail ? -1 : 0;
}

static void test_rng_platform_source(void **state)
{
    struct fake_source source = {0, 0};
    struct sgp32_crypto_rng own;
    uint8_t a[32], b[32];
    (void)state;

    assert_int_equal(sgp32_crypto_rng_init(&own, fake_random, &source), SGP32_OK);
    assert_int_equal(source.calls, 1);
    assert_int_equal(sgp32_crypto_rng_bytes(&own, a, sizeof a), SGP32_OK);
    assert_int_equal(sgp32_crypto_rng_bytes(&own, b, sizeof b), SGP32_OK);
    assert_memory_not_equal(a, b, sizeof a);
    sgp32_crypto_rng_free(&own);
    sgp32_crypto_rng_free(&own); /* idempotent */
    assert_int_equal(sgp32_crypto_rng_bytes(&own, a, sizeof a), SGP32_ERR_INVALID_ARGUMENT);
    source.fail = 1;
    assert_int_equal(sgp32_crypto_rng_init(&own, fake_random, &source), SGP32_ERR_CRYPTO);
    assert_false(own.ready);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sha256),
        cmocka_unit_test(test_x963_kdf),
        cmocka_unit_test(test_ecka_p256_vector),
        cmocka_unit_test(test_agreement_both_curves),
        cmocka_unit_test(test_public_key_refusals),
        cmocka_unit_test(test_private_key_formats),
        cmocka_unit_test(test_rng_platform_source),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
