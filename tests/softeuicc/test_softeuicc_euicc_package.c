/* SPDX-License-Identifier: MIT */
/*
 * LoadEuiccPackage (SGP.32 5.9.1) on the software eUICC, driven by the eIM side library (eim_core):
 * a fresh eIM key installed with AddInitialEim, eIM-signed packages of PSMOs and eCOs, eUICC-signed
 * results checked with the eUICC certificate; replays, wrong EID, unknown eIM, bad signatures, a
 * consumer card, a failed state write and a power cut in the middle of the package.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "GetEimConfigurationDataResponse.h"
#include "SGP32-ProfileInfoListResponse.h"
#include "eim_core.h"
#include "es10_requests.h"
#include "sgp32/tlv.h"

#define EIM_ID "eim-test.example.com"
#define PROFILE_STATE(n) "BF2D12A00C5A0A" ICCID(n) "5C029F70"

struct fixture {
    struct harness h;
    struct sgp32_crypto_rng rng;
    struct sgp32_ec_key eim_key;
    uint8_t spki[128];
    size_t spki_len;
    long token;
    long counter;
    long last_seq;
    uint8_t euicc_cert[2048];
    size_t euicc_cert_len;
};

static const uint8_t iccid_one[10] = {0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
static const uint8_t iccid_provisioning[10] = {0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0x06};
static const uint8_t iccid_unknown[10] = {0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0x99};

/* 1 when needle occurs in haystack. */
static int contains(const uint8_t *haystack, size_t len, const char *needle)
{
    size_t needle_len = strlen(needle), at;
    for (at = 0; at + needle_len <= len; at++)
        if (memcmp(haystack + at, needle, needle_len) == 0)
            return 1;
    return 0;
}

/* The element with `tag` among the children of the constructed element at der[0..len); NULL if none. */
static const uint8_t *child(const uint8_t *der, size_t len, uint32_t tag, size_t *child_len)
{
    struct sgp32_tlv_header outer, header;
    size_t at;
    assert_int_equal(sgp32_tlv_parse_header(der, len, &outer), SGP32_OK);
    for (at = outer.header_len; at < outer.header_len + outer.length; at += header.header_len + header.length) {
        assert_int_equal(sgp32_tlv_parse_header(der + at, len - at, &header), SGP32_OK);
        if (header.tag == tag) {
            *child_len = header.header_len + header.length;
            return der + at;
        }
    }
    return NULL;
}

static long profile_state(struct harness *h, const char *request_hex)
{
    SGP32_ProfileInfoListResponse_t *list =
        es10_call(h, "ProfileInfoListRequest", request_hex, "SGP32-ProfileInfoListResponse");
    long state;
    assert_int_equal(list->present, SGP32_ProfileInfoListResponse_PR_profileInfoListOk);
    assert_int_equal(list->choice.profileInfoListOk.list.count, 1);
    state = list->choice.profileInfoListOk.list.array[0]->profileState != NULL
                ? integer_value(list->choice.profileInfoListOk.list.array[0]->profileState)
                : 0;
    sgp32_codec_free(sgp32_codec_type_find("SGP32-ProfileInfoListResponse"), list);
    return state;
}

/* A card with a key and certificates (the sample eIM pair stands in for the eUICC's, as in
 * test_softeuicc_es10) and a fresh eIM installed with AddInitialEim. */
