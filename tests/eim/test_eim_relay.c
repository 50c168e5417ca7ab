/* SPDX-License-Identifier: MIT */
/*
 * The indirect profile download through sgp32-eim's ES9+ relay to sgp32-smdp (both processes on free
 * ports), the test playing the IPA in front of the software eUICC: a download order, every ESipa step
 * of the download, the notification relayed to the SM-DP+ (which then ends the session) and the order
 * closed; a cancelled session; the SM-DP+'s refusals and an unreachable SM-DP+ as ESipa error codes.
 */
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

#include "eim_test_world.h"
#include "sgp32/codec.h"
#include "smdp_core.h"

#define CHUNK 997 /* bytes per loader feed: cuts segments anywhere */
#define MESSAGE_MAX (64u * 1024u)

/* An ESipa call: the answer, which must start with tag. */
static uint8_t *call(const uint8_t *message, size_t len, uint32_t tag, size_t *answer_len)
{
    uint8_t *answer = NULL;
    assert_int_equal(esipa_call(&world.eim, message, len, &answer, answer_len), 200);
    assert_true(*answer_len > 3);
    assert_int_equal(answer[0], (uint8_t)(tag >> 8));
    assert_int_equal(answer[1], (uint8_t)tag);
    return answer;
}

/* The error alternative of an answer: tag { 8x 01 code }, the INTEGER alternative with its automatic tag
 * (SGP32Definitions is AUTOMATIC TAGS: [2] after AuthenticateClient's two ok forms, else [1]). */
static void expect_error(const uint8_t *answer, size_t len, long code)
{
    assert_int_equal(len, 6);
    assert_int_equal(answer[3], answer[1] == 0x3B ? 0x82 : 0x81);
    assert_int_equal(answer[5], code);
}

/* The whole element following `element` inside the SEQUENCE ok[0..ok_len). */
static struct smdp_blob next_element(const uint8_t *ok, size_t ok_len, const struct smdp_blob *element)
{
    struct smdp_blob next;
    const uint8_t *at = element->data + element->len, *value;
    size_t value_len;
    value = der_value(at, ok_len - (size_t)(at - ok), &value_len);
    assert_non_null(value);
    next.data = (uint8_t *)(uintptr_t)at;
    next.len = (size_t)(value - at) + value_len;
    return next;
}

static struct smdp_blob child_blob(const uint8_t *ok, size_t ok_len, uint32_t tag)
{
    struct smdp_blob blob;
    blob.data = (uint8_t *)(uintptr_t)der_child(ok, ok_len, tag, &blob.len);
    assert_non_null(blob.data);
    return blob;
}

/* InitiateAuthentication through the eIM, then ES10b.AuthenticateServer on the card (for matching_id):
 * the transactionId and the card's AuthenticateServerResponse (sgp32_buffer_free). */
static uint8_t *initiate_for(const char *matching_id, uint8_t transaction_id[16], size_t *asr_len)
{
    uint8_t challenge[16], *info1 = NULL, *message = malloc(MESSAGE_MAX), *answer, *asr = NULL;
    size_t info1_len = 0, n, answer_len, ok_len, len;
    const uint8_t *ok, *tid;
    struct smdp_authentication auth;
    struct smdp_blob bf38 = {NULL, 0};
    long code = -1;
    assert_non_null(message);
    /* InitiateAuthenticationRequestEsipa { 81 euiccChallenge, 83 smdpAddress, BF20 euiccInfo1 } */
    card_authentication_material(&world.card, challenge, &info1, &info1_len);
    n = der_append(message, 0, MESSAGE_MAX, 0x81, challenge, 16);
    n = der_append(message, n, MESSAGE_MAX, 0x83, (const uint8_t *)world.smdp.address, strlen(world.smdp.address));
    memcpy(message + n, info1, info1_len);
    n = der_append(message, 0, MESSAGE_MAX, 0xBF39, message, n + info1_len);
    sgp32_buffer_free(info1);
    answer = call(message, n, 0xBF39, &answer_len);
    free(message);
    /* InitiateAuthenticationOkEsipa { 80 transactionId, 30 serverSigned1, 5F37, 04, 30 serverCertificate } */
    ok = der_child(answer, answer_len, 0xA0, &ok_len);
    assert_non_null(ok);
    tid = der_child(ok, ok_len, 0x80, &len);
    assert_non_null(tid);
    assert_int_equal(len, 18);
    memcpy(transaction_id, tid + 2, 16);
    memset(&auth, 0, sizeof(auth));
    auth.server_signed1 = child_blob(ok, ok_len, 0x30);
    auth.server_signature1 = next_element(ok, ok_len, &auth.server_signed1);
    assert_int_equal(auth.server_signature1.data[0], 0x5F);
    auth.euicc_ci_pkid = next_element(ok, ok_len, &auth.server_signature1);
    assert_int_equal(auth.euicc_ci_pkid.data[0], 0x04);
    auth.server_certificate = next_element(ok, ok_len, &auth.euicc_ci_pkid);
    assert_int_equal(auth.server_certificate.data[0], 0x30);
    assert_int_equal(smdp_build_authenticate_server_request(&auth, matching_id, &bf38), SGP32_OK);
    free(answer);
    assert_int_equal(sgp32_es10_authenticate_server(world.card.es10, bf38.data, bf38.len, &asr, asr_len), SGP32_OK);
    free(bf38.data);
    /* the eUICC accepted the SM-DP+'s signature and certificate, as relayed */
    assert_int_equal(sgp32_es10_answer_error_code(asr, *asr_len, &code), SGP32_OK);
    assert_int_equal(code, 0);
    return asr;
}

