/* SPDX-License-Identifier: MIT */
/*
 * ESipa HTTP JSON binding: every ESipa message, in both directions, goes ASN.1 -> JSON -> ASN.1 and
 * comes back byte for byte (codec exemplars of every alternative, a 300 KB BPP); every JSON member
 * of the binding is seen; the wire text of known messages is pinned; the failure form, 204 and
 * hostile bodies and headers give clear errors; random corruption never crashes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>
#include <cmocka.h>

#include "remote/esipa_json.h"
#include "remote_fixtures.h"

static const struct sgp32_remote_endpoint eim = {"eim.example.com:8443", "test-ipa/1.0", 5000};

/* Every member name of the binding (docs/remote.md): each must show up in some round trip. */
static const char *const all_members[] = {"euiccChallenge",
                                          "smdpAddress",
                                          "euiccInfo1",
                                          "eimTransactionId",
                                          "transactionId",
                                          "authenticateServerResponse",
                                          "prepareDownloadResponse",
                                          "cancelSessionResponse",
                                          "pendingNotification",
                                          "provideEimPackageResult",
                                          "euiccPackageResult",
                                          "ePRAndNotifications",
                                          "ipaEuiccDataResponse",
                                          "eimPackageReceived",
                                          "eimPackageError",
                                          "eidValue",
                                          "notifyStateChange",
                                          "stateChangeCause",
                                          "rPLMN",
                                          "eimPackageResult",
                                          "serverSigned1",
                                          "serverSignature1",
                                          "euiccCiPKIdentifierToBeUsed",
                                          "serverCertificate",
                                          "matchingId",
                                          "ctxParams1",
                                          "initiateAuthenticationErrorEsipa",
                                          "profileMetaData",
                                          "smdpSigned2",
                                          "smdpSignature2",
                                          "smdpCertificate",
                                          "hashCc",
                                          "profileDownloadTrigger",
                                          "authenticateClientErrorEsipa",
                                          "boundProfilePackage",
                                          "getBoundProfilePackageErrorEsipa",
                                          "cancelSessionError",
                                          "euiccPackageRequest",
                                          "ipaEuiccDataRequest",
                                          "eimAcknowledgements",
                                          "profileDownloadTriggerRequest",
                                          "provideEimPackageResultError"};
#define MEMBER_COUNT (sizeof(all_members) / sizeof(all_members[0]))
static unsigned member_seen[MEMBER_COUNT];

static void note_members(const uint8_t *body, size_t len)
{
    cJSON *root = cJSON_ParseWithLength((const char *)body, len);
    const cJSON *child;
    size_t i;
    assert_non_null(root);
    for (child = root->child; child != NULL; child = child->next) {
        for (i = 0; i < MEMBER_COUNT; i++) {
            if (strcmp(child->string, all_members[i]) == 0)
                member_seen[i]++;
        }
    }
    cJSON_Delete(root);
}

/* IPA message -> JSON request -> the bytes the eIM gets, which must be the same. */
static void up_round_trip(const uint8_t *message, size_t len, enum sgp32_esipa_message expected)
{
    struct sgp32_remote_request request;
    struct sgp32_remote_incoming incoming;
    struct sgp32_remote_result result;
    enum sgp32_esipa_message kind = SGP32_ESIPA_NONE;
    enum sgp32_esipa_message server_kind = SGP32_ESIPA_NONE;
    uint8_t *received = NULL;
    size_t received_len = 0;
    void *decoded = NULL;
    char url[160];

    assert_int_equal(sgp32_esipa_json_build_request(&eim, message, len, &kind, &request), SGP32_OK);
    assert_int_equal(kind, expected);
    snprintf(url, sizeof(url), "https://eim.example.com:8443/gsma/rsp2/esipa/%s", sgp32_esipa_message_name(kind));
    assert_string_equal(request.http.url, url);
    assert_string_equal(request.http.method, "POST");
    assert_string_equal(fixture_header(&request, "Content-Type"), "application/json;charset=UTF-8");
    assert_string_equal(fixture_header(&request, "X-Admin-Protocol"), "gsma/rsp/v2.1.0");
    assert_string_equal(fixture_header(&request, "User-Agent"), "test-ipa/1.0");
    note_members(request.http.body, request.http.body_len);

    incoming = fixture_incoming_of(&request, strstr(request.http.url, "/gsma/"));
    assert_int_equal(
        sgp32_esipa_json_parse_request(&incoming, &server_kind, &received, &received_len, &decoded, &result), SGP32_OK);
    assert_int_equal(server_kind, expected);
    assert_int_equal(received_len, len);
    assert_memory_equal(received, message, len);
    assert_non_null(decoded);
    sgp32_esipa_free(SGP32_ESIPA_IPA_TO_EIM, decoded);
    sgp32_esipa_json_message_free(received);
    sgp32_remote_request_release(&request);
}