static void start(struct fixture *f, enum sgp32_softeuicc_mode mode)
{
    struct sgp32_softeuicc_identity identity;
    struct sgp32_eim_configuration config;
    struct sgp32_eim_buffer request = {0};
    char eum[512], euicc[512], key[512];
    uint8_t *answer;
    size_t answer_len, len;
    const uint8_t *element;
    memset(f, 0, sizeof(*f));
    snprintf(f->h.dir, sizeof(f->h.dir), "/tmp/softeuicc-test-XXXXXX");
    assert_non_null(mkdtemp(f->h.dir));
    f->h.options.size = sizeof(f->h.options);
    f->h.options.mode = mode;
    snprintf(eum, sizeof(eum), "%s/certs/sgp26/CertificateIssuer/CERT_CI_ECDSA_NIST.pem", SGP32_SHARED_DIR);
    snprintf(euicc, sizeof(euicc), "%s/certs/eim-sample/sample_eim_cert_nist.crt", SGP32_SHARED_DIR);
    snprintf(key, sizeof(key), "%s/certs/eim-sample/sample_eim_cert_nist.key", SGP32_SHARED_DIR);
    memset(&identity, 0, sizeof(identity));
    memcpy(identity.eid, harness_eid, 16);
    identity.ci_pkids = &harness_ci_pkid;
    identity.ci_pkid_count = 1;
    identity.eum_certificate_file = eum;
    identity.euicc_certificate_file = euicc;
    identity.euicc_private_key_file = key;
    assert_int_equal(sgp32_softeuicc_create(f->h.dir, &identity, &f->h.options, &f->h.card), SGP32_OK);
    sgp32_softeuicc_transport(f->h.card, &f->h.transport);
    assert_int_equal(f->h.transport.ops->open(f->h.transport.user, NULL, 0, NULL, 1000), SGP32_OK);
    f->last_seq = -1;
    /* the eIM's key pair */
    assert_int_equal(sgp32_crypto_rng_init(&f->rng, NULL, NULL), SGP32_OK);
    sgp32_ec_key_init(&f->eim_key);
    assert_int_equal(sgp32_ec_generate(&f->eim_key, SGP32_CURVE_P256, &f->rng), SGP32_OK);
    assert_int_equal(sgp32_ec_export_spki_der(&f->eim_key, f->spki, sizeof(f->spki), &f->spki_len), SGP32_OK);
    if (mode != SGP32_SOFTEUICC_MODE_IOT)
        return;
    /* the eUICC certificate, as GetCerts gives it (A6 implicit: back to a SEQUENCE) */
    assert_int_equal(es10_raw(&f->h, (const uint8_t *)"\xBF\x56\x00", 3, &answer, &answer_len), 0x9000);
    element = child(answer, answer_len, 0xA0, &len);
    assert_non_null(element);
    element = child(element, len, 0xA6, &len);
    assert_non_null(element);
    assert_true(len <= sizeof(f->euicc_cert));
    memcpy(f->euicc_cert, element, len);
    f->euicc_cert[0] = 0x30;
    f->euicc_cert_len = len;
    free(answer);
    /* AddInitialEim: the card assigns the association token */
    memset(&config, 0, sizeof(config));
    config.eim_id = EIM_ID;
    config.eim_fqdn = "127.0.0.1:8000";
    config.has_counter_value = 1;
    config.counter_value = 0;
    config.has_association_token = 1;
    config.association_token = -1;
    config.public_key_spki = f->spki;
    config.public_key_spki_len = f->spki_len;
    assert_int_equal(sgp32_eim_add_initial_eim_request(&config, &request), SGP32_OK);
    assert_int_equal(es10_raw(&f->h, request.data, request.len, &answer, &answer_len), 0x9000);
    sgp32_eim_buffer_free(&request);
    element = child(answer, answer_len, 0xA0, &len);
    assert_non_null(element);
    element = child(element, len, 0x84, &len);
    assert_non_null(element);
    assert_int_equal(len, 3);
    f->token = element[2];
    free(answer);
}

static void stop(struct fixture *f)
{
    sgp32_ec_key_free(&f->eim_key);
    sgp32_crypto_rng_free(&f->rng);
    harness_stop(&f->h);
}

static void build(struct fixture *f, const char *eim_id, long token, long counter, const uint8_t *eid,
                  enum sgp32_eim_package_kind kind, const struct sgp32_eim_buffer *items, size_t count,
                  struct sgp32_eim_buffer *request)
{
    static const uint8_t transaction_id[4] = {0x01, 0x02, 0x03, 0x04};
    struct sgp32_eim_signer signer = {eim_id, &f->eim_key, &f->rng, token >= 0, token};
    struct sgp32_eim_package package;
    memset(&package, 0, sizeof(package));
    memcpy(package.eid, eid, 16);
    package.counter_value = counter;
    package.transaction_id = transaction_id;
    package.transaction_id_len = sizeof(transaction_id);
    package.kind = kind;
    package.items = items;
    package.item_count = count;
    assert_int_equal(sgp32_eim_build_package(&signer, &package, request), SGP32_OK);
    /* strict DER: a wrong tag would not survive the re-encoding (EXTENSIBILITY IMPLIED skips it) */
    assert_int_equal(sgp32_der_validate(sgp32_codec_type_find("EuiccPackageRequest"), request->data, request->len),
                     SGP32_OK);
}

/* Sends a request, checks the answer with eim_core (as eIM `eim_id` with `token`) and returns it. */
static enum sgp32_status send_checked(struct fixture *f, const struct sgp32_eim_buffer *request, const char *eim_id,
                                      long token, long counter, struct sgp32_eim_result *result, uint8_t **answer,
                                      size_t *answer_len)
{
    static const uint8_t transaction_id[4] = {0x01, 0x02, 0x03, 0x04};
    struct sgp32_eim_expected expected = {eim_id, counter, transaction_id, 4, token >= 0, token, f->last_seq};
    enum sgp32_status status;
    assert_int_equal(es10_raw(&f->h, request->data, request->len, answer, answer_len), 0x9000);
    assert_int_equal(sgp32_der_validate(sgp32_codec_type_find("EuiccPackageResult"), *answer, *answer_len), SGP32_OK);
    status = sgp32_eim_verify_result(*answer, *answer_len, f->euicc_cert, f->euicc_cert_len, &expected, result);
    if (status == SGP32_OK && result->kind == SGP32_EIM_RESULT_SIGNED)
        f->last_seq = result->seq_number;
    return status;
}

/* One package from the initial eIM with the next counter; its result must be signed and check out. */
static void run(struct fixture *f, enum sgp32_eim_package_kind kind, struct sgp32_eim_buffer *items, size_t count,
                struct sgp32_eim_result *result, uint8_t **answer, size_t *answer_len)
{
    struct sgp32_eim_buffer request = {0};
    size_t i;
    f->counter++;
    build(f, EIM_ID, f->token, f->counter, harness_eid, kind, items, count, &request);
    for (i = 0; i < count; i++)
        sgp32_eim_buffer_free(&items[i]);
    assert_int_equal(send_checked(f, &request, EIM_ID, f->token, f->counter, result, answer, answer_len), SGP32_OK);
    sgp32_eim_buffer_free(&request);
    assert_int_equal(result->kind, SGP32_EIM_RESULT_SIGNED);
    assert_int_equal(result->item_count, count);
}

