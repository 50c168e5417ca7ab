/* SPDX-License-Identifier: MIT */
/*
 * What a downloaded profile brings beyond its metadata, checked with real downloads (smdp_core, the test
 * PKI, a TS.48 profile, download_harness.c):
 *  - Profile Policy Rules against the card's RAT (SGP.22 2.9.2.2): allowed by a matching rule, refused
 *    with pprNotAllowed otherwise;
 *  - the ProfileHeader's connectivityParameters (a UPP built here with the field) answered by
 *    GetConnectivityParameters (SGP.32 5.9.24) for the enabled profile only;
 *  - memory reset of pre-loaded versus field-loaded test profiles (SGP.32 5.9.5, SGP.22 5.7.19);
 *  - PrepareDownload retried with bppEuiccOtpk (SGP.22 3.1.3.2): the kept one-time key pair is reused
 *    and the BPP bound to it in the first attempt installs; an otPK the card no longer holds gets a
 *    fresh pair, and the old BPP no longer decrypts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "GetConnectivityParametersResponse.h"
#include "ProfileInstallationResult.h"
#include "crypto/ec.h"
#include "crypto/ecdsa.h"
#include "crypto/rng.h"
#include "download_harness.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"

/* ---- small DER building (short lengths only) */

struct bytes {
    uint8_t data[1024];
    size_t len;
};

static void put(struct bytes *b, const uint8_t *data, size_t len)
{
    assert_true(b->len + len <= sizeof(b->data));
    memcpy(b->data + b->len, data, len);
    b->len += len;
}

static void put_tlv(struct bytes *b, uint32_t tag, const uint8_t *value, size_t len)
{
    uint8_t header[4];
    size_t n = 0;
    if (tag > 0xFF)
        header[n++] = (uint8_t)(tag >> 8);
    header[n++] = (uint8_t)tag;
    assert_true(len < 128);
    header[n++] = (uint8_t)len;
    put(b, header, n);
    put(b, value, len);
}

static void wrap(struct bytes *b, uint32_t tag)
{
    struct bytes inner = *b;
    b->len = 0;
    put_tlv(b, tag, inner.data, inner.len);
}

/* PprIds / pprFlags named bits (DER: trailing zero bits dropped). bits: first bit 0x80. */
static void put_bits(struct bytes *b, uint32_t tag, uint8_t bits)
{
    uint8_t value[2] = {0, bits};
    if (bits == 0) {
        put_tlv(b, tag, value, 1);
        return;
    }
    while (((bits >> value[0]) & 1u) == 0)
        value[0]++;
    put_tlv(b, tag, value, 2);
}

#define PPR1 0x40
#define PPR2 0x20
#define CONSENT_REQUIRED 0x80

/* OperatorId { mccMnc [0], gid1 [1] OPTIONAL } (gid1 < 0: absent) */
static void put_operator(struct bytes *b, uint32_t tag, const uint8_t mcc_mnc[3], int gid1)
{
    struct bytes op = {{0}, 0};
    uint8_t gid = (uint8_t)gid1;
    put_tlv(&op, 0x80, mcc_mnc, 3);
    if (gid1 >= 0)
        put_tlv(&op, 0x81, &gid, 1);
    put_tlv(b, tag, op.data, op.len);
}

/* StoreMetadataRequest for the UPP's ICCID: class (< 0: absent), profileOwner (NULL: absent), PPRs. */
static struct bytes metadata(struct env *e, int profile_class, const uint8_t *owner, int gid1, uint8_t pprs)
{
    struct bytes b = {{0}, 0};
    uint8_t iccid[10], cls = (uint8_t)profile_class;
    assert_int_equal(smdp_upp_iccid(e->upp.data, e->upp.len, iccid), SGP32_OK);
    put_tlv(&b, 0x5A, iccid, 10);
    put_tlv(&b, 0x91, (const uint8_t *)"A", 1);
    put_tlv(&b, 0x92, (const uint8_t *)"B", 1);
    if (profile_class >= 0)
        put_tlv(&b, 0x95, &cls, 1);
    if (owner != NULL)
        put_operator(&b, 0xB7, owner, gid1);
    if (pprs != 0)
        put_bits(&b, 0x99, pprs);
    wrap(&b, 0xBF25);
    assert_der_of("StoreMetadataRequest", b.data, b.len);
    return b;
}