/* eIM message -> JSON answer -> the bytes the IPA gets, which must be the same. */
static void down_round_trip(const uint8_t *message, size_t len)
{
    struct sgp32_remote_response response;
    struct sgp32_remote_answer answer;
    struct sgp32_remote_result result;
    enum sgp32_esipa_message function = SGP32_ESIPA_NONE;
    enum sgp32_esipa_message kind = SGP32_ESIPA_NONE;
    uint8_t *received = NULL;
    size_t received_len = 0;
    void *decoded = NULL;

    assert_int_equal(sgp32_esipa_message_of(SGP32_ESIPA_EIM_TO_IPA, message, len, &function), SGP32_OK);
    assert_int_equal(sgp32_esipa_json_build_response(function, message, len, NULL, &kind, &response), SGP32_OK);
    assert_int_equal(kind, function);
    assert_int_equal(response.http_status, 200);
    answer = fixture_answer_of(&response);
    assert_string_equal(answer.content_type, "application/json;charset=UTF-8");
    note_members(answer.body, answer.body_len);
    assert_int_equal(
        sgp32_esipa_json_parse_response(function, &answer, &kind, &received, &received_len, &decoded, &result),
        SGP32_OK);
    assert_int_equal(kind, function);
    assert_string_equal(result.execution_status, "Executed-Success");
    assert_int_equal(received_len, len);
    assert_memory_equal(received, message, len);
    assert_non_null(decoded);
    sgp32_esipa_free(SGP32_ESIPA_EIM_TO_IPA, decoded);
    sgp32_esipa_json_message_free(received);
    sgp32_remote_response_release(&response);
}

static void round_trip_type(const char *type, enum sgp32_esipa_direction direction, unsigned variants)
{
    unsigned variant;
    for (variant = 0; variant < variants; variant++) {
        size_t len = 0;
        uint8_t *message = fixture_der(type, variant, &len);
        enum sgp32_esipa_message kind = SGP32_ESIPA_NONE;
        assert_int_equal(sgp32_esipa_message_of(direction, message, len, &kind), SGP32_OK);
        if (direction == SGP32_ESIPA_IPA_TO_EIM)
            up_round_trip(message, len, kind);
        else
            down_round_trip(message, len);
        free(message);
    }
}

/* Every alternative of both CHOICEs and of every inner CHOICE, optional members in and out. */
static void test_every_message_round_trips(void **state)
{
    static const char *const up[] = {"EsipaMessageFromIpaToEim",       "InitiateAuthenticationRequestEsipa",
                                     "AuthenticateClientRequestEsipa", "GetBoundProfilePackageRequestEsipa",
                                     "CancelSessionRequestEsipa",      "HandleNotificationEsipa",
                                     "TransferEimPackageResponse",     "GetEimPackageRequest",
                                     "ProvideEimPackageResult"};
    static const char *const down[] = {"EsipaMessageFromEimToIpa",        "InitiateAuthenticationResponseEsipa",
                                       "AuthenticateClientResponseEsipa", "GetBoundProfilePackageResponseEsipa",
                                       "CancelSessionResponseEsipa",      "TransferEimPackageRequest",
                                       "GetEimPackageResponse",           "ProvideEimPackageResultResponse"};
    size_t i;
    (void)state;
    memset(member_seen, 0, sizeof(member_seen));
    for (i = 0; i < sizeof(up) / sizeof(up[0]); i++)
        round_trip_type(up[i], SGP32_ESIPA_IPA_TO_EIM, i == 0 ? 48u : 16u);
    for (i = 0; i < sizeof(down) / sizeof(down[0]); i++)
        round_trip_type(down[i], SGP32_ESIPA_EIM_TO_IPA, i == 0 ? 48u : 16u);
    for (i = 0; i < MEMBER_COUNT; i++) {
        if (member_seen[i] == 0)
            fail_msg("member %s never exercised", all_members[i]);
    }
}

/* A DER header; out NULL: only its size. */
static size_t put_header(uint8_t *out, uint32_t tag, size_t length)
{
    uint8_t header[8];
    size_t n = 0;
    size_t octets = 0;
    size_t rest;
    if (tag > 0xFF)
        header[n++] = (uint8_t)(tag >> 8);
    header[n++] = (uint8_t)tag;
    if (length < 0x80) {
        header[n++] = (uint8_t)length;
    } else {
        for (rest = length; rest != 0; rest >>= 8)
            octets++;
        header[n++] = (uint8_t)(0x80 | octets);
        while (octets-- > 0)
            header[n++] = (uint8_t)(length >> (8 * octets));
    }
    if (out != NULL)
        memcpy(out, header, n);
    return n;
}

/* GetBoundProfilePackageResponseEsipa { ok A0 { BF36 { BF23, A0 {}, A1 {}, A3 { 86 x 300 } } } }: about
 * 300 KB. */