static void expect_item(const struct sgp32_eim_result *result, size_t i, uint32_t tag, long value)
{
    assert_int_equal(result->items[i].tag, tag);
    assert_true(result->items[i].is_integer);
    assert_int_equal(result->items[i].value, value);
}

static void test_psmo_round_trip(void **state)
{
    struct fixture f;
    struct sgp32_eim_buffer items[6];
    struct sgp32_eim_result result;
    uint8_t *answer, *list;
    size_t answer_len, list_len, len;
    const uint8_t *element;
    (void)state;
    start(&f, SGP32_SOFTEUICC_MODE_IOT);
    preload_hex(&f.h, PROFILE_ONE);
    preload_hex(&f.h, PROFILE_FALLBACK);
    preload_hex(&f.h, PROFILE_PROVISIONING);
    /* enable the bootstrap profile, then the operational one with rollbackFlag, list and getRAT */
    assert_int_equal(sgp32_eim_psmo_enable(iccid_provisioning, 0, &items[0]), SGP32_OK);
    run(&f, SGP32_EIM_PSMO_LIST, items, 1, &result, &answer, &answer_len);
    expect_item(&result, 0, 0x83, 0);
    free(answer);
    assert_int_equal(sgp32_eim_psmo_enable(iccid_one, 1, &items[0]), SGP32_OK);
    assert_int_equal(sgp32_eim_psmo_enable(iccid_unknown, 0, &items[1]), SGP32_OK);
    assert_int_equal(sgp32_eim_psmo_list_profile_info(NULL, 0, &items[2]), SGP32_OK);
    assert_int_equal(sgp32_eim_psmo_get_rat(&items[3]), SGP32_OK);
    run(&f, SGP32_EIM_PSMO_LIST, items, 4, &result, &answer, &answer_len);
    expect_item(&result, 0, 0x83, 0);
    expect_item(&result, 1, 0x83, 1); /* iccidOrAidNotFound, and the package went on */
    assert_int_equal(result.items[2].tag, 0xBF2D);
    {
        SGP32_ProfileInfoListResponse_t *profiles = NULL;
        assert_int_equal(sgp32_decode(sgp32_codec_type_find("SGP32-ProfileInfoListResponse"),
                                      answer + result.items[2].offset, result.items[2].len, NULL, (void **)&profiles,
                                      NULL),
                         SGP32_OK);
        assert_int_equal(profiles->choice.profileInfoListOk.list.count, 3);
        sgp32_codec_free(sgp32_codec_type_find("SGP32-ProfileInfoListResponse"), profiles);
    }
    assert_int_equal(result.items[3].tag, 0xA6);
    free(answer);
    assert_int_equal(profile_state(&f.h, PROFILE_STATE(1)), 1);
    assert_int_equal(profile_state(&f.h, PROFILE_STATE(6)), 0);
    /* the rollbackFlag made ProfileRollback available: back to the bootstrap profile */
    assert_int_equal(es10_result(&f.h, "ProfileRollbackRequest", "BF5803 8001FF", "ProfileRollbackResponse"), 0);
    assert_int_equal(profile_state(&f.h, PROFILE_STATE(6)), 1);
    assert_int_equal(profile_state(&f.h, PROFILE_STATE(1)), 0);
    /* disable, delete, fallback attribute, immediate enable, default SM-DP+ */
    assert_int_equal(sgp32_eim_psmo_disable(iccid_provisioning, &items[0]), SGP32_OK);
    assert_int_equal(sgp32_eim_psmo_delete(iccid_one, &items[1]), SGP32_OK);
    assert_int_equal(sgp32_eim_psmo_set_fallback_attribute(iccid_provisioning, &items[2]), SGP32_OK);
    assert_int_equal(sgp32_eim_psmo_unset_fallback_attribute(&items[3]), SGP32_OK);
    assert_int_equal(sgp32_eim_psmo_configure_immediate_enable(1, NULL, 0, "smdp.immediate.example", &items[4]),
                     SGP32_OK);
    assert_int_equal(sgp32_eim_psmo_set_default_dp_address("smdp.new.example", &items[5]), SGP32_OK);
    run(&f, SGP32_EIM_PSMO_LIST, items, 6, &result, &answer, &answer_len);
    expect_item(&result, 0, 0x84, 0);
    expect_item(&result, 1, 0x85, 0);
    expect_item(&result, 2, 0x8D, 2); /* fallbackNotAllowed: the bootstrap profile does not allow it */
    expect_item(&result, 3, 0x8E, 0); /* the fallback profile had it */
    expect_item(&result, 4, 0x87, 0);
    assert_int_equal(result.items[5].tag, 0xBF65);
    assert_int_equal(result.items[5].len, 6);
    assert_int_equal(answer[result.items[5].offset + 5], 0); /* ok */
    /* the results stay on the card until removed; the last one is byte for byte the answer */
    assert_int_equal(es10_raw(&f.h, (const uint8_t *)"\xBF\x2B\x04\xA0\x02\x82\x00", 7, &list, &list_len), 0x9000);
    element = child(list, list_len, 0xA2, &len);
    assert_non_null(element);
    assert_true(len > answer_len);
    assert_memory_equal(element + len - answer_len, answer, answer_len);
    free(list);
    free(answer);
    {
        char remove[32];
        snprintf(remove, sizeof(remove), "BF30038001%02lX", f.last_seq);
        assert_int_equal(es10_result(&f.h, "NotificationSentRequest", remove, "NotificationSentResponse"), 0);
        assert_int_equal(es10_result(&f.h, "NotificationSentRequest", remove, "NotificationSentResponse"), 1);
    }
    /* the operational profile's notifications: enable, disable (rollback), delete */
    {
        uint8_t *notifications;
        size_t notifications_len;
        assert_int_equal(es10_raw(&f.h, (const uint8_t *)"\xBF\x28\x00", 3, &notifications, &notifications_len),
                         0x9000);
        assert_true(contains(notifications, notifications_len, "notify.example.com"));
        free(notifications);
    }
    /* the effects survive a restart */
    harness_reopen(&f.h);
    assert_int_equal(profile_state(&f.h, PROFILE_STATE(6)), 0);
    assert_int_equal(es10_raw(&f.h, (const uint8_t *)"\xBF\x3C\x00", 3, &answer, &answer_len), 0x9000);
    assert_true(contains(answer, answer_len, "smdp.new.example"));
    free(answer);
    stop(&f);
}

