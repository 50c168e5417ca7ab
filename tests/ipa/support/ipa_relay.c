/* SPDX-License-Identifier: MIT */
/*
 * Indirect profile download for the scripted eIM (ipa_smdp.h): the ESipa messages of SGP.32 v1.2
 * 6.3.2.1-6.3.2.5 mapped onto ES9+ calls to the in-process SM-DP+, as the test eIM server does over
 * HTTPS (examples/servers/eim/eim_relay.c). Signed objects cross as received; only the ESipa
 * wrappers are built:
 *   BF39 { 81 euiccChallenge, 83 smdpAddress?, BF20 euiccInfo1, 82 eimTransactionId? }
 *     -> BF39 { 30 { 80 transactionId, 30 serverSigned1, 5F37, 04 ciPKId, 30 certificate } }
 *   BF3B { 80 transactionId, BF38 authenticateServerResponse }
 *     -> BF3B { 30 { 80 transactionId, BF25 metadata, 30 smdpSigned2, 5F37, 30 certificate } }
 *   BF3A { 80 transactionId, BF21 prepareDownloadResponse } -> BF3A { 30 { 80 transactionId, BF36 bpp } }
 *   BF41 { 80 transactionId, A1 cancelSessionResponse (automatic tags) } -> BF41 { 30 00 }
 * An SGP.22 failure becomes the answer's error INTEGER (the nearest code, else undefinedError).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eim_der.h"
#include "ipa_eim.h"
#include "ipa_smdp_internal.h"
#include "remote/remote_json.h"
#include "sgp32/tlv.h"

/* tag { 30 { parts } } */
static void answer_ok(struct ipa_http_reply *reply, uint32_t tag, const struct sgp32_bytes *parts, size_t count)
{
    size_t sequence_len = 0, message_len = 0;
    struct sgp32_bytes whole;
    uint8_t *message = NULL;
    whole.data = eim_der_wrap(0x30, parts, count, &sequence_len);
    whole.len = sequence_len;
    if (whole.data != NULL)
        message = eim_der_wrap(tag, &whole, 1, &message_len);
    if (message != NULL)
        ipa_eim_reply(reply, message, message_len);
    else
        ipa_http_reply_set(reply, 500, "text/plain", NULL, 0);
    free((void *)(uintptr_t)whole.data);
    free(message);
}

static void answer_code(struct ipa_http_reply *reply, uint32_t tag, long code)
{
    uint8_t message[6];
    message[0] = (uint8_t)(tag >> 8);
    message[1] = (uint8_t)tag;
    message[2] = 3;
    message[3] = 0x02;
    message[4] = 1;
    message[5] = (uint8_t)code;
    ipa_eim_reply(reply, message, sizeof(message));
}

/* SGP.22 v2.5 subject / reason codes (6.5.2.x) -> the ESipa error INTEGER (SGP.32 6.3.2.x). */
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

/* invalidDpAddress(1), euiccVersionNotSupportedByDp(2), ciPKIdNotSupported(3) */
static const struct code_map initiate_codes[] = {
    {"8.8.1", "3.8", 1}, {"8.8.2", "3.1", 3}, {"8.8.3", "3.1", 2}, {"8.8.4", "3.7", 3}, {NULL, NULL, 127}};
/* euiccSignatureInvalid(5), matchingIdRefused(6), eidMismatch(7), noEligibleProfile(8), ciPKUnknown(9),
 * invalidTransactionId(10); certificate errors 1..4 */
static const struct code_map authenticate_codes[] = {{"8.1.2", "6.1", 1},  {"8.1.2", "6.3", 2},   {"8.1.3", "6.1", 3},
                                                     {"8.1.3", "6.3", 4},  {"8.1", "6.1", 5},     {"8.2.6", "3.8", 6},
                                                     {"8.2.6", "3.9", 6},  {"8.1.1", "3.8", 7},   {"8.2.5", "4.3", 8},
                                                     {"8.11.1", "3.9", 9}, {"8.10.1", "3.9", 10}, {NULL, NULL, 127}};
/* euiccSignatureInvalid(1), confirmationCodeMissing(2), confirmationCodeRefused(3),
 * confirmationCodeRetriesExceeded(4), bppRebindingRefused(5), downloadOrderExpired(6),
 * invalidTransactionId(95) */
static const struct code_map bpp_codes[] = {{"8.1", "6.1", 1},     {"8.2.7", "2.2", 2}, {"8.2.7", "3.8", 3},
                                            {"8.2.7", "6.4", 4},   {"8.2", "3.7", 5},   {"8.8.5", "4.10", 6},
                                            {"8.10.1", "3.9", 95}, {NULL, NULL, 127}};
/* invalidTransactionId(1), euiccSignatureInvalid(2) */
static const struct code_map cancel_codes[] = {{"8.10.1", "3.9", 1}, {"8.1", "6.1", 2}, {NULL, NULL, 127}};

/* 80 L transactionId into buffer. */
static struct sgp32_bytes tid_element(const struct sgp32_bytes *tid, uint8_t buffer[18])
{
    struct sgp32_bytes bytes;
    size_t len = tid->len <= 16 ? tid->len : 16;
    buffer[0] = 0x80;
    buffer[1] = (uint8_t)len;
    if (len > 0)
        memcpy(buffer + 2, tid->data, len);
    bytes.data = buffer;
    bytes.len = len + 2;
    return bytes;
}

