/* SPDX-License-Identifier: MIT */
/*
 * Indirect profile download (SGP.32 v1.2 3.2.3, 6.3.2.1-6.3.2.5): the IPA speaks ESipa to the eIM and
 * the eIM speaks ES9+ (SGP.22 6.5, JSON) to the SM-DP+, with lib/remote's ES9+ client binding over
 * the libcurl backend (TLS verified against --smdp-ca). Every object the eUICC or the SM-DP+ signed
 * crosses as its received bytes; only the ESipa wrappers are built here. SGP32Definitions is AUTOMATIC
 * TAGS and these CHOICEs tag none of their alternatives, so each alternative carries its context tag:
 *   InitiateAuthenticationOkEsipa  [0] A0 { 80 transactionId, 30 serverSigned1, 5F37, 04 ciPKId, 30 cert }
 *   AuthenticateClientOkDPEsipa    [0] A0 { 80 transactionId, BF25 metadata, 30 smdpSigned2, 5F37, 30 cert }
 *   GetBoundProfilePackageOkEsipa  [0] A0 { 80 transactionId, BF36 boundProfilePackage }
 *   CancelSessionOk                [0] A0 00
 * and an SM-DP+ failure becomes the INTEGER alternative of the same answer, [1] 81 (AuthenticateClient:
 * [2] 82, after its DP and DS forms), with the closest code of the ASN.1 list, else undefinedError. The SM-DP+ of a
 * session is remembered by its transactionId in the store, written before the InitiateAuthentication answer leaves: an
 * eIM killed and restarted in the middle of a download relays the session's next step to the same SM-DP+.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "eim_der.h"
#include "eim_server.h"
#include "remote/es9plus_json.h"
#include "remote/remote_json.h"
#include "sgp32/http_curl.h"

#define TIMEOUT_MS 30000u

struct eim_relay {
    struct sgp32_http_curl *curl;
    struct sgp32_http_client http;
    char *default_smdp;
};

int eim_relay_new(const char *smdp_ca, const char *default_smdp, struct eim_relay **relay)
{
    struct sgp32_http_curl_options options;
    struct eim_relay *r = calloc(1, sizeof(*r));
    *relay = NULL;
    if (r == NULL)
        return -1;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.ca_file = smdp_ca; /* NULL: the system's trust */
    options.connect_timeout_ms = 10000;
    options.default_timeout_ms = TIMEOUT_MS;
    options.proxy = ""; /* the SM-DP+ of the tests is on loopback */
    if (sgp32_http_curl_new(&options, &r->curl) != SGP32_OK) {
        fprintf(stderr, "sgp32-eim: cannot set up the ES9+ client (--smdp-ca %s)\n", smdp_ca != NULL ? smdp_ca : "-");
        free(r);
        return -1;
    }
    sgp32_http_curl_client(r->curl, &r->http);
    r->default_smdp = default_smdp != NULL ? strdup(default_smdp) : NULL;
    *relay = r;
    return 0;
}

