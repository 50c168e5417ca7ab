/* SPDX-License-Identifier: MIT */
/* The end-to-end world (e2e_env.h). */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "codec/base64.h"
#include "e2e_env.h"
#include "sgp32/codec.h"
#include "sgp32/es10.h"
#include "sgp32/tlv.h"

struct e2e e2e;

static uint64_t real_now_ms(void *user)
{
    struct timespec ts;
    (void)user;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void pause_ms(uint32_t ms)
{
    struct timespec ts;
    ts.tv_sec = (time_t)(ms / 1000u);
    ts.tv_nsec = (long)(ms % 1000u) * 1000000L;
    nanosleep(&ts, NULL);
}

static void run_command(const char *command)
{
    assert_int_equal(system(command), 0);
}

static void append_file(FILE *out, const char *path)
{
    char buffer[4096];
    size_t n;
    FILE *in = fopen(path, "rb");
    assert_non_null(in);
    while ((n = fread(buffer, 1, sizeof(buffer), in)) > 0)
        assert_int_equal(fwrite(buffer, 1, n, out), n);
    fclose(in);
}

void e2e_filter_from_environment(void)
{
    const char *pattern = getenv("E2E_TEST");
    if (pattern != NULL && pattern[0] != '\0')
        cmocka_set_test_filter(pattern);
}

int e2e_group_setup(void **state)
{
    char path[256], pki[256];
    const char *argv[16];
    size_t argc = 0;
    FILE *bundle;
    (void)state;
    memset(&e2e, 0, sizeof(e2e));
    if (env_pki_create() != 0)
        return -1;
    snprintf(e2e.dir, sizeof(e2e.dir), "/tmp/sgp32-e2e-XXXXXX");
    assert_non_null(mkdtemp(e2e.dir));
    snprintf(e2e.ca_bundle, sizeof(e2e.ca_bundle), "%s/ca.pem", e2e.dir);
    bundle = fopen(e2e.ca_bundle, "wb");
    assert_non_null(bundle);
    env_pki_path(path, sizeof(path), "tls/root.cert.pem"); /* issues the eIM's TLS certificate */
    append_file(bundle, path);
    env_pki_path(path, sizeof(path), "ci/ci.cert.pem"); /* issues CERT.DP.TLS and CERT.DS.TLS */
    append_file(bundle, path);
    assert_int_equal(fclose(bundle), 0);
    env_pki_path(pki, sizeof(pki), "");
    argv[argc++] = SGP32_SMDP_SERVER;
    argv[argc++] = "--pki";
    argv[argc++] = pki;
    argv[argc++] = "--profiles";
    argv[argc++] = SGP32_SHARED_DIR "/profiles";
    argv[argc++] = "--lifetime"; /* a server this test fails to stop goes away on its own */
    argv[argc++] = "300";
    argv[argc] = NULL;
    server_start(&e2e.smdp, argv);
    argc = 0;
    argv[argc++] = SGP32_SMDS_SERVER;
    argv[argc++] = "--pki";
    argv[argc++] = pki;
    argv[argc++] = "--lifetime";
    argv[argc++] = "300";
    argv[argc] = NULL;
    server_start(&e2e.smds, argv);
    return 0;
}

int e2e_group_teardown(void **state)
{
    char command[128];
    (void)state;
    e2e_eim_remove(&e2e.eim); /* left running by a failed test setup */
    server_kill(&e2e.smdp);
    server_kill(&e2e.smds);
    env_pki_remove();
    snprintf(command, sizeof(command), "rm -rf '%s'", e2e.dir);
    return system(command) == 0 ? 0 : -1;
}

void e2e_eim_start(struct e2e_eim *eim, const char *eim_id, unsigned port)
{
    char pki[256], ca[256], port_text[16];
    const char *argv[24];
    size_t argc = 0;
    if (eim->dir[0] == '\0') {
        snprintf(eim->dir, sizeof(eim->dir), "/tmp/sgp32-e2e-eim-XXXXXX");
        assert_non_null(mkdtemp(eim->dir));
        snprintf(eim->db, sizeof(eim->db), "%s/eim.db", eim->dir);
    }
    snprintf(eim->eim_id, sizeof(eim->eim_id), "%s", eim_id);
    env_pki_path(pki, sizeof(pki), "");
    env_pki_path(ca, sizeof(ca), "ci/ci.cert.pem"); /* the relay verifies the SM-DP+ */
    snprintf(port_text, sizeof(port_text), "%u", port);
    argv[argc++] = SGP32_EIM_SERVER;
    argv[argc++] = "--pki";
    argv[argc++] = pki;
    argv[argc++] = "--db";
    argv[argc++] = eim->db;
    argv[argc++] = "--eim-id";
    argv[argc++] = eim->eim_id;
    argv[argc++] = "--port";
    argv[argc++] = port_text;
    argv[argc++] = "--smdp-ca";
    argv[argc++] = ca;
    argv[argc++] = "--lifetime";
    argv[argc++] = "300";
    argv[argc] = NULL;
    server_start(&eim->process, argv);
    eim->port = eim->process.port;
}

void e2e_eim_remove(struct e2e_eim *eim)
{
    char command[128];
    server_kill(&eim->process);
    if (eim->dir[0] != '\0') {
        snprintf(command, sizeof(command), "rm -rf '%s'", eim->dir);
        run_command(command);
    }
    memset(eim, 0, sizeof(*eim));
}

void e2e_eim_restart(struct e2e_eim *eim)
{
    char eim_id[32];
    snprintf(eim_id, sizeof(eim_id), "%s", eim->eim_id);
    server_stop(&eim->process); /* SIGTERM: a clean exit 0 */
    e2e_eim_start(eim, eim_id, eim->port);
}

static void preload_bootstrap(void)
{
    /* SGP32-ProfileInfo { iccid, isdpAid, profileClass operational }: the profile the device ships with */
    static const uint8_t info[] = {0xE3, 0x21, 0x5A, 0x0A, 0x98, 0x00, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10,
                                   0x32, 0x14, 0x4F, 0x10, 0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF,
                                   0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x10, 0x01, 0x95, 0x01, 0x02};
    static const uint8_t iccid[10] = {0x98, 0x00, 0x10, 0x32, 0x54, 0x76, 0x98, 0x10, 0x32, 0x14};
    assert_int_equal(sgp32_softeuicc_preload_profile(e2e.card.card, info, sizeof(info)), SGP32_OK);
    assert_int_equal(sgp32_es10_enable_profile(e2e.card.es10, SGP32_ES10_PROFILE_ICCID, iccid, 10, 0), SGP32_OK);
}

static void ipa_create(void)
{
    e2e.platform.apdu = e2e.card.transport;
    sgp32_http_curl_client(e2e.curl, &e2e.platform.http);
    ipa_host_platform(&e2e.host, &e2e.platform);
    e2e.platform.now_ms = real_now_ms; /* real servers, real time */
    e2e.platform.random = NULL;        /* the library's DRBG */
    assert_int_equal(sgp32_ipa_new(&e2e.config, &e2e.platform, &e2e.ipa), SGP32_OK);
}

void e2e_setup_card(void)
{
    memset(&e2e.eim, 0, sizeof(e2e.eim));
    e2e_eim_start(&e2e.eim, "eIM", 0);
    card_start(&e2e.card);
    preload_bootstrap();
    sgp32_es10_free(e2e.card.es10);
    e2e.card.es10 = NULL;
}

void e2e_setup_ipa(void)
{
    struct sgp32_http_curl_options http;
    assert_int_equal(ipa_host_init(&e2e.host, 0), SGP32_OK);
    memset(&http, 0, sizeof(http));
    http.size = sizeof(http);
    http.ca_file = e2e.ca_bundle;
    http.connect_timeout_ms = 5000;
    http.proxy = "";
    assert_int_equal(sgp32_http_curl_new(&http, &e2e.curl), SGP32_OK);
    memset(&e2e.platform, 0, sizeof(e2e.platform));
    memset(&e2e.config, 0, sizeof(e2e.config));
    e2e.config.size = sizeof(e2e.config);
    e2e.config.poll_interval_ms = 300; /* orders are picked up at once */
    e2e.config.retry_initial_ms = 200;
    e2e.config.retry_max_ms = 1000;
    e2e.config.http_timeout_ms = 20000;
    e2e.restarts = 0;
    e2e.association_token = -1;
    ipa_create();
}

int e2e_setup(void **state)
{
    (void)state;
    e2e_setup_card();
    e2e_setup_ipa();
    return 0;
}

int e2e_teardown(void **state)
{
    (void)state;
    if (getenv("E2E_VERBOSE") != NULL && e2e.host.log.count < 100000)
        ipa_log_dump(&e2e.host.log);
    sgp32_ipa_free(e2e.ipa);
    e2e.ipa = NULL;
    sgp32_http_curl_free(e2e.curl);
    e2e.curl = NULL;
    ipa_host_release(&e2e.host);
    card_stop(&e2e.card);
    e2e_eim_remove(&e2e.eim);
    return 0;
}

void e2e_ipa_restart(void)
{
    sgp32_ipa_free(e2e.ipa);
    e2e.ipa = NULL;
    e2e.restarts++;
    ipa_create();
}

/* ---- REST ---- */

struct rest_answer {
    char *text;
    size_t len;
};

static size_t collect(char *data, size_t size, size_t count, void *user)
{
    struct rest_answer *body = user;
    size_t n = size * count;
    char *grown = realloc(body->text, body->len + n + 1);
    if (grown == NULL)
        return 0;
    memcpy(grown + body->len, data, n);
    body->len += n;
    grown[body->len] = '\0';
    body->text = grown;
    return n;
}

int e2e_rest(const struct server_process *server, const char *method, const char *path, const char *body, cJSON **json)
{
    struct rest_answer answer = {NULL, 0};
    char url[512];
    long status = -1;
    struct curl_slist *headers = NULL;
    CURL *curl = curl_easy_init();
    assert_non_null(curl);
    snprintf(url, sizeof(url), "https://%s%s", server->address, path);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_CAINFO, e2e.ca_bundle);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 30000L);
    curl_easy_setopt(curl, CURLOPT_PROXY, "");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &answer);
    if (body != NULL) {
        headers = curl_slist_append(headers, "Content-Type: application/json");
        curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    }
    if (curl_easy_perform(curl) == CURLE_OK)
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    if (json != NULL) {
        *json = answer.text != NULL ? cJSON_Parse(answer.text) : NULL;
        if (*json == NULL && answer.text != NULL)
            fprintf(stderr, "REST %s %s: %ld, not JSON: %s\n", method, path, status, answer.text);
    }
    free(answer.text);
    return (int)status;
}