/* One ProfilePolicyAuthorisationRule with one allowed operator. */
static void put_rule(struct bytes *rat, uint8_t pprs, const uint8_t mcc_mnc[3], int gid1, uint8_t flags)
{
    struct bytes rule = {{0}, 0}, operators = {{0}, 0};
    put_bits(&rule, 0x80, pprs);
    put_operator(&operators, 0x30, mcc_mnc, gid1);
    put_tlv(&rule, 0xA1, operators.data, operators.len);
    put_bits(&rule, 0x82, flags);
    put_tlv(rat, 0x30, rule.data, rule.len);
}

static void download_with(struct env *e, const struct bytes *meta, struct outcome *o)
{
    struct faults f;
    memset(&f, 0, sizeof(f));
    f.metadata = meta->data;
    f.metadata_len = meta->len;
    download(e, &f, o);
    assert_int_equal(o->status, SGP32_OK);
    assert_true(o->have_result);
}

static void expect_ppr_refused(struct env *e, const struct bytes *meta)
{
    struct outcome o;
    uint8_t iccid[10];
    download_with(e, meta, &o);
    assert_false(o.result.success);
    assert_int_equal(o.result.bpp_command_id, 2); /* storeMetadata */
    assert_int_equal(o.result.error_reason, 15);  /* pprNotAllowed */
    assert_int_equal(smdp_upp_iccid(e->upp.data, e->upp.len, iccid), SGP32_OK);
    assert_false(card_has_profile(e, iccid));
}

static const uint8_t operator_a[3] = {0x21, 0xF3, 0x54}, operator_b[3] = {0x13, 0xF0, 0x21},
                     operator_c[3] = {0x22, 0xF3, 0x54};

/* RAT: ppr1 for operator A with gid1 01 (consent required), ppr2 for operator B. */
static void test_ppr_checked_against_rat(void **state)
{
    struct bytes rat = {{0}, 0}, meta;
    struct env e;
    struct outcome o;
    uint8_t iccid[10];
    (void)state;
    put_rule(&rat, PPR1, operator_a, 0x01, CONSENT_REQUIRED);
    put_rule(&rat, PPR2, operator_b, -1, 0);
    wrap(&rat, 0x30);
    env_start_rat(&e, "nist", SGP32_SOFTEUICC_MODE_IOT, rat.data, rat.len);
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    meta = metadata(&e, -1, operator_a, -1, PPR1); /* the rule wants gid1 */
    expect_ppr_refused(&e, &meta);
    meta = metadata(&e, -1, operator_a, 0x02, PPR1); /* another gid1 */
    expect_ppr_refused(&e, &meta);
    meta = metadata(&e, -1, operator_c, 0x01, PPR1); /* another MCC */
    expect_ppr_refused(&e, &meta);
    meta = metadata(&e, -1, operator_a, 0x01, PPR2); /* ppr2 is for operator B only */
    expect_ppr_refused(&e, &meta);
    meta = metadata(&e, -1, operator_b, -1, PPR1 | PPR2); /* ppr1 is not allowed for B */
    expect_ppr_refused(&e, &meta);
    meta = metadata(&e, -1, NULL, -1, PPR1); /* no Profile Owner */
    expect_ppr_refused(&e, &meta);
    /* allowed: ppr1 for A with its gid1 (consentRequired does not stop the card) */
    meta = metadata(&e, -1, operator_a, 0x01, PPR1);
    download_with(&e, &meta, &o);
    if (!o.result.success)
        fail_msg("refused: %ld/%ld", o.result.bpp_command_id, o.result.error_reason);
    assert_true(card_has_profile(&e, iccid));
    env_stop(&e);

    /* ppr2 for B, on a card with the same RAT */
    env_start_rat(&e, "nist", SGP32_SOFTEUICC_MODE_IOT, rat.data, rat.len);
    meta = metadata(&e, -1, operator_b, 0x33, PPR2);
    download_with(&e, &meta, &o);
    assert_true(o.result.success);
    env_stop(&e);

    /* a wildcard rule ('E' digits) allows both PPRs for any operator */
    rat.len = 0;
    put_rule(&rat, PPR1 | PPR2, (const uint8_t *)"\xEE\xEE\xEE", -1, 0);
    wrap(&rat, 0x30);
    env_start_rat(&e, "brainpool", SGP32_SOFTEUICC_MODE_IOT, rat.data, rat.len);
    meta = metadata(&e, -1, operator_c, 0x07, PPR1 | PPR2);
    download_with(&e, &meta, &o);
    assert_true(o.result.success);
    env_stop(&e);

    /* the empty RAT (default) allows none */
    env_start(&e, "nist");
    meta = metadata(&e, -1, operator_a, 0x01, PPR1);
    expect_ppr_refused(&e, &meta);
    env_stop(&e);
}

