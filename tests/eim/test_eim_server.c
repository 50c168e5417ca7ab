/* SPDX-License-Identifier: MIT */
/*
 * sgp32-eim (examples/servers/eim) as a process on a free port, driven by this test as operator (REST
 * API) and as IPA (ESipa over HTTPS, TLS verified) in front of the software eUICC: orders become
 * eIM-signed packages the eUICC accepts, the eUICC-signed results close them; forged and replayed
 * results are refused; download triggers and eUICC data requests reach the IPA; the SQLite store
 * survives a restart; bad REST input gets a JSON 4xx. The indirect download relay: test_eim_relay.c.
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

#include "codec/base64.h"
#include "eim_test_world.h"
#include "remote/remote.h"
#include "sgp32/codec.h"

static const uint8_t no_package[5] = {0xBF, 0x4F, 0x03, 0x02, 0x01};
static const uint8_t result_refused[6] = {0xBF, 0x50, 0x03, 0x02, 0x01, 0x7F};

static void test_psmo_order(void **state)
{
    long id = post_order("{\"psmo\": [{\"listProfileInfo\": {}}, {\"getRAT\": {}}]}");
    size_t result_len, answer_len, again_len;
    uint8_t *result, *answer, *again;
    cJSON *order;
    (void)state;
    order = get_order(id);
    assert_string_equal(json_string(order, "status"), "new");
    cJSON_Delete(order);
    result = fetch_and_load(&result_len);
    order = get_order(id);
    assert_string_equal(json_string(order, "status"), "sent");
    assert_true(json_number(order, "counterValue") >= 1);
    assert_non_null(json_string(order, "eimTransactionId"));
    cJSON_Delete(order);
    answer = provide_result(result, result_len, &answer_len);
    /* eimAcknowledgements BF53 { 80 seqNumber } */
    assert_int_equal(answer[3], 0xBF);
    assert_int_equal(answer[4], 0x53);
    order = get_order(id);
    assert_string_equal(json_string(order, "status"), "done");
    assert_string_equal(json_string(order, "outcome"), "success");
    assert_non_null(json_string(order, "result"));
    assert_non_null(cJSON_GetObjectItemCaseSensitive(order, "resultDecoded"));
    cJSON_Delete(order);
    /* the same result again (an IPA whose acknowledgement got lost): acknowledged again with the
     * same answer, the order unchanged */
    again = provide_result(result, result_len, &again_len);
    assert_int_equal(again_len, answer_len);
    assert_memory_equal(again, answer, answer_len);
    free(again);
    free(answer);
    order = get_order(id);
    assert_string_equal(json_string(order, "status"), "done");
    cJSON_Delete(order);
    sgp32_buffer_free(result);
}

static void test_forged_result(void **state)
{
    long id = post_order("{\"psmo\": {\"getRAT\": {}}}");
    size_t result_len, answer_len, next_len;
    uint8_t *result = fetch_and_load(&result_len), *answer, *next;
    cJSON *order;
    (void)state;
    result[result_len - 1] ^= 0x01; /* the last byte of euiccSignEPR */
    answer = provide_result(result, result_len, &answer_len);
    assert_memory_equal(answer, result_refused, sizeof(result_refused));
    free(answer);
    order = get_order(id);
    assert_string_equal(json_string(order, "status"), "sent");
    cJSON_Delete(order);
    result[result_len - 1] ^= 0x01; /* the genuine one closes the order */
    answer = provide_result(result, result_len, &answer_len);
    assert_int_equal(answer[4], 0x53);
    free(answer);
    order = get_order(id);
    assert_string_equal(json_string(order, "status"), "done");
    cJSON_Delete(order);
    /* a replay while the next order waits: the old result is only the old order's (acknowledged
     * again), it does not close the next one; a variant of it that is not the stored bytes is refused */
    id = post_order("{\"psmo\": {\"getRAT\": {}}}");
    next = fetch_and_load(&next_len);
    answer = provide_result(result, result_len, &answer_len);
    assert_int_equal(answer[4], 0x53);
    free(answer);
    order = get_order(id);
    assert_string_equal(json_string(order, "status"), "sent");
    cJSON_Delete(order);
    result[result_len - 3] ^= 0x01;
    answer = provide_result(result, result_len, &answer_len);
    assert_memory_equal(answer, result_refused, sizeof(result_refused));
    free(answer);
    order = get_order(id);
    assert_string_equal(json_string(order, "status"), "sent");
    cJSON_Delete(order);
    answer = provide_result(next, next_len, &answer_len);
    assert_int_equal(answer[4], 0x53);
    free(answer);
    order = get_order(id);
    assert_string_equal(json_string(order, "status"), "done");
    cJSON_Delete(order);
    sgp32_buffer_free(next);
    sgp32_buffer_free(result);
}