static uint8_t *initiate(uint8_t transaction_id[16], size_t *asr_len)
{
    return initiate_for(MATCHING_ID, transaction_id, asr_len);
}

/* AuthenticateClientRequestEsipa { 80 transactionId, BF38 }: the eIM's answer. */
static uint8_t *authenticate_client(const uint8_t transaction_id[16], const uint8_t *asr, size_t asr_len,
                                    size_t *answer_len)
{
    uint8_t *message = malloc(MESSAGE_MAX), *answer;
    size_t n;
    assert_non_null(message);
    n = der_append(message, 0, MESSAGE_MAX, 0x80, transaction_id, 16);
    memcpy(message + n, asr, asr_len);
    n = der_append(message, 0, MESSAGE_MAX, 0xBF3B, message, n + asr_len);
    answer = call(message, n, 0xBF3B, answer_len);
    free(message);
    return answer;
}

/* The eimTransactionId (82, the whole element) of the ProfileDownloadTrigger (BF54) in a GetEimPackage
 * answer. */
static const uint8_t *trigger_transaction_id(const uint8_t *package, size_t package_len, size_t *tid_len)
{
    size_t trigger_len;
    const uint8_t *trigger = der_child(package, package_len, 0xBF54, &trigger_len), *tid;
    assert_non_null(trigger);
    tid = der_child(trigger, trigger_len, 0x82, tid_len);
    assert_non_null(tid);
    return tid;
}

/* ES10b.PrepareDownload from an AuthenticateClientOkDPEsipa answer { 80, BF25 profileMetaData,
 * 30 smdpSigned2, 5F37, 30 smdpCertificate }: the card's PrepareDownloadResponse (sgp32_buffer_free).
 * Frees the answer. */
static uint8_t *prepare_download(uint8_t *answer, size_t answer_len, size_t *prepared_len)
{
    struct smdp_prepare prepare;
    struct smdp_blob bf21 = {NULL, 0};
    uint8_t *prepared = NULL;
    size_t ok_len;
    const uint8_t *ok = der_child(answer, answer_len, 0xA0, &ok_len);
    assert_non_null(ok);
    memset(&prepare, 0, sizeof(prepare));
    prepare.smdp_signed2 = child_blob(ok, ok_len, 0x30);
    prepare.smdp_signature2 = next_element(ok, ok_len, &prepare.smdp_signed2);
    prepare.smdp_certificate = next_element(ok, ok_len, &prepare.smdp_signature2);
    assert_int_equal(smdp_build_prepare_download_request(&prepare, NULL, &bf21), SGP32_OK);
    free(answer);
    *prepared_len = 0;
    assert_int_equal(sgp32_es10_prepare_download(world.card.es10, bf21.data, bf21.len, &prepared, prepared_len),
                     SGP32_OK);
    free(bf21.data);
    return prepared;
}

/* GetBoundProfilePackageRequestEsipa { 80 transactionId, BF21 } through the eIM, the BPP loaded onto the
 * card in CHUNK pieces: the ProfileInstallationResult (BF37, sgp32_buffer_free). Frees prepared. */