/* ---- connectivity parameters */

/* The UPP with connectivityParameters [7] added to its ProfileHeader (after eUICC-Mandatory-GFSTEList
 * [6], in the order of PEDefinitions). */
static void add_connectivity(struct env *e, const uint8_t *params, size_t params_len)
{
    struct sgp32_tlv_header header, field;
    const uint8_t *p;
    size_t left, at, body_len;
    uint8_t *upp, *out;
    size_t out_len = 0;
    assert_int_equal(sgp32_tlv_parse_header(e->upp.data, e->upp.len, &header), SGP32_OK);
    assert_int_equal(header.tag, 0xA0);
    p = e->upp.data + header.header_len;
    left = header.length;
    at = 0;
    while (left > 0) { /* find the end of [6] */
        assert_int_equal(sgp32_tlv_parse_header(p + at, left, &field), SGP32_OK);
        assert_true(field.tag != 0x87); /* the TS.48 profile has none */
        at += field.header_len + field.length;
        left -= field.header_len + field.length;
        if (field.tag == 0xA6)
            break;
    }
    assert_true(params_len < 128);
    body_len = header.length + 2 + params_len;
    upp = e->upp.data;
    out = malloc(e->upp.len + 2 + params_len + 4);
    assert_non_null(out);
    out[out_len++] = 0xA0;
    if (body_len < 128) {
        out[out_len++] = (uint8_t)body_len;
    } else if (body_len < 256) {
        out[out_len++] = 0x81;
        out[out_len++] = (uint8_t)body_len;
    } else {
        out[out_len++] = 0x82;
        out[out_len++] = (uint8_t)(body_len >> 8);
        out[out_len++] = (uint8_t)body_len;
    }
    memcpy(out + out_len, upp + header.header_len, at);
    out_len += at;
    out[out_len++] = 0x87;
    out[out_len++] = (uint8_t)params_len;
    memcpy(out + out_len, params, params_len);
    out_len += params_len;
    memcpy(out + out_len, upp + header.header_len + at, e->upp.len - header.header_len - at);
    out_len += e->upp.len - header.header_len - at;
    free(e->upp.data);
    e->upp.data = out;
    e->upp.len = out_len;
}

/* GetConnectivityParameters: the httpParams (returned, malloc'd) or NULL for parametersNotAvailable. */
static OCTET_STRING_t *connectivity(struct env *e)
{
    static const uint8_t request[3] = {0xBF, 0x5F, 0x00};
    const struct sgp32_codec_type *type = sgp32_codec_type_find("GetConnectivityParametersResponse");
    struct sgp32_decode_options strict = {SGP32_DECODE_DER | SGP32_DECODE_CONSTRAINTS, 0, 0};
    GetConnectivityParametersResponse_t *response = NULL;
    OCTET_STRING_t *params = NULL;
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    long code = 0;
    assert_int_equal(transceive(e, request, 3, &answer, &answer_len), SGP32_OK);
    assert_int_equal(sgp32_decode(type, answer, answer_len, &strict, (void **)&response, NULL), SGP32_OK);
    free(answer);
    if (response->present == GetConnectivityParametersResponse_PR_connectivityParametersError) {
        assert_int_equal(asn_INTEGER2long(&response->choice.connectivityParametersError, &code), 0);
        assert_int_equal(code, 1); /* parametersNotAvailable */
    } else {
        assert_int_equal(response->present, GetConnectivityParametersResponse_PR_connectivityParameters);
        assert_non_null(response->choice.connectivityParameters.httpParams);
        params = response->choice.connectivityParameters.httpParams;
        response->choice.connectivityParameters.httpParams = NULL;
    }
    sgp32_codec_free(type, response);
    return params;
}