const char *e2e_text(const cJSON *json, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(json, name);
    return cJSON_IsString(item) ? item->valuestring : "";
}

static const char *string_of(const cJSON *json, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(json, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

void e2e_install_eim(const struct e2e_eim *eim)
{
    cJSON *json = NULL;
    const char *text;
    uint8_t *request, *answer = NULL;
    size_t request_len, answer_len = 0;
    assert_int_equal(e2e_rest(&eim->process, "GET", "/api/eim", NULL, &json), 200);
    text = string_of(json, "addInitialEimRequest");
    assert_non_null(text);
    request = malloc(strlen(text));
    assert_non_null(request);
    assert_int_equal(sgp32_base64_decode(text, strlen(text), 0, request, strlen(text), &request_len), SGP32_OK);
    cJSON_Delete(json);
    assert_int_equal(sgp32_ipa_add_initial_eim(e2e.ipa, request, request_len, &answer, &answer_len), SGP32_OK);
    free(request);
    e2e.association_token = association_token_of(answer, answer_len);
    sgp32_buffer_free(answer);
    e2e_register_device(eim, e2e.association_token);
}

void e2e_register_device(const struct e2e_eim *eim, long association_token)
{
    uint8_t certificate[2048];
    size_t certificate_len, len;
    char path[256], *certificate_b64, *body;
    FILE *file;
    env_pki_path(path, sizeof(path), "euicc/euicc.cert.der");
    file = fopen(path, "rb");
    assert_non_null(file);
    certificate_len = fread(certificate, 1, sizeof(certificate), file);
    fclose(file);
    certificate_b64 = malloc(sgp32_base64_encoded_length(certificate_len) + 1);
    assert_non_null(certificate_b64);
    assert_int_equal(sgp32_base64_encode(certificate, certificate_len, certificate_b64,
                                         sgp32_base64_encoded_length(certificate_len) + 1, &len),
                     SGP32_OK);
    body = malloc(len + 256);
    assert_non_null(body);
    snprintf(body, len + 256, "{\"eid\": \"%s\", \"euiccCertificate\": \"%s\", \"associationToken\": %ld}",
             e2e.card.eid_hex, certificate_b64, association_token);
    assert_int_equal(e2e_rest(&eim->process, "POST", "/api/devices", body, NULL), 201);
    free(body);
    free(certificate_b64);
}

long e2e_post_order(const struct e2e_eim *eim, const char *order)
{
    char path[128];
    cJSON *json = NULL;
    long id;
    snprintf(path, sizeof(path), "/api/devices/%s/orders", e2e.card.eid_hex);
    assert_int_equal(e2e_rest(&eim->process, "POST", path, order, &json), 201);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(json, "id")));
    id = (long)cJSON_GetObjectItemCaseSensitive(json, "id")->valuedouble;
    cJSON_Delete(json);
    return id;
}