static uint8_t *load_bound_profile_package(const uint8_t transaction_id[16], uint8_t *prepared, size_t prepared_len,
                                           size_t *installed_len)
{
    uint8_t *message = malloc(MESSAGE_MAX), *answer, *installed = NULL;
    size_t n, answer_len, ok_len, bpp_len, offset = 0;
    const uint8_t *ok, *bpp;
    struct sgp32_es10_bpp_loader *loader = NULL;
    assert_non_null(message);
    n = der_append(message, 0, MESSAGE_MAX, 0x80, transaction_id, 16);
    memcpy(message + n, prepared, prepared_len);
    n = der_append(message, 0, MESSAGE_MAX, 0xBF3A, message, n + prepared_len);
    sgp32_buffer_free(prepared);
    answer = call(message, n, 0xBF3A, &answer_len);
    free(message);
    ok = der_child(answer, answer_len, 0xA0, &ok_len);
    assert_non_null(ok); /* not getBoundProfilePackageErrorEsipa (95 invalidTransactionId: session forgotten) */
    bpp = der_child(ok, ok_len, 0xBF36, &bpp_len);
    assert_non_null(bpp);
    assert_int_equal(sgp32_es10_bpp_loader_new(world.card.es10, 0, &loader), SGP32_OK);
    while (offset < bpp_len) {
        size_t chunk = bpp_len - offset < CHUNK ? bpp_len - offset : CHUNK;
        assert_int_equal(sgp32_es10_bpp_loader_feed(loader, bpp + offset, chunk), SGP32_OK);
        offset += chunk;
    }
    assert_true(sgp32_es10_bpp_loader_done(loader));
    *installed_len = 0;
    assert_int_equal(sgp32_es10_bpp_loader_finish(loader, &installed, installed_len), SGP32_OK);
    sgp32_es10_bpp_loader_free(loader);
    free(answer);
    assert_int_equal(installed[0], 0xBF); /* ProfileInstallationResult */
    assert_int_equal(installed[1], 0x37);
    return installed;
}

/* HandleNotificationEsipa { A0 { BF37 } }: 204 (relayed to the SM-DP+). */
static void handle_notification(const uint8_t *installed, size_t installed_len)
{
    uint8_t *message = malloc(MESSAGE_MAX), *none = NULL;
    size_t n, len;
    assert_non_null(message);
    memcpy(message, installed, installed_len);
    n = der_append(message, 0, MESSAGE_MAX, 0xA0, message, installed_len);
    n = der_append(message, 0, MESSAGE_MAX, 0xBF3D, message, n);
    assert_int_equal(esipa_call(&world.eim, message, n, &none, &len), 204);
    free(none);
    free(message);
}

/* ProvideEimPackageResult { ProfileDownloadTriggerResult { 82 eimTransactionId, BF37 } }: the order
 * ends "done", "installed". */
static void close_download_order(long id, const uint8_t *tid, size_t tid_len, const uint8_t *installed,
                                 size_t installed_len)
{
    uint8_t *message = malloc(MESSAGE_MAX), *reply;
    size_t n, len;
    cJSON *order;
    assert_non_null(message);
    memcpy(message, tid, tid_len);
    memcpy(message + tid_len, installed, installed_len);
    n = der_append(message, 0, MESSAGE_MAX, 0xBF54, message, tid_len + installed_len);
    reply = provide_result(message, n, &len);
    free(reply);
    free(message);
    order = get_order(id);
    assert_string_equal(json_string(order, "status"), "done");
    assert_string_equal(json_string(order, "outcome"), "installed");
    cJSON_Delete(order);
}

static void test_indirect_download(void **state)
{
    char order_text[256];
    uint8_t transaction_id[16], *asr, *answer, *prepared, *installed, *package;
    size_t asr_len = 0, answer_len, ok_len, prepared_len, installed_len, package_len, tid_len, len;
    const uint8_t *ok, *tid;
    cJSON *json = NULL;
    long id;
    (void)state;
    /* the operator orders a download with an activation code of this SM-DP+; the IPA fetches it */
    snprintf(order_text, sizeof(order_text), "{\"download\": {\"activationCode\": \"1$%s$%s\"}}", world.smdp.address,
             MATCHING_ID);
    id = post_order(order_text);
    package = get_eim_package(world.card.eid, &package_len);
    tid = trigger_transaction_id(package, package_len, &tid_len);
    /* InitiateAuthentication, AuthenticateServer, AuthenticateClient */
    asr = initiate(transaction_id, &asr_len);
    answer = authenticate_client(transaction_id, asr, asr_len, &answer_len);
    ok = der_child(answer, answer_len, 0xA0, &ok_len);
    assert_non_null(ok);
    assert_non_null(der_child(ok, ok_len, 0xBF25, &len));
    prepared = prepare_download(answer, answer_len, &prepared_len);
    installed = load_bound_profile_package(transaction_id, prepared, prepared_len, &installed_len);
    handle_notification(installed, installed_len);
    /* the SM-DP+ got it: the session is over, a new AuthenticateClient is refused (8.10.1/3.9 ->
     * invalidTransactionId) */
    answer = authenticate_client(transaction_id, asr, asr_len, &answer_len);
    expect_error(answer, answer_len, 10);
    free(answer);
    sgp32_buffer_free(asr);
    close_download_order(id, tid, tid_len, installed, installed_len);
    /* both notifications are listed: the relayed one (no EID) and the one of the order */
    assert_int_equal(rest_call(&world.eim, "GET", "/api/notifications", NULL, &json), 200);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(json, "notifications")), 2);
    cJSON_Delete(json);
    sgp32_buffer_free(installed);
    free(package);
}