static void free_octets(OCTET_STRING_t *octets)
{
    if (octets != NULL) {
        free(octets->buf);
        free(octets);
    }
}

/* EnableProfile (BF31) / DisableProfile (BF32) of the UPP's ICCID, refreshFlag FALSE. */
static void switch_profile(struct env *e, uint8_t tag, long expected)
{
    /* BF3x 11 { A0 0C { 5A 0A <iccid> } 81 01 00 } */
    uint8_t request[20] = {0xBF, tag, 0x11, 0xA0, 0x0C, 0x5A, 0x0A}, *answer = NULL;
    size_t answer_len = 0;
    assert_int_equal(smdp_upp_iccid(e->upp.data, e->upp.len, request + 7), SGP32_OK);
    memcpy(request + 17, "\x81\x01\x00", 3);
    assert_int_equal(transceive(e, request, sizeof(request), &answer, &answer_len), SGP32_OK);
    assert_int_equal(answer_len, 6); /* BF3x 03 80 01 <result> */
    assert_int_equal(answer[answer_len - 1], expected);
    free(answer);
}

static void check_connectivity_download(const char *curve, const uint8_t *header_field, size_t header_field_len,
                                        const uint8_t *expected, size_t expected_len)
{
    struct env e;
    struct faults f;
    struct outcome o;
    OCTET_STRING_t *params;
    env_start(&e, curve);
    if (header_field != NULL)
        add_connectivity(&e, header_field, header_field_len);
    memset(&f, 0, sizeof(f));
    download(&e, &f, &o);
    assert_true(o.have_result && o.result.success);
    assert_null(connectivity(&e)); /* installed disabled: no enabled profile */
    switch_profile(&e, 0x31, 0);   /* enable */
    env_restart(&e, 1);            /* persisted with the profile */
    params = connectivity(&e);
    if (expected == NULL) {
        assert_null(params);
    } else {
        assert_non_null(params);
        assert_int_equal(params->size, expected_len);
        assert_memory_equal(params->buf, expected, expected_len);
    }
    free_octets(params);
    switch_profile(&e, 0x32, 0); /* disable */
    assert_null(connectivity(&e));
    env_stop(&e);
}

static void test_connectivity_parameters(void **state)
{
    static const char raw[] = "coap://127.0.0.1:5683/ipa";
    /* the DER form: ConnectivityParameters { httpParams [1] "https://eim.test" } */
    static const uint8_t der[] = {0x30, 0x12, 0x81, 0x10, 'h', 't', 't', 'p', 's', ':',
                                  '/',  '/',  'e',  'i',  'm', '.', 't', 'e', 's', 't'};
    (void)state;
    check_connectivity_download("nist", (const uint8_t *)raw, sizeof(raw) - 1, (const uint8_t *)raw, sizeof(raw) - 1);
    check_connectivity_download("brainpool", der, sizeof(der), der + 4, sizeof(der) - 4);
    check_connectivity_download("nist", NULL, 0, NULL, 0); /* the TS.48 header has none */
}

/* ---- memory reset: pre-loaded versus field-loaded test profiles */

static long memory_reset(struct env *e, const uint8_t *request, size_t len)
{
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    long result;
    assert_int_equal(transceive(e, request, len, &answer, &answer_len), SGP32_OK);
    assert_true(answer_len >= 6);
    assert_int_equal(answer[3], 0x80); /* resetResult first */
    result = answer[5];
    free(answer);
    return result;
}

