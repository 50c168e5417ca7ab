/* SPDX-License-Identifier: MIT */
/* Environment of test_eim_server (eim_test_env.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "eim_test_env.h"
#include "remote/esipa_asn1.h"
#include "remote/esipa_json.h"
#include "sgp32/http_curl.h"
#include "sgp32/tlv.h"
#include "test_https.h"

#define STEP_TIMEOUT_MS 30000

int env_esipa_json;

static char pki_root[64];
static struct sgp32_http_curl *curl_client;
static struct sgp32_http_client http_client;

int env_pki_create(void)
{
    snprintf(pki_root, sizeof(pki_root), "/tmp/eim-server-pki-XXXXXX");
    return server_pki_create(pki_root, "nist");
}

void env_pki_remove(void)
{
    server_pki_remove(pki_root);
}

void env_pki_path(char *out, size_t cap, const char *file)
{
    snprintf(out, cap, "%s/nist/%s", pki_root, file);
}

void card_start(struct card_env *env)
{
    char dir[256];
    env_pki_path(dir, sizeof(dir), "");
    test_card_start(env, dir, "/tmp/eim-server-card-XXXXXX");
}

void card_reconnect(struct card_env *env)
{
    sgp32_es10_free(env->es10);
    env->es10 = NULL;
    assert_int_equal(env->transport.ops->open(env->transport.user, NULL, 0, NULL, 1000), SGP32_OK);
    assert_int_equal(sgp32_es10_new(&env->transport, NULL, &env->es10), SGP32_OK);
    assert_int_equal(sgp32_es10_connect(env->es10), SGP32_OK);
}

void card_command(struct card_env *env, const uint8_t *request, size_t len, uint8_t **answer, size_t *answer_len)
{
    *answer = NULL;
    *answer_len = 0;
    assert_int_equal(sgp32_es10_transceive(env->es10, request, len, answer, answer_len), SGP32_OK);
}

void client_start(void)
{
    char ca[256], part[256], command[900];
    /* the TLS root issues the eIM's TLS certificate, the CI the SM-DP+'s (its REST API) */
    env_pki_path(ca, sizeof(ca), "client-trust.pem");
    env_pki_path(part, sizeof(part), "tls/root.cert.pem");
    snprintf(command, sizeof(command), "cat '%s' > '%s'", part, ca);
    assert_int_equal(system(command), 0);
    env_pki_path(part, sizeof(part), "ci/ci.cert.pem");
    snprintf(command, sizeof(command), "cat '%s' >> '%s'", part, ca);
    assert_int_equal(system(command), 0);
    test_https_client_new(ca, STEP_TIMEOUT_MS, &curl_client, &http_client);
}

void client_stop(void)
{
    sgp32_http_curl_free(curl_client);
    curl_client = NULL;
}

/* The JSON binding's side of esipa_call(): the request converted by lib/remote (esipa_json.h), the
 * eIM's JSON answer converted back to the EsipaMessageFromEimToIpa bytes the ASN.1 binding gives. */
static int esipa_call_json(const struct server_process *eim, const uint8_t *message, size_t len, uint8_t **answer,
                           size_t *answer_len)
{
    struct sgp32_remote_endpoint endpoint = {eim->address, "eim-test", STEP_TIMEOUT_MS};
    struct sgp32_remote_request request;
    struct sgp32_remote_body body;
    struct sgp32_http_result result;
    struct sgp32_remote_answer received;
    struct sgp32_remote_result remote;
    enum sgp32_esipa_message kind, answered;
    enum sgp32_status status;
    uint8_t *converted = NULL;
    size_t converted_len = 0;
    int http_status = -1;
    sgp32_remote_result_clear(&remote);
    assert_int_equal(sgp32_esipa_json_build_request(&endpoint, message, len, &kind, &request), SGP32_OK);
    status = test_remote_run(&http_client, &request, 8u * 1024u * 1024u, &body, &result, &received, STEP_TIMEOUT_MS);
    if (status == SGP32_OK) {
        http_status = result.http_status;
        if (http_status == 200 || http_status == 204) {
            /* a JSON answer of the request's function with a success header (or 204) */
            status =
                sgp32_esipa_json_parse_response(kind, &received, &answered, &converted, &converted_len, NULL, &remote);
            if (status != SGP32_OK)
                fprintf(stderr, "eim-test: JSON answer: %s (%s)\n", sgp32_strerror(status), remote.detail);
            assert_int_equal(status, SGP32_OK);
            assert_int_equal(http_status == 204, answered == SGP32_ESIPA_NONE);
        }
        if (converted != NULL) {
            *answer = malloc(converted_len);
            assert_non_null(*answer);
            memcpy(*answer, converted, converted_len);
            *answer_len = converted_len;
            sgp32_esipa_json_message_free(converted);
        } else if (body.len > 0) { /* an error's text */
            *answer = malloc(body.len);
            assert_non_null(*answer);
            memcpy(*answer, body.data, body.len);
            *answer_len = body.len;
        }
    }
    sgp32_remote_body_release(&body);
    return http_status;
}

