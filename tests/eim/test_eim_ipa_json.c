/* SPDX-License-Identifier: MIT */
/*
 * The library's own IPA core (include/sgp32/ipa.h) with the ESipa JSON binding (SGP.32 6.2,
 * config.binding = SGP32_IPA_BINDING_JSON) and the libcurl backend against sgp32-eim and sgp32-smdp as
 * processes, in front of the software eUICC: a PSMO order and an eUICC data order executed and
 * answered, an indirect profile download relayed by the eIM, all through /gsma/rsp2/esipa/<function>.
 * Also the JSON binding on the wire: the answers' form, and what the eIM refuses.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "eim_test_world.h"
#include "remote/esipa_json.h"
#include "remote/remote.h"
#include "sgp32/http_curl.h"
#include "sgp32/ipa.h"

#define RECORDS 16
#define RUN_TIMEOUT_MS 120000u

/* ---- a small IPA host: the card of the world, libcurl, records in memory ---- */

struct record {
    char name[32];
    uint8_t *data;
    size_t len;
};

struct host {
    struct record records[RECORDS];
    struct sgp32_http_curl *curl;
    unsigned packages_executed;
    unsigned downloads_done;
    enum sgp32_status download_status;
    char download_detail[192];
};

static struct record *find_record(struct host *host, const char *name)
{
    size_t i;
    for (i = 0; i < RECORDS; i++)
        if (host->records[i].data != NULL && strcmp(host->records[i].name, name) == 0)
            return &host->records[i];
    return NULL;
}

static enum sgp32_status host_load(void *user, const char *name, uint8_t *buf, size_t cap, size_t *len)
{
    struct record *record = find_record(user, name);
    if (record == NULL)
        return SGP32_ERR_NOT_FOUND;
    *len = record->len;
    if (cap < record->len)
        return SGP32_ERR_BUFFER_TOO_SMALL;
    memcpy(buf, record->data, record->len);
    return SGP32_OK;
}

static enum sgp32_status host_save(void *user, const char *name, const uint8_t *data, size_t len)
{
    struct host *host = user;
    struct record *record = find_record(host, name);
    size_t i;
    if (record != NULL) {
        free(record->data);
        record->data = NULL;
    }
    if (data == NULL)
        return SGP32_OK;
    for (i = 0; record == NULL && i < RECORDS; i++)
        if (host->records[i].data == NULL)
            record = &host->records[i];
    assert_non_null(record);
    assert_true(strlen(name) < sizeof(record->name));
    strcpy(record->name, name);
    record->data = malloc(len > 0 ? len : 1);
    assert_non_null(record->data);
    memcpy(record->data, data, len);
    record->len = len;
    return SGP32_OK;
}