static void test_no_package(void **state)
{
    static const uint8_t unknown_eid[16] = {0x89, 0x04, 0x90, 0x32, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
    size_t len;
    uint8_t *answer;
    (void)state;
    answer = get_eim_package(world.card.eid, &len);
    assert_int_equal(len, 6);
    assert_memory_equal(answer, no_package, sizeof(no_package));
    assert_int_equal(answer[5], 1); /* noEimPackageAvailable */
    free(answer);
    answer = get_eim_package(unknown_eid, &len);
    assert_int_equal(len, 6);
    assert_int_equal(answer[5], 2); /* eidNotFound */
    free(answer);
}

/* A download trigger (activation code, then default SM-DP+) reaches the IPA; its result closes it. */
static void test_download_trigger(void **state)
{
    long id = post_order("{\"download\": {\"activationCode\": \"1$127.0.0.1$" MATCHING_ID "\"}}");
    size_t len, trigger_len, tid_len, message_len, answer_len;
    uint8_t *answer = get_eim_package(world.card.eid, &len), result[64], *reply;
    const uint8_t *trigger = der_child(answer, len, 0xBF54, &trigger_len), *tid;
    cJSON *order;
    (void)state;
    assert_non_null(trigger);
    assert_int_equal(sgp32_der_validate(sgp32_codec_type_find("ProfileDownloadTriggerRequest"), trigger, trigger_len),
                     SGP32_OK);
    assert_true(contains(trigger, trigger_len, "1$127.0.0.1$" MATCHING_ID));
    tid = der_child(trigger, trigger_len, 0x82, &tid_len);
    assert_non_null(tid);
    /* ProfileDownloadTriggerResult { eimTransactionId, profileDownloadError { undefinedError } } */
    memcpy(result, tid, tid_len);
    message_len = der_append(result, tid_len, sizeof(result), 0x30, (const uint8_t *)"\x80\x01\x7F", 3);
    message_len = der_append(result, 0, sizeof(result), 0xBF54, result, message_len);
    reply = provide_result(result, message_len, &answer_len);
    assert_int_equal(answer_len, 5); /* emptyResponse: BF50 02 30 00 */
    assert_int_equal(reply[3], 0x30);
    free(reply);
    free(answer);
    order = get_order(id);
    assert_string_equal(json_string(order, "status"), "failed");
    assert_string_equal(json_string(order, "reason"), "profileDownloadErrorReason 127");
    cJSON_Delete(order);
    /* contactDefaultSmdp: BF54 { A0 { 81 00 } 82 tid } */
    post_order("{\"download\": {\"contactDefaultSmdp\": true}}");
    answer = get_eim_package(world.card.eid, &len);
    trigger = der_child(answer, len, 0xBF54, &trigger_len);
    assert_non_null(trigger);
    assert_memory_equal(der_child(trigger, trigger_len, 0xA0, &len), "\xA0\x02\x81\x00", 4);
    free(answer);
}

/* IpaEuiccDataRequest: the IPA answers with the eUICC's EUICCInfo1. */
static void test_ipa_euicc_data(void **state)
{
    long id = post_order("{\"ipaEuiccData\": {\"tagList\": \"BF20\", \"searchCriteriaNotification\": "
                         "{\"profileManagementOperation\": \"install\"}}}");
    size_t len, request_len, tid_len, info1_len, reply_len, n;
    uint8_t *answer = get_eim_package(world.card.eid, &len), *info1 = NULL, data[1024], *reply;
    const uint8_t *request = der_child(answer, len, 0xBF52, &request_len), *tid;
    cJSON *order;
    (void)state;
    assert_non_null(request);
    assert_int_equal(sgp32_der_validate(sgp32_codec_type_find("IpaEuiccDataRequest"), request, request_len), SGP32_OK);
    tid = der_child(request, request_len, 0x83, &tid_len);
    assert_non_null(tid);
    assert_int_equal(sgp32_es10_get_euicc_info1(world.card.es10, &info1, &info1_len), SGP32_OK);
    /* IpaEuiccDataResponse BF52 { ipaEuiccData A0 { BF20 euiccInfo1, 87 eimTransactionId } } */
    memcpy(data, info1, info1_len);
    n = der_append(data, info1_len, sizeof(data), 0x87, tid + 2, tid_len - 2);
    n = der_append(data, 0, sizeof(data), 0xA0, data, n);
    n = der_append(data, 0, sizeof(data), 0xBF52, data, n);
    assert_int_equal(sgp32_der_validate(sgp32_codec_type_find("IpaEuiccDataResponse"), data, n), SGP32_OK);
    reply = provide_result(data, n, &reply_len);
    free(reply);
    sgp32_buffer_free(info1);
    free(answer);
    order = get_order(id);
    assert_string_equal(json_string(order, "status"), "done");
    assert_non_null(cJSON_GetObjectItemCaseSensitive(order, "resultDecoded"));
    cJSON_Delete(order);
}

/* SIGKILL and a restart on the same database: orders, counter and sequence numbers are all there. */
static void test_restart_persistence(void **state)
{
    long first = post_order("{\"psmo\": {\"getRAT\": {}}}"), second, counter;
    size_t result_len, answer_len;
    uint8_t *result = fetch_and_load(&result_len), *answer;
    cJSON *order;
    (void)state;
    answer = provide_result(result, result_len, &answer_len);
    free(answer);
    sgp32_buffer_free(result);
    order = get_order(first);
    assert_string_equal(json_string(order, "status"), "done");
    counter = json_number(order, "counterValue");
    cJSON_Delete(order);
    second = post_order("{\"psmo\": {\"getRAT\": {}}}");
    server_kill(&world.eim); /* no clean shutdown */
    eim_start();
    order = get_order(first);
    assert_string_equal(json_string(order, "status"), "done");
    assert_string_equal(json_string(order, "outcome"), "success");
    cJSON_Delete(order);
    order = get_order(second);
    assert_string_equal(json_string(order, "status"), "new");
    cJSON_Delete(order);
    /* the counter continues: the eUICC accepts the next package (it refuses a counter not above) */
    run_next_package();
    order = get_order(second);
    assert_string_equal(json_string(order, "status"), "done");
    assert_int_equal(json_number(order, "counterValue"), counter + 1);
    cJSON_Delete(order);
    /* a clean stop and start */
    server_stop(&world.eim);
    eim_start();
}

static void expect_rest_error(const char *method, const char *path, const char *body, int status)
{
    cJSON *json = NULL;
    assert_int_equal(rest_call(&world.eim, method, path, body, &json), status);
    assert_non_null(json);
    assert_non_null(json_string(json, "error"));
    cJSON_Delete(json);
}

static void test_bad_input(void **state)
{
    char path[128];
    int status;
    (void)state;
    expect_rest_error("POST", world.orders_path, "{not json", 400);
    expect_rest_error("POST", world.orders_path, "[]", 400);
    expect_rest_error("POST", world.orders_path, "{}", 400);
    expect_rest_error("POST", world.orders_path, "{\"psmo\": []}", 400);
    expect_rest_error("POST", world.orders_path, "{\"psmo\": [{\"enable\": {\"iccid\": \"89\"}}]}", 400);
    expect_rest_error("POST", world.orders_path, "{\"psmo\": [{\"enable\": {}}], \"eco\": []}", 400);
    expect_rest_error("POST", world.orders_path, "{\"eco\": [{\"addEim\": {}}]}", 400);
    expect_rest_error("POST", world.orders_path,
                      "{\"eco\": [{\"addEim\": {\"eimId\": \"x\", \"eimPublicKey\": \"!\"}}]}", 400);
    expect_rest_error("POST", world.orders_path, "{\"download\": {}}", 400);
    expect_rest_error("POST", world.orders_path, "{\"ipaEuiccData\": {\"tagList\": \"XYZ\"}}", 400);
    expect_rest_error("POST", world.orders_path, "{\"unknown\": {}}", 400);
    expect_rest_error("POST", "/api/devices/89049032123451234512345678900000/orders", "{\"psmo\": {\"getRAT\": {}}}",
                      404);
    expect_rest_error("POST", "/api/devices/8904/orders", "{\"psmo\": {\"getRAT\": {}}}", 400);
    expect_rest_error("POST", "/api/devices", "{\"eid\": \"89049032123451234512345678900000\"}", 400);
    expect_rest_error("POST", "/api/devices",
                      "{\"eid\": \"89049032123451234512345678900000\", "
                      "\"euiccCertificate\": \"AAAA\"}",
                      400);
    expect_rest_error("GET", "/api/orders/abc", NULL, 400);
    expect_rest_error("GET", "/api/orders/999999", NULL, 404);
    expect_rest_error("GET", "/api/nothing", NULL, 404);
    expect_rest_error("DELETE", "/api/eim", NULL, 405);
    snprintf(path, sizeof(path), "/api/devices/%s", world.card.eid_hex);
    expect_rest_error("PUT", path, NULL, 405);
    /* ESipa: GET, wrong content type, garbage */
    assert_int_equal(https_call(&world.eim, "GET", "/gsma/rsp2/asn1", NULL, NULL, NULL, 0, NULL, NULL), 405);
    assert_int_equal(https_call(&world.eim, "POST", "/gsma/rsp2/asn1", "application/json",
                                SGP32_REMOTE_ADMIN_PROTOCOL_ESIPA, (const uint8_t *)"{}", 2, NULL, NULL),
                     400);
    assert_int_equal(https_call(&world.eim, "POST", "/gsma/rsp2/asn1", SGP32_REMOTE_CONTENT_TYPE_ASN1,
                                SGP32_REMOTE_ADMIN_PROTOCOL_ESIPA, (const uint8_t *)"\xBF\x4F\x05\x5A", 4, NULL, NULL),
                     400);
    /* still serving */
    assert_true(server_alive(&world.eim));
    status = https_call(&world.eim, "GET", "/api/eim", NULL, NULL, NULL, 0, NULL, NULL);
    assert_int_equal(status, 200);
}

/* GET /api/devices lists the registered card; GET /api/devices/<eid> shows its counters. */
static void test_devices(void **state)
{
    char path[96];
    cJSON *json = NULL, *devices;
    (void)state;
    assert_int_equal(rest_call(&world.eim, "GET", "/api/devices", NULL, &json), 200);
    devices = cJSON_GetObjectItemCaseSensitive(json, "devices");
    assert_int_equal(cJSON_GetArraySize(devices), 1);
    assert_string_equal(json_string(cJSON_GetArrayItem(devices, 0), "eid"), world.card.eid_hex);
    cJSON_Delete(json);
    snprintf(path, sizeof(path), "/api/devices/%s", world.card.eid_hex);
    assert_int_equal(rest_call(&world.eim, "GET", path, NULL, &json), 200);
    assert_true(json_number(json, "counterValue") >= 1);
    assert_true(json_number(json, "lastSeqNumber") >= 1);
    assert_non_null(json_string(json, "euiccCertificate"));
    cJSON_Delete(json);
}

/* eCOs: a second eIM added and listed, then deleted; the results decoded in the order. */
static void test_eco_order(void **state)
{
    char order_text[512], *printed;
    const char *key = NULL;
    cJSON *json = NULL, *order;
    long id;
    (void)state;
    assert_int_equal(rest_call(&world.eim, "GET", "/api/eim", NULL, &json), 200);
    key = json_string(json, "eimPublicKey");
    assert_non_null(key);
    snprintf(order_text, sizeof(order_text),
             "{\"eco\": [{\"addEim\": {\"eimId\": \"eim2\", \"eimFqdn\": \"eim2.example.com\", "
             "\"counterValue\": 5, \"associationToken\": true, \"eimPublicKey\": \"%s\"}}, {\"listEim\": {}}]}",
             key);
    cJSON_Delete(json);
    id = post_order(order_text);
    run_next_package();
    order = get_order(id);
    assert_string_equal(json_string(order, "status"), "done");
    assert_string_equal(json_string(order, "outcome"), "success");
    printed = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(order, "resultDecoded"));
    assert_non_null(printed);
    assert_non_null(strstr(printed, "\"eim2\"")); /* listEim names both eIMs */
    assert_non_null(strstr(printed, "\"eIM\""));
    cJSON_free(printed);
    cJSON_Delete(order);
    id = post_order("{\"eco\": {\"deleteEim\": {\"eimId\": \"eim2\"}}}");
    run_next_package();
    order = get_order(id);
    assert_string_equal(json_string(order, "status"), "done");
    assert_string_equal(json_string(order, "outcome"), "success");
    cJSON_Delete(order);
}