int esipa_call(const struct server_process *eim, const uint8_t *message, size_t len, uint8_t **answer,
               size_t *answer_len)
{
    struct sgp32_remote_endpoint endpoint = {eim->address, "eim-test", STEP_TIMEOUT_MS};
    struct sgp32_remote_request request;
    struct sgp32_remote_body body;
    struct sgp32_http_result result;
    struct sgp32_remote_answer received;
    struct sgp32_remote_result remote;
    enum sgp32_esipa_message kind;
    enum sgp32_status status;
    int http_status = -1;
    *answer = NULL;
    *answer_len = 0;
    if (env_esipa_json)
        return esipa_call_json(eim, message, len, answer, answer_len);
    assert_int_equal(sgp32_esipa_asn1_build_request(&endpoint, message, len, &kind, &request), SGP32_OK);
    status = test_remote_run(&http_client, &request, 4u * 1024u * 1024u, &body, &result, &received, STEP_TIMEOUT_MS);
    if (status == SGP32_OK) {
        http_status = result.http_status;
        if (http_status == 200 || http_status == 204) {
            /* the answer is a well-formed EsipaMessageFromEimToIpa with the right headers */
            assert_int_equal(sgp32_esipa_asn1_parse_response(&received, &kind, NULL, &remote), SGP32_OK);
        }
        if (body.len > 0) {
            *answer = malloc(body.len);
            assert_non_null(*answer);
            memcpy(*answer, body.data, body.len);
            *answer_len = body.len;
        }
    }
    sgp32_remote_body_release(&body);
    return http_status;
}

int https_call(const struct server_process *server, const char *method, const char *path, const char *content_type,
               const char *admin_protocol, const uint8_t *body, size_t body_len, char **answer, size_t *answer_len)
{
    struct sgp32_remote_body collected;
    int http_status = test_https_request(&http_client, server->address, method, path, content_type, admin_protocol,
                                         body, body_len, &collected, 4u * 1024u * 1024u, STEP_TIMEOUT_MS);
    if (answer != NULL) {
        *answer = malloc(collected.len + 1);
        assert_non_null(*answer);
        if (collected.len > 0)
            memcpy(*answer, collected.data, collected.len);
        (*answer)[collected.len] = '\0';
        if (answer_len != NULL)
            *answer_len = collected.len;
    }
    sgp32_remote_body_release(&collected);
    return http_status;
}

int rest_call(const struct server_process *eim, const char *method, const char *path, const char *body, cJSON **json)
{
    char *answer = NULL;
    int status = https_call(eim, method, path, body != NULL ? "application/json" : NULL, NULL, (const uint8_t *)body,
                            body != NULL ? strlen(body) : 0, &answer, NULL);
    *json = answer != NULL ? cJSON_Parse(answer) : NULL;
    if (*json == NULL)
        fprintf(stderr, "REST %s %s: %d, not JSON: %s\n", method, path, status, answer != NULL ? answer : "");
    free(answer);
    return status;
}

size_t der_append(uint8_t *out, size_t at, size_t cap, uint32_t tag, const uint8_t *value, size_t len)
{
    uint8_t header[8];
    size_t n = 0;
    if (tag > 0xFF)
        header[n++] = (uint8_t)(tag >> 8);
    header[n++] = (uint8_t)tag;
    if (len < 0x80) {
        header[n++] = (uint8_t)len;
    } else if (len < 0x100) {
        header[n++] = 0x81;
        header[n++] = (uint8_t)len;
    } else if (len < 0x10000) {
        header[n++] = 0x82;
        header[n++] = (uint8_t)(len >> 8);
        header[n++] = (uint8_t)len;
    } else {
        header[n++] = 0x83;
        header[n++] = (uint8_t)(len >> 16);
        header[n++] = (uint8_t)(len >> 8);
        header[n++] = (uint8_t)len;
    }
    assert_true(at + n + len <= cap);
    memmove(out + at + n, value, len); /* value may already sit at out + at (wrapping in place) */
    memcpy(out + at, header, n);
    return at + n + len;
}

const uint8_t *der_value(const uint8_t *element, size_t len, size_t *value_len)
{
    struct sgp32_tlv_header header;
    if (sgp32_tlv_parse_header(element, len, &header) != SGP32_OK || header.length == SGP32_TLV_INDEFINITE ||
        header.length > len - header.header_len)
        return NULL;
    *value_len = header.length;
    return element + header.header_len;
}

const uint8_t *der_child(const uint8_t *der, size_t len, uint32_t tag, size_t *child_len)
{
    size_t value_len = 0, at = 0;
    const uint8_t *value = der_value(der, len, &value_len);
    while (value != NULL && at < value_len) {
        struct sgp32_tlv_header header;
        if (sgp32_tlv_parse_header(value + at, value_len - at, &header) != SGP32_OK ||
            header.length > value_len - at - header.header_len)
            return NULL;
        if (tag == 0 || header.tag == tag) {
            *child_len = header.header_len + header.length;
            return value + at;
        }
        at += header.header_len + header.length;
    }
    return NULL;
}

uint8_t association_token_of(const uint8_t *answer, size_t len)
{
    size_t element_len, value_len;
    const uint8_t *element = der_child(answer, len, 0xA0, &element_len), *value;
    assert_non_null(element);
    element = der_child(element, element_len, 0x84, &element_len);
    assert_non_null(element);
    value = der_value(element, element_len, &value_len);
    assert_non_null(value);
    assert_int_equal(value_len, 1);
    return value[0];
}