static void test_memory_reset_test_profiles(void **state)
{
    /* a pre-loaded test profile: E3 { 5A iccid, 4F aid, 95 test } */
    static const uint8_t preloaded[] = {0xE3, 0x21, 0x5A, 0x0A, 0x98, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                        0x00, 0x01, 0x4F, 0x10, 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                        0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x20, 0x00, 0x95, 0x01, 0x00};
    static const uint8_t field_loaded_iot[] = {0xBF, 0x64, 0x04, 0x82, 0x02, 0x06, 0x40};
    static const uint8_t preloaded_iot[] = {0xBF, 0x64, 0x04, 0x82, 0x02, 0x04, 0x10};
    static const uint8_t field_loaded_consumer[] = {0xBF, 0x34, 0x04, 0x82, 0x02, 0x06, 0x40};
    struct env e;
    struct bytes meta;
    struct outcome o;
    uint8_t iccid[10];
    (void)state;
    env_start(&e, "nist");
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    assert_int_equal(sgp32_softeuicc_preload_profile(e.card, preloaded, sizeof(preloaded)), SGP32_OK);
    meta = metadata(&e, 0 /* test */, NULL, -1, 0);
    download_with(&e, &meta, &o);
    assert_true(o.result.success);
    env_restart(&e, 1); /* the flags are persisted */
    assert_int_equal(memory_reset(&e, field_loaded_iot, sizeof(field_loaded_iot)), 0);
    assert_false(card_has_profile(&e, iccid));
    assert_true(card_has_profile(&e, preloaded + 4));
    assert_int_equal(memory_reset(&e, field_loaded_iot, sizeof(field_loaded_iot)), 1); /* nothingToDelete */
    download_with(&e, &meta, &o);
    assert_true(o.result.success);
    assert_int_equal(memory_reset(&e, preloaded_iot, sizeof(preloaded_iot)), 0);
    assert_false(card_has_profile(&e, preloaded + 4));
    assert_true(card_has_profile(&e, iccid)); /* the downloaded one stays */
    env_stop(&e);

    /* a consumer card: BF34 has no option for pre-loaded test profiles, they stay */
    env_start_mode(&e, "nist", SGP32_SOFTEUICC_MODE_CONSUMER);
    assert_int_equal(sgp32_softeuicc_preload_profile(e.card, preloaded, sizeof(preloaded)), SGP32_OK);
    meta = metadata(&e, 0, NULL, -1, 0);
    download_with(&e, &meta, &o);
    assert_true(o.result.success);
    assert_int_equal(memory_reset(&e, field_loaded_consumer, sizeof(field_loaded_consumer)), 0);
    assert_false(card_has_profile(&e, iccid));
    assert_true(card_has_profile(&e, preloaded + 4));
    assert_int_equal(memory_reset(&e, field_loaded_consumer, sizeof(field_loaded_consumer)), 1);
    env_stop(&e);
}

/* SGP.22 5.7.13: CERT.XXauth is CERT.DPauth or CERT.DSauth. An SM-DS (event retrieval) sends no
 * matching id and is not the default SM-DP+: a configured default SM-DP+ address does not refuse it,
 * while an SM-DP+ without matching id must be the default one. No PrepareDownload follows an SM-DS
 * session (noSessionContext). */
