/* SPDX-License-Identifier: MIT */
/* The shared fixture of the sgp32-eim tests (eim_test_world.h). */
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

struct world world;

void eim_start(void)
{
    char pki[256], ca[256], port[16];
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
    if (world.eim.port != 0) { /* a restart: the same address (the eimFqdn the card has, and the IPA uses) */
        snprintf(port, sizeof(port), "%u", world.eim.port);
        argv[argc++] = "--port";
        argv[argc++] = port;
    }
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

const char *json_string(const cJSON *json, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(json, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

long json_number(const cJSON *json, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(json, name);
    assert_true(cJSON_IsNumber(item));
    return (long)item->valuedouble;
}

/* AddInitialEim on the card with the eIM's own request (GET /api/eim), then the device registration
 * with the eUICC certificate and the association token the card assigned. */
int eim_world_setup(void **state)
{
    cJSON *json = NULL;
    uint8_t *request, *answer;
    size_t request_len, answer_len;
    char path[256], *certificate_b64, body[4096];
    long token;
    FILE *file;
    uint8_t certificate[2048];
    size_t certificate_len;
    (void)state;
#ifdef EIM_TEST_JSON
    env_esipa_json = 1; /* every ESipa message of the tests over the JSON binding (SGP.32 6.2) */
#endif
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
    token = association_token_of(answer, answer_len);
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

int eim_world_teardown(void **state)
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

int eim_world_setup_with_smdp(void **state)
{
    char pki[256], profiles[256];
    const char *argv[8];
    if (eim_world_setup(state) != 0)
        return -1;
    env_pki_path(pki, sizeof(pki), "");
    snprintf(profiles, sizeof(profiles), "%s/profiles", SGP32_SHARED_DIR);
    argv[0] = SGP32_SMDP_SERVER;
    argv[1] = "--pki";
    argv[2] = pki;
    argv[3] = "--profiles";
    argv[4] = profiles;
    argv[5] = "--lifetime";
    argv[6] = "300";
    argv[7] = NULL;
    server_start(&world.smdp, (const char *const *)argv);
    return 0;
}

int eim_world_teardown_with_smdp(void **state)
{
    server_stop(&world.smdp);
    return eim_world_teardown(state);
}

/* POST an order for the card: its id. */
long post_order(const char *order)
{
    cJSON *json = NULL;
    long id;
    assert_int_equal(rest_call(&world.eim, "POST", world.orders_path, order, &json), 201);
    assert_string_equal(json_string(json, "status"), "new");
    id = json_number(json, "id");
    cJSON_Delete(json);
    return id;
}

long post_download_order(const char *matching_id, const char *iccid)
{
    char text[256];
    cJSON *json = NULL;
    snprintf(text, sizeof(text), "{\"matchingId\": \"%s\", \"profile\": \"%s\", \"iccid\": \"%s\"}", matching_id,
             MATCHING_ID, iccid);
    assert_int_equal(rest_call(&world.smdp, "POST", "/api/orders", text, &json), 201);
    cJSON_Delete(json);
    snprintf(text, sizeof(text), "{\"download\": {\"activationCode\": \"1$%s$%s\"}}", world.smdp.address, matching_id);
    return post_order(text);
}

/* GET /api/orders/<id> (free with cJSON_Delete). */
cJSON *get_order(long id)
{
    char path[64];
    cJSON *json = NULL;
    snprintf(path, sizeof(path), "/api/orders/%ld", id);
    assert_int_equal(rest_call(&world.eim, "GET", path, NULL, &json), 200);
    return json;
}

/* ESipa GetEimPackage for an EID: the answer (BF4F ...). */
uint8_t *get_eim_package(const uint8_t eid[16], size_t *len)
{
    uint8_t message[32], *answer = NULL;
    size_t n = der_append(message, 0, sizeof(message), 0x5A, eid, 16);
    n = der_append(message, 0, sizeof(message), 0xBF4F, message, n);
    assert_int_equal(esipa_call(&world.eim, message, n, &answer, len), 200);
    assert_true(*len > 3 && answer[0] == 0xBF && answer[1] == 0x4F);
    return answer;
}

/* ProvideEimPackageResult { 5A eid, result }: the eIM's answer (BF50 ...). */
uint8_t *provide_result(const uint8_t *result, size_t result_len, size_t *len)
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
uint8_t *fetch_and_load(size_t *result_len)
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
void run_next_package(void)
{
    size_t result_len, answer_len;
    uint8_t *result = fetch_and_load(&result_len), *answer = provide_result(result, result_len, &answer_len);
    assert_int_equal(answer[4], 0x53);
    free(answer);
    sgp32_buffer_free(result);
}

int contains(const uint8_t *haystack, size_t len, const char *needle)
{
    size_t needle_len = strlen(needle), at;
    for (at = 0; at + needle_len <= len; at++)
        if (memcmp(haystack + at, needle, needle_len) == 0)
            return 1;
    return 0;
}