/* CancelSession: the card's signed answer relayed (A1 <-> BF41), the SM-DP+ ends the session. */
static void test_indirect_cancel(void **state)
{
    uint8_t transaction_id[16], *asr, *cancelled = NULL, *answer, message[1024];
    size_t asr_len = 0, cancelled_len = 0, answer_len, n, value_len;
    const uint8_t *value;
    (void)state;
    asr = initiate(transaction_id, &asr_len);
    assert_int_equal(sgp32_es10_cancel_session(world.card.es10, transaction_id, 16, 0, &cancelled, &cancelled_len),
                     SGP32_OK);
    assert_int_equal(cancelled[0], 0xBF); /* BF41 { 30 ... } */
    value = der_value(cancelled, cancelled_len, &value_len);
    assert_non_null(value);
    /* CancelSessionRequestEsipa { 80 transactionId, A1 (cancelSessionResponse, automatic tag) } */
    n = der_append(message, 0, sizeof(message), 0x80, transaction_id, 16);
    n = der_append(message, n, sizeof(message), 0xA1, value, value_len);
    n = der_append(message, 0, sizeof(message), 0xBF41, message, n);
    assert_int_equal(sgp32_der_validate(sgp32_codec_type_find("CancelSessionRequestEsipa"), message, n), SGP32_OK);
    answer = call(message, n, 0xBF41, &answer_len);
    assert_int_equal(answer_len, 5); /* cancelSessionOk: BF41 02 A0 00 */
    assert_int_equal(answer[2], 0x02);
    assert_int_equal(answer[3], 0xA0);
    free(answer);
    sgp32_buffer_free(cancelled);
    answer = authenticate_client(transaction_id, asr, asr_len, &answer_len);
    expect_error(answer, answer_len, 10);
    free(answer);
    sgp32_buffer_free(asr);
}

/* Errors: an unknown transactionId, an SM-DP+ nobody listens on, a missing euiccInfo1. */
static void test_relay_errors(void **state)
{
    static const uint8_t unknown_tid[16] = {0xDE, 0xAD};
    uint8_t message[1024], error[32], *answer, *info1 = NULL;
    size_t n, answer_len, info1_len = 0;
    const char *closed = "127.0.0.1:1";
    (void)state;
    /* authenticateResponseError A1 { 80 transactionId, 02 undefinedError } as the card would say it */
    n = der_append(error, 0, sizeof(error), 0x80, unknown_tid, 16);
    n = der_append(error, n, sizeof(error), 0x02, (const uint8_t *)"\x7F", 1);
    n = der_append(error, 0, sizeof(error), 0xA1, error, n);
    n = der_append(error, 0, sizeof(error), 0xBF38, error, n);
    answer = authenticate_client(unknown_tid, error, n, &answer_len);
    expect_error(answer, answer_len, 10); /* invalidTransactionId: no session of that id */
    free(answer);
    assert_int_equal(sgp32_es10_get_euicc_info1(world.card.es10, &info1, &info1_len), SGP32_OK);
    n = der_append(message, 0, sizeof(message), 0x81, unknown_tid, 16);
    n = der_append(message, n, sizeof(message), 0x83, (const uint8_t *)closed, strlen(closed));
    memcpy(message + n, info1, info1_len);
    n = der_append(message, 0, sizeof(message), 0xBF39, message, n + info1_len);
    sgp32_buffer_free(info1);
    answer = call(message, n, 0xBF39, &answer_len);
    expect_error(answer, answer_len, 127); /* undefinedError: the SM-DP+ is unreachable */
    free(answer);
    n = der_append(message, 0, sizeof(message), 0x81, unknown_tid, 16);
    n = der_append(message, n, sizeof(message), 0x83, (const uint8_t *)world.smdp.address, strlen(world.smdp.address));
    n = der_append(message, 0, sizeof(message), 0xBF39, message, n);
    answer = call(message, n, 0xBF39, &answer_len);
    expect_error(answer, answer_len, 127); /* no euiccInfo1 to send on */
    free(answer);
    assert_true(server_alive(&world.eim));
}

