/* SPDX-License-Identifier: MIT */
/*
 * The full RSP chains CI -> EUM -> eUICC and CI -> SM-DP+ / eIM, with keys, from the project's test PKI
 * generator (examples/pki/sgp32-test-pki, openssl CLI), for both curves: what the software eUICC and
 * the test SM-DP+ do with them (chain checks, roles, signatures, ECKA) works with lib/crypto.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/ecdsa.h"
#include "crypto/x509.h"

/* 2099-12-31 23:59:59 UTC, the generator's notAfter (GeneralizedTime). */
#define PKI_NOT_AFTER 4102444799

static char pki_dir[256];
static struct sgp32_crypto_rng rng;

static int setup(void **state)
{
    char command[1024];
    (void)state;
    snprintf(pki_dir, sizeof pki_dir, "/tmp/sgp32-crypto-pki-XXXXXX");
    if (mkdtemp(pki_dir) == NULL)
        return -1;
    snprintf(command, sizeof command, "sh '%s/examples/pki/sgp32-test-pki' --force '%s' >/dev/null", SGP32_SOURCE_DIR,
             pki_dir);
    if (system(command) != 0)
        return -1;
    return sgp32_crypto_rng_init(&rng, NULL, NULL) == SGP32_OK ? 0 : -1;
}

static int teardown(void **state)
{
    char command[512];
    (void)state;
    sgp32_crypto_rng_free(&rng);
    snprintf(command, sizeof command, "rm -rf '%s'", pki_dir);
    return system(command) == 0 ? 0 : -1;
}

struct loaded {
    uint8_t *data;
    size_t len;
    struct sgp32_x509_cert cert;
};

static uint8_t *read_pki_file(const char *curve, const char *name, size_t *len)
{
    char path[512];
    FILE *file;
    long size;
    uint8_t *data;

    snprintf(path, sizeof path, "%s/%s/%s", pki_dir, curve, name);
    file = fopen(path, "rb");
    if (file == NULL)
        fail_msg("missing %s", path);
    assert_int_equal(fseek(file, 0, SEEK_END), 0);
    size = ftell(file);
    assert_true(size > 0);
    assert_int_equal(fseek(file, 0, SEEK_SET), 0);
    data = malloc((size_t)size);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)size, file), (size_t)size);
    fclose(file);
    *len = (size_t)size;
    return data;
}

static void load(struct loaded *loaded, const char *curve, const char *name)
{
    loaded->data = read_pki_file(curve, name, &loaded->len);
    assert_int_equal(sgp32_x509_parse(&loaded->cert, loaded->data, loaded->len), SGP32_OK);
}

static void load_key(struct sgp32_ec_key *key, const char *curve, const char *name)
{
    size_t len;
    uint8_t *data = read_pki_file(curve, name, &len);
    sgp32_ec_key_init(key);
    assert_int_equal(sgp32_ec_import_private(key, data, len), SGP32_OK);
    free(data);
}

/* The key file matches the certificate: same public point. */
static void check_key_matches(const struct sgp32_ec_key *key, const struct loaded *cert)
{
    uint8_t point[65];
    size_t point_len;
    assert_int_equal(sgp32_ec_export_public(key, point, sizeof point, &point_len), SGP32_OK);
    assert_int_equal(point_len, cert->cert.public_point.len);
    assert_memory_equal(point, cert->cert.public_point.data, point_len);
}