static void test_eco_round_trip(void **state)
{
    struct fixture f;
    struct sgp32_eim_buffer items[3], config_der = {0}, request = {0};
    struct sgp32_eim_configuration config;
    struct sgp32_eim_result result;
    uint8_t *answer;
    size_t answer_len, len;
    const uint8_t *element;
    long second_token;
    (void)state;
    start(&f, SGP32_SOFTEUICC_MODE_IOT);
    /* addEim (same key, other eimId, token assigned by the card) and listEim */
    memset(&config, 0, sizeof(config));
    config.eim_id = "second-eim";
    config.has_association_token = 1;
    config.association_token = -1;
    config.public_key_spki = f.spki;
    config.public_key_spki_len = f.spki_len;
    assert_int_equal(sgp32_eim_encode_configuration(&config, &config_der), SGP32_OK);
    assert_int_equal(sgp32_eim_eco_add_eim(config_der.data, config_der.len, &items[0]), SGP32_OK);
    assert_int_equal(sgp32_eim_eco_add_eim(config_der.data, config_der.len, &items[1]), SGP32_OK);
    assert_int_equal(sgp32_eim_eco_list_eim(&items[2]), SGP32_OK);
    sgp32_eim_buffer_free(&config_der);
    run(&f, SGP32_EIM_ECO_LIST, items, 3, &result, &answer, &answer_len);
    assert_int_equal(result.items[0].tag, 0xA8);
    element = child(answer + result.items[0].offset, result.items[0].len, 0x84, &len);
    assert_non_null(element);
    second_token = element[2];
    assert_true(second_token != f.token);
    element = child(answer + result.items[1].offset, result.items[1].len, 0x02, &len);
    assert_non_null(element);
    assert_int_equal(element[2], 2); /* associatedEimAlreadyExists */
    assert_int_equal(result.items[2].tag, 0xAB);
    assert_true(contains(answer + result.items[2].offset, result.items[2].len, "second-eim"));
    assert_true(contains(answer + result.items[2].offset, result.items[2].len, EIM_ID));
    free(answer);
    /* the new eIM signs with its own token and counter */
    assert_int_equal(sgp32_eim_psmo_get_rat(&items[0]), SGP32_OK);
    build(&f, "second-eim", second_token, 1, harness_eid, SGP32_EIM_PSMO_LIST, items, 1, &request);
    sgp32_eim_buffer_free(&items[0]);
    assert_int_equal(send_checked(&f, &request, "second-eim", second_token, 1, &result, &answer, &answer_len),
                     SGP32_OK);
    assert_int_equal(result.kind, SGP32_EIM_RESULT_SIGNED);
    sgp32_eim_buffer_free(&request);
    free(answer);
    /* updateEim (new FQDN), deleteEim of the second and of an unknown one */
    config.eim_fqdn = "updated.example.com:8443";
    config.has_association_token = 0;
    config.public_key_spki = NULL;
    assert_int_equal(sgp32_eim_encode_configuration(&config, &config_der), SGP32_OK);
    assert_int_equal(sgp32_eim_eco_update_eim(config_der.data, config_der.len, &items[0]), SGP32_OK);
    sgp32_eim_buffer_free(&config_der);
    run(&f, SGP32_EIM_ECO_LIST, items, 1, &result, &answer, &answer_len);
    expect_item(&result, 0, 0x8A, 0);
    free(answer);
    assert_int_equal(es10_raw(&f.h, (const uint8_t *)"\xBF\x55\x00", 3, &answer, &answer_len), 0x9000);
    assert_true(contains(answer, answer_len, "updated.example.com:8443"));
    free(answer);
    assert_int_equal(sgp32_eim_eco_delete_eim("second-eim", &items[0]), SGP32_OK);
    assert_int_equal(sgp32_eim_eco_delete_eim("nobody", &items[1]), SGP32_OK);
    run(&f, SGP32_EIM_ECO_LIST, items, 2, &result, &answer, &answer_len);
    expect_item(&result, 0, 0x89, 0);
    expect_item(&result, 1, 0x89, 1); /* eimNotFound */
    free(answer);
    /* the deleted eIM is unknown now: unsigned error */
    assert_int_equal(sgp32_eim_psmo_get_rat(&items[0]), SGP32_OK);
    build(&f, "second-eim", second_token, 2, harness_eid, SGP32_EIM_PSMO_LIST, items, 1, &request);
    sgp32_eim_buffer_free(&items[0]);
    assert_int_equal(send_checked(&f, &request, "second-eim", second_token, 2, &result, &answer, &answer_len),
                     SGP32_OK);
    assert_int_equal(result.kind, SGP32_EIM_ERROR_UNSIGNED);
    sgp32_eim_buffer_free(&request);
    free(answer);
    stop(&f);
}

