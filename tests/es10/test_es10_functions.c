/* SPDX-License-Identifier: MIT */
/* The typed ES10 functions (include/sgp32/es10.h) against the in-process software eUICC: results,
 * the ES10 result codes in the error detail, recovery after 6985 / REFRESH, and the streaming BPP
 * loader in a full download against the SM-DP+ side (examples/servers/smdp). */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "download_harness.h"
#include "sgp32/sgp32.h"

/* Operational profile, notifications for enable/disable/delete (tests/softeuicc/es10_requests.h). */
static const char profile_one[] =
    "E3545A0A890000000000000000014F10A0000005591010FFFFFFFF890000110091084F70657261746F72920B50726F66696C65204F6E6595"
    "0102B61A30188002047081126E6F746966792E6578616D706C652E636F6D";
/* Emergency (eCall) profile. */
static const char profile_emergency[] =
    "E32C5A0A890000000000000000054F10A0000005591010FFFFFFFF890000150092056543616C6C9501029F7B01FF";
static const uint8_t iccid_one[10] = {0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
static const uint8_t aid_one[16] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x11, 0x00};
static const uint8_t iccid_unknown[10] = {0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF};

static size_t from_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    unsigned value;
    while (hex[0] != '\0' && hex[1] != '\0') {
        assert_true(n < cap);
        assert_int_equal(sscanf(hex, "%2x", &value), 1);
        out[n++] = (uint8_t)value;
        hex += 2;
    }
    return n;
}

static void preload(struct env *e, const char *hex)
{
    uint8_t der[256];
    size_t len = from_hex(hex, der, sizeof(der));
    assert_int_equal(sgp32_softeuicc_preload_profile(e->card, der, len), SGP32_OK);
}

static long last_result(struct env *e)
{
    const struct sgp32_es10_error *error = sgp32_es10_last_error(e->es10);
    assert_int_equal(error->status, SGP32_ERR_EUICC_RESULT);
    return error->es10_result;
}

static void expect_result(struct env *e, enum sgp32_status st, long code)
{
    assert_int_equal(st, SGP32_ERR_EUICC_RESULT);
    assert_int_equal(last_result(e), code);
}

/* A fresh card (PKI of curve NIST, IoT mode) with its options, connected. */
static void start(struct env *e, const struct sgp32_softeuicc_options *options)
{
    env_start(e, "nist");
    if (options != NULL) {
        sgp32_es10_free(e->es10);
        sgp32_softeuicc_free(e->card);
        assert_int_equal(sgp32_softeuicc_open(e->dir, options, &e->card), SGP32_OK);
        sgp32_softeuicc_transport(e->card, &e->transport);
        assert_int_equal(e->transport.ops->open(e->transport.user, NULL, 0, NULL, 1000), SGP32_OK);
        assert_int_equal(sgp32_es10_new(&e->transport, NULL, &e->es10), SGP32_OK);
        assert_int_equal(sgp32_es10_connect(e->es10), SGP32_OK);
    }
}

static int contains(const uint8_t *data, size_t len, const uint8_t *needle, size_t needle_len)
{
    size_t i;
    for (i = 0; i + needle_len <= len; i++)
        if (memcmp(data + i, needle, needle_len) == 0)
            return 1;
    return 0;
}

