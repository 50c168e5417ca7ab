/* SPDX-License-Identifier: MIT */
/* X.509 parsing and issuer checks with the GSMA SGP.26 test PKI and the sample eIM certificates. */
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

#define CI_NIST "certs/sgp26/CertificateIssuer/CERT_CI_ECDSA_NIST.der"
#define CI_BRP "certs/sgp26/CertificateIssuer/CERT_CI_ECDSA_BRP.der"
#define DPAUTH_NIST "certs/sgp26/DPauth/CERT_S_SM_DPauth_ECDSA_NIST.der"
#define DPAUTH_BRP "certs/sgp26/DPauth/CERT_S_SM_DPauth_ECDSA_BRP.der"

/* A certificate file and its parsed view (the view points into data). */
struct loaded {
    uint8_t *data;
    size_t len;
    struct sgp32_x509_cert cert;
};

static void load(struct loaded *loaded, const char *path)
{
    loaded->data = test_read_shared_exact(path, &loaded->len);
    assert_int_equal(sgp32_x509_parse(&loaded->cert, loaded->data, loaded->len), SGP32_OK);
}

/* PEM files: converted to DER in a buffer of our own. */
static void load_pem(struct loaded *loaded, const char *path)
{
    size_t pem_len, der_len;
    uint8_t *pem = test_read_shared_exact(path, &pem_len);
    loaded->data = malloc(pem_len);
    assert_non_null(loaded->data);
    assert_int_equal(sgp32_x509_pem_to_der(pem, pem_len, loaded->data, pem_len, &der_len), SGP32_OK);
    loaded->len = der_len;
    free(pem);
    assert_int_equal(sgp32_x509_parse(&loaded->cert, loaded->data, loaded->len), SGP32_OK);
}

static void unload(struct loaded *loaded)
{
    free(loaded->data);
    memset(loaded, 0, sizeof *loaded);
}

static void check_key_id(struct sgp32_x509_span span, const char *hex)
{
    uint8_t expected[32];
    size_t len = test_hex(hex, expected, sizeof expected);
    assert_int_equal(span.len, len);
    assert_memory_equal(span.data, expected, len);
}

static void test_parse_ci_and_dpauth(void **state)
{
    struct loaded ci, dp, ci_pem;
    (void)state;

    load(&ci, CI_NIST);
    assert_int_equal(ci.cert.curve, SGP32_CURVE_P256);
    assert_int_equal(ci.cert.public_point.len, 65);
    assert_int_equal(ci.cert.public_point.data[0], 0x04);
    assert_true(ci.cert.is_ca);
    assert_true(ci.cert.signature_is_ecdsa_sha256);
    check_key_id(ci.cert.subject_key_id, "f54172bdf98a95d65cbeb88a38a1c11d800a85c3");
    assert_int_equal(sgp32_x509_gsma_role(&ci.cert), SGP32_X509_ROLE_CI);
    /* Valid 2020-04-01 .. 2055-04-01 (README); the exact seconds from the certificate. */
    assert_true(ci.cert.not_before >= 1585699200 && ci.cert.not_before < 1585699200 + 86400);
    assert_true(ci.cert.not_after >= 2690150400 && ci.cert.not_after < 2690150400 + 86400);
    /* The self-signed root verifies against itself. */
    assert_int_equal(sgp32_x509_verify_issued_by(&ci.cert, &ci.cert, SGP32_X509_IGNORE_TIME), SGP32_OK);

    load(&dp, DPAUTH_NIST);
    assert_int_equal(dp.cert.curve, SGP32_CURVE_P256);
    assert_false(dp.cert.is_ca);
    assert_int_equal(sgp32_x509_gsma_role(&dp.cert), SGP32_X509_ROLE_DP_AUTH);
    check_key_id(dp.cert.subject_key_id, "bd5a82cc1a96602118ba7560a1ff83a78b210be5");
    check_key_id(dp.cert.authority_key_id, "f54172bdf98a95d65cbeb88a38a1c11d800a85c3");
    assert_int_equal(dp.cert.issuer.len, ci.cert.subject.len);
    assert_memory_equal(dp.cert.issuer.data, ci.cert.subject.data, ci.cert.subject.len);
    /* 2030-03-30 is the end of validity. */
    assert_true(dp.cert.not_after >= 1901059200 && dp.cert.not_after < 1901059200 + 86400);

    /* The PEM copy of the CI is the same certificate. */
    load_pem(&ci_pem, "certs/sgp26/CertificateIssuer/CERT_CI_ECDSA_NIST.pem");
    assert_int_equal(ci_pem.len, ci.len);
    assert_memory_equal(ci_pem.data, ci.data, ci.len);
    unload(&ci);
    unload(&dp);
    unload(&ci_pem);
}