/* DELETE /api/orders/<id>: a queued order is cancelled (failed, never handed out); an ended one is
 * left alone (409). */
static void test_cancel_order(void **state)
{
    long id = post_order("{\"psmo\": {\"getRAT\": {}}}");
    char path[64];
    cJSON *json = NULL;
    size_t len;
    uint8_t *answer;
    (void)state;
    snprintf(path, sizeof(path), "/api/orders/%ld", id);
    assert_int_equal(rest_call(&world.eim, "DELETE", path, NULL, &json), 200);
    assert_string_equal(json_string(json, "status"), "failed");
    assert_string_equal(json_string(json, "reason"), "cancelled by the operator");
    cJSON_Delete(json);
    assert_int_equal(rest_call(&world.eim, "DELETE", path, NULL, &json), 409);
    assert_non_null(json_string(json, "error"));
    cJSON_Delete(json);
    answer = get_eim_package(world.card.eid, &len);
    assert_int_equal(len, 6);
    assert_int_equal(answer[5], 1); /* noEimPackageAvailable */
    free(answer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_package),     cmocka_unit_test(test_psmo_order),
        cmocka_unit_test(test_forged_result),  cmocka_unit_test(test_download_trigger),
        cmocka_unit_test(test_ipa_euicc_data), cmocka_unit_test(test_restart_persistence),
        cmocka_unit_test(test_bad_input),      cmocka_unit_test(test_eco_order),
        cmocka_unit_test(test_devices),        cmocka_unit_test(test_cancel_order),
    };
    return cmocka_run_group_tests(tests, eim_world_setup, eim_world_teardown);
}