cJSON *e2e_get_order(const struct e2e_eim *eim, long id)
{
    char path[64];
    cJSON *json = NULL;
    snprintf(path, sizeof(path), "/api/orders/%ld", id);
    assert_int_equal(e2e_rest(&eim->process, "GET", path, NULL, &json), 200);
    assert_non_null(json);
    return json;
}

void e2e_poll_once(struct sgp32_ipa_poll_result *result)
{
    sgp32_ipa_poll(e2e.ipa, result);
    pause_ms(result->wait_ms < 10 ? result->wait_ms : 10);
}

static int order_ended(const cJSON *order)
{
    const char *status = string_of(order, "status");
    return status != NULL && (strcmp(status, "done") == 0 || strcmp(status, "failed") == 0);
}

cJSON *e2e_run_order(const struct e2e_eim *eim, long id, uint32_t timeout_ms)
{
    uint64_t deadline = real_now_ms(NULL) + timeout_ms, next_check = 0;
    struct sgp32_ipa_poll_result result;
    cJSON *order = NULL;
    for (;;) {
        uint64_t now = real_now_ms(NULL);
        e2e_poll_once(&result);
        if (now >= next_check && sgp32_ipa_is_idle(e2e.ipa)) {
            order = e2e_get_order(eim, id);
            if (order_ended(order))
                return order;
            cJSON_Delete(order);
            next_check = now + 100;
        }
        if (e2e.host.log.count > 100000) {
            /* an IPA retrying without backoff: stop before the log eats the memory */
            fail_msg("order %ld: the IPA logged %lu lines (busy loop?), the last: %s", id,
                     (unsigned long)e2e.host.log.count, e2e.host.log.lines[e2e.host.log.count - 1].text);
        }
        if (now > deadline) {
            ipa_log_dump(&e2e.host.log);
            order = e2e_get_order(eim, id);
            fprintf(stderr, "order %ld not ended: %s; IPA state %s, last error %s\n", id, string_of(order, "status"),
                    result.state != NULL ? result.state : "?", sgp32_ipa_last_error(e2e.ipa));
            cJSON_Delete(order);
            fail_msg("order %ld did not end within %u ms", id, timeout_ms);
        }
    }
}