static void test_policies(void **state)
{
    static const uint8_t dpauth_policy[] = {0x67, 0x81, 0x12, 0x01, 0x02, 0x01, 0x04};
    static const uint8_t ci_policy[] = {0x67, 0x81, 0x12, 0x01, 0x02, 0x01, 0x00};
    static const struct {
        const char *path;
        enum sgp32_x509_role role;
        enum sgp32_curve curve;
    } cases[] = {
        {CI_BRP, SGP32_X509_ROLE_CI, SGP32_CURVE_BRAINPOOLP256R1},
        {DPAUTH_BRP, SGP32_X509_ROLE_DP_AUTH, SGP32_CURVE_BRAINPOOLP256R1},
        {"certs/sgp26/DPpb/CERT_S_SM_DPpb_ECDSA_NIST.der", SGP32_X509_ROLE_DP_PB, SGP32_CURVE_P256},
        {"certs/sgp26/DPpb/CERT_S_SM_DP2pb_ECDSA_BRP.der", SGP32_X509_ROLE_DP_PB, SGP32_CURVE_BRAINPOOLP256R1},
        {"certs/sgp26/DPtls/CERT_S_SM_DP_TLS_NIST.der", SGP32_X509_ROLE_DP_TLS, SGP32_CURVE_P256},
        {"certs/sgp26/DPtls/CERT_S_SM_DP8_TLS.der", SGP32_X509_ROLE_DP_TLS, SGP32_CURVE_P256},
    };
    struct loaded loaded;
    size_t i;
    (void)state;

    load(&loaded, DPAUTH_NIST);
    assert_true(sgp32_x509_has_policy(&loaded.cert, dpauth_policy, sizeof dpauth_policy));
    assert_false(sgp32_x509_has_policy(&loaded.cert, ci_policy, sizeof ci_policy));
    assert_false(sgp32_x509_has_policy(&loaded.cert, dpauth_policy, sizeof dpauth_policy - 1));
    unload(&loaded);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        load(&loaded, cases[i].path);
        assert_int_equal(sgp32_x509_gsma_role(&loaded.cert), cases[i].role);
        assert_int_equal(loaded.cert.curve, cases[i].curve);
        unload(&loaded);
    }
    /* The self-signed sample eIM certificate carries no RSP policy. */
    load_pem(&loaded, "certs/eim-sample/sample_eim_cert_nist.crt");
    assert_int_equal(sgp32_x509_gsma_role(&loaded.cert), SGP32_X509_ROLE_NONE);
    unload(&loaded);
}