static void initiate_authentication(struct ipa_smdp *smdp, const uint8_t *message, size_t len,
                                    struct ipa_http_reply *reply)
{
    union sgp32_es9plus_request request;
    union sgp32_es9plus_response answer;
    struct sgp32_remote_result result;
    struct sgp32_bytes address = eim_der_part(message, len, 0x83, 1), parts[5];
    const char *own = ipa_smdp_address(smdp);
    uint8_t tid[18];
    void *storage = NULL;
    enum sgp32_status status;
    memset(&request, 0, sizeof(request));
    request.initiate_authentication.euicc_challenge = eim_der_part(message, len, 0x81, 1);
    request.initiate_authentication.euicc_info1 = eim_der_part(message, len, 0xBF20, 0);
    /* smdpAddress left out: the eIM's own choice (here: the one SM-DP+ there is) */
    if (address.data == NULL) {
        address.data = (const uint8_t *)own;
        address.len = strlen(own);
    }
    request.initiate_authentication.smdp_address = address;
    if (request.initiate_authentication.euicc_info1.data == NULL ||
        request.initiate_authentication.euicc_challenge.len != 16) {
        answer_code(reply, 0xBF39, 127); /* this eIM keeps no euiccInfo1 to fill in */
        return;
    }
    status = ipa_smdp_call(smdp, SGP32_ES9PLUS_INITIATE_AUTHENTICATION, &request, &answer, &storage, &result);
    if (status == SGP32_OK) {
        parts[0] = tid_element(&answer.initiate_authentication.transaction_id, tid);
        parts[1] = answer.initiate_authentication.server_signed1;
        parts[2] = answer.initiate_authentication.server_signature1;
        parts[3] = answer.initiate_authentication.euicc_ci_pkid_to_be_used;
        parts[4] = answer.initiate_authentication.server_certificate;
        answer_ok(reply, 0xBF39, parts, 5);
    } else {
        answer_code(reply, 0xBF39, status == SGP32_ERR_SERVER_STATUS ? map_code(&result, initiate_codes) : 127);
    }
    sgp32_remote_storage_free(storage);
}

/* AuthenticateClient, GetBoundProfilePackage, CancelSession: 80 transactionId + the eUICC's answer. */
static void session_call(struct ipa_smdp *smdp, uint32_t tag, const uint8_t *message, size_t len,
                         struct ipa_http_reply *reply)
{
    union sgp32_es9plus_request request;
    union sgp32_es9plus_response answer;
    struct sgp32_remote_result result;
    struct sgp32_bytes tid = eim_der_part(message, len, 0x80, 1), parts[5];
    enum sgp32_es9plus_function function;
    const struct code_map *codes;
    uint8_t tid_buffer[18], *retagged = NULL;
    void *storage = NULL;
    enum sgp32_status status;
    memset(&request, 0, sizeof(request));
    memset(&answer, 0, sizeof(answer));
    if (tid.data == NULL || tid.len == 0 || tid.len > 16) {
        answer_code(reply, tag, tag == 0xBF3B ? 10 : tag == 0xBF3A ? 95 : 1); /* invalidTransactionId */
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
        /* cancelSessionResponse [1] (automatic tagging, IMPLICIT) replaced ES10b's BF41: put it back */
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
    status = ipa_smdp_call(smdp, function, &request, &answer, &storage, &result);
    free(retagged);
    if (status != SGP32_OK) {
        answer_code(reply, tag, status == SGP32_ERR_SERVER_STATUS ? map_code(&result, codes) : 127);
    } else if (tag == 0xBF3B) {
        parts[0] = tid_element(&answer.authenticate_client.transaction_id, tid_buffer);
        parts[1] = answer.authenticate_client.profile_metadata;
        parts[2] = answer.authenticate_client.smdp_signed2;
        parts[3] = answer.authenticate_client.smdp_signature2;
        parts[4] = answer.authenticate_client.smdp_certificate;
        answer_ok(reply, tag, parts, 5);
    } else if (tag == 0xBF3A) {
        parts[0] = tid_element(&answer.get_bound_profile_package.transaction_id, tid_buffer);
        parts[1] = answer.get_bound_profile_package.bound_profile_package;
        answer_ok(reply, tag, parts, 2);
    } else {
        answer_ok(reply, tag, NULL, 0); /* cancelSessionOk SEQUENCE {} */
    }
    sgp32_remote_storage_free(storage);
}

void ipa_smdp_esipa_relay(void *user, const struct ipa_http_recorded *request, struct ipa_http_reply *reply)
{
    struct ipa_smdp *smdp = user;
    struct sgp32_tlv_header top;
    ipa_smdp_count_relayed(smdp);
    if (sgp32_tlv_parse_header(request->body, request->body_len, &top) != SGP32_OK) {
        ipa_http_reply_set(reply, 400, "text/plain", NULL, 0);
        return;
    }
    switch (top.tag) {
    case 0xBF39:
        initiate_authentication(smdp, request->body, request->body_len, reply);
        break;
    case 0xBF3B:
    case 0xBF3A:
    case 0xBF41:
        session_call(smdp, top.tag, request->body, request->body_len, reply);
        break;
    default:
        ipa_http_reply_set(reply, 204, NULL, NULL, 0);
        break;
    }
}

void ipa_smdp_forward_notification(void *user, const uint8_t *notification, size_t len)
{
    union sgp32_es9plus_request request;
    union sgp32_es9plus_response answer;
    struct sgp32_remote_result result;
    void *storage = NULL;
    enum sgp32_status status;
    memset(&request, 0, sizeof(request));
    request.handle_notification.pending_notification.data = notification;
    request.handle_notification.pending_notification.len = len;
    status = ipa_smdp_call(user, SGP32_ES9PLUS_HANDLE_NOTIFICATION, &request, &answer, &storage, &result);
    if (status != SGP32_OK)
        fprintf(stderr, "ipa_smdp: notification not delivered: %s (%s)\n", sgp32_strerror(status), result.detail);
    sgp32_remote_storage_free(storage);
}