static uint8_t *large_bpp_message(size_t *len)
{
    size_t init_len = 0;
    size_t bpp_len = 0;
    uint8_t *init = fixture_der("InitialiseSecureChannelRequest", 0, &init_len);
    uint8_t *shaped = fixture_large_bpp(300, &bpp_len);           /* BF36 <len> A3 ... */
    size_t shaped_header = put_header(NULL, 0xBF36, bpp_len - 5); /* the A3 element follows it */
    const uint8_t *segments = shaped + shaped_header;
    size_t segments_len = bpp_len - shaped_header;
    size_t bpp_content = init_len + 4 + segments_len;
    size_t ok_content = put_header(NULL, 0xBF36, bpp_content) + bpp_content;
    size_t message_content = put_header(NULL, 0xA0, ok_content) + ok_content;
    uint8_t *message = malloc(message_content + 8);
    size_t n = 0;
    assert_non_null(message);
    assert_int_equal(segments[0], 0xA3);
    n += put_header(message + n, 0xBF3A, message_content);
    n += put_header(message + n, 0xA0, ok_content);
    n += put_header(message + n, 0xBF36, bpp_content);
    memcpy(message + n, init, init_len);
    n += init_len;
    memcpy(message + n, "\xA0\x00\xA1\x00", 4);
    n += 4;
    memcpy(message + n, segments, segments_len);
    n += segments_len;
    *len = n;
    free(init);
    free(shaped);
    return message;
}

/* A GetBoundProfilePackageResponseEsipa carrying a 300 KB BPP, and the empty alternatives. */
static void test_large_and_empty(void **state)
{
    static const uint8_t cancel_ok[] = {0xBF, 0x41, 0x02, 0xA0, 0x00};
    static const uint8_t empty_response[] = {0xBF, 0x50, 0x02, 0x30, 0x00};
    static const uint8_t received_ack[] = {0xBF, 0x4E, 0x02, 0x05, 0x00};
    static const uint8_t negative_error[] = {0xBF, 0x4E, 0x03, 0x02, 0x01, 0x80};
    size_t len = 0;
    uint8_t *message = large_bpp_message(&len);
    (void)state;
    assert_true(len > 300000);
    down_round_trip(message, len);
    down_round_trip(cancel_ok, sizeof(cancel_ok));
    down_round_trip(empty_response, sizeof(empty_response));
    up_round_trip(received_ack, sizeof(received_ack), SGP32_ESIPA_TRANSFER_EIM_PACKAGE);
    up_round_trip(negative_error, sizeof(negative_error), SGP32_ESIPA_TRANSFER_EIM_PACKAGE);
    free(message);
}

/* The JSON of a message, as text (the request body of an IPA message, the answer of an eIM one). */
static char *json_of(enum sgp32_esipa_direction direction, const uint8_t *message, size_t len)
{
    char *text;
    const uint8_t *body;
    size_t body_len;
    struct sgp32_remote_request request;
    struct sgp32_remote_response response;
    enum sgp32_esipa_message kind = SGP32_ESIPA_NONE;

    if (direction == SGP32_ESIPA_IPA_TO_EIM) {
        assert_int_equal(sgp32_esipa_json_build_request(&eim, message, len, &kind, &request), SGP32_OK);
        body = request.http.body;
        body_len = request.http.body_len;
    } else {
        assert_int_equal(sgp32_esipa_message_of(direction, message, len, &kind), SGP32_OK);
        assert_int_equal(sgp32_esipa_json_build_response(kind, message, len, NULL, NULL, &response), SGP32_OK);
        body = response.body;
        body_len = response.body_len;
    }
    text = malloc(body_len + 1);
    assert_non_null(text);
    memcpy(text, body, body_len);
    text[body_len] = '\0';
    if (direction == SGP32_ESIPA_IPA_TO_EIM)
        sgp32_remote_request_release(&request);
    else
        sgp32_remote_response_release(&response);
    return text;
}

static void expect_json(enum sgp32_esipa_direction direction, const uint8_t *message, size_t len, const char *expected)
{
    char *text = json_of(direction, message, len);
    assert_string_equal(text, expected);
    free(text);
}

#define SUCCESS_HEADER "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}"