/* Every SM-DP+ certificate of the SGP.26 set chains to the CI of its curve, and not to the other. */
static void test_sgp26_chains(void **state)
{
    static const char *const nist[] = {
        DPAUTH_NIST,
        "certs/sgp26/DPauth/CERT_S_SM_DP2auth_ECDSA_NIST.der",
        "certs/sgp26/DPpb/CERT_S_SM_DPpb_ECDSA_NIST.der",
        "certs/sgp26/DPpb/CERT_S_SM_DP2pb_ECDSA_NIST.der",
        "certs/sgp26/DPtls/CERT_S_SM_DP_TLS_NIST.der",
        "certs/sgp26/DPtls/CERT_S_SM_DP2_TLS.der",
        "certs/sgp26/DPtls/CERT_S_SM_DP4_TLS.der",
        "certs/sgp26/DPtls/CERT_S_SM_DP8_TLS.der",
    };
    static const char *const brainpool[] = {
        DPAUTH_BRP,
        "certs/sgp26/DPauth/CERT_S_SM_DP2auth_ECDSA_BRP.der",
        "certs/sgp26/DPpb/CERT_S_SM_DPpb_ECDSA_BRP.der",
        "certs/sgp26/DPpb/CERT_S_SM_DP2pb_ECDSA_BRP.der",
        "certs/sgp26/DPtls/CERT_S_SM_DP_TLS_BRP.der",
    };
    struct loaded ci_nist, ci_brp, leaf;
    size_t i;
    (void)state;

    load(&ci_nist, CI_NIST);
    load(&ci_brp, CI_BRP);
    for (i = 0; i < sizeof nist / sizeof nist[0]; i++) {
        load(&leaf, nist[i]);
        assert_int_equal(sgp32_x509_verify_issued_by(&leaf.cert, &ci_nist.cert, SGP32_X509_IGNORE_TIME), SGP32_OK);
        /* Same issuer name, other key: the key identifiers and the signature refuse it. */
        assert_int_equal(sgp32_x509_verify_issued_by(&leaf.cert, &ci_brp.cert, SGP32_X509_IGNORE_TIME),
                         SGP32_ERR_CRYPTO);
        unload(&leaf);
    }
    for (i = 0; i < sizeof brainpool / sizeof brainpool[0]; i++) {
        load(&leaf, brainpool[i]);
        assert_int_equal(sgp32_x509_verify_issued_by(&leaf.cert, &ci_brp.cert, SGP32_X509_IGNORE_TIME), SGP32_OK);
        assert_int_equal(sgp32_x509_verify_issued_by(&leaf.cert, &ci_nist.cert, SGP32_X509_IGNORE_TIME),
                         SGP32_ERR_CRYPTO);
        unload(&leaf);
    }
    /* A leaf is no issuer of the CI. */
    load(&leaf, DPAUTH_NIST);
    assert_int_equal(sgp32_x509_verify_issued_by(&ci_nist.cert, &leaf.cert, SGP32_X509_IGNORE_TIME), SGP32_ERR_CRYPTO);
    unload(&leaf);
    unload(&ci_nist);
    unload(&ci_brp);
}

/* Without the key identifiers to tell them apart, the signature alone must refuse a wrong issuer. */
static void test_wrong_issuer_by_signature(void **state)
{
    struct loaded ci_nist, ci_brp, leaf;
    struct sgp32_x509_cert no_ids;
    (void)state;

    load(&ci_nist, CI_NIST);
    load(&ci_brp, CI_BRP);
    load(&leaf, DPAUTH_NIST);
    no_ids = leaf.cert;
    no_ids.authority_key_id.len = 0;
    assert_int_equal(sgp32_x509_verify_issued_by(&no_ids, &ci_nist.cert, SGP32_X509_IGNORE_TIME), SGP32_OK);
    assert_int_equal(sgp32_x509_verify_issued_by(&no_ids, &ci_brp.cert, SGP32_X509_IGNORE_TIME), SGP32_ERR_CRYPTO);
    unload(&ci_nist);
    unload(&ci_brp);
    unload(&leaf);
}