int e2e_run_idle(uint32_t timeout_ms)
{
    uint64_t deadline = real_now_ms(NULL) + timeout_ms;
    struct sgp32_ipa_poll_result result;
    do {
        e2e_poll_once(&result);
        if (sgp32_ipa_is_idle(e2e.ipa))
            return 1;
    } while (real_now_ms(NULL) < deadline);
    return 0;
}

/* ---- The card ---- */

static struct sgp32_es10 *inspect_session(void)
{
    struct sgp32_es10 *session = NULL;
    /* the in-process card may be unpowered between IPAs; a card behind PC/SC stays connected */
    if (e2e.card.card != NULL && !sgp32_softeuicc_powered(e2e.card.card))
        assert_int_equal(e2e.card.transport.ops->open(e2e.card.transport.user, NULL, 0, NULL, 1000), SGP32_OK);
    assert_int_equal(sgp32_es10_new(&e2e.card.transport, NULL, &session), SGP32_OK);
    assert_int_equal(sgp32_es10_connect(session), SGP32_OK);
    return session;
}

/* The number of items in the child `list_tag` of an answer; with iccid_hex, *state gets the
 * profileState (9F70) of the item with that ICCID. */
static size_t for_each_item(const uint8_t *answer, size_t len, uint32_t list_tag, const char *iccid_hex, int *state)
{
    size_t list_len, value_len, off, count = 0;
    const uint8_t *list = der_child(answer, len, list_tag, &list_len), *value;
    struct sgp32_tlv_header item;
    if (list == NULL)
        return 0;
    value = der_value(list, list_len, &value_len);
    assert_non_null(value);
    for (off = 0; off < value_len; off += item.header_len + item.length) {
        assert_int_equal(sgp32_tlv_parse_header(value + off, value_len - off, &item), SGP32_OK);
        count++;
        if (iccid_hex != NULL) {
            size_t n;
            const uint8_t *field = der_child(value + off, item.header_len + item.length, 0x5A, &n), *v;
            char hex[21];
            size_t v_len;
            if (field == NULL || (v = der_value(field, n, &v_len)) == NULL || v_len != 10)
                continue;
            e2e_hex(v, 10, hex);
            if (strcmp(hex, iccid_hex) == 0) {
                field = der_child(value + off, item.header_len + item.length, 0x9F70, &n);
                assert_non_null(field);
                v = der_value(field, n, &v_len);
                assert_true(v != NULL && v_len == 1);
                *state = v[0];
            }
        }
    }
    return count;
}