/* After the download the card holds the install notification: it goes back with the next package's
 * result (ePRAndNotifications); the eIM acknowledges both sequence numbers and keeps the notification
 * with the order. */
static void test_result_with_notifications(void **state)
{
    long id = post_order("{\"psmo\": {\"getRAT\": {}}}");
    size_t result_len, list_len, answer_len, acks_len, n, listed_len;
    uint8_t *result = fetch_and_load(&result_len), *listed = NULL, *message, *answer;
    const uint8_t *list, *acks;
    char path[96];
    cJSON *json = NULL, *notifications, *item;
    (void)state;
    /* RetrieveNotificationsList (install): BF2B { A0 { BF37 ... } } */
    assert_int_equal(sgp32_es10_retrieve_notifications_list(world.card.es10, SGP32_ES10_NOTIFICATIONS_BY_OPERATION, 0,
                                                            &listed, &listed_len),
                     SGP32_OK);
    list = der_child(listed, listed_len, 0xA0, &list_len);
    assert_non_null(list);
    assert_non_null(der_child(list, list_len, 0xBF37, &n));
    /* ePRAndNotifications SEQUENCE { BF51 euiccPackageResult, A0 notificationList } */
    message = malloc(result_len + list_len + 16);
    assert_non_null(message);
    memcpy(message, result, result_len);
    memcpy(message + result_len, list, list_len);
    n = der_append(message, 0, result_len + list_len + 16, 0x30, message, result_len + list_len);
    answer = provide_result(message, n, &answer_len);
    /* eimAcknowledgements BF53 { 80 seqNumber of the result, 80 seqNumber of the notification } */
    acks = der_child(answer, answer_len, 0xBF53, &acks_len);
    assert_non_null(acks);
    {
        size_t value_len, at = 0, count = 0;
        const uint8_t *value = der_value(acks, acks_len, &value_len);
        assert_non_null(value);
        while (at < value_len) {
            size_t item_len;
            const uint8_t *item_value = der_value(value + at, value_len - at, &item_len);
            assert_non_null(item_value);
            assert_int_equal(value[at], 0x80);
            at = (size_t)(item_value - value) + item_len;
            count++;
        }
        assert_int_equal(count, 2);
    }
    free(answer);
    free(message);
    sgp32_buffer_free(listed);
    sgp32_buffer_free(result);
    snprintf(path, sizeof(path), "/api/devices/%s/notifications", world.card.eid_hex);
    assert_int_equal(rest_call(&world.eim, "GET", path, NULL, &json), 200);
    notifications = cJSON_GetObjectItemCaseSensitive(json, "notifications");
    n = 0;
    cJSON_ArrayForEach(item, notifications)
    {
        const cJSON *order_id = cJSON_GetObjectItemCaseSensitive(item, "orderId");
        if (cJSON_IsNumber(order_id) && (long)order_id->valuedouble == id) {
            assert_non_null(json_string(item, "der"));
            assert_true(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(item, "decoded")));
            n++;
        }
    }
    assert_int_equal(n, 1);
    cJSON_Delete(json);
}

/* An IpaEuiccDataResponse carrying many notifications (the install notification, 50 times): every
 * seqNumber is acknowledged (an answer over 127 bytes: long-form lengths) and every copy stored. */