/* The wire text of known messages (member names and encodings of docs/remote.md). */
static void test_known_json_shapes(void **state)
{
    static const uint8_t get_eim_package[] = {0xBF, 0x4F, 0x1C, 0x5A, 0x10, 0x89, 0x04, 0x90, 0x32, 0x12, 0x34,
                                              0x56, 0x78, 0x90, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x80,
                                              0x00, 0x81, 0x01, 0x05, 0x82, 0x03, 0x62, 0xF2, 0x10};
    static const uint8_t no_package[] = {0xBF, 0x4F, 0x03, 0x02, 0x01, 0x01};
    static const uint8_t cancel_session[] = {0xBF, 0x41, 0x0A, 0x80, 0x03, 0x01, 0x02,
                                             0x03, 0xA1, 0x03, 0x81, 0x01, 0x05};
    static const uint8_t cancel_ok[] = {0xBF, 0x41, 0x02, 0xA0, 0x00};
    static const uint8_t auth_error[] = {0xBF, 0x39, 0x03, 0x81, 0x01, 0x7F};
    static const uint8_t ack[] = {0xBF, 0x50, 0x05, 0xBF, 0x53, 0x02, 0x80, 0x00};
    /* HandleNotificationEsipa carrying a compact other notification: A0 { A1 {...} }. */
    static const uint8_t notification[] = {0xBF, 0x3D, 0x19, 0xA0, 0x17, 0xA1, 0x15, 0xBF, 0x2F, 0x0C,
                                           0x80, 0x01, 0x01, 0x81, 0x02, 0x05, 0xE0, 0x0C, 0x03, 0x33,
                                           0x34, 0x35, 0x5F, 0x37, 0x03, 0x33, 0x34, 0x35};
    (void)state;
    expect_json(SGP32_ESIPA_IPA_TO_EIM, get_eim_package, sizeof(get_eim_package),
                "{\"eidValue\":\"89049032123456789012345678901234\",\"rPLMN\":\"YvIQ\","
                "\"notifyStateChange\":true,\"stateChangeCause\":5}");
    expect_json(SGP32_ESIPA_EIM_TO_IPA, no_package, sizeof(no_package), SUCCESS_HEADER ",\"eimPackageError\":1}");
    /* The BF41 of ES10b.CancelSession, as the eUICC gave it (A1 in the ASN.1 message). */
    expect_json(SGP32_ESIPA_IPA_TO_EIM, cancel_session, sizeof(cancel_session),
                "{\"transactionId\":\"010203\",\"cancelSessionResponse\":\"v0EDgQEF\"}");
    expect_json(SGP32_ESIPA_EIM_TO_IPA, cancel_ok, sizeof(cancel_ok), SUCCESS_HEADER "}");
    expect_json(SGP32_ESIPA_EIM_TO_IPA, auth_error, sizeof(auth_error),
                SUCCESS_HEADER ",\"initiateAuthenticationErrorEsipa\":127}");
    expect_json(SGP32_ESIPA_EIM_TO_IPA, ack, sizeof(ack), SUCCESS_HEADER ",\"eimAcknowledgements\":\"v1MCgAA=\"}");
    expect_json(SGP32_ESIPA_IPA_TO_EIM, notification, sizeof(notification),
                "{\"pendingNotification\":\"oRW/LwyAAQGBAgXgDAMzNDVfNwMzNDU=\"}");
}

/* Sends a request body as the eIM would receive it. */
static enum sgp32_status parse_request_text(const char *path, const char *content_type, const char *admin_protocol,
                                            const char *body, uint8_t **message, size_t *message_len,
                                            struct sgp32_remote_result *result)
{
    struct sgp32_remote_incoming incoming;
    enum sgp32_esipa_message kind = SGP32_ESIPA_TRANSFER_EIM_PACKAGE;
    enum sgp32_status st;
    incoming.path = path;
    incoming.content_type = content_type;
    incoming.admin_protocol = admin_protocol;
    incoming.body = (const uint8_t *)body;
    incoming.body_len = strlen(body);
    st = sgp32_esipa_json_parse_request(&incoming, &kind, message, message_len, NULL, result);
    if (st != SGP32_OK) {
        assert_int_equal(kind, SGP32_ESIPA_NONE);
        assert_null(*message);
        assert_true(result == NULL || strlen(result->detail) > 0);
    }
    return st;
}

static enum sgp32_status request_status(const char *path, const char *body)
{
    struct sgp32_remote_result result;
    uint8_t *message = NULL;
    size_t len = 0;
    enum sgp32_status st =
        parse_request_text(path, "application/json", "gsma/rsp/v2.1.0", body, &message, &len, &result);
    sgp32_esipa_json_message_free(message);
    return st;
}

#define GET "/gsma/rsp2/esipa/getEimPackage"
#define PROVIDE "/gsma/rsp2/esipa/provideEimPackageResult"
#define EID "\"eidValue\":\"89049032123456789012345678901234\""

/* JSON written by hand, as another IPA would send it, converted to the exact ASN.1. */
static void test_hand_written_requests(void **state)
{
    static const uint8_t expected_get[] = {0xBF, 0x4F, 0x12, 0x5A, 0x10, 0x89, 0x04, 0x90, 0x32, 0x12, 0x34,
                                           0x56, 0x78, 0x90, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34};
    /* ProvideEimPackageResult { eimPackageResultResponseError A0 { eimPackageResultErrorCode 02 01 01 } } */
    static const uint8_t expected_provide[] = {0xBF, 0x50, 0x05, 0xA0, 0x03, 0x02, 0x01, 0x01};
    struct sgp32_remote_result result;
    uint8_t *message = NULL;
    size_t len = 0;
    (void)state;
    /* Pretty-printed, lower-case hex, a header member (ignored), media type parameters in any case. */
    assert_int_equal(parse_request_text(GET, "Application/JSON; charset=utf-8", "gsma/rsp/v2.5.0",
                                        "{\n  \"header\": {},\n  \"eidValue\": \"89049032123456789012345678901234\"\n}",
                                        &message, &len, &result),
                     SGP32_OK);
    assert_int_equal(len, sizeof(expected_get));
    assert_memory_equal(message, expected_get, len);
    sgp32_esipa_json_message_free(message);
    assert_int_equal(parse_request_text(PROVIDE, "application/json", "gsma/rsp/v2.1.0",
                                        "{\"eimPackageResult\":\"oAMCAQE=\"}", &message, &len, &result),
                     SGP32_OK);
    assert_int_equal(len, sizeof(expected_provide));
    assert_memory_equal(message, expected_provide, len);
    sgp32_esipa_json_message_free(message);
}