static void test_validity_time(void **state)
{
    struct loaded ci, tls;
    (void)state;

    load(&ci, CI_NIST);
    load(&tls, "certs/sgp26/DPtls/CERT_S_SM_DP_TLS_NIST.der");
    /* Expired 2026-08-02: refused at a later time, accepted inside its period or with time ignored. */
    assert_true(tls.cert.not_after >= 1785628800 && tls.cert.not_after < 1785628800 + 86400);
    assert_int_equal(sgp32_x509_verify_issued_by(&tls.cert, &ci.cert, tls.cert.not_after + 1), SGP32_ERR_CRYPTO);
    assert_int_equal(sgp32_x509_verify_issued_by(&tls.cert, &ci.cert, tls.cert.not_before - 1), SGP32_ERR_CRYPTO);
    assert_int_equal(sgp32_x509_verify_issued_by(&tls.cert, &ci.cert, tls.cert.not_after), SGP32_OK);
    assert_int_equal(sgp32_x509_verify_issued_by(&tls.cert, &ci.cert, tls.cert.not_before), SGP32_OK);
    assert_int_equal(sgp32_x509_verify_issued_by(&tls.cert, &ci.cert, SGP32_X509_IGNORE_TIME), SGP32_OK);
    unload(&ci);
    unload(&tls);
}

static void test_tampered_and_malformed(void **state)
{
    struct loaded ci, dp;
    struct sgp32_x509_cert cert;
    uint8_t *copy;
    size_t i;
    (void)state;

    load(&ci, CI_NIST);
    load(&dp, DPAUTH_NIST);
    copy = malloc(dp.len + 1);
    assert_non_null(copy);

    /* A changed byte inside the signed part (the serial number) breaks the signature. */
    memcpy(copy, dp.data, dp.len);
    copy[dp.cert.serial.data - dp.data] ^= 0x01;
    assert_int_equal(sgp32_x509_parse(&cert, copy, dp.len), SGP32_OK);
    assert_int_equal(sgp32_x509_verify_issued_by(&cert, &ci.cert, SGP32_X509_IGNORE_TIME), SGP32_ERR_CRYPTO);
    /* So does a changed signature. */
    memcpy(copy, dp.data, dp.len);
    copy[dp.len - 5] ^= 0x01;
    assert_int_equal(sgp32_x509_parse(&cert, copy, dp.len), SGP32_OK);
    assert_int_equal(sgp32_x509_verify_issued_by(&cert, &ci.cert, SGP32_X509_IGNORE_TIME), SGP32_ERR_CRYPTO);

    /* Truncation anywhere is a decode error, never a crash; a trailing byte is refused. */
    for (i = 0; i < dp.len; i++)
        assert_int_not_equal(sgp32_x509_parse(&cert, dp.data, i), SGP32_OK);
    memcpy(copy, dp.data, dp.len);
    copy[dp.len] = 0;
    assert_int_equal(sgp32_x509_parse(&cert, copy, dp.len + 1), SGP32_ERR_TRAILING);
    /* A public key that is not on the curve: parse is fine, key import refuses. */
    {
        struct sgp32_ec_key key;
        memcpy(copy, dp.data, dp.len);
        copy[dp.cert.public_point.data - dp.data + 64] ^= 0x01;
        assert_int_equal(sgp32_x509_parse(&cert, copy, dp.len), SGP32_OK);
        sgp32_ec_key_init(&key);
        assert_int_equal(sgp32_x509_public_key(&cert, &key), SGP32_ERR_DECODE);
        sgp32_ec_key_free(&key);
    }
    /* Not a certificate at all. */
    assert_int_equal(sgp32_x509_parse(&cert, (const uint8_t *)"\x30\x03\x02\x01\x00", 5), SGP32_ERR_DECODE);
    assert_int_equal(sgp32_x509_pem_to_der((const uint8_t *)"nothing", 7, copy, dp.len, &i), SGP32_ERR_DECODE);
    free(copy);
    unload(&ci);
    unload(&dp);
}

/* Every byte of a certificate flipped in turn: parse and verify never crash, and no damaged copy
 * verifies (a flip breaks the structure, the signed bytes, the signature or its algorithm). */
