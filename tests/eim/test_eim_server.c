/* SPDX-License-Identifier: MIT */
/*
 * sgp32-eim (examples/servers/eim) as a process on a free port, driven by this test as operator (REST
 * API) and as IPA (ESipa over HTTPS, TLS verified) in front of the software eUICC: orders become
 * eIM-signed packages the eUICC accepts, the eUICC-signed results close them; forged and replayed
 * results are refused; download triggers and eUICC data requests reach the IPA; the SQLite store
 * survives a restart; bad REST input gets a JSON 4xx; and a whole indirect profile download runs
 * through the eIM's ES9+ relay to sgp32-smdp.
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
#include "eim_test_env.h"
#include "remote/remote.h"
#include "sgp32/codec.h"
#include "smdp_core.h"

#define MATCHING_ID "TS48V2-SAIP2-1-BERTLV-UNIQUE" /* <shared>/profiles/<matchingId>.der */
#define CHUNK 997

struct world {
    struct server_process eim;
    struct card_env card;
    char db[64];
    char orders_path[96];
};

static struct world world;

static void eim_start(void)
{
    char pki[256], ca[256];
    const char *argv[16];
    size_t argc = 0;
    env_pki_path(pki, sizeof(pki), "");
    env_pki_path(ca, sizeof(ca), "ci/ci.cert.pem"); /* issues the SM-DP+'s TLS certificate */
    argv[argc++] = SGP32_EIM_SERVER;
    argv[argc++] = "--pki";
    argv[argc++] = pki;
    argv[argc++] = "--db";
    argv[argc++] = world.db;
    argv[argc++] = "--smdp-ca";
    argv[argc++] = ca;
    argv[argc++] = "--lifetime"; /* a server this test fails to stop goes away on its own */
    argv[argc++] = "300";
    argv[argc] = NULL;
    server_start(&world.eim, argv);
}

static uint8_t *b64_decode(const char *text, size_t *len)
{
    size_t cap = sgp32_base64_decoded_max(strlen(text)) + 1;
    uint8_t *out = malloc(cap);
    assert_non_null(out);
    assert_int_equal(sgp32_base64_decode(text, strlen(text), 0, out, cap, len), SGP32_OK);
    return out;
}

static char *b64_encode(const uint8_t *data, size_t len)
{
    size_t cap = sgp32_base64_encoded_length(len) + 1, out_len;
    char *out = malloc(cap);
    assert_non_null(out);
    assert_int_equal(sgp32_base64_encode(data, len, out, cap, &out_len), SGP32_OK);
    return out;
}