static void check_curve_set(const char *curve_dir, enum sgp32_curve curve)
{
    static const uint8_t message[] = "euiccSigned1";
    struct loaded ci, eum, euicc, auth, pb, tls, eim;
    struct sgp32_ec_key euicc_key, pb_key, pb_public, euicc_public;
    uint8_t signature[64], z1[32], z2[32];
    int64_t inside;

    load(&ci, curve_dir, "ci/ci.cert.der");
    load(&eum, curve_dir, "eum/eum.cert.der");
    load(&euicc, curve_dir, "euicc/euicc.cert.der");
    load(&auth, curve_dir, "smdp/auth.cert.der");
    load(&pb, curve_dir, "smdp/pb.cert.der");
    load(&tls, curve_dir, "smdp/tls.cert.der");
    load(&eim, curve_dir, "eim/sign.cert.der");
    inside = euicc.cert.not_before + 86400;

    assert_int_equal(euicc.cert.curve, curve);
    assert_int_equal(euicc.cert.not_after, PKI_NOT_AFTER);
    assert_int_equal(sgp32_x509_gsma_role(&ci.cert), SGP32_X509_ROLE_CI);
    assert_int_equal(sgp32_x509_gsma_role(&eum.cert), SGP32_X509_ROLE_EUM);
    assert_int_equal(sgp32_x509_gsma_role(&euicc.cert), SGP32_X509_ROLE_EUICC);
    assert_int_equal(sgp32_x509_gsma_role(&auth.cert), SGP32_X509_ROLE_DP_AUTH);
    assert_int_equal(sgp32_x509_gsma_role(&pb.cert), SGP32_X509_ROLE_DP_PB);
    assert_int_equal(sgp32_x509_gsma_role(&tls.cert), SGP32_X509_ROLE_DP_TLS);
    assert_int_equal(sgp32_x509_gsma_role(&eim.cert), SGP32_X509_ROLE_NONE);
    assert_true(ci.cert.is_ca && eum.cert.is_ca && !euicc.cert.is_ca);

    /* CI -> EUM -> eUICC, CI -> SM-DP+ (auth, pb, tls), CI -> eIM. */
    assert_int_equal(sgp32_x509_verify_issued_by(&eum.cert, &ci.cert, inside), SGP32_OK);
    assert_int_equal(sgp32_x509_verify_issued_by(&euicc.cert, &eum.cert, inside), SGP32_OK);
    assert_int_equal(sgp32_x509_verify_issued_by(&auth.cert, &ci.cert, inside), SGP32_OK);
    assert_int_equal(sgp32_x509_verify_issued_by(&pb.cert, &ci.cert, inside), SGP32_OK);
    assert_int_equal(sgp32_x509_verify_issued_by(&tls.cert, &ci.cert, inside), SGP32_OK);
    assert_int_equal(sgp32_x509_verify_issued_by(&eim.cert, &ci.cert, inside), SGP32_OK);
    /* Skipping the EUM, or an SM-DP+ posing as issuer, is refused. */
    assert_int_equal(sgp32_x509_verify_issued_by(&euicc.cert, &ci.cert, inside), SGP32_ERR_CRYPTO);
    assert_int_equal(sgp32_x509_verify_issued_by(&euicc.cert, &auth.cert, inside), SGP32_ERR_CRYPTO);
    assert_int_equal(sgp32_x509_verify_issued_by(&euicc.cert, &eum.cert, PKI_NOT_AFTER + 1), SGP32_ERR_CRYPTO);

    /* euiccSignature1-style: signed with the eUICC key, verified with the eUICC certificate. */
    load_key(&euicc_key, curve_dir, "euicc/euicc.key.pem");
    check_key_matches(&euicc_key, &euicc);
    assert_int_equal(sgp32_ecdsa_sign_sha256(&euicc_key, &rng, message, sizeof message, signature), SGP32_OK);
    assert_int_equal(sgp32_ecdsa_verify_sha256_with_cert(euicc.data, euicc.len, message, sizeof message, signature, 64),
                     SGP32_OK);
    assert_int_equal(sgp32_ecdsa_verify_sha256_with_cert(eum.data, eum.len, message, sizeof message, signature, 64),
                     SGP32_ERR_CRYPTO);

    /* ECKA between the eUICC key and the DPpb key (DER private key form), both directions. */
    load_key(&pb_key, curve_dir, "smdp/pb.key.der");
    check_key_matches(&pb_key, &pb);
    sgp32_ec_key_init(&pb_public);
    sgp32_ec_key_init(&euicc_public);
    assert_int_equal(sgp32_x509_public_key(&pb.cert, &pb_public), SGP32_OK);
    assert_int_equal(sgp32_x509_public_key(&euicc.cert, &euicc_public), SGP32_OK);
    assert_int_equal(sgp32_ec_shared_secret(&euicc_key, &pb_public, &rng, z1), SGP32_OK);
    assert_int_equal(sgp32_ec_shared_secret(&pb_key, &euicc_public, &rng, z2), SGP32_OK);
    assert_memory_equal(z1, z2, 32);

    sgp32_ec_key_free(&euicc_key);
    sgp32_ec_key_free(&pb_key);
    sgp32_ec_key_free(&pb_public);
    sgp32_ec_key_free(&euicc_public);
    free(ci.data);
    free(eum.data);
    free(euicc.data);
    free(auth.data);
    free(pb.data);
    free(tls.data);
    free(eim.data);
}

static void test_nist_chains(void **state)
{
    (void)state;
    check_curve_set("nist", SGP32_CURVE_P256);
}

static void test_brainpool_chains(void **state)
{
    (void)state;
    check_curve_set("brainpool", SGP32_CURVE_BRAINPOOLP256R1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_nist_chains),
        cmocka_unit_test(test_brainpool_chains),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