static void test_every_byte_flipped(void **state)
{
    struct loaded ci, dp;
    struct sgp32_x509_cert cert;
    uint8_t *copy;
    size_t i, verified = 0;
    (void)state;

    load(&ci, CI_NIST);
    load(&dp, DPAUTH_NIST);
    copy = malloc(dp.len);
    assert_non_null(copy);
    for (i = 0; i < dp.len; i++) {
        memcpy(copy, dp.data, dp.len);
        copy[i] ^= 0xFF;
        if (sgp32_x509_parse(&cert, copy, dp.len) != SGP32_OK)
            continue;
        if (sgp32_x509_verify_issued_by(&cert, &ci.cert, SGP32_X509_IGNORE_TIME) == SGP32_OK)
            verified++;
    }
    assert_int_equal(verified, 0);
    free(copy);
    unload(&ci);
    unload(&dp);
}

/* A signature algorithm other than ecdsa-with-SHA256 is not supported (here: SHA-384's OID). */
static void test_other_signature_algorithm(void **state)
{
    static const uint8_t ecdsa_sha256[] = {0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02};
    struct loaded ci, dp;
    struct sgp32_x509_cert cert;
    uint8_t *copy;
    size_t i, last = 0;
    (void)state;

    load(&ci, CI_NIST);
    load(&dp, DPAUTH_NIST);
    copy = malloc(dp.len);
    assert_non_null(copy);
    memcpy(copy, dp.data, dp.len);
    /* The outer signatureAlgorithm is the last occurrence of the OID. */
    for (i = 0; i + sizeof ecdsa_sha256 <= dp.len; i++)
        if (memcmp(copy + i, ecdsa_sha256, sizeof ecdsa_sha256) == 0)
            last = i;
    assert_true(last > dp.cert.tbs.len);
    copy[last + sizeof ecdsa_sha256 - 1] = 0x03;
    assert_int_equal(sgp32_x509_parse(&cert, copy, dp.len), SGP32_OK);
    assert_false(cert.signature_is_ecdsa_sha256);
    assert_int_equal(sgp32_x509_verify_issued_by(&cert, &ci.cert, SGP32_X509_IGNORE_TIME), SGP32_ERR_NOT_SUPPORTED);
    free(copy);
    unload(&ci);
    unload(&dp);
}

/* Self-signed certificates from elsewhere: the sample eIM (both curves) and the GSMA production
 * roots (OISTE, Symantec) parse and verify against themselves. */
static void test_other_real_certificates(void **state)
{
    static const char *const paths[] = {
        "certs/eim-sample/sample_eim_cert_nist.crt",
        "certs/eim-sample/sample_eim_cert_brainpool.crt",
        "certs/eim-sample/sgp26_gsma_root_ci_cert_nist_oiste.crt",
        "certs/eim-sample/sgp26_gsma_root_ci_cert_nist_symantec.crt",
        "certs/eim-sample/sgp26_test_root_ci_cert_brainpool.crt",
    };
    struct loaded loaded;
    size_t i;
    (void)state;

    for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        load_pem(&loaded, paths[i]);
        assert_int_not_equal(loaded.cert.curve, SGP32_CURVE_NONE);
        assert_int_equal(sgp32_x509_verify_issued_by(&loaded.cert, &loaded.cert, SGP32_X509_IGNORE_TIME), SGP32_OK);
        unload(&loaded);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_ci_and_dpauth),
        cmocka_unit_test(test_policies),
        cmocka_unit_test(test_sgp26_chains),
        cmocka_unit_test(test_wrong_issuer_by_signature),
        cmocka_unit_test(test_validity_time),
        cmocka_unit_test(test_tampered_and_malformed),
        cmocka_unit_test(test_other_real_certificates),
        cmocka_unit_test(test_every_byte_flipped),
        cmocka_unit_test(test_other_signature_algorithm),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