static void test_information(void **state)
{
    struct env e;
    uint8_t eid[16], expected_eid[16], c1[16], c2[16], *answer = NULL;
    size_t len = 0;
    char dp[64], ds[64];
    (void)state;
    start(&e, NULL);
    assert_int_equal(sgp32_es10_get_eid(e.es10, eid), SGP32_OK);
    {
        uint8_t request[] = {0xBF, 0x3E, 0x03, 0x5C, 0x01, 0x5A};
        assert_int_equal(sgp32_es10_transceive(e.es10, request, sizeof(request), &answer, &len), SGP32_OK);
        assert_int_equal(len, 21);
        memcpy(expected_eid, answer + 5, 16);
        sgp32_buffer_free(answer);
    }
    assert_memory_equal(eid, expected_eid, 16);
    assert_int_equal(sgp32_es10_get_euicc_challenge(e.es10, c1), SGP32_OK);
    assert_int_equal(sgp32_es10_get_euicc_challenge(e.es10, c2), SGP32_OK);
    assert_memory_not_equal(c1, c2, 16);

    assert_int_equal(sgp32_es10_get_euicc_info1(e.es10, &answer, &len), SGP32_OK);
    assert_der_of("EUICCInfo1", answer, len);
    sgp32_buffer_free(answer);
    assert_int_equal(sgp32_es10_get_euicc_info2(e.es10, &answer, &len), SGP32_OK);
    assert_der_of("SGP32-EUICCInfo2", answer, len);
    sgp32_buffer_free(answer);
    assert_int_equal(sgp32_es10_get_rat(e.es10, &answer, &len), SGP32_OK);
    assert_der_of("GetRatResponse", answer, len);
    sgp32_buffer_free(answer);
    assert_int_equal(sgp32_es10_get_euicc_data(e.es10, (const uint8_t *)"\x5A", 1, &answer, &len), SGP32_OK);
    assert_int_equal(len, 21);
    sgp32_buffer_free(answer);

    /* Certificates of the test PKI; an unknown CI PKID is invalidCiPKId (1). */
    assert_int_equal(sgp32_es10_get_certs(e.es10, NULL, 0, &answer, &len), SGP32_OK);
    assert_der_of("GetCertsResponse", answer, len);
    sgp32_buffer_free(answer);
    {
        uint8_t pkid[20];
        memset(pkid, 0x11, sizeof(pkid));
        expect_result(&e, sgp32_es10_get_certs(e.es10, pkid, sizeof(pkid), &answer, &len), 1);
        sgp32_buffer_free(answer);
    }

    /* Default SM-DP+ address through both SetDefaultDpAddress variants. */
    assert_int_equal(sgp32_es10_get_euicc_configured_addresses(e.es10, dp, sizeof(dp), ds, sizeof(ds)), SGP32_OK);
    assert_string_equal(dp, "");
    assert_string_equal(ds, "lpa.ds.gsma.com");
    assert_int_equal(sgp32_es10_set_default_dp_address(e.es10, "new.example.com"), SGP32_OK);
    assert_int_equal(sgp32_es10_get_euicc_configured_addresses(e.es10, dp, sizeof(dp), NULL, 0), SGP32_OK);
    assert_string_equal(dp, "new.example.com");
    assert_int_equal(sgp32_es10_get_euicc_configured_addresses(e.es10, dp, 4, NULL, 0), SGP32_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(sgp32_es10_set_default_dp_address_iot(e.es10, "iot.example.com"), SGP32_OK);
    assert_int_equal(sgp32_es10_get_euicc_configured_addresses(e.es10, dp, sizeof(dp), NULL, 0), SGP32_OK);
    assert_string_equal(dp, "iot.example.com");
    /* A failed commit is undefinedError (127). */
    sgp32_softeuicc_fail_next_state_write(e.card);
    expect_result(&e, sgp32_es10_set_default_dp_address(e.es10, "x.example.com"), 127);
    env_stop(&e);
}

static void test_profiles_and_error_mapping(void **state)
{
    struct env e;
    uint8_t *answer = NULL;
    size_t len = 0;
    static const uint8_t nickname_tlv[] = {0x90, 0x04, 'M', 'i', 'n', 'e'};
    (void)state;
    start(&e, NULL);
    preload(&e, profile_one);

    expect_result(&e, sgp32_es10_enable_profile(e.es10, SGP32_ES10_PROFILE_ICCID, iccid_unknown, 10, 0),
                  1); /* iccidOrAidNotFound */
    expect_result(&e, sgp32_es10_disable_profile(e.es10, SGP32_ES10_PROFILE_ICCID, iccid_one, 10, 0),
                  2); /* profileNotInEnabledState */
    assert_int_equal(sgp32_es10_enable_profile(e.es10, SGP32_ES10_PROFILE_AID, aid_one, 16, 0), SGP32_OK);
    assert_int_equal(sgp32_es10_last_error(e.es10)->es10_result, 0);
    expect_result(&e, sgp32_es10_enable_profile(e.es10, SGP32_ES10_PROFILE_ICCID, iccid_one, 10, 0),
                  2); /* profileNotInDisabledState */
    expect_result(&e, sgp32_es10_delete_profile(e.es10, SGP32_ES10_PROFILE_ICCID, iccid_one, 10),
                  2); /* profileNotInDisabledState */

    assert_int_equal(sgp32_es10_set_nickname(e.es10, iccid_one, "Mine"), SGP32_OK);
    expect_result(&e, sgp32_es10_set_nickname(e.es10, iccid_unknown, "Mine"), 1); /* iccidNotFound */
    assert_int_equal(sgp32_es10_get_profiles_info(e.es10, NULL, 0, &answer, &len), SGP32_OK);
    assert_der_of("SGP32-ProfileInfoListResponse", answer, len);
    assert_true(contains(answer, len, iccid_one, 10));
    assert_true(contains(answer, len, nickname_tlv, sizeof(nickname_tlv)));
    sgp32_buffer_free(answer);
    {
        /* A filtered request is forwarded as given: the profile by ICCID, only its ICCID. */
        static const uint8_t filtered[] = {0xBF, 0x2D, 0x11, 0xA0, 0x0C, 0x5A, 0x0A, 0x89, 0,    0,
                                           0,    0,    0,    0,    0,    0,    0x01, 0x5C, 0x01, 0x5A};
        assert_int_equal(sgp32_es10_get_profiles_info(e.es10, filtered, sizeof(filtered), &answer, &len), SGP32_OK);
        assert_true(contains(answer, len, iccid_one, 10));
        assert_false(contains(answer, len, nickname_tlv, sizeof(nickname_tlv)));
        sgp32_buffer_free(answer);
        assert_int_equal(sgp32_es10_get_profiles_info(e.es10, filtered, sizeof(filtered) - 1, &answer, &len),
                         SGP32_ERR_INVALID_ARGUMENT);
    }

    assert_int_equal(sgp32_es10_disable_profile(e.es10, SGP32_ES10_PROFILE_ICCID, iccid_one, 10, 0), SGP32_OK);
    assert_int_equal(sgp32_es10_delete_profile(e.es10, SGP32_ES10_PROFILE_AID, aid_one, 16), SGP32_OK);
    expect_result(&e, sgp32_es10_delete_profile(e.es10, SGP32_ES10_PROFILE_ICCID, iccid_one, 10), 1);
    /* Wrong identifiers never reach the card. */
    assert_int_equal(sgp32_es10_enable_profile(e.es10, SGP32_ES10_PROFILE_ICCID, iccid_one, 9, 0),
                     SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_es10_enable_profile(e.es10, 0x99, iccid_one, 10, 0), SGP32_ERR_INVALID_ARGUMENT);
    env_stop(&e);
}

static void test_notifications(void **state)
{
    struct env e;
    uint8_t *answer = NULL;
    size_t len = 0;
    long code = 0;
    (void)state;
    start(&e, NULL);
    preload(&e, profile_one);
    assert_int_equal(sgp32_es10_enable_profile(e.es10, SGP32_ES10_PROFILE_ICCID, iccid_one, 10, 0), SGP32_OK);
    assert_int_equal(sgp32_es10_disable_profile(e.es10, SGP32_ES10_PROFILE_ICCID, iccid_one, 10, 0), SGP32_OK);

    assert_int_equal(sgp32_es10_list_notification(e.es10, -1, &answer, &len), SGP32_OK);
    assert_der_of("ListNotificationResponse", answer, len);
    assert_int_equal(answer[3], 0xA0);
    sgp32_buffer_free(answer);
    /* Filtered on disable (bit 2): the enable notification (seq 1) is not listed. */
    assert_int_equal(sgp32_es10_list_notification(e.es10, 2, &answer, &len), SGP32_OK);
    assert_der_of("ListNotificationResponse", answer, len);
    assert_false(contains(answer, len, (const uint8_t *)"\x80\x01\x01", 3));
    assert_true(contains(answer, len, (const uint8_t *)"\x80\x01\x02", 3));
    sgp32_buffer_free(answer);

    assert_int_equal(sgp32_es10_retrieve_notifications_list(e.es10, SGP32_ES10_NOTIFICATIONS_ALL, 0, &answer, &len),
                     SGP32_OK);
    assert_der_of("SGP32-RetrieveNotificationsListResponse", answer, len);
    sgp32_buffer_free(answer);
    assert_int_equal(
        sgp32_es10_retrieve_notifications_list(e.es10, SGP32_ES10_NOTIFICATIONS_BY_SEQ_NUMBER, 1, &answer, &len),
        SGP32_OK);
    assert_der_of("SGP32-RetrieveNotificationsListResponse", answer, len);
    sgp32_buffer_free(answer);
    assert_int_equal(
        sgp32_es10_retrieve_notifications_list(e.es10, SGP32_ES10_NOTIFICATIONS_BY_OPERATION, 2, &answer, &len),
        SGP32_OK);
    sgp32_buffer_free(answer);
    assert_int_equal(sgp32_es10_retrieve_notifications_list(e.es10, SGP32_ES10_NOTIFICATIONS_EUICC_PACKAGE_RESULTS, 0,
                                                            &answer, &len),
                     SGP32_OK);
    assert_der_of("SGP32-RetrieveNotificationsListResponse", answer, len);
    sgp32_buffer_free(answer);

    assert_int_equal(sgp32_es10_remove_notification_from_list(e.es10, 1), SGP32_OK);
    expect_result(&e, sgp32_es10_remove_notification_from_list(e.es10, 1), 1); /* nothingToDelete */
    (void)code;
    env_stop(&e);
}

static void test_memory_reset(void **state)
{
    struct env e;
    long eim = 0, iec = 0;
    (void)state;
    start(&e, NULL);
    preload(&e, profile_one);
    assert_int_equal(sgp32_es10_euicc_memory_reset(e.es10, SGP32_ES10_RESET_OPERATIONAL_PROFILES), SGP32_OK);
    expect_result(&e, sgp32_es10_euicc_memory_reset(e.es10, SGP32_ES10_RESET_OPERATIONAL_PROFILES), 1);
    preload(&e, profile_one);
    assert_int_equal(sgp32_es10_euicc_memory_reset_iot(e.es10,
                                                       SGP32_ES10_RESET_OPERATIONAL_PROFILES |
                                                           SGP32_ES10_RESET_EIM_CONFIG_DATA |
                                                           SGP32_ES10_RESET_IMMEDIATE_ENABLE_CONFIG,
                                                       &eim, &iec),
                     SGP32_OK);
    assert_true(eim == 0 || eim == 1);
    assert_int_equal(iec, 0);
    expect_result(&e, sgp32_es10_euicc_memory_reset_iot(e.es10, SGP32_ES10_RESET_OPERATIONAL_PROFILES, &eim, &iec), 1);
    assert_int_equal(eim, -1);
    assert_int_equal(sgp32_es10_euicc_memory_reset(e.es10, 0), SGP32_ERR_INVALID_ARGUMENT);
    env_stop(&e);
}

static void test_iot_functions(void **state)
{
    struct env e;
    uint8_t *answer = NULL, request[64];
    size_t len = 0, request_len;
    (void)state;
    start(&e, NULL);

    assert_int_equal(sgp32_es10_configure_immediate_profile_enabling(e.es10, 1, NULL, 0, "dp.example.com"), SGP32_OK);
    /* No eIM yet; two entries for the same eIM is commandError (7). */
    assert_int_equal(sgp32_es10_get_eim_configuration_data(e.es10, NULL, &answer, &len), SGP32_OK);
    assert_der_of("GetEimConfigurationDataResponse", answer, len);
    sgp32_buffer_free(answer);
    request_len = from_hex("BF570CA00A30038001413003800141", request, sizeof(request));
    expect_result(&e, sgp32_es10_add_initial_eim(e.es10, request, request_len, &answer, &len), 7);
    assert_non_null(answer); /* the answer comes back with the mapped error */
    sgp32_buffer_free(answer);
    request_len = from_hex("BF5707A0053003800141", request, sizeof(request));
    assert_int_equal(sgp32_es10_add_initial_eim(e.es10, request, request_len, &answer, &len), SGP32_OK);
    assert_der_of("AddInitialEimResponse", answer, len);
    sgp32_buffer_free(answer);
    expect_result(&e, sgp32_es10_add_initial_eim(e.es10, request, request_len, &answer, &len), 2);
    sgp32_buffer_free(answer);
    assert_int_equal(sgp32_es10_add_initial_eim(e.es10, request, request_len - 1, &answer, &len),
                     SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_es10_get_eim_configuration_data(e.es10, "A", &answer, &len), SGP32_OK);
    assert_true(contains(answer, len, (const uint8_t *)"\x80\x01\x41", 3));
    sgp32_buffer_free(answer);
    /* associatedEimAlreadyExists (2) once an eIM is configured. */
    expect_result(&e, sgp32_es10_configure_immediate_profile_enabling(e.es10, 1, NULL, 0, NULL), 2);

    expect_result(&e, sgp32_es10_profile_rollback(e.es10, 0, &answer, &len), 1); /* rollbackNotAllowed */
    assert_der_of("ProfileRollbackResponse", answer, len);
    sgp32_buffer_free(answer);
    assert_int_equal(sgp32_es10_immediate_enable(e.es10, 0), SGP32_ERR_EUICC_RESULT);
    assert_true(last_result(&e) == 1 || last_result(&e) == 4);
    expect_result(&e, sgp32_es10_enable_emergency_profile(e.es10, 0), 8);   /* ecallNotAvailable */
    expect_result(&e, sgp32_es10_execute_fallback_mechanism(e.es10, 0), 6); /* fallbackNotAvailable */
    expect_result(&e, sgp32_es10_return_from_fallback(e.es10, 0), 6);       /* fallbackNotAvailable */
    expect_result(&e, sgp32_es10_get_connectivity_parameters(e.es10, &answer, &len), 1);
    sgp32_buffer_free(answer);
    expect_result(&e, sgp32_es10_ipae_activation(e.es10, 1), 1); /* notSupported */

    preload(&e, profile_emergency);
    expect_result(&e, sgp32_es10_disable_emergency_profile(e.es10, 0), 2); /* profileNotInEnabledState */
    assert_int_equal(sgp32_es10_enable_emergency_profile(e.es10, 0), SGP32_OK);
    assert_int_equal(sgp32_es10_disable_emergency_profile(e.es10, 0), SGP32_OK);
    env_stop(&e);
}

/* The forwarded and CRL commands with answers the card refuses: the answer is returned and decoded. */
static void test_forwarded_commands(void **state)
{
    struct env e;
    uint8_t *answer = NULL, tid[16];
    size_t len = 0;
    long code = -1;
    static const uint8_t not_a_crl[] = {0x30, 0x03, 0x02, 0x01, 0x00};
    static const uint8_t bad_package[] = {0xBF, 0x51, 0x00};
    (void)state;
    start(&e, NULL);
    memset(tid, 0x42, sizeof(tid));
    assert_int_equal(sgp32_es10_cancel_session(e.es10, tid, sizeof(tid), 127, &answer, &len), SGP32_OK);
    assert_der_of("SGP32-CancelSessionResponse", answer, len);
    assert_int_equal(sgp32_es10_answer_error_code(answer, len, &code), SGP32_OK);
    assert_int_equal(code, 5); /* invalidTransactionId: no session */
    sgp32_buffer_free(answer);
    /* LoadCRL: whatever the card answers is a LoadCRLResponse. */
    if (sgp32_es10_load_crl(e.es10, not_a_crl, sizeof(not_a_crl), &answer, &len) == SGP32_ERR_EUICC_RESULT)
        assert_true(last_result(&e) != 0);
    sgp32_buffer_free(answer);
    answer = NULL;
    /* A malformed request tag is refused before the card. */
    assert_int_equal(sgp32_es10_authenticate_server(e.es10, bad_package, sizeof(bad_package), &answer, &len),
                     SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_es10_prepare_download(e.es10, bad_package, sizeof(bad_package), &answer, &len),
                     SGP32_ERR_INVALID_ARGUMENT);
    env_stop(&e);
}

/* Quirk: after a profile switch every ES10 command answers 6985 until a reset. */
static void test_recovery_6985(void **state)
{
    struct env e;
    struct sgp32_softeuicc_options options;
    uint8_t eid[16], *answer = NULL;
    size_t len = 0;
    (void)state;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.quirk_6985_after_switch = 1;
    start(&e, &options);
    preload(&e, profile_one);
    assert_int_equal(sgp32_es10_enable_profile(e.es10, SGP32_ES10_PROFILE_ICCID, iccid_one, 10, 0), SGP32_OK);
    /* Not read-only: reported, not retried. */
    assert_int_equal(sgp32_es10_set_nickname(e.es10, iccid_one, "After"), SGP32_ERR_CARD_STATUS);
    assert_int_equal(sgp32_es10_last_error(e.es10)->sw, 0x6985);
    /* The next call re-establishes the session first. */
    assert_int_equal(sgp32_es10_set_nickname(e.es10, iccid_one, "After"), SGP32_OK);
    /* A read-only command meeting 6985 is retried once after reset + reconnect. */
    assert_int_equal(sgp32_es10_disable_profile(e.es10, SGP32_ES10_PROFILE_ICCID, iccid_one, 10, 0), SGP32_OK);
    assert_int_equal(sgp32_es10_get_eid(e.es10, eid), SGP32_OK);
    assert_int_equal(sgp32_es10_get_profiles_info(e.es10, NULL, 0, &answer, &len), SGP32_OK);
    assert_true(contains(answer, len,
                         (const uint8_t *)"\x90\x05"
                                          "After",
                         7));
    sgp32_buffer_free(answer);
    env_stop(&e);
}

/* Without the card reset, reconnecting does not help this card: the retry's 6985 is reported. */
static void test_recovery_without_reset_reports_6985(void **state)
{
    struct env e;
    struct sgp32_softeuicc_options options;
    struct sgp32_es10_options es10_options;
    uint8_t eid[16];
    (void)state;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.quirk_6985_after_switch = 1;
    start(&e, &options);
    preload(&e, profile_one);
    sgp32_es10_free(e.es10);
    memset(&es10_options, 0, sizeof(es10_options));
    es10_options.size = sizeof(es10_options);
    es10_options.flags = SGP32_ES10_RECOVER_WITHOUT_RESET;
    assert_int_equal(sgp32_es10_new(&e.transport, &es10_options, &e.es10), SGP32_OK);
    assert_int_equal(sgp32_es10_connect(e.es10), SGP32_OK);
    assert_int_equal(sgp32_es10_enable_profile(e.es10, SGP32_ES10_PROFILE_ICCID, iccid_one, 10, 0), SGP32_OK);
    assert_int_equal(sgp32_es10_get_eid(e.es10, eid), SGP32_ERR_CARD_STATUS);
    assert_int_equal(sgp32_es10_last_error(e.es10)->sw, 0x6985);
    env_stop(&e);
}

/* Quirk: a switch with refreshFlag ends in 91xx (REFRESH pending); the session is re-established. */
static void test_recovery_refresh(void **state)
{
    struct env e;
    struct sgp32_softeuicc_options options;
    uint8_t *answer = NULL;
    size_t len = 0;
    (void)state;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.quirk_refresh_91xx = 1;
    start(&e, &options);
    preload(&e, profile_one);
    assert_int_equal(sgp32_es10_enable_profile(e.es10, SGP32_ES10_PROFILE_ICCID, iccid_one, 10, 1), SGP32_OK);
    assert_int_equal(sgp32_es10_proactive_pending(e.es10), 1);
    assert_int_equal(sgp32_softeuicc_proactive_pending(e.card), 1);
    assert_int_equal(sgp32_es10_get_profiles_info(e.es10, NULL, 0, &answer, &len), SGP32_OK);
    sgp32_buffer_free(answer);
    assert_int_equal(sgp32_softeuicc_proactive_pending(e.card), 0);
    assert_int_equal(sgp32_es10_proactive_pending(e.es10), 0);
    expect_result(&e, sgp32_es10_enable_profile(e.es10, SGP32_ES10_PROFILE_ICCID, iccid_one, 10, 1), 2);
    env_stop(&e);
}

/* A whole download through the typed functions, the BPP fed to the loader in `chunk`-byte pieces. */
static void download_in_chunks(size_t chunk, int bad_mac)
{
    struct env e;
    struct smdp_session *session = NULL;
    struct smdp_authentication auth;
    struct smdp_prepare prepare;
    struct smdp_blob request = {NULL, 0}, bpp = {NULL, 0};
    struct smdp_bpp_options bpp_options;
    struct smdp_installation_result result;
    struct sgp32_es10_bpp_loader *loader = NULL;
    uint8_t challenge[16], *info1 = NULL, *answer = NULL, *installation = NULL, iccid[10];
    size_t info1_len = 0, answer_len = 0, installation_len = 0, offset = 0;
    long code = -1;

    start(&e, NULL);
    memset(&auth, 0, sizeof(auth));
    memset(&prepare, 0, sizeof(prepare));
    assert_int_equal(smdp_session_new(e.smdp, MATCHING_ID, &session), SGP32_OK);
    assert_int_equal(sgp32_es10_get_euicc_challenge(e.es10, challenge), SGP32_OK);
    assert_int_equal(sgp32_es10_get_euicc_info1(e.es10, &info1, &info1_len), SGP32_OK);
    assert_int_equal(smdp_initiate_authentication(session, challenge, info1, info1_len, &auth), SGP32_OK);
    assert_int_equal(smdp_build_authenticate_server_request(&auth, MATCHING_ID, &request), SGP32_OK);
    assert_int_equal(sgp32_es10_authenticate_server(e.es10, request.data, request.len, &answer, &answer_len), SGP32_OK);
    free(request.data);
    assert_int_equal(sgp32_es10_answer_error_code(answer, answer_len, &code), SGP32_OK);
    assert_int_equal(code, 0);
    assert_int_equal(smdp_authenticate_client(session, answer, answer_len, &prepare), SGP32_OK);
    sgp32_buffer_free(answer);
    assert_int_equal(smdp_build_prepare_download_request(&prepare, NULL, &request), SGP32_OK);
    assert_int_equal(sgp32_es10_prepare_download(e.es10, request.data, request.len, &answer, &answer_len), SGP32_OK);
    free(request.data);
    assert_int_equal(sgp32_es10_answer_error_code(answer, answer_len, &code), SGP32_OK);
    assert_int_equal(code, 0);
    memset(&bpp_options, 0, sizeof(bpp_options));
    assert_int_equal(
        smdp_get_bound_profile_package(session, answer, answer_len, e.upp.data, e.upp.len, &bpp_options, &bpp),
        SGP32_OK);
    sgp32_buffer_free(answer);
    if (bad_mac) {
        /* Corrupt the MAC of the first 86 segment: the eUICC stops there with a result. */
        size_t i;
        for (i = bpp.len / 2; i + 4 < bpp.len && !(bpp.data[i] == 0x86 && bpp.data[i + 1] == 0x82); i++)
            ;
        assert_true(i + 4 < bpp.len);
        bpp.data[i + 4 + ((size_t)bpp.data[i + 2] << 8 | bpp.data[i + 3]) - 3] ^= 0x01;
    }

    assert_int_equal(sgp32_es10_bpp_loader_new(e.es10, 0, &loader), SGP32_OK);
    while (offset < bpp.len && !sgp32_es10_bpp_loader_done(loader)) {
        size_t n = bpp.len - offset < chunk ? bpp.len - offset : chunk;
        assert_int_equal(sgp32_es10_bpp_loader_feed(loader, bpp.data + offset, n), SGP32_OK);
        offset += n;
    }
    assert_int_equal(sgp32_es10_bpp_loader_finish(loader, &installation, &installation_len), SGP32_OK);
    sgp32_es10_bpp_loader_free(loader);
    assert_der_of("ProfileInstallationResult", installation, installation_len);
    assert_int_equal(smdp_verify_installation_result(session, installation, installation_len, &result), SGP32_OK);
    assert_int_equal(smdp_upp_iccid(e.upp.data, e.upp.len, iccid), SGP32_OK);
    if (bad_mac) {
        assert_true(offset < bpp.len); /* stopped early */
        assert_false(result.success);
        assert_false(card_has_profile(&e, iccid));
    } else {
        assert_int_equal(offset, bpp.len);
        assert_true(result.success);
        assert_true(card_has_profile(&e, iccid));
        assert_int_equal(sgp32_es10_enable_profile(e.es10, SGP32_ES10_PROFILE_ICCID, iccid, 10, 0), SGP32_OK);
    }
    sgp32_buffer_free(installation);
    sgp32_buffer_free(info1);
    free(bpp.data);
    smdp_authentication_clear(&auth);
    smdp_prepare_clear(&prepare);
    smdp_session_free(session);
    env_stop(&e);
}

static void test_bpp_loader_chunks_of_1(void **state)
{
    (void)state;
    download_in_chunks(1, 0);
}

static void test_bpp_loader_chunks_of_7(void **state)
{
    (void)state;
    download_in_chunks(7, 0);
}

static void test_bpp_loader_chunks_of_1000(void **state)
{
    (void)state;
    download_in_chunks(1000, 0);
}

static void test_bpp_loader_stops_at_early_result(void **state)
{
    (void)state;
    download_in_chunks(1000, 1);
}

/* Malformed or incomplete packages never reach a wrong state. */
static void test_bpp_loader_errors(void **state)
{
    struct env e;
    struct sgp32_es10_bpp_loader *loader = NULL;
    uint8_t *result = NULL;
    size_t result_len = 0;
    static const uint8_t partial[] = {0xBF, 0x36, 0x82, 0x01, 0x00, 0xBF, 0x23};
    static const uint8_t not_a_bpp[] = {0xBF, 0x37, 0x00};
    (void)state;
    start(&e, NULL);
    assert_int_equal(sgp32_es10_bpp_loader_new(e.es10, 0, &loader), SGP32_OK);
    assert_int_equal(sgp32_es10_bpp_loader_feed(loader, partial, sizeof(partial)), SGP32_OK);
    assert_int_equal(sgp32_es10_bpp_loader_finish(loader, &result, &result_len), SGP32_ERR_TRUNCATED);
    assert_null(result);
    sgp32_es10_bpp_loader_free(loader);
    assert_int_equal(sgp32_es10_bpp_loader_new(e.es10, 0, &loader), SGP32_OK);
    assert_int_equal(sgp32_es10_bpp_loader_feed(loader, not_a_bpp, sizeof(not_a_bpp)), SGP32_ERR_DECODE);
    assert_int_equal(sgp32_es10_bpp_loader_feed(loader, not_a_bpp, sizeof(not_a_bpp)), SGP32_ERR_DECODE);
    sgp32_es10_bpp_loader_free(loader);
    assert_int_equal(sgp32_es10_bpp_loader_new(e.es10, 70000, &loader), SGP32_ERR_INVALID_ARGUMENT);
    env_stop(&e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_information),
        cmocka_unit_test(test_profiles_and_error_mapping),
        cmocka_unit_test(test_notifications),
        cmocka_unit_test(test_memory_reset),
        cmocka_unit_test(test_iot_functions),
        cmocka_unit_test(test_forwarded_commands),
        cmocka_unit_test(test_recovery_6985),
        cmocka_unit_test(test_recovery_without_reset_reports_6985),
        cmocka_unit_test(test_recovery_refresh),
        cmocka_unit_test(test_bpp_loader_chunks_of_1),
        cmocka_unit_test(test_bpp_loader_chunks_of_7),
        cmocka_unit_test(test_bpp_loader_chunks_of_1000),
        cmocka_unit_test(test_bpp_loader_stops_at_early_result),
        cmocka_unit_test(test_bpp_loader_errors),
    };
    return cmocka_run_group_tests(tests, download_pki_create, download_pki_remove);
}