static void test_hostile_requests(void **state)
{
    struct sgp32_remote_result result;
    uint8_t *message = NULL;
    size_t len = 0;
    size_t huge_len = SGP32_ESIPA_JSON_MAX_BODY + 64;
    char *huge = malloc(huge_len + 1);
    (void)state;
    assert_non_null(huge);
    /* Headers and paths. */
    assert_int_equal(parse_request_text(GET, "application/json", NULL, "{" EID "}", &message, &len, &result),
                     SGP32_ERR_PROTOCOL);
    assert_int_equal(parse_request_text(GET, "application/json", "other/v1", "{" EID "}", &message, &len, &result),
                     SGP32_ERR_PROTOCOL);
    assert_int_equal(parse_request_text(GET, "text/plain", "gsma/rsp/v2.1.0", "{" EID "}", &message, &len, &result),
                     SGP32_ERR_PROTOCOL);
    assert_int_equal(parse_request_text(GET, NULL, "gsma/rsp/v2.1.0", "{" EID "}", &message, &len, &result),
                     SGP32_ERR_PROTOCOL);
    assert_int_equal(request_status("/gsma/rsp2/esipa/unknownFunction", "{" EID "}"), SGP32_ERR_NOT_FOUND);
    assert_int_equal(request_status("/gsma/rsp2/es9plus/getEimPackage", "{" EID "}"), SGP32_ERR_NOT_FOUND);
    assert_int_equal(request_status("/gsma/rsp2/esipa/", "{" EID "}"), SGP32_ERR_NOT_FOUND);
    assert_int_equal(parse_request_text(NULL, "application/json", "gsma/rsp/v2.1.0", "{}", &message, &len, &result),
                     SGP32_ERR_NOT_FOUND);
    /* Missing, conflicting, duplicated members; wrong types. */
    assert_int_equal(request_status(GET, "{}"), SGP32_ERR_PROTOCOL);
    assert_int_equal(request_status(GET, "{\"eid\":\"89049032123456789012345678901234\"}"), SGP32_ERR_PROTOCOL);
    assert_int_equal(request_status(GET, "{" EID "," EID "}"), SGP32_ERR_DECODE);
    assert_int_equal(request_status(GET, "{\"eidValue\":89049032}"), SGP32_ERR_DECODE);
    assert_int_equal(request_status(GET, "{\"eidValue\":null}"), SGP32_ERR_DECODE);
    assert_int_equal(request_status(GET, "{\"eidValue\":[\"89\"]}"), SGP32_ERR_DECODE);
    assert_int_equal(request_status(GET, "{" EID ",\"stateChangeCause\":\"5\"}"), SGP32_ERR_DECODE);
    assert_int_equal(request_status(GET, "{" EID ",\"stateChangeCause\":5,\"stateChangeCause\":6}"), SGP32_ERR_DECODE);
    assert_int_equal(request_status(GET, "{" EID ",\"stateChangeCause\":1.5}"), SGP32_ERR_PROTOCOL);
    assert_int_equal(request_status(GET, "{" EID ",\"stateChangeCause\":1e300}"), SGP32_ERR_PROTOCOL);
    assert_int_equal(request_status(GET, "{" EID ",\"notifyStateChange\":1}"), SGP32_ERR_DECODE);
    assert_int_equal(request_status(GET, "{" EID ",\"notifyStateChange\":false}"), SGP32_ERR_PROTOCOL);
    /* Bad hex, bad length, bad base64, a TLV of the wrong tag or not one element. */
    assert_int_equal(request_status(GET, "{\"eidValue\":\"8904903212345678901234567890123\"}"), SGP32_ERR_DECODE);
    assert_int_equal(request_status(GET, "{\"eidValue\":\"89049032123456789012345678901X34\"}"), SGP32_ERR_DECODE);
    assert_int_equal(request_status(GET, "{\"eidValue\":\"8904903212345678901234567890\"}"), SGP32_ERR_PROTOCOL);
    assert_int_equal(request_status(GET, "{" EID ",\"rPLMN\":\"YvI\"}"), SGP32_ERR_DECODE);
    assert_int_equal(request_status(GET, "{" EID ",\"rPLMN\":\"YvIQYvIQ\"}"), SGP32_ERR_PROTOCOL);
    assert_int_equal(request_status(PROVIDE, "{\"eimPackageResult\":\"oAMCAQE*\"}"), SGP32_ERR_DECODE);
    assert_int_equal(request_status(PROVIDE, "{\"eimPackageResult\":\"oAMCAQ==\"}"), SGP32_ERR_DECODE);
    assert_int_equal(request_status(PROVIDE, "{\"eimPackageResult\":\"BAMCAQE=\"}"), SGP32_ERR_PROTOCOL);
    assert_int_equal(request_status(PROVIDE, "{\"eimPackageResult\":\"oAMCAQEA\"}"), SGP32_ERR_DECODE);
    /* Well-formed TLV of an accepted tag that is not a valid value: the decode check refuses it. */
    assert_int_not_equal(request_status(PROVIDE, "{\"eimPackageResult\":\"oAMEAQE=\"}"), SGP32_OK);
    assert_int_equal(request_status("/gsma/rsp2/esipa/cancelSession",
                                    "{\"transactionId\":\"01\",\"cancelSessionResponse\":\"v0GAgQEFAAA=\"}"),
                     SGP32_ERR_PROTOCOL);
    /* Not JSON, not an object, trailing data, too deep, too large. */
    assert_int_equal(request_status(GET, ""), SGP32_ERR_DECODE);
    assert_int_equal(request_status(GET, "{\"eidValue\":"), SGP32_ERR_DECODE);
    assert_int_equal(request_status(GET, "[]"), SGP32_ERR_DECODE);
    assert_int_equal(request_status(GET, "{" EID "} {}"), SGP32_ERR_DECODE);
    assert_int_equal(request_status(GET, "{\"a\":[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]}"), SGP32_ERR_TOO_DEEP);
    memset(huge, ' ', huge_len);
    huge[0] = '{';
    huge[huge_len - 1] = '}';
    huge[huge_len] = '\0';
    assert_int_equal(request_status(GET, huge), SGP32_ERR_TOO_LARGE);
    free(huge);
}