static void test_smds_authentication(void **state)
{
    static const uint8_t set_default[] = {0xBF, 0x65, 0x0B, 0x80, 0x09, 'o', 't', 'h', 'e', 'r', '.', 'n', 'e', 't'};
    struct smdp_blob ci = read_pki("nist", "ci/ci.cert.der"), auth = read_pki("nist", "smds/auth.cert.der"),
                     auth_key = read_pki("nist", "smds/auth.key.pem"), pb = read_pki("nist", "smdp/pb.cert.der"),
                     pb_key = read_pki("nist", "smdp/pb.key.pem");
    struct smdp_core_credentials credentials = {
        ci.data, ci.len, auth.data,   auth.len,   auth_key.data,       auth_key.len,
        pb.data, pb.len, pb_key.data, pb_key.len, "smds.libsgp32.test"};
    struct env e;
    struct faults f;
    struct outcome o;
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    (void)state;
    memset(&f, 0, sizeof(f));
    f.omit_matching_id = 1;
    env_start(&e, "nist");
    assert_int_equal(transceive(&e, set_default, sizeof(set_default), &answer, &answer_len), SGP32_OK);
    free(answer);
    download(&e, &f, &o);
    assert_int_equal(o.authenticate_error, 127); /* an SM-DP+ that is not the default one */
    smdp_core_free(e.smdp);
    e.smdp = NULL;
    assert_int_equal(smdp_core_new(&credentials, &e.smdp), SGP32_OK);
    download(&e, &f, &o);
    assert_int_equal(o.status, SGP32_OK);
    assert_int_equal(o.authenticate_error, 0);
    assert_int_equal(o.client_status, SGP32_OK);
    assert_int_equal(o.prepare_error, 4); /* noSessionContext: an SM-DS session */
    assert_false(o.have_result);
    env_stop(&e);
    free(ci.data);
    free(auth.data);
    free(auth_key.data);
    free(pb.data);
    free(pb_key.data);
}

/* SGP.22's Iccid is "as coded in EF.ICCID": the ProfileHeader's 89 49 44 .. is 98 94 44 .. in the
 * metadata, the ProfileInfo and the notifications, the same bytes as the profile's EF.ICCID (2FE2).
 * Metadata with the header's byte order names another ICCID: installFailedDueToDataMismatch. */
static void test_iccid_as_in_ef_iccid(void **state)
{
    /* TS48V2-SAIP2-1-BERTLV-UNIQUE: header 89 49 44 99 99 99 99 90 04 9F, EF.ICCID content: */
    static const uint8_t ef_iccid[10] = {0x98, 0x94, 0x44, 0x99, 0x99, 0x99, 0x99, 0x09, 0x40, 0xF9};
    static const uint8_t header_order[] = {0xBF, 0x25, 0x12, 0x5A, 0x0A, 0x89, 0x49, 0x44, 0x99, 0x99, 0x99,
                                           0x99, 0x90, 0x04, 0x9F, 0x91, 0x01, 0x41, 0x92, 0x01, 0x42};
    static const uint8_t ef_file[] = {0x83, 0x02, 0x2F, 0xE2};
    struct env e;
    struct faults f;
    struct outcome o;
    uint8_t iccid[10];
    size_t i, j;
    int found = 0;
    (void)state;
    env_start(&e, "nist");
    for (i = 0; !found && i + 40 < e.upp.len; i++) /* the profile's own EF.ICCID: its fileID, then its content */
        if (memcmp(e.upp.data + i, ef_file, sizeof(ef_file)) == 0)
            for (j = i; !found && j < i + 30; j++)
                found = memcmp(e.upp.data + j, ef_iccid, sizeof(ef_iccid)) == 0;
    assert_true(found);
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    assert_memory_equal(iccid, ef_iccid, 10);
    memset(&f, 0, sizeof(f));
    f.metadata = header_order;
    f.metadata_len = sizeof(header_order);
    download(&e, &f, &o);
    assert_true(o.have_result && !o.result.success);
    assert_int_equal(o.result.error_reason, 13); /* installFailedDueToDataMismatch */
    assert_false(card_has_profile(&e, header_order + 5));
    memset(&f, 0, sizeof(f));
    f.check_stored_result = 1;
    download(&e, &f, &o);
    assert_true(o.have_result && o.result.success);
    assert_true(o.result.has_iccid);
    assert_memory_equal(o.result.iccid, ef_iccid, 10); /* the install notification's */
    assert_true(card_has_profile(&e, ef_iccid));       /* ProfileInfo */
    assert_false(card_has_profile(&e, header_order + 5));
    env_stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ppr_checked_against_rat),    cmocka_unit_test(test_connectivity_parameters),
        cmocka_unit_test(test_memory_reset_test_profiles), cmocka_unit_test(test_smds_authentication),
        cmocka_unit_test(test_iccid_as_in_ef_iccid),
    };
    return cmocka_run_group_tests(tests, download_pki_create, download_pki_remove);
}