int e2e_profile_state(const char *iccid_hex)
{
    struct sgp32_es10 *session = inspect_session();
    uint8_t *answer = NULL;
    size_t len = 0;
    int state = -1;
    assert_int_equal(sgp32_es10_get_profiles_info(session, NULL, 0, &answer, &len), SGP32_OK);
    for_each_item(answer, len, 0xA0, iccid_hex, &state);
    sgp32_buffer_free(answer);
    sgp32_es10_free(session);
    return state;
}

size_t e2e_profile_count(void)
{
    struct sgp32_es10 *session = inspect_session();
    uint8_t *answer = NULL;
    size_t len = 0, count;
    assert_int_equal(sgp32_es10_get_profiles_info(session, NULL, 0, &answer, &len), SGP32_OK);
    count = for_each_item(answer, len, 0xA0, NULL, NULL);
    sgp32_buffer_free(answer);
    sgp32_es10_free(session);
    return count;
}

void e2e_card_leftovers(size_t *notifications, size_t *results)
{
    struct sgp32_es10 *session = inspect_session();
    uint8_t *answer = NULL;
    size_t len = 0;
    /* RetrieveNotificationsList BF2B { A0 notificationList } / { A2 euiccPackageResultList } */
    assert_int_equal(sgp32_es10_retrieve_notifications_list(session, SGP32_ES10_NOTIFICATIONS_ALL, 0, &answer, &len),
                     SGP32_OK);
    *notifications = for_each_item(answer, len, 0xA0, NULL, NULL);
    sgp32_buffer_free(answer);
    answer = NULL;
    assert_int_equal(sgp32_es10_retrieve_notifications_list(session, SGP32_ES10_NOTIFICATIONS_EUICC_PACKAGE_RESULTS, 0,
                                                            &answer, &len),
                     SGP32_OK);
    *results = for_each_item(answer, len, 0xA2, NULL, NULL);
    sgp32_buffer_free(answer);
    sgp32_es10_free(session);
}

/* ---- Small helpers ---- */

void e2e_hex(const uint8_t *data, size_t len, char *out)
{
    static const char digits[] = "0123456789ABCDEF";
    size_t i;
    for (i = 0; i < len; i++) {
        out[2 * i] = digits[data[i] >> 4];
        out[2 * i + 1] = digits[data[i] & 15];
    }
    out[2 * len] = '\0';
}

void e2e_downloaded_iccid(char out[21])
{
    size_t n = ipa_events_count(&e2e.host.events, SGP32_IPA_EVENT_DOWNLOAD_DONE);
    while (n > 0) {
        const struct sgp32_ipa_event *event = ipa_events_nth(&e2e.host.events, SGP32_IPA_EVENT_DOWNLOAD_DONE, --n);
        if (event->status == SGP32_OK && event->has_iccid) {
            e2e_hex(event->iccid, 10, out);
            return;
        }
    }
    fail_msg("no successful DOWNLOAD_DONE event");
}

int e2e_json_contains(const cJSON *json, const char *text)
{
    char *printed = cJSON_PrintUnformatted(json);
    int found = printed != NULL && strstr(printed, text) != NULL;
    free(printed);
    return found;
}