/* Sends a package of one enable PSMO; returns the checked result. */
static void enable_package(struct fixture *f, long counter, const uint8_t *eid, const char *eim_id,
                           struct sgp32_eim_buffer *request)
{
    struct sgp32_eim_buffer item = {0};
    assert_int_equal(sgp32_eim_psmo_enable(iccid_one, 0, &item), SGP32_OK);
    build(f, eim_id, f->token, counter, eid, SGP32_EIM_PSMO_LIST, &item, 1, request);
    sgp32_eim_buffer_free(&item);
}

static void expect_error(struct fixture *f, const struct sgp32_eim_buffer *request, long counter,
                         enum sgp32_eim_result_kind kind, long code)
{
    struct sgp32_eim_result result;
    uint8_t *answer;
    size_t answer_len;
    assert_int_equal(send_checked(f, request, EIM_ID, f->token, counter, &result, &answer, &answer_len), SGP32_OK);
    assert_int_equal(result.kind, kind);
    if (kind == SGP32_EIM_ERROR_SIGNED)
        assert_int_equal(result.error_code, code);
    free(answer);
}

static void test_replay_and_counter(void **state)
{
    struct fixture f;
    struct sgp32_eim_buffer request = {0}, replay = {0};
    struct sgp32_eim_result result;
    uint8_t *answer;
    size_t answer_len;
    (void)state;
    start(&f, SGP32_SOFTEUICC_MODE_IOT);
    preload_hex(&f.h, PROFILE_ONE);
    enable_package(&f, 5, harness_eid, EIM_ID, &request);
    assert_int_equal(send_checked(&f, &request, EIM_ID, f.token, 5, &result, &answer, &answer_len), SGP32_OK);
    assert_int_equal(result.kind, SGP32_EIM_RESULT_SIGNED);
    free(answer);
    /* the very same bytes again, then a lower counter: replayError, nothing done */
    assert_int_equal(
        es10_result(&f.h, "DisableProfileRequest", "BF3211A00C5A0A" ICCID(1) "8101FF", "DisableProfileResponse"), 0);
    expect_error(&f, &request, 5, SGP32_EIM_ERROR_SIGNED, 4);
    enable_package(&f, 3, harness_eid, EIM_ID, &replay);
    expect_error(&f, &replay, 3, SGP32_EIM_ERROR_SIGNED, 4);
    sgp32_eim_buffer_free(&replay);
    assert_int_equal(profile_state(&f.h, PROFILE_STATE(1)), 0);
    /* above the card's 32-bit counter */
    enable_package(&f, 0x80000000L, harness_eid, EIM_ID, &replay);
    expect_error(&f, &replay, 0x80000000L, SGP32_EIM_ERROR_SIGNED, 6);
    sgp32_eim_buffer_free(&replay);
    /* and the counter survives a restart */
    harness_reopen(&f.h);
    expect_error(&f, &request, 5, SGP32_EIM_ERROR_SIGNED, 4);
    sgp32_eim_buffer_free(&request);
    enable_package(&f, 6, harness_eid, EIM_ID, &request);
    assert_int_equal(send_checked(&f, &request, EIM_ID, f.token, 6, &result, &answer, &answer_len), SGP32_OK);
    assert_int_equal(result.kind, SGP32_EIM_RESULT_SIGNED);
    free(answer);
    sgp32_eim_buffer_free(&request);
    assert_int_equal(profile_state(&f.h, PROFILE_STATE(1)), 1);
    stop(&f);
}