void eim_relay_free(struct eim_relay *relay)
{
    if (relay == NULL)
        return;
    sgp32_http_curl_free(relay->curl);
    free(relay->default_smdp);
    free(relay);
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* One ES9+ call to `address`, run to completion (bounded). */
static enum sgp32_status es9_call(struct eim_relay *relay, const char *address, enum sgp32_es9plus_function function,
                                  const union sgp32_es9plus_request *request, union sgp32_es9plus_response *response,
                                  void **storage, struct sgp32_remote_result *result)
{
    struct sgp32_remote_endpoint endpoint = {address, "sgp32-eim", TIMEOUT_MS};
    struct sgp32_remote_request built;
    struct sgp32_remote_body body;
    struct sgp32_http_result http_result;
    struct sgp32_remote_answer answer;
    uint64_t deadline = now_ms() + TIMEOUT_MS + 5000;
    uint32_t id = 0;
    int done = 0;
    enum sgp32_status status;
    *storage = NULL;
    memset(&http_result, 0, sizeof(http_result));
    status = sgp32_es9plus_build_request(&endpoint, function, request, &built);
    if (status != SGP32_OK)
        return status;
    sgp32_remote_body_init(&body, 4u * 1024u * 1024u);
    status = relay->http.ops->start(relay->http.user, &built.http, sgp32_remote_body_sink, &body, &id);
    while (status == SGP32_OK && !done && now_ms() < deadline)
        status = relay->http.ops->poll(relay->http.user, id, 1000, &done, &http_result);
    if (status == SGP32_OK && !done) {
        relay->http.ops->cancel(relay->http.user, id);
        status = SGP32_ERR_TIMEOUT;
    }
    if (status == SGP32_OK)
        status = http_result.status;
    sgp32_remote_request_release(&built);
    if (status == SGP32_OK) {
        answer = sgp32_remote_answer_of(&http_result, &body);
        status = sgp32_es9plus_parse_response(function, &answer, response, storage, result);
    }
    if (status != SGP32_OK)
        fprintf(stderr, "sgp32-eim: ES9+ %s to %s: %s (%s%s%s %s/%s)\n", sgp32_es9plus_function_name(function), address,
                sgp32_strerror(status), http_result.detail, http_result.detail[0] != '\0' ? "; " : "", result->detail,
                result->subject_code, result->reason_code);
    sgp32_remote_body_release(&body);
    return status;
}

/* Answers tag { A0 { parts } }: the ok alternative, [0] of the answer's CHOICE. */
static void answer_ok(struct sgp32_remote_response *response, uint32_t tag, const struct sgp32_bytes *parts,
                      size_t count)
{
    size_t sequence_len = 0, message_len = 0;
    uint8_t *sequence = eim_der_wrap(0xA0, parts, count, &sequence_len), *message = NULL;
    struct sgp32_bytes whole;
    whole.data = sequence;
    whole.len = sequence_len;
    if (sequence != NULL)
        message = eim_der_wrap(tag, &whole, 1, &message_len);
    if (message != NULL)
        eim_esipa_answer(response, message, message_len);
    else
        sgp32_remote_response_init(response, 500, "text/plain", SGP32_REMOTE_ADMIN_PROTOCOL_ESIPA,
                                   (const uint8_t *)"out of memory", 13, NULL, NULL);
    free(sequence);
    free(message);
}

/* Answers tag { 8x 01 code }: the INTEGER error alternative, [2] for AuthenticateClient, else [1]. */
static void answer_code(struct sgp32_remote_response *response, uint32_t tag, long code)
{
    uint8_t message[6] = {(uint8_t)(tag >> 8), (uint8_t)tag, 3, tag == 0xBF3B ? 0x82 : 0x81, 1, (uint8_t)code};
    eim_esipa_answer(response, message, sizeof(message));
}

/* SGP.22 subject/reason codes (6.5.2.x) -> the ESipa error INTEGER of the function's answer. */
struct code_map {
    const char *subject, *reason;
    long code;
};

static long map_code(const struct sgp32_remote_result *result, const struct code_map *map)
{
    for (; map->subject != NULL; map++)
        if (strcmp(result->subject_code, map->subject) == 0 && strcmp(result->reason_code, map->reason) == 0)
            return map->code;
    return 127; /* undefinedError */
}

static const struct code_map initiate_codes[] = {{"8.8.1", "3.8", 1}, {"8.8.2", "3.1", 2}, {"8.8.3", "3.1", 2},
                                                 {"8.8.4", "3.7", 3}, {"8.8.1", "3.1", 3}, {"8.8.5", "4.10", 127},
                                                 {NULL, NULL, 127}};
static const struct code_map authenticate_codes[] = {{"8.1.2", "6.1", 1},   {"8.1.2", "6.3", 2}, {"8.1.3", "6.1", 3},
                                                     {"8.1.3", "6.3", 4},   {"8.1", "6.1", 5},   {"8.2.6", "3.8", 6},
                                                     {"8.1.1", "3.8", 7},   {"8.2.5", "4.3", 8}, {"8.11.1", "3.9", 9},
                                                     {"8.10.1", "3.9", 10}, {"8.2.6", "3.9", 6}, {NULL, NULL, 127}};
static const struct code_map bpp_codes[] = {{"8.1", "6.1", 1},     {"8.2.7", "2.2", 2}, {"8.2.7", "3.8", 3},
                                            {"8.2.7", "6.4", 4},   {"8.2", "3.7", 5},   {"8.8.5", "4.10", 6},
                                            {"8.10.1", "3.9", 95}, {NULL, NULL, 127}};
static const struct code_map cancel_codes[] = {{"8.10.1", "3.9", 1}, {"8.1", "6.1", 2}, {NULL, NULL, 127}};

/* 0 remembered; -1 (store failure): the session could not be continued, so it is not started. */
static int remember(struct eim_server *server, const struct sgp32_bytes *tid, const char *address)
{
    if (tid->len == 0 || tid->len > 16)
        return -1;
    return eim_store_put_session(server->store, tid->data, tid->len, address);
}

/* The SM-DP+ of a session: the one its InitiateAuthentication went to (in the store), else --smdp. */
static const char *address_of(struct eim_server *server, const uint8_t *tid, size_t tid_len, char *buffer, size_t cap)
{
    if (tid != NULL && tid_len > 0 && eim_store_get_session(server->store, tid, tid_len, buffer, cap) == 0)
        return buffer;
    return server->relay->default_smdp;
}

/* 80 L tid as a part (in buffer). */
static struct sgp32_bytes tid_element(const struct sgp32_bytes *tid, uint8_t buffer[18])
{
    struct sgp32_bytes bytes;
    size_t len = tid->len <= 16 ? tid->len : 16;
    buffer[0] = 0x80;
    buffer[1] = (uint8_t)len;
    memcpy(buffer + 2, tid->data, len);
    bytes.data = buffer;
    bytes.len = len + 2;
    return bytes;
}

static void initiate_authentication(struct eim_server *server, const uint8_t *message, size_t len,
                                    struct sgp32_remote_response *response)
{
    union sgp32_es9plus_request request;
    union sgp32_es9plus_response answer;
    struct sgp32_remote_result result;
    struct sgp32_bytes address = eim_der_part(message, len, 0x83, 1), parts[5];
    char address_text[256];
    uint8_t tid[18];
    void *storage = NULL;
    enum sgp32_status status;
    memset(&request, 0, sizeof(request));
    request.initiate_authentication.euicc_challenge = eim_der_part(message, len, 0x81, 1);
    request.initiate_authentication.euicc_info1 = eim_der_part(message, len, 0xBF20, 0);
    if (address.data != NULL && address.len < sizeof(address_text)) {
        memcpy(address_text, address.data, address.len);
        address_text[address.len] = '\0';
    } else if (server->relay->default_smdp != NULL) {
        snprintf(address_text, sizeof(address_text), "%s", server->relay->default_smdp);
    } else {
        answer_code(response, 0xBF39, 1); /* invalidDpAddress */
        return;
    }
    /* minimizeEsipaBytes may leave euiccInfo1 out; this eIM keeps none to fill it in */
    if (request.initiate_authentication.euicc_info1.data == NULL ||
        request.initiate_authentication.euicc_challenge.len != 16) {
        answer_code(response, 0xBF39, 127);
        return;
    }
    request.initiate_authentication.smdp_address.data = (const uint8_t *)address_text;
    request.initiate_authentication.smdp_address.len = strlen(address_text);
    sgp32_remote_result_clear(&result);
    status = es9_call(server->relay, address_text, SGP32_ES9PLUS_INITIATE_AUTHENTICATION, &request, &answer, &storage,
                      &result);
    if (status == SGP32_OK && remember(server, &answer.initiate_authentication.transaction_id, address_text) != 0) {
        fprintf(stderr, "sgp32-eim: cannot store the download session: refused\n");
        answer_code(response, 0xBF39, 127);
    } else if (status == SGP32_OK) {
        parts[0] = tid_element(&answer.initiate_authentication.transaction_id, tid);
        parts[1] = answer.initiate_authentication.server_signed1;
        parts[2] = answer.initiate_authentication.server_signature1;
        parts[3] = answer.initiate_authentication.euicc_ci_pkid_to_be_used;
        parts[4] = answer.initiate_authentication.server_certificate;
        answer_ok(response, 0xBF39, parts, 5);
    } else {
        answer_code(response, 0xBF39, status == SGP32_ERR_SERVER_STATUS ? map_code(&result, initiate_codes) : 127);
    }
    sgp32_remote_storage_free(storage);
}

/* AuthenticateClient, GetBoundProfilePackage, CancelSession: 80 transactionId + the eUICC's answer. */
static void session_call(struct eim_server *server, uint32_t tag, const uint8_t *message, size_t len,
                         struct sgp32_remote_response *response)
{
    union sgp32_es9plus_request request;
    union sgp32_es9plus_response answer;
    struct sgp32_remote_result result;
    struct sgp32_bytes tid = eim_der_part(message, len, 0x80, 1), parts[5];
    enum sgp32_es9plus_function function;
    const struct code_map *codes;
    char address_buffer[256];
    const char *address = address_of(server, tid.data, tid.len, address_buffer, sizeof(address_buffer));
    uint8_t tid_buffer[18], *retagged = NULL;
    void *storage = NULL;
    enum sgp32_status status;
    long invalid_transaction = tag == 0xBF3B ? 10 : tag == 0xBF3A ? 95 : 1;
    memset(&request, 0, sizeof(request));
    memset(&answer, 0, sizeof(answer));
    if (tid.data == NULL || tid.len == 0 || tid.len > 16 || address == NULL) {
        answer_code(response, tag, invalid_transaction);
        return;
    }
    if (tag == 0xBF3B) {
        function = SGP32_ES9PLUS_AUTHENTICATE_CLIENT;
        codes = authenticate_codes;
        request.authenticate_client.transaction_id = tid;
        request.authenticate_client.authenticate_server_response = eim_der_part(message, len, 0xBF38, 0);
    } else if (tag == 0xBF3A) {
        function = SGP32_ES9PLUS_GET_BOUND_PROFILE_PACKAGE;
        codes = bpp_codes;
        request.get_bound_profile_package.transaction_id = tid;
        request.get_bound_profile_package.prepare_download_response = eim_der_part(message, len, 0xBF21, 0);
    } else {
        /* cancelSessionResponse [1] IMPLICIT (automatic tags) replaces the BF41 of ES10b: put it back */
        struct sgp32_bytes inner = eim_der_part(message, len, 0xA1, 1);
        size_t retagged_len = 0;
        function = SGP32_ES9PLUS_CANCEL_SESSION;
        codes = cancel_codes;
        if (inner.data != NULL)
            retagged = eim_der_wrap(0xBF41, &inner, 1, &retagged_len);
        request.cancel_session.transaction_id = tid;
        request.cancel_session.cancel_session_response.data = retagged;
        request.cancel_session.cancel_session_response.len = retagged_len;
    }
    sgp32_remote_result_clear(&result);
    status = es9_call(server->relay, address, function, &request, &answer, &storage, &result);
    free(retagged);
    if (status != SGP32_OK) {
        answer_code(response, tag, status == SGP32_ERR_SERVER_STATUS ? map_code(&result, codes) : 127);
    } else if (tag == 0xBF3B) {
        parts[0] = tid_element(&answer.authenticate_client.transaction_id, tid_buffer);
        parts[1] = answer.authenticate_client.profile_metadata;
        parts[2] = answer.authenticate_client.smdp_signed2;
        parts[3] = answer.authenticate_client.smdp_signature2;
        parts[4] = answer.authenticate_client.smdp_certificate;
        answer_ok(response, tag, parts, 5);
    } else if (tag == 0xBF3A) {
        parts[0] = tid_element(&answer.get_bound_profile_package.transaction_id, tid_buffer);
        parts[1] = answer.get_bound_profile_package.bound_profile_package;
        answer_ok(response, tag, parts, 2);
    } else {
        eim_store_delete_session(server->store, tid.data, tid.len); /* the session has ended */
        answer_ok(response, tag, NULL, 0);                          /* cancelSessionOk: A0 00 */
    }
    sgp32_remote_storage_free(storage);
}

void eim_relay_handle(struct eim_server *server, uint32_t tag, const uint8_t *message, size_t len,
                      struct sgp32_remote_response *response)
{
    if (tag == 0xBF39)
        initiate_authentication(server, message, len, response);
    else
        session_call(server, tag, message, len, response);
}

int eim_relay_notification(struct eim_server *server, const uint8_t *notification, size_t len)
{
    union sgp32_es9plus_request request;
    union sgp32_es9plus_response answer;
    struct sgp32_remote_result result;
    size_t data_len = len, metadata_len, address_len;
    const uint8_t *data = notification, *metadata, *address;
    char address_text[256];
    void *storage = NULL;
    enum sgp32_status status;
    /* notificationAddress (0C) of the NotificationMetadata (BF2F), inside BF27 for a BF37 */
    if (len > 1 && notification[0] == 0xBF && notification[1] == 0x37)
        data = eim_tlv_child(notification, len, 0xBF27, &data_len);
    metadata = data != NULL ? eim_tlv_child(data, data_len, 0xBF2F, &metadata_len) : NULL;
    address = metadata != NULL ? eim_tlv_child(metadata, metadata_len, 0x0C, &address_len) : NULL;
    address = address != NULL ? eim_tlv_value(address, address_len, &address_len) : NULL;
    if (address == NULL || address_len == 0 || address_len >= sizeof(address_text))
        return -1;
    memcpy(address_text, address, address_len);
    address_text[address_len] = '\0';
    memset(&request, 0, sizeof(request));
    request.handle_notification.pending_notification.data = notification;
    request.handle_notification.pending_notification.len = len;
    sgp32_remote_result_clear(&result);
    status =
        es9_call(server->relay, address_text, SGP32_ES9PLUS_HANDLE_NOTIFICATION, &request, &answer, &storage, &result);
    sgp32_remote_storage_free(storage);
    return status == SGP32_OK ? 0 : -1;
}