static enum sgp32_status answer_status(enum sgp32_esipa_message function, int http_status, const char *content_type,
                                       const char *body, struct sgp32_remote_result *result)
{
    struct sgp32_remote_answer answer;
    enum sgp32_esipa_message kind = SGP32_ESIPA_GET_EIM_PACKAGE;
    uint8_t *message = (uint8_t *)1;
    size_t len = 1;
    void *decoded = (void *)1;
    enum sgp32_status st;
    answer.http_status = http_status;
    answer.content_type = content_type;
    answer.body = (const uint8_t *)body;
    answer.body_len = body != NULL ? strlen(body) : 0;
    st = sgp32_esipa_json_parse_response(function, &answer, &kind, &message, &len, &decoded, result);
    if (st != SGP32_OK || kind == SGP32_ESIPA_NONE) {
        assert_int_equal(kind, SGP32_ESIPA_NONE);
        assert_null(message);
        assert_null(decoded);
        assert_int_equal(len, 0);
    } else {
        sgp32_esipa_free(SGP32_ESIPA_EIM_TO_IPA, decoded);
        sgp32_esipa_json_message_free(message);
    }
    return st;
}

#define JSON "application/json"
#define OK_HEADER "\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}"

static void test_answers(void **state)
{
    struct sgp32_remote_result result;
    enum sgp32_esipa_message get = SGP32_ESIPA_GET_EIM_PACKAGE;
    enum sgp32_esipa_message notify = SGP32_ESIPA_HANDLE_NOTIFICATION;
    (void)state;
    /* Nothing to say: 204 for any function; handleNotification also an empty or header-only 200. */
    assert_int_equal(answer_status(get, 204, NULL, NULL, &result), SGP32_OK);
    assert_int_equal(result.http_status, 204);
    assert_int_equal(answer_status(notify, 200, NULL, NULL, &result), SGP32_OK);
    assert_int_equal(answer_status(notify, 200, JSON, "{" OK_HEADER "}", &result), SGP32_OK);
    assert_int_equal(answer_status(get, 200, JSON, NULL, &result), SGP32_ERR_DECODE);
    /* The failure form. */
    assert_int_equal(answer_status(get, 200, JSON,
                                   "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\",\"statusCodeData\":"
                                   "{\"subjectCode\":\"8.1\",\"reasonCode\":\"3.9\",\"message\":\"unknown EID\"}}}}",
                                   &result),
                     SGP32_ERR_SERVER_STATUS);
    assert_string_equal(result.subject_code, "8.1");
    assert_string_equal(result.reason_code, "3.9");
    assert_string_equal(result.message, "unknown EID");
    /* HTTP, content type, header. */
    assert_int_equal(answer_status(get, 500, "text/plain", "oops", &result), SGP32_ERR_HTTP);
    assert_int_equal(answer_status(get, 200, "application/x-gsma-rsp-asn1", "{}", &result), SGP32_ERR_PROTOCOL);
    assert_int_equal(answer_status(get, 200, NULL, "{}", &result), SGP32_ERR_PROTOCOL);
    assert_int_equal(answer_status(get, 200, JSON, "{\"eimPackageError\":1}", &result), SGP32_ERR_PROTOCOL);
    assert_int_equal(
        answer_status(get, 200, JSON, "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Maybe\"}}}", &result),
        SGP32_ERR_PROTOCOL);
    /* Members: none, two alternatives at once, wrong type, wrong tag. */
    assert_int_equal(answer_status(get, 200, JSON, "{" OK_HEADER "}", &result), SGP32_ERR_PROTOCOL);
    assert_int_equal(answer_status(get, 200, JSON,
                                   "{" OK_HEADER ",\"eimPackageError\":1,\"euiccPackageRequest\":\"v1EA\"}", &result),
                     SGP32_ERR_PROTOCOL);
    assert_int_equal(answer_status(get, 200, JSON, "{" OK_HEADER ",\"eimPackageError\":\"1\"}", &result),
                     SGP32_ERR_DECODE);
    assert_int_equal(answer_status(get, 200, JSON, "{" OK_HEADER ",\"euiccPackageRequest\":\"v1IA\"}", &result),
                     SGP32_ERR_PROTOCOL);
    assert_int_equal(answer_status(get, 200, JSON, "{" OK_HEADER ",\"eimPackageError\":1}", &result), SGP32_OK);
    /* A request kind that has no function. */
    assert_int_equal(answer_status(SGP32_ESIPA_NONE, 204, NULL, NULL, &result), SGP32_ERR_INVALID_ARGUMENT);
}