static void test_wrong_eid_unknown_eim_bad_signature(void **state)
{
    struct fixture f;
    struct sgp32_eim_buffer request = {0};
    struct sgp32_eim_result result;
    uint8_t other_eid[16], *answer;
    size_t answer_len;
    (void)state;
    start(&f, SGP32_SOFTEUICC_MODE_IOT);
    preload_hex(&f.h, PROFILE_ONE);
    memcpy(other_eid, harness_eid, 16);
    other_eid[15] ^= 0x01;
    enable_package(&f, 1, other_eid, EIM_ID, &request);
    expect_error(&f, &request, 1, SGP32_EIM_ERROR_SIGNED, 3); /* invalidEid */
    sgp32_eim_buffer_free(&request);
    /* an eIM the card does not know: unsigned, no token */
    enable_package(&f, 1, harness_eid, "stranger", &request);
    assert_int_equal(send_checked(&f, &request, "stranger", -1, 1, &result, &answer, &answer_len), SGP32_OK);
    assert_int_equal(result.kind, SGP32_EIM_ERROR_UNSIGNED);
    assert_false(result.has_association_token);
    free(answer);
    sgp32_eim_buffer_free(&request);
    /* one bit flipped in the signature, then in the signed data (the ICCID): unsigned, with the token */
    enable_package(&f, 1, harness_eid, EIM_ID, &request);
    request.data[request.len - 1] ^= 0x01;
    expect_error(&f, &request, 1, SGP32_EIM_ERROR_UNSIGNED, 0);
    request.data[request.len - 1] ^= 0x01;
    {
        uint8_t *iccid = NULL;
        size_t at;
        for (at = 0; at + 10 <= request.len && iccid == NULL; at++)
            if (memcmp(request.data + at, iccid_one, 10) == 0)
                iccid = request.data + at;
        assert_non_null(iccid);
        iccid[9] ^= 0x01;
        assert_int_equal(send_checked(&f, &request, EIM_ID, f.token, 1, &result, &answer, &answer_len), SGP32_OK);
        assert_int_equal(result.kind, SGP32_EIM_ERROR_UNSIGNED);
        assert_true(result.has_association_token);
        assert_int_equal(result.association_token, f.token);
        free(answer);
        iccid[9] ^= 0x01;
    }
    assert_int_equal(profile_state(&f.h, PROFILE_STATE(1)), 0);
    /* none of these consumed the counter: the intact package still runs */
    assert_int_equal(send_checked(&f, &request, EIM_ID, f.token, 1, &result, &answer, &answer_len), SGP32_OK);
    assert_int_equal(result.kind, SGP32_EIM_RESULT_SIGNED);
    expect_item(&result, 0, 0x83, 0);
    free(answer);
    sgp32_eim_buffer_free(&request);
    stop(&f);
}

static void test_tampered_result_refused(void **state)
{
    struct fixture f;
    struct sgp32_eim_buffer request = {0};
    struct sgp32_eim_result result;
    struct sgp32_eim_expected expected = {EIM_ID, 1, (const uint8_t *)"\x01\x02\x03\x04", 4, 1, 0, -1};
    uint8_t *answer;
    size_t answer_len;
    (void)state;
    start(&f, SGP32_SOFTEUICC_MODE_IOT);
    preload_hex(&f.h, PROFILE_ONE);
    enable_package(&f, 1, harness_eid, EIM_ID, &request);
    assert_int_equal(es10_raw(&f.h, request.data, request.len, &answer, &answer_len), 0x9000);
    expected.association_token = f.token;
    assert_int_equal(sgp32_eim_verify_result(answer, answer_len, f.euicc_cert, f.euicc_cert_len, &expected, &result),
                     SGP32_OK);
    expected.last_seq_number = result.seq_number; /* the same result again is stale */
    assert_int_equal(sgp32_eim_verify_result(answer, answer_len, f.euicc_cert, f.euicc_cert_len, &expected, &result),
                     SGP32_ERR_PROTOCOL);
    expected.last_seq_number = -1;
    expected.counter_value = 2; /* not the counter sent */
    assert_int_equal(sgp32_eim_verify_result(answer, answer_len, f.euicc_cert, f.euicc_cert_len, &expected, &result),
                     SGP32_ERR_PROTOCOL);
    expected.counter_value = 1;
    expected.association_token = f.token + 1; /* the signature covers the token */
    assert_int_equal(sgp32_eim_verify_result(answer, answer_len, f.euicc_cert, f.euicc_cert_len, &expected, &result),
                     SGP32_ERR_CRYPTO);
    free(answer);
    sgp32_eim_buffer_free(&request);
    stop(&f);
}

static void test_consumer_card_does_not_know_packages(void **state)
{
    struct fixture f;
    struct sgp32_eim_buffer request = {0};
    uint8_t *answer;
    size_t answer_len;
    (void)state;
    start(&f, SGP32_SOFTEUICC_MODE_CONSUMER);
    enable_package(&f, 1, harness_eid, EIM_ID, &request);
    assert_int_equal(es10_raw(&f.h, request.data, request.len, &answer, &answer_len), 0x6A88);
    free(answer);
    sgp32_eim_buffer_free(&request);
    stop(&f);
}

static void test_failed_write_keeps_old_state(void **state)
{
    struct fixture f;
    struct sgp32_eim_buffer request = {0};
    struct sgp32_eim_result result;
    uint8_t *answer;
    size_t answer_len;
    (void)state;
    start(&f, SGP32_SOFTEUICC_MODE_IOT);
    preload_hex(&f.h, PROFILE_ONE);
    enable_package(&f, 1, harness_eid, EIM_ID, &request);
    sgp32_softeuicc_fail_next_state_write(f.h.card);
    expect_error(&f, &request, 1, SGP32_EIM_ERROR_SIGNED, 127);
    assert_int_equal(profile_state(&f.h, PROFILE_STATE(1)), 0);
    assert_int_equal(es10_raw(&f.h, (const uint8_t *)"\xBF\x2B\x04\xA0\x02\x82\x00", 7, &answer, &answer_len), 0x9000);
    assert_int_equal(answer_len, 5); /* BF2B 02 A2 00: no result kept */
    free(answer);
    harness_reopen(&f.h);
    assert_int_equal(profile_state(&f.h, PROFILE_STATE(1)), 0);
    /* the counter was not consumed */
    assert_int_equal(send_checked(&f, &request, EIM_ID, f.token, 1, &result, &answer, &answer_len), SGP32_OK);
    assert_int_equal(result.kind, SGP32_EIM_RESULT_SIGNED);
    free(answer);
    sgp32_eim_buffer_free(&request);
    stop(&f);
}

