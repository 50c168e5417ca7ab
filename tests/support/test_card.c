/* SPDX-License-Identifier: MIT */
/* A software eUICC of a test PKI's identity (test_card.h). */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_card.h"
#include "test_pki.h"

/* <curve_dir>/<file> */
static void curve_path(char *out, size_t cap, const char *curve_dir, const char *file)
{
    assert_true((size_t)snprintf(out, cap, "%s/%s", curve_dir, file) < cap);
}

void test_card_start(struct card_env *env, const char *curve_dir, const char *dir_template)
{
    struct sgp32_softeuicc_identity identity;
    struct sgp32_softeuicc_options options;
    char pkid_hex[64], eum[256], euicc[256], key[256], ci[256];
    const char *ci_files[1];
    uint8_t pkid[1][20];
    memset(env, 0, sizeof(*env));
    assert_true((size_t)snprintf(env->dir, sizeof(env->dir), "%s", dir_template) < sizeof(env->dir));
    assert_non_null(mkdtemp(env->dir));
    assert_int_equal(test_pki_manifest_value(curve_dir, "eid", env->eid_hex, sizeof(env->eid_hex)), 0);
    assert_int_equal(test_pki_manifest_value(curve_dir, "ci_pkid", pkid_hex, sizeof(pkid_hex)), 0);
    memset(&identity, 0, sizeof(identity));
    assert_int_equal(test_parse_hex(env->eid_hex, identity.eid, 16), 0);
    memcpy(env->eid, identity.eid, 16);
    assert_int_equal(test_parse_hex(pkid_hex, pkid[0], 20), 0);
    identity.ci_pkids = (const uint8_t(*)[20])pkid;
    identity.ci_pkid_count = 1;
    curve_path(eum, sizeof(eum), curve_dir, "eum/eum.cert.der");
    curve_path(euicc, sizeof(euicc), curve_dir, "euicc/euicc.cert.der");
    curve_path(key, sizeof(key), curve_dir, "euicc/euicc.key.pem");
    identity.eum_certificate_file = eum;
    identity.euicc_certificate_file = euicc;
    identity.euicc_private_key_file = key;
    /* The card's CI trust: create() keeps the CI certificate beside its state. */
    curve_path(ci, sizeof(ci), curve_dir, "ci/ci.cert.der");
    ci_files[0] = ci;
    identity.ci_certificate_files = ci_files;
    identity.ci_certificate_count = 1;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.mode = SGP32_SOFTEUICC_MODE_IOT;
    assert_int_equal(sgp32_softeuicc_create(env->dir, &identity, &options, &env->card), SGP32_OK);
    sgp32_softeuicc_transport(env->card, &env->transport);
    assert_int_equal(env->transport.ops->open(env->transport.user, NULL, 0, NULL, 1000), SGP32_OK);
    assert_int_equal(sgp32_es10_new(&env->transport, NULL, &env->es10), SGP32_OK);
    assert_int_equal(sgp32_es10_connect(env->es10), SGP32_OK);
}

void card_authentication_material(struct card_env *env, uint8_t challenge[16], uint8_t **info1, size_t *info1_len)
{
    *info1 = NULL;
    *info1_len = 0;
    assert_int_equal(sgp32_es10_get_euicc_challenge(env->es10, challenge), SGP32_OK);
    assert_int_equal(sgp32_es10_get_euicc_info1(env->es10, info1, info1_len), SGP32_OK);
}

void card_stop(struct card_env *env)
{
    char command[128];
    sgp32_es10_free(env->es10);
    sgp32_softeuicc_free(env->card);
    snprintf(command, sizeof(command), "rm -rf '%s'", env->dir);
    assert_int_equal(system(command), 0);
}