/* The eIM side: the failure form, 204, wrong arguments. */
static void test_build_response(void **state)
{
    static const uint8_t no_package[] = {0xBF, 0x4F, 0x03, 0x02, 0x01, 0x01};
    struct sgp32_remote_response response;
    struct sgp32_remote_result failure;
    struct sgp32_remote_answer answer;
    struct sgp32_remote_result result;
    enum sgp32_esipa_message kind = SGP32_ESIPA_NONE;
    uint8_t *message = NULL;
    size_t len = 0;
    (void)state;
    sgp32_remote_result_clear(&failure);
    strcpy(failure.execution_status, "Failed");
    strcpy(failure.subject_code, "8.1");
    strcpy(failure.reason_code, "3.9");
    assert_int_equal(sgp32_esipa_json_build_response(SGP32_ESIPA_GET_EIM_PACKAGE, NULL, 0, &failure, &kind, &response),
                     SGP32_OK);
    answer = fixture_answer_of(&response);
    assert_int_equal(
        sgp32_esipa_json_parse_response(SGP32_ESIPA_GET_EIM_PACKAGE, &answer, &kind, &message, &len, NULL, &result),
        SGP32_ERR_SERVER_STATUS);
    assert_string_equal(result.reason_code, "3.9");
    sgp32_remote_response_release(&response);
    /* 204. */
    assert_int_equal(sgp32_esipa_json_build_response(SGP32_ESIPA_HANDLE_NOTIFICATION, NULL, 0, NULL, &kind, &response),
                     SGP32_OK);
    assert_int_equal(response.http_status, 204);
    answer = fixture_answer_of(&response);
    assert_int_equal(
        sgp32_esipa_json_parse_response(SGP32_ESIPA_HANDLE_NOTIFICATION, &answer, &kind, &message, &len, NULL, &result),
        SGP32_OK);
    assert_int_equal(kind, SGP32_ESIPA_NONE);
    sgp32_remote_response_release(&response);
    /* The answer of another function, a failure with a message or a success status, garbage. */
    assert_int_equal(sgp32_esipa_json_build_response(SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT, no_package,
                                                     sizeof(no_package), NULL, &kind, &response),
                     SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_esipa_json_build_response(SGP32_ESIPA_GET_EIM_PACKAGE, no_package, sizeof(no_package),
                                                     &failure, &kind, &response),
                     SGP32_ERR_INVALID_ARGUMENT);
    strcpy(failure.execution_status, "Executed-Success");
    assert_int_equal(sgp32_esipa_json_build_response(SGP32_ESIPA_GET_EIM_PACKAGE, NULL, 0, &failure, &kind, &response),
                     SGP32_ERR_INVALID_ARGUMENT);
    assert_int_not_equal(sgp32_esipa_json_build_response(SGP32_ESIPA_GET_EIM_PACKAGE, no_package,
                                                         sizeof(no_package) - 1, NULL, &kind, &response),
                         SGP32_OK);
}