/* STORE DATA blocks straight to the card, stopping when it loses power; returns the blocks sent. */
static unsigned store_data_until_power_loss(struct fixture *f, const struct sgp32_eim_buffer *request)
{
    uint8_t command[5 + 255 + 1], response[300];
    size_t offset = 0, response_len;
    unsigned block = 0;
    while (offset < request->len) {
        size_t chunk = request->len - offset > 255 ? 255 : request->len - offset;
        enum sgp32_status status;
        command[0] = f->h.channel_cla;
        command[1] = 0xE2;
        command[2] = offset + chunk == request->len ? 0x91 : 0x11;
        command[3] = (uint8_t)block++;
        command[4] = (uint8_t)chunk;
        memcpy(command + 5, request->data + offset, chunk);
        command[5 + chunk] = 0x00;
        status = sgp32_softeuicc_process_apdu(f->h.card, command, 6 + chunk, response, sizeof(response), &response_len);
        offset += chunk;
        if (status == SGP32_ERR_NO_CARD)
            break;
        assert_int_equal(status, SGP32_OK);
    }
    return block;
}

static void test_power_loss_during_package(void **state)
{
    struct fixture f;
    struct sgp32_eim_buffer items[12], request = {0};
    struct sgp32_eim_result result;
    uint8_t *answer;
    size_t answer_len, i;
    (void)state;
    start(&f, SGP32_SOFTEUICC_MODE_IOT);
    preload_hex(&f.h, PROFILE_ONE);
    /* enable + enough listProfileInfo PSMOs for several STORE DATA blocks */
    assert_int_equal(sgp32_eim_psmo_enable(iccid_one, 0, &items[0]), SGP32_OK);
    for (i = 1; i < 12; i++)
        assert_int_equal(sgp32_eim_psmo_list_profile_info((const uint8_t *)"\xBF\x2D\x1C\xA0\x0C\x5A\x0A\x89\x00\x00"
                                                                           "\x00\x00\x00\x00\x00\x00\x01\x5C\x0C\x5A"
                                                                           "\x4F\x9F\x70\x90\x91\x92\x93\x94\x95\x99"
                                                                           "\xB6",
                                                          31, &items[i]),
                         SGP32_OK);
    build(&f, EIM_ID, f.token, 1, harness_eid, SGP32_EIM_PSMO_LIST, items, 12, &request);
    for (i = 0; i < 12; i++)
        sgp32_eim_buffer_free(&items[i]);
    assert_true(request.len > 255);
    if (f.h.channel_cla == 0)
        es10_open(&f.h);
    /* power lost after the first block: the card never saw the package */
    sgp32_softeuicc_power_loss_after(f.h.card, 1);
    assert_int_equal(store_data_until_power_loss(&f, &request), 1);
    harness_reopen(&f.h);
    assert_int_equal(profile_state(&f.h, PROFILE_STATE(1)), 0);
    /* power lost after the last block: executed and committed, only the answer is lost */
    es10_open(&f.h);
    sgp32_softeuicc_power_loss_after(f.h.card, (uint32_t)((request.len + 254) / 255));
    assert_int_equal(store_data_until_power_loss(&f, &request), (request.len + 254) / 255);
    harness_reopen(&f.h);
    assert_int_equal(profile_state(&f.h, PROFILE_STATE(1)), 1);
    expect_error(&f, &request, 1, SGP32_EIM_ERROR_SIGNED, 4); /* consumed: a replay now */
    /* the lost result is still on the card for the IPA to fetch */
    assert_int_equal(es10_raw(&f.h, (const uint8_t *)"\xBF\x2B\x04\xA0\x02\x82\x00", 7, &answer, &answer_len), 0x9000);
    assert_true(answer_len > 100);
    {
        struct sgp32_eim_expected expected = {EIM_ID, 1, (const uint8_t *)"\x01\x02\x03\x04", 4, 1, f.token, -1};
        size_t len;
        const uint8_t *kept = child(answer, answer_len, 0xA2, &len);
        struct sgp32_tlv_header header;
        assert_non_null(kept);
        assert_int_equal(sgp32_tlv_parse_header(kept, len, &header), SGP32_OK);
        kept += header.header_len;
        assert_int_equal(
            sgp32_eim_verify_result(kept, header.length, f.euicc_cert, f.euicc_cert_len, &expected, &result), SGP32_OK);
        expect_item(&result, 0, 0x83, 0);
        assert_int_equal(result.item_count, 12);
    }
    free(answer);
    sgp32_eim_buffer_free(&request);
    stop(&f);
}