static const char *json_string(const cJSON *json, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(json, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static long json_number(const cJSON *json, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(json, name);
    assert_true(cJSON_IsNumber(item));
    return (long)item->valuedouble;
}

/* AddInitialEim on the card with the eIM's own request (GET /api/eim), then the device registration
 * with the eUICC certificate and the association token the card assigned. */
static int setup(void **state)
{
    cJSON *json = NULL;
    uint8_t *request, *answer;
    size_t request_len, answer_len, len, value_len;
    const uint8_t *element, *value;
    char path[256], *certificate_b64, body[4096];
    long token;
    FILE *file;
    uint8_t certificate[2048];
    size_t certificate_len;
    (void)state;
    if (env_pki_create() != 0)
        return -1;
    snprintf(world.db, sizeof(world.db), "/tmp/eim-server-db-XXXXXX");
    assert_true(mkdtemp(world.db) != NULL);
    strcat(world.db, "/eim.db");
    client_start();
    eim_start();
    card_start(&world.card);
    snprintf(world.orders_path, sizeof(world.orders_path), "/api/devices/%s/orders", world.card.eid_hex);
    assert_int_equal(rest_call(&world.eim, "GET", "/api/eim", NULL, &json), 200);
    assert_string_equal(json_string(json, "eimId"), "eIM");
    assert_string_equal(json_string(json, "eimFqdn"), world.eim.address);
    request = b64_decode(json_string(json, "addInitialEimRequest"), &request_len);
    cJSON_Delete(json);
    assert_int_equal(sgp32_der_validate(sgp32_codec_type_find("AddInitialEimRequest"), request, request_len), SGP32_OK);
    card_command(&world.card, request, request_len, &answer, &answer_len);
    free(request);
    /* AddInitialEimResponse BF57 { A0 { 84 associationToken } } */
    element = der_child(answer, answer_len, 0xA0, &len);
    assert_non_null(element);
    element = der_child(element, len, 0x84, &len);
    assert_non_null(element);
    value = der_value(element, len, &value_len);
    assert_int_equal(value_len, 1);
    token = value[0];
    sgp32_buffer_free(answer);
    env_pki_path(path, sizeof(path), "euicc/euicc.cert.der");
    file = fopen(path, "rb");
    assert_non_null(file);
    certificate_len = fread(certificate, 1, sizeof(certificate), file);
    fclose(file);
    certificate_b64 = b64_encode(certificate, certificate_len);
    snprintf(body, sizeof(body), "{\"eid\": \"%s\", \"euiccCertificate\": \"%s\", \"associationToken\": %ld}",
             world.card.eid_hex, certificate_b64, token);
    assert_int_equal(rest_call(&world.eim, "POST", "/api/devices", body, &json), 201);
    assert_int_equal(json_number(json, "counterValue"), 0);
    cJSON_Delete(json);
    /* twice: refused */
    assert_int_equal(rest_call(&world.eim, "POST", "/api/devices", body, &json), 409);
    assert_non_null(json_string(json, "error"));
    cJSON_Delete(json);
    free(certificate_b64);
    return 0;
}

static int teardown(void **state)
{
    char command[128];
    (void)state;
    server_kill(&world.eim);
    card_stop(&world.card);
    client_stop();
    env_pki_remove();
    *strrchr(world.db, '/') = '\0';
    snprintf(command, sizeof(command), "rm -rf '%s'", world.db);
    return system(command) == 0 ? 0 : -1;
}

/* POST an order for the card: its id. */
static long post_order(const char *order)
{
    cJSON *json = NULL;
    long id;
    assert_int_equal(rest_call(&world.eim, "POST", world.orders_path, order, &json), 201);
    assert_string_equal(json_string(json, "status"), "new");
    id = json_number(json, "id");
    cJSON_Delete(json);
    return id;
}

/* GET /api/orders/<id> (free with cJSON_Delete). */
static cJSON *get_order(long id)
{
    char path[64];
    cJSON *json = NULL;
    snprintf(path, sizeof(path), "/api/orders/%ld", id);
    assert_int_equal(rest_call(&world.eim, "GET", path, NULL, &json), 200);
    return json;
}

/* ESipa GetEimPackage for an EID: the answer (BF4F ...). */
static uint8_t *get_eim_package(const uint8_t eid[16], size_t *len)
{
    uint8_t message[32], *answer = NULL;
    size_t n = der_append(message, 0, sizeof(message), 0x5A, eid, 16);
    n = der_append(message, 0, sizeof(message), 0xBF4F, message, n);
    assert_int_equal(esipa_call(&world.eim, message, n, &answer, len), 200);
    assert_true(*len > 3 && answer[0] == 0xBF && answer[1] == 0x4F);
    return answer;
}

/* ProvideEimPackageResult { 5A eid, result }: the eIM's answer (BF50 ...). */
static uint8_t *provide_result(const uint8_t *result, size_t result_len, size_t *len)
{
    uint8_t *message = malloc(result_len + 64), *answer = NULL;
    size_t n;
    assert_non_null(message);
    n = der_append(message, 0, result_len + 64, 0x5A, world.card.eid, 16);
    memcpy(message + n, result, result_len);
    n = der_append(message, 0, result_len + 64, 0xBF50, message, n + result_len);
    assert_int_equal(esipa_call(&world.eim, message, n, &answer, len), 200);
    free(message);
    assert_true(*len > 3 && answer[0] == 0xBF && answer[1] == 0x50);
    return answer;
}

/* The order's EuiccPackageRequest as the IPA gets it, run on the card: the EuiccPackageResult. */
static uint8_t *fetch_and_load(size_t *result_len)
{
    size_t len, request_len;
    uint8_t *answer = get_eim_package(world.card.eid, &len), *result;
    const uint8_t *request = der_child(answer, len, 0xBF51, &request_len);
    assert_non_null(request);
    assert_int_equal(sgp32_der_validate(sgp32_codec_type_find("EuiccPackageRequest"), request, request_len), SGP32_OK);
    card_command(&world.card, request, request_len, &result, result_len);
    free(answer);
    assert_true(*result_len > 3 && result[0] == 0xBF && result[1] == 0x51);
    return result;
}

/* 1 when needle occurs in haystack. */
static int contains(const uint8_t *haystack, size_t len, const char *needle)
{
    size_t needle_len = strlen(needle), at;
    for (at = 0; at + needle_len <= len; at++)
        if (memcmp(haystack + at, needle, needle_len) == 0)
            return 1;
    return 0;
}

static const uint8_t no_package[5] = {0xBF, 0x4F, 0x03, 0x02, 0x01};
static const uint8_t result_refused[6] = {0xBF, 0x50, 0x03, 0x02, 0x01, 0x7F};

static void test_psmo_order(void **state)
{
    long id = post_order("{\"psmo\": [{\"listProfileInfo\": {}}, {\"getRAT\": {}}]}");
    size_t result_len, answer_len;
    uint8_t *result, *answer;
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
    free(answer);
    order = get_order(id);
    assert_string_equal(json_string(order, "status"), "done");
    assert_string_equal(json_string(order, "outcome"), "success");
    assert_non_null(json_string(order, "result"));
    assert_non_null(cJSON_GetObjectItemCaseSensitive(order, "resultDecoded"));
    cJSON_Delete(order);
    /* the same result again: a replay, refused (seqNumber not growing, order done) */
    answer = provide_result(result, result_len, &answer_len);
    assert_int_equal(answer_len, sizeof(result_refused));
    assert_memory_equal(answer, result_refused, sizeof(result_refused));
    free(answer);
    sgp32_buffer_free(result);
}

static void test_forged_result(void **state)
{
    long id = post_order("{\"psmo\": {\"getRAT\": {}}}");
    size_t result_len, answer_len;
    uint8_t *result = fetch_and_load(&result_len), *answer;
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
    result = fetch_and_load(&result_len);
    answer = provide_result(result, result_len, &answer_len);
    assert_int_equal(answer[4], 0x53);
    free(answer);
    sgp32_buffer_free(result);
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

/* ---- indirect profile download through the eIM's ES9+ relay ---- */

/* ESipa call that must answer 200 with a `tag` { 30 ... } success: the answer (the SEQUENCE in *ok). */
static uint8_t *relay_call(const uint8_t *message, size_t len, uint32_t tag, const uint8_t **ok, size_t *ok_len)
{
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    assert_int_equal(esipa_call(&world.eim, message, len, &answer, &answer_len), 200);
    assert_int_equal(answer[0], (uint8_t)(tag >> 8));
    assert_int_equal(answer[1], (uint8_t)tag);
    *ok = der_child(answer, answer_len, 0x30, ok_len);
    assert_non_null(*ok);
    return answer;
}

static void test_indirect_download(void **state)
{
    struct server_process smdp;
    char pki[256], profiles[256], tls_cert[256], tls_key[256];
    const char *argv[16];
    uint8_t challenge[16], *info1 = NULL, *message, *answer, *auth_answer, *bpp_answer, *prepared = NULL,
                           *installed = NULL;
    size_t info1_len, n, ok_len, len, prepared_len, installed_len, offset = 0;
    const uint8_t *ok, *tid;
    size_t tid_len;
    struct smdp_authentication auth;
    struct smdp_prepare prepare;
    struct smdp_blob bf38 = {NULL, 0}, bf21 = {NULL, 0};
    uint8_t *authenticate_server_response = NULL;
    size_t asr_len = 0;
    struct sgp32_es10_bpp_loader *loader = NULL;
    const uint8_t *bpp;
    size_t bpp_len, trigger_len;
    long id;
    cJSON *json = NULL, *order;
    (void)state;
    env_pki_path(pki, sizeof(pki), "");
    snprintf(profiles, sizeof(profiles), "%s/profiles", SGP32_SHARED_DIR);
    env_pki_path(tls_cert, sizeof(tls_cert), "smdp/tls.cert.pem");
    env_pki_path(tls_key, sizeof(tls_key), "smdp/tls.key.pem");
    n = 0;
    argv[n++] = SGP32_SMDP_SERVER;
    argv[n++] = "--pki";
    argv[n++] = pki;
    argv[n++] = "--profiles";
    argv[n++] = profiles;
    argv[n++] = "--lifetime";
    argv[n++] = "300";
    argv[n] = NULL;
    server_start(&smdp, argv);
    message = malloc(64 * 1024);
    assert_non_null(message);
    /* the operator orders a download with an activation code of this SM-DP+ */
    {
        char order_text[256];
        snprintf(order_text, sizeof(order_text), "{\"download\": {\"activationCode\": \"1$%s$%s\"}}", smdp.address,
                 MATCHING_ID);
        id = post_order(order_text);
    }
    answer = get_eim_package(world.card.eid, &len);
    assert_non_null(der_child(answer, len, 0xBF54, &trigger_len));
    tid = der_child(der_child(answer, len, 0xBF54, &trigger_len), trigger_len, 0x82, &tid_len);
    assert_non_null(tid);
    /* InitiateAuthenticationRequestEsipa { 81 euiccChallenge, 83 smdpAddress, BF20 euiccInfo1 } */
    assert_int_equal(sgp32_es10_get_euicc_challenge(world.card.es10, challenge), SGP32_OK);
    assert_int_equal(sgp32_es10_get_euicc_info1(world.card.es10, &info1, &info1_len), SGP32_OK);
    n = der_append(message, 0, 65536, 0x81, challenge, 16);
    n = der_append(message, n, 65536, 0x83, (const uint8_t *)smdp.address, strlen(smdp.address));
    memcpy(message + n, info1, info1_len);
    n = der_append(message, 0, 65536, 0xBF39, message, n + info1_len);
    sgp32_buffer_free(info1);
    auth_answer = relay_call(message, n, 0xBF39, &ok, &ok_len);
    /* InitiateAuthenticationOkEsipa { 80 transactionId, 30 serverSigned1, 5F37, 04, 30 certificate } */
    memset(&auth, 0, sizeof(auth));
    auth.server_signed1.data = (uint8_t *)(uintptr_t)der_child(ok, ok_len, 0x30, &auth.server_signed1.len);
    auth.server_signature1.data = (uint8_t *)(uintptr_t)der_child(ok, ok_len, 0x5F37, &auth.server_signature1.len);
    auth.euicc_ci_pkid.data = (uint8_t *)(uintptr_t)der_child(ok, ok_len, 0x04, &auth.euicc_ci_pkid.len);
    {
        /* serverCertificate: the second SEQUENCE */
        const uint8_t *first = auth.server_signed1.data + auth.server_signed1.len;
        size_t rest = ok_len - (size_t)(first - ok);
        const uint8_t *p = first;
        while (p < ok + ok_len && p[0] != 0x30) {
            size_t value_len;
            const uint8_t *v = der_value(p, rest, &value_len);
            assert_non_null(v);
            rest -= (size_t)(v - p) + value_len;
            p = v + value_len;
        }
        auth.server_certificate.data = (uint8_t *)(uintptr_t)p;
        assert_non_null(der_value(p, rest, &auth.server_certificate.len));
        auth.server_certificate.len += (size_t)(der_value(p, rest, &len) - p);
    }
    assert_non_null(auth.server_signed1.data);
    assert_non_null(auth.server_signature1.data);
    assert_non_null(auth.euicc_ci_pkid.data);
    {
        const uint8_t *tid_element = der_child(ok, ok_len, 0x80, &len);
        uint8_t transaction_id[16];
        assert_non_null(tid_element);
        assert_int_equal(len, 18);
        memcpy(transaction_id, tid_element + 2, 16);
        assert_int_equal(smdp_build_authenticate_server_request(&auth, MATCHING_ID, &bf38), SGP32_OK);
        free(auth_answer);
        assert_int_equal(sgp32_es10_authenticate_server(world.card.es10, bf38.data, bf38.len,
                                                        &authenticate_server_response, &asr_len),
                         SGP32_OK);
        free(bf38.data);
        /* AuthenticateClientRequestEsipa { 80 transactionId, BF38 } */
        n = der_append(message, 0, 65536, 0x80, transaction_id, 16);
        memcpy(message + n, authenticate_server_response, asr_len);
        n = der_append(message, 0, 65536, 0xBF3B, message, n + asr_len);
        sgp32_buffer_free(authenticate_server_response);
        auth_answer = relay_call(message, n, 0xBF3B, &ok, &ok_len);
        assert_non_null(der_child(ok, ok_len, 0xBF25, &len)); /* profileMetaData */
        memset(&prepare, 0, sizeof(prepare));
        prepare.smdp_signed2.data = (uint8_t *)(uintptr_t)der_child(ok, ok_len, 0x30, &prepare.smdp_signed2.len);
        prepare.smdp_signature2.data =
            (uint8_t *)(uintptr_t)der_child(ok, ok_len, 0x5F37, &prepare.smdp_signature2.len);
        prepare.smdp_certificate.data =
            (uint8_t *)(uintptr_t)(prepare.smdp_signature2.data + prepare.smdp_signature2.len);
        assert_non_null(der_value(prepare.smdp_certificate.data, 4096, &len));
        prepare.smdp_certificate.len =
            len + (size_t)(der_value(prepare.smdp_certificate.data, 4096, &len) - prepare.smdp_certificate.data);
        assert_int_equal(smdp_build_prepare_download_request(&prepare, NULL, &bf21), SGP32_OK);
        free(auth_answer);
        assert_int_equal(sgp32_es10_prepare_download(world.card.es10, bf21.data, bf21.len, &prepared, &prepared_len),
                         SGP32_OK);
        free(bf21.data);
        /* GetBoundProfilePackageRequestEsipa { 80 transactionId, BF21 } */
        n = der_append(message, 0, 65536, 0x80, transaction_id, 16);
        memcpy(message + n, prepared, prepared_len);
        n = der_append(message, 0, 65536, 0xBF3A, message, n + prepared_len);
        sgp32_buffer_free(prepared);
    }
    bpp_answer = relay_call(message, n, 0xBF3A, &ok, &ok_len);
    bpp = der_child(ok, ok_len, 0xBF36, &bpp_len);
    assert_non_null(bpp);
    assert_int_equal(sgp32_es10_bpp_loader_new(world.card.es10, 0, &loader), SGP32_OK);
    while (offset < bpp_len) {
        size_t chunk = bpp_len - offset < CHUNK ? bpp_len - offset : CHUNK;
        assert_int_equal(sgp32_es10_bpp_loader_feed(loader, bpp + offset, chunk), SGP32_OK);
        offset += chunk;
    }
    assert_true(sgp32_es10_bpp_loader_done(loader));
    assert_int_equal(sgp32_es10_bpp_loader_finish(loader, &installed, &installed_len), SGP32_OK);
    sgp32_es10_bpp_loader_free(loader);
    free(bpp_answer);
    assert_int_equal(installed[0], 0xBF);
    assert_int_equal(installed[1], 0x37);
    /* HandleNotificationEsipa { A0 { BF37 } }: 204, relayed to the SM-DP+ */
    memcpy(message, installed, installed_len);
    n = der_append(message, 0, 65536, 0xA0, message, installed_len);
    n = der_append(message, 0, 65536, 0xBF3D, message, n);
    {
        uint8_t *none = NULL;
        assert_int_equal(esipa_call(&world.eim, message, n, &none, &len), 204);
        free(none);
    }
    /* ProvideEimPackageResult { ProfileDownloadTriggerResult { 82 tid, BF37 } } closes the order */
    memcpy(message, tid, tid_len);
    memcpy(message + tid_len, installed, installed_len);
    n = der_append(message, 0, 65536, 0xBF54, message, tid_len + installed_len);
    {
        uint8_t *reply = provide_result(message, n, &len);
        free(reply);
    }
    order = get_order(id);
    assert_string_equal(json_string(order, "status"), "done");
    assert_string_equal(json_string(order, "outcome"), "installed");
    cJSON_Delete(order);
    assert_int_equal(rest_call(&world.eim, "GET", "/api/notifications", NULL, &json), 200);
    assert_true(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(json, "notifications")) >= 2);
    cJSON_Delete(json);
    /* the SM-DP+ got the notification: the session has ended (a new AuthenticateClient is refused) */
    sgp32_buffer_free(installed);
    free(answer);
    free(message);
    server_stop(&smdp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_package),     cmocka_unit_test(test_psmo_order),
        cmocka_unit_test(test_forged_result),  cmocka_unit_test(test_download_trigger),
        cmocka_unit_test(test_ipa_euicc_data), cmocka_unit_test(test_restart_persistence),
        cmocka_unit_test(test_bad_input),      cmocka_unit_test(test_indirect_download),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