/* The IPA side: messages that are not valid, or not carried. */
static void test_build_request_errors(void **state)
{
    /* Indefinite outer length: valid BER, but the binding rebuilds the wrapper in DER only. */
    static const uint8_t indefinite[] = {0xBF, 0x4F, 0x80, 0x5A, 0x10, 0x89, 0x04, 0x90, 0x32, 0x12, 0x34, 0x56,
                                         0x78, 0x90, 0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x00, 0x00};
    static const uint8_t answer_only[] = {0xBF, 0x4F, 0x03, 0x02, 0x01, 0x01};
    struct sgp32_remote_request request;
    enum sgp32_esipa_message kind = SGP32_ESIPA_NONE;
    (void)state;
    assert_int_equal(sgp32_esipa_json_build_request(&eim, indefinite, sizeof(indefinite), &kind, &request),
                     SGP32_ERR_PROTOCOL);
    assert_int_not_equal(sgp32_esipa_json_build_request(&eim, answer_only, sizeof(answer_only), &kind, &request),
                         SGP32_OK);
    assert_int_not_equal(sgp32_esipa_json_build_request(&eim, answer_only, 3, &kind, &request), SGP32_OK);
    /* Refused before anything else: the request is still zeroed, safe to release (fuzz finding). */
    memset(&request, 0xA5, sizeof(request));
    assert_int_equal(sgp32_esipa_json_build_request(&eim, NULL, 0, &kind, &request), SGP32_ERR_INVALID_ARGUMENT);
    assert_null(request.owned_body);
    sgp32_remote_request_release(&request);
}

/* Parses a corrupted body on the side that receives it: an error, or a message that decodes. */
static void parse_mutated(enum sgp32_esipa_direction direction, enum sgp32_esipa_message function, const uint8_t *body,
                          size_t body_len)
{
    struct sgp32_remote_result result;
    enum sgp32_esipa_message kind = SGP32_ESIPA_NONE;
    uint8_t *message = NULL;
    size_t len = 0;
    void *decoded = NULL;
    enum sgp32_status st;
    char path[96];

    if (direction == SGP32_ESIPA_IPA_TO_EIM) {
        struct sgp32_remote_incoming incoming = {path, "application/json", "gsma/rsp/v2.1.0", body, body_len};
        snprintf(path, sizeof(path), "/gsma/rsp2/esipa/%s", sgp32_esipa_message_name(function));
        st = sgp32_esipa_json_parse_request(&incoming, &kind, &message, &len, &decoded, &result);
    } else {
        struct sgp32_remote_answer answer = {200, "application/json", body, body_len};
        st = sgp32_esipa_json_parse_response(function, &answer, &kind, &message, &len, &decoded, &result);
    }
    if (st == SGP32_OK && message != NULL) {
        enum sgp32_esipa_message again = SGP32_ESIPA_NONE;
        assert_non_null(decoded);
        assert_int_equal(kind, function);
        assert_int_equal(sgp32_esipa_decode(direction, message, len, &again, NULL), SGP32_OK);
        assert_int_equal(again, function);
    } else {
        assert_null(message);
        assert_null(decoded);
    }
    sgp32_esipa_free(direction, decoded);
    sgp32_esipa_json_message_free(message);
}

/* Random corruption of valid bodies, both directions: errors, never crashes; what passes is valid. */
static void test_mutated_json(void **state)
{
    static const char interesting[] = "{}[]\":,0aA+/=\\ -1e9";
    uint32_t seed = 0x5eed;
    unsigned round;
    (void)state;
    for (round = 0; round < 2000; round++) {
        enum sgp32_esipa_direction direction = round % 2 == 0 ? SGP32_ESIPA_IPA_TO_EIM : SGP32_ESIPA_EIM_TO_IPA;
        enum sgp32_esipa_message function = SGP32_ESIPA_NONE;
        size_t len = 0;
        uint8_t *message =
            fixture_der(direction == SGP32_ESIPA_IPA_TO_EIM ? "EsipaMessageFromIpaToEim" : "EsipaMessageFromEimToIpa",
                        (round / 2) % 48, &len);
        char *text = json_of(direction, message, len);
        size_t text_len = strlen(text);
        unsigned changes = 1 + fixture_random(&seed) % 3;
        assert_int_equal(sgp32_esipa_message_of(direction, message, len, &function), SGP32_OK);
        while (changes-- > 0)
            text[fixture_random(&seed) % text_len] = interesting[fixture_random(&seed) % (sizeof(interesting) - 1)];
        if (fixture_random(&seed) % 5 == 0)
            text_len = fixture_random(&seed) % text_len;
        parse_mutated(direction, function, (const uint8_t *)text, text_len);
        free(text);
        free(message);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_message_round_trips),
        cmocka_unit_test(test_large_and_empty),
        cmocka_unit_test(test_known_json_shapes),
        cmocka_unit_test(test_hand_written_requests),
        cmocka_unit_test(test_hostile_requests),
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_build_response),
        cmocka_unit_test(test_build_request_errors),
        cmocka_unit_test(test_mutated_json),
    };
    fixture_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