/* SGP.32 5.9.16: after a rollback the card answers, and keeps, an eUICC-signed EuiccPackageResult
 * with rollbackResult [12] ok that echoes the enabling package (eimId, counterValue, transaction id)
 * under a new seqNumber; it survives a restart until NotificationSent removes it. */
static void test_rollback_result(void **state)
{
    struct fixture f;
    struct sgp32_eim_buffer items[1];
    struct sgp32_eim_result result;
    struct sgp32_eim_expected expected = {EIM_ID, 0, (const uint8_t *)"\x01\x02\x03\x04", 4, 1, 0, -1};
    struct sgp32_tlv_header header;
    uint8_t *answer, *list;
    size_t answer_len, list_len, len, epr_len;
    const uint8_t *element, *epr;
    long enable_seq;
    char remove[32];
    (void)state;
    start(&f, SGP32_SOFTEUICC_MODE_IOT);
    preload_hex(&f.h, PROFILE_ONE);
    preload_hex(&f.h, PROFILE_PROVISIONING);
    assert_int_equal(sgp32_eim_psmo_enable(iccid_provisioning, 0, &items[0]), SGP32_OK);
    run(&f, SGP32_EIM_PSMO_LIST, items, 1, &result, &answer, &answer_len);
    free(answer);
    assert_int_equal(sgp32_eim_psmo_enable(iccid_one, 1, &items[0]), SGP32_OK);
    run(&f, SGP32_EIM_PSMO_LIST, items, 1, &result, &answer, &answer_len);
    expect_item(&result, 0, 0x83, 0);
    free(answer);
    enable_seq = f.last_seq;
    /* a later package without an enable leaves the rollback armed for the enabling one */
    assert_int_equal(sgp32_eim_psmo_get_rat(&items[0]), SGP32_OK);
    run(&f, SGP32_EIM_PSMO_LIST, items, 1, &result, &answer, &answer_len);
    free(answer);
    /* the armed rollback survives a restart */
    harness_reopen(&f.h);
    assert_int_equal(es10_raw(&f.h, (const uint8_t *)"\xBF\x58\x03\x80\x01\xFF", 6, &answer, &answer_len), 0x9000);
    assert_int_equal(sgp32_der_validate(sgp32_codec_type_find("ProfileRollbackResponse"), answer, answer_len),
                     SGP32_OK);
    element = child(answer, answer_len, 0x02, &len);
    assert_non_null(element);
    assert_int_equal(len, 3);
    assert_int_equal(element[2], 0); /* cmdResult ok */
    epr = child(answer, answer_len, 0xBF51, &epr_len);
    assert_non_null(epr);
    expected.counter_value = f.counter - 1; /* the enabling package's, not the last one's */
    expected.association_token = f.token;
    expected.last_seq_number = f.last_seq;
    assert_int_equal(sgp32_eim_verify_result(epr, epr_len, f.euicc_cert, f.euicc_cert_len, &expected, &result),
                     SGP32_OK);
    assert_int_equal(result.kind, SGP32_EIM_RESULT_SIGNED);
    assert_true(result.seq_number > f.last_seq && result.seq_number > enable_seq);
    assert_int_equal(result.item_count, 1);
    expect_item(&result, 0, 0x8C, 0); /* rollbackResult ok */
    assert_int_equal(profile_state(&f.h, PROFILE_STATE(6)), 1);
    assert_int_equal(profile_state(&f.h, PROFILE_STATE(1)), 0);
    /* kept among the package results, byte for byte, across a restart */
    harness_reopen(&f.h);
    assert_int_equal(es10_raw(&f.h, (const uint8_t *)"\xBF\x2B\x04\xA0\x02\x82\x00", 7, &list, &list_len), 0x9000);
    element = child(list, list_len, 0xA2, &len);
    assert_non_null(element);
    assert_int_equal(sgp32_tlv_parse_header(element, len, &header), SGP32_OK);
    assert_true(header.length >= epr_len);
    assert_memory_equal(element + len - epr_len, epr, epr_len);
    free(list);
    snprintf(remove, sizeof(remove), "BF30038001%02lX", result.seq_number);
    assert_int_equal(es10_result(&f.h, "NotificationSentRequest", remove, "NotificationSentResponse"), 0);
    assert_int_equal(es10_result(&f.h, "NotificationSentRequest", remove, "NotificationSentResponse"), 1);
    free(answer);
    /* once only: a second rollback is refused and carries no result */
    assert_int_equal(es10_raw(&f.h, (const uint8_t *)"\xBF\x58\x03\x80\x01\xFF", 6, &answer, &answer_len), 0x9000);
    element = child(answer, answer_len, 0x02, &len);
    assert_non_null(element);
    assert_int_equal(element[2], 1); /* rollbackNotAllowed */
    assert_null(child(answer, answer_len, 0xBF51, &len));
    free(answer);
    stop(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_psmo_round_trip),
        cmocka_unit_test(test_rollback_result),
        cmocka_unit_test(test_eco_round_trip),
        cmocka_unit_test(test_replay_and_counter),
        cmocka_unit_test(test_wrong_eid_unknown_eim_bad_signature),
        cmocka_unit_test(test_tampered_result_refused),
        cmocka_unit_test(test_consumer_card_does_not_know_packages),
        cmocka_unit_test(test_failed_write_keeps_old_state),
        cmocka_unit_test(test_power_loss_during_package),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