static void test_many_notifications(void **state)
{
    long id = post_order("{\"ipaEuiccData\": {\"tagList\": \"A0\"}}");
    size_t package_len, request_len, tid_len, listed_len, list_len, pir_len, n = 0, answer_len, acks_len, value_len,
                                                                             count = 0, at = 0, i;
    uint8_t *package = get_eim_package(world.card.eid, &package_len), *listed = NULL, *message = malloc(MESSAGE_MAX),
            *answer;
    const uint8_t *request = der_child(package, package_len, 0xBF52, &request_len), *tid, *list, *pir, *acks, *value;
    cJSON *order;
    (void)state;
    assert_non_null(request);
    assert_non_null(message);
    tid = der_child(request, request_len, 0x83, &tid_len);
    assert_non_null(tid);
    assert_int_equal(sgp32_es10_retrieve_notifications_list(world.card.es10, SGP32_ES10_NOTIFICATIONS_BY_OPERATION, 0,
                                                            &listed, &listed_len),
                     SGP32_OK);
    list = der_child(listed, listed_len, 0xA0, &list_len);
    assert_non_null(list);
    pir = der_child(list, list_len, 0xBF37, &pir_len);
    assert_non_null(pir);
    /* BF52 { A0 ipaEuiccData { A0 notificationsList { BF37 x 50 }, 87 eimTransactionId } } */
    for (i = 0; i < 50; i++) {
        memcpy(message + n, pir, pir_len);
        n += pir_len;
    }
    n = der_append(message, 0, MESSAGE_MAX, 0xA0, message, n);
    n = der_append(message, n, MESSAGE_MAX, 0x87, tid + 2, tid_len - 2);
    n = der_append(message, 0, MESSAGE_MAX, 0xA0, message, n);
    n = der_append(message, 0, MESSAGE_MAX, 0xBF52, message, n);
    answer = provide_result(message, n, &answer_len);
    acks = der_child(answer, answer_len, 0xBF53, &acks_len);
    assert_non_null(acks);
    value = der_value(acks, acks_len, &value_len);
    assert_non_null(value);
    assert_true(value_len > 127);
    while (at < value_len) {
        size_t item_len;
        const uint8_t *item_value = der_value(value + at, value_len - at, &item_len);
        assert_non_null(item_value);
        at = (size_t)(item_value - value) + item_len;
        count++;
    }
    assert_int_equal(count, 50);
    free(answer);
    order = get_order(id);
    assert_string_equal(json_string(order, "status"), "done");
    cJSON_Delete(order);
    sgp32_buffer_free(listed);
    free(package);
    free(message);
}

/*
 * The eIM SIGKILLed between AuthenticateClient and GetBoundProfilePackage and restarted on the same
 * database and port: the session's SM-DP+ comes from the store (no --smdp to fall back on), so the IPA's
 * next request is relayed, the profile installs and the order ends "installed".
 */
static void test_restart_during_download(void **state)
{
    static const char matching_id[] = "EIM-RESTART-1";
    uint8_t transaction_id[16], *asr, *answer, *prepared, *installed, *package;
    size_t asr_len = 0, answer_len, prepared_len, installed_len, package_len, tid_len;
    const uint8_t *tid;
    unsigned port = world.eim.port;
    cJSON *json = NULL;
    long id;
    (void)state;
    /* a profile of its own at the SM-DP+ (another ICCID: the card holds the first test's) */
    id = post_download_order(matching_id, "8949000000000000991");
    package = get_eim_package(world.card.eid, &package_len);
    tid = trigger_transaction_id(package, package_len, &tid_len);
    asr = initiate_for(matching_id, transaction_id, &asr_len);
    answer = authenticate_client(transaction_id, asr, asr_len, &answer_len);
    sgp32_buffer_free(asr);
    prepared = prepare_download(answer, answer_len, &prepared_len);
    /* kill -9, restart on the same --db and --port */
    server_kill(&world.eim);
    world.eim.port = port;
    eim_start();
    assert_int_equal(world.eim.port, port);
    /* GetBoundProfilePackage: relayed to the SM-DP+ the session started with */
    installed = load_bound_profile_package(transaction_id, prepared, prepared_len, &installed_len);
    /* the notification to the SM-DP+ (204), then the trigger's result closes the order */
    handle_notification(installed, installed_len);
    close_download_order(id, tid, tid_len, installed, installed_len);
    /* the SM-DP+ saw the profile installed */
    assert_int_equal(rest_call(&world.smdp, "GET", "/api/orders", NULL, &json), 200);
    {
        const cJSON *item;
        int seen = 0;
        cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(json, "orders"))
        {
            if (strcmp(json_string(item, "matchingId"), matching_id) == 0) {
                assert_string_equal(json_string(item, "state"), "installed");
                seen = 1;
            }
        }
        assert_true(seen);
    }
    cJSON_Delete(json);
    sgp32_buffer_free(installed);
    free(package);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_indirect_download),  cmocka_unit_test(test_result_with_notifications),
        cmocka_unit_test(test_many_notifications), cmocka_unit_test(test_indirect_cancel),
        cmocka_unit_test(test_relay_errors),       cmocka_unit_test(test_restart_during_download),
    };
    return cmocka_run_group_tests(tests, eim_world_setup_with_smdp, eim_world_teardown_with_smdp);
}