static uint64_t host_now(void *user)
{
    struct timespec ts;
    (void)user;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void host_log(void *user, int level, const char *message)
{
    (void)user;
    if (getenv("EIM_TEST_VERBOSE") != NULL || level == SGP32_LOG_ERROR)
        fprintf(stderr, "ipa[%d]: %s\n", level, message);
}

static void host_event(void *user, const struct sgp32_ipa_event *event)
{
    struct host *host = user;
    if (event->type == SGP32_IPA_EVENT_PACKAGE_EXECUTED)
        host->packages_executed++;
    if (event->type == SGP32_IPA_EVENT_DOWNLOAD_DONE) {
        host->downloads_done++;
        host->download_status = event->status;
        snprintf(host->download_detail, sizeof(host->download_detail), "%s", event->detail);
    }
}

static void host_release(struct host *host)
{
    size_t i;
    for (i = 0; i < RECORDS; i++)
        free(host->records[i].data);
    sgp32_http_curl_free(host->curl);
    memset(host, 0, sizeof(*host));
}

/* Runs an IPA (JSON binding) until every order listed has ended (done/failed), bounded; then the card
 * gets a new ES10 session for the tests. */
static void run_ipa(struct host *host, const long *ids, size_t count)
{
    struct sgp32_http_curl_options options;
    struct sgp32_platform platform;
    struct sgp32_ipa_config config;
    struct sgp32_ipa *ipa = NULL;
    char ca[256], address[96];
    uint64_t deadline = host_now(NULL) + RUN_TIMEOUT_MS;
    size_t ended = 0;
    memset(host, 0, sizeof(*host));
    env_pki_path(ca, sizeof(ca), "tls/root.cert.pem"); /* the eIM's TLS certificate (the IPA never meets the SM-DP+) */
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.ca_file = ca;
    options.proxy = "";
    assert_int_equal(sgp32_http_curl_new(&options, &host->curl), SGP32_OK);
    memset(&platform, 0, sizeof(platform));
    platform.version = SGP32_PLATFORM_VERSION;
    platform.size = sizeof(platform);
    platform.apdu = world.card.transport;
    sgp32_http_curl_client(host->curl, &platform.http);
    platform.load = host_load;
    platform.save = host_save;
    platform.now_ms = host_now;
    platform.log = host_log;
    platform.event = host_event;
    platform.user = host;
    memset(&config, 0, sizeof(config));
    config.size = sizeof(config);
    snprintf(address, sizeof(address), "https://%s", world.eim.address);
    config.eim_address = address;
    config.binding = SGP32_IPA_BINDING_JSON;
    config.retry_initial_ms = 200;
    config.retry_limit = 3;
    config.http_timeout_ms = 30000;
    assert_int_equal(sgp32_ipa_new(&config, &platform, &ipa), SGP32_OK);
    assert_int_equal(sgp32_ipa_poll_eim_now(ipa), SGP32_OK);
    while (ended < count && host_now(NULL) < deadline) {
        struct sgp32_ipa_poll_result result;
        struct timespec pause;
        uint32_t wait_ms;
        size_t i;
        sgp32_ipa_poll(ipa, &result);
        if (result.activity == SGP32_IPA_FAILED)
            fprintf(stderr, "ipa: %s failed: %s (%s)\n", result.state, sgp32_strerror(result.status), result.detail);
        if (result.activity == SGP32_IPA_IDLE || result.activity == SGP32_IPA_FAILED) {
            /* between procedures: have the orders ended? if not, ask the eIM again */
            for (ended = 0, i = 0; i < count; i++) {
                cJSON *order = get_order(ids[i]);
                const char *status = json_string(order, "status");
                ended += strcmp(status, "done") == 0 || strcmp(status, "failed") == 0;
                cJSON_Delete(order);
            }
            if (ended < count)
                assert_int_equal(sgp32_ipa_poll_eim_now(ipa), SGP32_OK);
        }
        wait_ms = result.wait_ms < 20 ? result.wait_ms : 20;
        pause.tv_sec = 0;
        pause.tv_nsec = (long)wait_ms * 1000000L;
        nanosleep(&pause, NULL);
    }
    sgp32_ipa_free(ipa);
    card_reconnect(&world.card);
    assert_int_equal(ended, count);
}

/* ---- tests ---- */

/* A JSON ESipa request by hand: the HTTP status; *json the parsed answer (NULL if none). */
static int json_post(const char *function, const char *content_type, const char *body, cJSON **json)
{
    char path[96], *answer = NULL;
    size_t answer_len = 0;
    int status;
    snprintf(path, sizeof(path), "%s%s", SGP32_ESIPA_JSON_PATH_PREFIX, function);
    status = https_call(&world.eim, "POST", path, content_type, SGP32_REMOTE_ADMIN_PROTOCOL_ESIPA,
                        (const uint8_t *)body, strlen(body), &answer, &answer_len);
    *json = answer != NULL && status == 200 ? cJSON_Parse(answer) : NULL;
    free(answer);
    return status;
}

static const char *execution_status(const cJSON *json)
{
    const cJSON *header = cJSON_GetObjectItemCaseSensitive(json, "header");
    const cJSON *fes = cJSON_GetObjectItemCaseSensitive(header, "functionExecutionStatus");
    return json_string(fes, "status");
}

/* The wire: getEimPackage with no order is {"header": ..., "eimPackageError": 1}; an unknown EID 2;
 * what is not a request of the binding is refused and the eIM keeps running. */
static void test_json_wire(void **state)
{
    char body[128];
    cJSON *json = NULL;
    (void)state;
    snprintf(body, sizeof(body), "{\"eidValue\": \"%s\"}", world.card.eid_hex);
    assert_int_equal(json_post("getEimPackage", SGP32_REMOTE_CONTENT_TYPE_JSON, body, &json), 200);
    assert_non_null(json);
    assert_string_equal(execution_status(json), "Executed-Success");
    assert_int_equal(json_number(json, "eimPackageError"), 1); /* noEimPackageAvailable */
    cJSON_Delete(json);
    assert_int_equal(json_post("getEimPackage", SGP32_REMOTE_CONTENT_TYPE_JSON,
                               "{\"eidValue\": \"89049032123451234512345678900000\"}", &json),
                     200);
    assert_int_equal(json_number(json, "eimPackageError"), 2); /* eidNotFound */
    cJSON_Delete(json);
    /* provideEimPackageResult of a result nobody waits for: provideEimPackageResultError undefinedError */
    snprintf(body, sizeof(body), "{\"eidValue\": \"%s\", \"eimPackageResult\": \"oAUCAwAAfw==\"}", world.card.eid_hex);
    assert_int_equal(json_post("provideEimPackageResult", SGP32_REMOTE_CONTENT_TYPE_JSON, body, &json), 200);
    assert_int_equal(json_number(json, "provideEimPackageResultError"), 127);
    cJSON_Delete(json);
    /* refused: an unknown function, not JSON, a member of the wrong type, the wrong media type, GET */
    assert_int_equal(json_post("getEimPackages", SGP32_REMOTE_CONTENT_TYPE_JSON, "{}", &json), 404);
    assert_int_equal(json_post("getEimPackage", SGP32_REMOTE_CONTENT_TYPE_JSON, "{\"eidValue\": ", &json), 400);
    assert_int_equal(json_post("getEimPackage", SGP32_REMOTE_CONTENT_TYPE_JSON, "{\"eidValue\": 12}", &json), 400);
    assert_int_equal(json_post("getEimPackage", "text/plain", body, &json), 400);
    assert_int_equal(
        https_call(&world.eim, "GET", SGP32_ESIPA_JSON_PATH_PREFIX "getEimPackage", NULL, NULL, NULL, 0, NULL, NULL),
        405);
    assert_true(server_alive(&world.eim));
}

/* A PSMO order and an eUICC data order, fetched, executed on the card and answered by the IPA core. */
static void test_ipa_orders(void **state)
{
    struct host host;
    long ids[2];
    cJSON *order;
    const cJSON *decoded;
    (void)state;
    ids[0] = post_order("{\"psmo\": [{\"listProfileInfo\": {}}, {\"getRAT\": {}}]}");
    ids[1] = post_order("{\"ipaEuiccData\": {\"tagList\": \"BF20\"}}");
    run_ipa(&host, ids, 2);
    assert_true(host.packages_executed >= 1);
    host_release(&host);
    order = get_order(ids[0]);
    assert_string_equal(json_string(order, "status"), "done");
    assert_string_equal(json_string(order, "outcome"), "success");
    decoded = cJSON_GetObjectItemCaseSensitive(order, "resultDecoded");
    assert_non_null(cJSON_GetObjectItemCaseSensitive(decoded, "euiccPackageResultSigned"));
    cJSON_Delete(order);
    order = get_order(ids[1]);
    assert_string_equal(json_string(order, "status"), "done");
    assert_string_equal(json_string(order, "outcome"), "success");
    cJSON_Delete(order);
}

/* A download order: the IPA core downloads through the eIM (initiateAuthentication, authenticateClient,
 * getBoundProfilePackage over JSON, relayed over ES9+), the order ends "installed". */
static void test_ipa_indirect_download(void **state)
{
    static const char matching_id[] = "EIM-JSON-IPA-1";
    struct host host;
    cJSON *json = NULL;
    long id;
    (void)state;
    id = post_download_order(matching_id, "8949000000000000992");
    run_ipa(&host, &id, 1);
    assert_int_equal(host.downloads_done, 1);
    if (host.download_status != SGP32_OK)
        fprintf(stderr, "download: %s\n", host.download_detail);
    assert_int_equal(host.download_status, SGP32_OK);
    host_release(&host);
    json = get_order(id);
    assert_string_equal(json_string(json, "status"), "done");
    assert_string_equal(json_string(json, "outcome"), "installed");
    cJSON_Delete(json);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_wire),
        cmocka_unit_test(test_ipa_orders),
        cmocka_unit_test(test_ipa_indirect_download),
    };
    return cmocka_run_group_tests(tests, eim_world_setup_with_smdp, eim_world_teardown_with_smdp);
}
