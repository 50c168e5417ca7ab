/* SPDX-License-Identifier: MIT */
/*
 * ES9+ JSON binding: each function goes client -> server -> client with real ASN.1 values (codec
 * exemplars, SGP.26 certificates, a large synthetic BPP); every forwarded blob comes back byte for
 * byte. Failure forms, malformed JSON, bad base64/hex, missing or duplicated fields, wrong tags,
 * wrong content types and random corruption give clear errors, never a crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "remote/es9plus_json.h"
#include "remote/remote_json.h"
#include "remote_fixtures.h"

static const struct sgp32_remote_endpoint smdp = {"smdp.example.com", "test-ipa/1.0", 30000};
static const uint8_t transaction_id[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xAB, 0xCD, 0xEF,
                                           0xFE, 0xDC, 0xBA, 0x98, 0x76, 0x54, 0x32, 0x10};
static const uint8_t challenge[16] = {0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7,
                                      0xA8, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF};

/* The blobs of a whole download session, owned by the test. */
struct session {
    uint8_t *euicc_info1, *server_signed1, *server_signature1, *ci_pkid, *server_certificate;
    uint8_t *authenticate_server_response, *profile_metadata, *smdp_signed2, *smdp_signature2, *smdp_certificate;
    uint8_t *prepare_download_response, *bpp, *notification_pir, *notification_other, *cancel_session_response;
    size_t euicc_info1_len, server_signed1_len, server_signature1_len, ci_pkid_len, server_certificate_len;
    size_t authenticate_server_response_len, profile_metadata_len, smdp_signed2_len, smdp_signature2_len;
    size_t smdp_certificate_len, prepare_download_response_len, bpp_len, notification_pir_len, notification_other_len,
        cancel_session_response_len;
};

static struct session s;

static int session_setup(void **state)
{
    (void)state;
    s.euicc_info1 = fixture_der("EUICCInfo1", 0, &s.euicc_info1_len);
    s.server_signed1 = fixture_der("ServerSigned1", 0, &s.server_signed1_len);
    s.server_signature1 = fixture_tlv(0x5F37, 64, 0x11, &s.server_signature1_len);
    s.ci_pkid = fixture_der("SubjectKeyIdentifier", 0, &s.ci_pkid_len);
    s.server_certificate =
        fixture_file("certs/sgp26/DPauth/CERT_S_SM_DPauth_ECDSA_NIST.der", &s.server_certificate_len);
    s.authenticate_server_response = fixture_der("AuthenticateServerResponse", 0, &s.authenticate_server_response_len);
    s.profile_metadata = fixture_der("StoreMetadataRequest", 0, &s.profile_metadata_len);
    s.smdp_signed2 = fixture_der("SmdpSigned2", 0, &s.smdp_signed2_len);
    s.smdp_signature2 = fixture_tlv(0x5F37, 64, 0x22, &s.smdp_signature2_len);
    s.smdp_certificate = fixture_file("certs/sgp26/DPpb/CERT_S_SM_DPpb_ECDSA_NIST.der", &s.smdp_certificate_len);
    s.prepare_download_response = fixture_der("PrepareDownloadResponse", 0, &s.prepare_download_response_len);
    /* A BPP-sized object (300 KB): checked as one BF36 TLV, carried byte for byte. */
    s.bpp = fixture_large_bpp(300, &s.bpp_len);
    s.notification_pir = fixture_der("PendingNotification", 0, &s.notification_pir_len);
    s.notification_other = fixture_der("PendingNotification", 1, &s.notification_other_len);
    s.cancel_session_response = fixture_der("CancelSessionResponse", 0, &s.cancel_session_response_len);
    return 0;
}

static int session_teardown(void **state)
{
    (void)state;
    free(s.euicc_info1);
    free(s.server_signed1);
    free(s.server_signature1);
    free(s.ci_pkid);
    free(s.server_certificate);
    free(s.authenticate_server_response);
    free(s.profile_metadata);
    free(s.smdp_signed2);
    free(s.smdp_signature2);
    free(s.smdp_certificate);
    free(s.prepare_download_response);
    free(s.bpp);
    free(s.notification_pir);
    free(s.notification_other);
    free(s.cancel_session_response);
    return 0;
}

#define B(name) fixture_bytes(s.name, s.name##_len)
#define SAME(bytes, name) assert_true(fixture_same(bytes, s.name, s.name##_len))

/* Client request -> server parse (checks the function and returns the server's view). */
static void *client_to_server(enum sgp32_es9plus_function function, const union sgp32_es9plus_request *request,
                              union sgp32_es9plus_request *received)
{
    struct sgp32_remote_request http;
    struct sgp32_remote_incoming incoming;
    struct sgp32_remote_result result;
    enum sgp32_es9plus_function seen = 0;
    void *storage = NULL;
    char url[128];
    const char *path;

    assert_int_equal(sgp32_es9plus_build_request(&smdp, function, request, &http), SGP32_OK);
    snprintf(url, sizeof(url), "https://smdp.example.com/gsma/rsp2/es9plus/%s", sgp32_es9plus_function_name(function));
    assert_string_equal(http.http.url, url);
    assert_string_equal(fixture_header(&http, "X-Admin-Protocol"), SGP32_REMOTE_ADMIN_PROTOCOL_ES9PLUS);
    assert_string_equal(fixture_header(&http, "Content-Type"), "application/json;charset=UTF-8");
    assert_string_equal(fixture_header(&http, "User-Agent"), "test-ipa/1.0");
    /* No JSON "header" object in requests. */
    assert_null(strstr((const char *)http.http.body, "\"header\""));
    path = strstr(http.http.url, "/gsma/");
    incoming = fixture_incoming_of(&http, path);
    assert_int_equal(sgp32_es9plus_parse_request(&incoming, &seen, received, &storage, &result), SGP32_OK);
    assert_int_equal(seen, function);
    sgp32_remote_request_release(&http);
    return storage;
}

/* Server response -> client parse. */
static void *server_to_client(enum sgp32_es9plus_function function, const union sgp32_es9plus_response *response,
                              union sgp32_es9plus_response *received, int expected_http)
{
    struct sgp32_remote_response http;
    struct sgp32_remote_answer answer;
    struct sgp32_remote_result result;
    void *storage = NULL;

    assert_int_equal(sgp32_es9plus_build_response(function, response, NULL, &http), SGP32_OK);
    assert_int_equal(http.http_status, expected_http);
    answer = fixture_answer_of(&http);
    assert_int_equal(sgp32_es9plus_parse_response(function, &answer, received, &storage, &result), SGP32_OK);
    if (expected_http == 200)
        assert_string_equal(result.execution_status, "Executed-Success");
    sgp32_remote_response_release(&http);
    return storage;
}

static void test_initiate_authentication(void **state)
{
    union sgp32_es9plus_request request, received;
    union sgp32_es9plus_response response, answer;
    void *storage;
    (void)state;
    memset(&request, 0, sizeof(request));
    request.initiate_authentication.euicc_challenge = fixture_bytes(challenge, sizeof(challenge));
    request.initiate_authentication.euicc_info1 = B(euicc_info1);
    request.initiate_authentication.smdp_address = fixture_bytes((const uint8_t *)"smdp.example.com", 16);
    storage = client_to_server(SGP32_ES9PLUS_INITIATE_AUTHENTICATION, &request, &received);
    assert_true(fixture_same(received.initiate_authentication.euicc_challenge, challenge, sizeof(challenge)));
    SAME(received.initiate_authentication.euicc_info1, euicc_info1);
    assert_string_equal((const char *)received.initiate_authentication.smdp_address.data, "smdp.example.com");
    sgp32_remote_storage_free(storage);

    memset(&response, 0, sizeof(response));
    response.initiate_authentication.transaction_id = fixture_bytes(transaction_id, sizeof(transaction_id));
    response.initiate_authentication.server_signed1 = B(server_signed1);
    response.initiate_authentication.server_signature1 = B(server_signature1);
    response.initiate_authentication.euicc_ci_pkid_to_be_used = B(ci_pkid);
    response.initiate_authentication.server_certificate = B(server_certificate);
    storage = server_to_client(SGP32_ES9PLUS_INITIATE_AUTHENTICATION, &response, &answer, 200);
    assert_true(fixture_same(answer.initiate_authentication.transaction_id, transaction_id, sizeof(transaction_id)));
    SAME(answer.initiate_authentication.server_signed1, server_signed1);
    SAME(answer.initiate_authentication.server_signature1, server_signature1);
    SAME(answer.initiate_authentication.euicc_ci_pkid_to_be_used, ci_pkid);
    SAME(answer.initiate_authentication.server_certificate, server_certificate);
    sgp32_remote_storage_free(storage);
}

static void test_authenticate_client(void **state)
{
    union sgp32_es9plus_request request, received;
    union sgp32_es9plus_response response, answer;
    void *storage;
    (void)state;
    memset(&request, 0, sizeof(request));
    request.authenticate_client.transaction_id = fixture_bytes(transaction_id, 8);
    request.authenticate_client.authenticate_server_response = B(authenticate_server_response);
    storage = client_to_server(SGP32_ES9PLUS_AUTHENTICATE_CLIENT, &request, &received);
    assert_true(fixture_same(received.authenticate_client.transaction_id, transaction_id, 8));
    SAME(received.authenticate_client.authenticate_server_response, authenticate_server_response);
    sgp32_remote_storage_free(storage);

    memset(&response, 0, sizeof(response));
    response.authenticate_client.transaction_id = fixture_bytes(transaction_id, 8);
    response.authenticate_client.profile_metadata = B(profile_metadata);
    response.authenticate_client.smdp_signed2 = B(smdp_signed2);
    response.authenticate_client.smdp_signature2 = B(smdp_signature2);
    response.authenticate_client.smdp_certificate = B(smdp_certificate);
    storage = server_to_client(SGP32_ES9PLUS_AUTHENTICATE_CLIENT, &response, &answer, 200);
    assert_true(fixture_same(answer.authenticate_client.transaction_id, transaction_id, 8));
    SAME(answer.authenticate_client.profile_metadata, profile_metadata);
    SAME(answer.authenticate_client.smdp_signed2, smdp_signed2);
    SAME(answer.authenticate_client.smdp_signature2, smdp_signature2);
    SAME(answer.authenticate_client.smdp_certificate, smdp_certificate);
    sgp32_remote_storage_free(storage);

    /* profileMetadata is optional. */
    response.authenticate_client.profile_metadata = fixture_bytes(NULL, 0);
    storage = server_to_client(SGP32_ES9PLUS_AUTHENTICATE_CLIENT, &response, &answer, 200);
    assert_null(answer.authenticate_client.profile_metadata.data);
    SAME(answer.authenticate_client.smdp_signed2, smdp_signed2);
    sgp32_remote_storage_free(storage);
}

static void test_get_bound_profile_package(void **state)
{
    union sgp32_es9plus_request request, received;
    union sgp32_es9plus_response response, answer;
    void *storage;
    (void)state;
    memset(&request, 0, sizeof(request));
    request.get_bound_profile_package.transaction_id = fixture_bytes(transaction_id, 1);
    request.get_bound_profile_package.prepare_download_response = B(prepare_download_response);
    storage = client_to_server(SGP32_ES9PLUS_GET_BOUND_PROFILE_PACKAGE, &request, &received);
    assert_true(fixture_same(received.get_bound_profile_package.transaction_id, transaction_id, 1));
    SAME(received.get_bound_profile_package.prepare_download_response, prepare_download_response);
    sgp32_remote_storage_free(storage);

    memset(&response, 0, sizeof(response));
    response.get_bound_profile_package.transaction_id = fixture_bytes(transaction_id, 16);
    response.get_bound_profile_package.bound_profile_package = B(bpp);
    storage = server_to_client(SGP32_ES9PLUS_GET_BOUND_PROFILE_PACKAGE, &response, &answer, 200);
    SAME(answer.get_bound_profile_package.bound_profile_package, bpp);
    sgp32_remote_storage_free(storage);
}

static void test_handle_notification(void **state)
{
    union sgp32_es9plus_request request, received;
    struct sgp32_remote_answer answer;
    struct sgp32_remote_result result;
    void *storage;
    static const char failed[] = "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\","
                                 "\"statusCodeData\":{\"subjectCode\":\"8.1\",\"reasonCode\":\"3.8\"}}}}";
    (void)state;
    memset(&request, 0, sizeof(request));
    request.handle_notification.pending_notification = B(notification_pir);
    storage = client_to_server(SGP32_ES9PLUS_HANDLE_NOTIFICATION, &request, &received);
    SAME(received.handle_notification.pending_notification, notification_pir);
    sgp32_remote_storage_free(storage);
    request.handle_notification.pending_notification = B(notification_other);
    storage = client_to_server(SGP32_ES9PLUS_HANDLE_NOTIFICATION, &request, &received);
    SAME(received.handle_notification.pending_notification, notification_other);
    assert_int_equal(s.notification_other[0], 0x30);
    assert_int_equal(s.notification_pir[0], 0xBF);
    sgp32_remote_storage_free(storage);

    /* 204 (what the server builds), an empty 200, or a 200 with a success header. */
    storage = server_to_client(SGP32_ES9PLUS_HANDLE_NOTIFICATION, NULL, NULL, 204);
    assert_null(storage);
    answer = (struct sgp32_remote_answer){200, NULL, NULL, 0};
    assert_int_equal(sgp32_es9plus_parse_response(SGP32_ES9PLUS_HANDLE_NOTIFICATION, &answer, NULL, &storage, &result),
                     SGP32_OK);
    answer = (struct sgp32_remote_answer){200, "application/json", (const uint8_t *)failed, strlen(failed)};
    assert_int_equal(sgp32_es9plus_parse_response(SGP32_ES9PLUS_HANDLE_NOTIFICATION, &answer, NULL, &storage, &result),
                     SGP32_ERR_SERVER_STATUS);
    assert_string_equal(result.reason_code, "3.8");
    answer = (struct sgp32_remote_answer){500, NULL, NULL, 0};
    assert_int_equal(sgp32_es9plus_parse_response(SGP32_ES9PLUS_HANDLE_NOTIFICATION, &answer, NULL, &storage, &result),
                     SGP32_ERR_HTTP);
}

static void test_cancel_session(void **state)
{
    union sgp32_es9plus_request request, received;
    void *storage;
    (void)state;
    memset(&request, 0, sizeof(request));
    request.cancel_session.transaction_id = fixture_bytes(transaction_id, 16);
    request.cancel_session.cancel_session_response = B(cancel_session_response);
    storage = client_to_server(SGP32_ES9PLUS_CANCEL_SESSION, &request, &received);
    assert_true(fixture_same(received.cancel_session.transaction_id, transaction_id, 16));
    SAME(received.cancel_session.cancel_session_response, cancel_session_response);
    sgp32_remote_storage_free(storage);
    storage = server_to_client(SGP32_ES9PLUS_CANCEL_SESSION, NULL, NULL, 200);
    sgp32_remote_storage_free(storage);
}

/* The SM-DP+ refuses: HTTP 200, status Failed with statusCodeData (SGP.22 6.5.1.4). */
static void test_failure_form(void **state)
{
    static const enum sgp32_es9plus_function functions[] = {
        SGP32_ES9PLUS_INITIATE_AUTHENTICATION, SGP32_ES9PLUS_AUTHENTICATE_CLIENT,
        SGP32_ES9PLUS_GET_BOUND_PROFILE_PACKAGE, SGP32_ES9PLUS_CANCEL_SESSION};
    struct sgp32_remote_result failure;
    size_t i;
    (void)state;
    memset(&failure, 0, sizeof(failure));
    strcpy(failure.execution_status, "Failed");
    strcpy(failure.subject_code, "8.2.6");
    strcpy(failure.reason_code, "3.8");
    strcpy(failure.subject_identifier, "matchingId");
    strcpy(failure.message, "Matching ID refused");
    for (i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
        struct sgp32_remote_response http;
        struct sgp32_remote_answer answer;
        struct sgp32_remote_result result;
        union sgp32_es9plus_response received;
        void *storage = NULL;
        assert_int_equal(sgp32_es9plus_build_response(functions[i], NULL, &failure, &http), SGP32_OK);
        assert_int_equal(http.http_status, 200);
        answer = fixture_answer_of(&http);
        assert_int_equal(sgp32_es9plus_parse_response(functions[i], &answer, &received, &storage, &result),
                         SGP32_ERR_SERVER_STATUS);
        assert_string_equal(result.execution_status, "Failed");
        assert_string_equal(result.subject_code, "8.2.6");
        assert_string_equal(result.reason_code, "3.8");
        assert_string_equal(result.subject_identifier, "matchingId");
        assert_string_equal(result.message, "Matching ID refused");
        assert_int_equal(result.http_status, 200);
        sgp32_remote_storage_free(storage);
        sgp32_remote_response_release(&http);
    }
    /* A notification has no failure form; a failure needs a failure status. */
    {
        struct sgp32_remote_response http;
        struct sgp32_remote_result not_failed;
        memset(&not_failed, 0, sizeof(not_failed));
        assert_int_equal(sgp32_es9plus_build_response(SGP32_ES9PLUS_HANDLE_NOTIFICATION, NULL, &failure, &http),
                         SGP32_ERR_INVALID_ARGUMENT);
        assert_int_equal(sgp32_es9plus_build_response(SGP32_ES9PLUS_CANCEL_SESSION, NULL, &not_failed, &http),
                         SGP32_ERR_INVALID_ARGUMENT);
    }
}

/* A hand-written answer as a server might send it: parsed with its JSON shapes and spellings. */
static enum sgp32_status parse_text(enum sgp32_es9plus_function function, const char *content_type, const char *body,
                                    struct sgp32_remote_result *result)
{
    struct sgp32_remote_answer answer = {200, content_type, (const uint8_t *)body, strlen(body)};
    union sgp32_es9plus_response response;
    void *storage = NULL;
    enum sgp32_status st = sgp32_es9plus_parse_response(function, &answer, &response, &storage, result);
    sgp32_remote_storage_free(storage);
    return st;
}

#define OK_HEADER "\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}"
/* BF36 03 80 01 00 = "vzYDgAEA"; 5F37 00 = "XzcA". */
#define GBPP(tid, bpp) "{" OK_HEADER ",\"transactionId\":" tid ",\"boundProfilePackage\":" bpp "}"

static void test_malformed_answers(void **state)
{
    struct sgp32_remote_result r;
    const enum sgp32_es9plus_function g = SGP32_ES9PLUS_GET_BOUND_PROFILE_PACKAGE;
    const char *json = "application/json";
    (void)state;
    assert_int_equal(parse_text(g, json, GBPP("\"0A\"", "\"vzYDgAEA\""), &r), SGP32_OK);
    /* Tolerated: lower-case hex, base64 with line breaks, content type parameters, WithWarning. */
    assert_int_equal(parse_text(g, "APPLICATION/JSON; charset=utf-8", GBPP("\"0a\"", "\"vzYD\\r\\ngAEA\""), &r),
                     SGP32_OK);
    assert_int_equal(parse_text(g, json,
                                "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-WithWarning\"}},"
                                "\"transactionId\":\"0A\",\"boundProfilePackage\":\"vzYDgAEA\"}",
                                &r),
                     SGP32_OK);
    /* Malformed JSON, not an object, trailing data, empty. */
    assert_int_equal(parse_text(g, json, "{\"header\":", &r), SGP32_ERR_DECODE);
    assert_int_equal(parse_text(g, json, "[1,2]", &r), SGP32_ERR_DECODE);
    assert_int_equal(parse_text(g, json, GBPP("\"0A\"", "\"vzYDgAEA\"") "x", &r), SGP32_ERR_DECODE);
    assert_int_equal(parse_text(g, json, "", &r), SGP32_ERR_DECODE);
    {
        /* Deep nesting is refused before cJSON recurses into it. */
        char deep[4096];
        size_t i;
        strcpy(deep, "{\"x\":");
        for (i = 0; i < 1500; i++)
            deep[5 + i] = '[';
        deep[5 + 1500] = '\0';
        assert_int_equal(parse_text(g, json, deep, &r), SGP32_ERR_TOO_DEEP);
        strcpy(deep, "{\"x\":\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"," OK_HEADER
                     ",\"transactionId\":\"0A\",\"boundProfilePackage\":\"vzYDgAEA\"}");
        assert_int_equal(parse_text(g, json, deep, &r), SGP32_OK);
    }
    /* Header missing, status unknown. */
    assert_int_equal(parse_text(g, json, "{\"transactionId\":\"0A\",\"boundProfilePackage\":\"vzYDgAEA\"}", &r),
                     SGP32_ERR_PROTOCOL);
    assert_int_equal(parse_text(g, json, "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Maybe\"}}}", &r),
                     SGP32_ERR_PROTOCOL);
    assert_int_equal(parse_text(g, json, "{\"header\":{\"functionExecutionStatus\":{\"status\":7}}}", &r),
                     SGP32_ERR_PROTOCOL);
    /* Missing field, wrong types, duplicates. */
    assert_int_equal(parse_text(g, json, "{" OK_HEADER ",\"transactionId\":\"0A\"}", &r), SGP32_ERR_PROTOCOL);
    assert_non_null(strstr(r.detail, "boundProfilePackage"));
    assert_int_equal(parse_text(g, json, GBPP("10", "\"vzYDgAEA\""), &r), SGP32_ERR_DECODE);
    assert_int_equal(parse_text(g, json, GBPP("\"0A\"", "null"), &r), SGP32_ERR_DECODE);
    assert_int_equal(parse_text(g, json, GBPP("\"0A\",\"transactionId\":\"0B\"", "\"vzYDgAEA\""), &r),
                     SGP32_ERR_DECODE);
    /* Bad hex: odd, not hex, empty, longer than 16 octets. */
    assert_int_equal(parse_text(g, json, GBPP("\"0A1\"", "\"vzYDgAEA\""), &r), SGP32_ERR_DECODE);
    assert_int_equal(parse_text(g, json, GBPP("\"0G\"", "\"vzYDgAEA\""), &r), SGP32_ERR_DECODE);
    assert_int_equal(parse_text(g, json, GBPP("\"\"", "\"vzYDgAEA\""), &r), SGP32_ERR_PROTOCOL);
    assert_int_equal(parse_text(g, json, GBPP("\"000102030405060708090A0B0C0D0E0F10\"", "\"vzYDgAEA\""), &r),
                     SGP32_ERR_PROTOCOL);
    /* Bad base64: alphabet, padding, non-canonical bits. */
    assert_int_equal(parse_text(g, json, GBPP("\"0A\"", "\"vzYD-AEA\""), &r), SGP32_ERR_DECODE);
    assert_int_equal(parse_text(g, json, GBPP("\"0A\"", "\"vzYDgAE\""), &r), SGP32_ERR_DECODE);
    assert_int_equal(parse_text(g, json, GBPP("\"0A\"", "\"vzYDgAF=\""), &r), SGP32_ERR_DECODE);
    /* Well-formed base64 but not one TLV (truncated, trailing byte), or the wrong tag (5F37 00). */
    assert_int_equal(parse_text(g, json, GBPP("\"0A\"", "\"vzYEgAEA\""), &r), SGP32_ERR_DECODE);
    assert_int_equal(parse_text(g, json, GBPP("\"0A\"", "\"vzYDgAEAAA==\""), &r), SGP32_ERR_DECODE);
    assert_int_equal(parse_text(g, json, GBPP("\"0A\"", "\"XzcA\""), &r), SGP32_ERR_PROTOCOL);
    /* Wrong content type, HTTP errors. */
    assert_int_equal(parse_text(g, "text/html", GBPP("\"0A\"", "\"vzYDgAEA\""), &r), SGP32_ERR_PROTOCOL);
    assert_int_equal(parse_text(g, NULL, GBPP("\"0A\"", "\"vzYDgAEA\""), &r), SGP32_ERR_PROTOCOL);
    assert_int_equal(parse_text(g, "application/jsonx", GBPP("\"0A\"", "\"vzYDgAEA\""), &r), SGP32_ERR_PROTOCOL);
    {
        struct sgp32_remote_answer answer = {503, "application/json", (const uint8_t *)"{}", 2};
        union sgp32_es9plus_response response;
        void *storage = NULL;
        assert_int_equal(sgp32_es9plus_parse_response(g, &answer, &response, &storage, &r), SGP32_ERR_HTTP);
        assert_int_equal(r.http_status, 503);
    }
}

static void test_malformed_requests(void **state)
{
    struct sgp32_remote_incoming incoming = {"/gsma/rsp2/es9plus/authenticateClient", "application/json",
                                             "gsma/rsp/v2.2.0", NULL, 0};
    struct sgp32_remote_result result;
    union sgp32_es9plus_request request;
    enum sgp32_es9plus_function function;
    void *storage = NULL;
    /* BF38 00 = "vzgA" */
    static const char good[] = "{\"transactionId\":\"AB\",\"authenticateServerResponse\":\"vzgA\"}";
    static const char with_header[] = "{\"header\":{\"functionRequesterIdentifier\":\"x\","
                                      "\"functionCallIdentifier\":\"y\"},"
                                      "\"transactionId\":\"AB\",\"authenticateServerResponse\":\"vzgA\"}";
    static const char wrong_tag[] = "{\"transactionId\":\"AB\",\"authenticateServerResponse\":\"vzkA\"}";
    (void)state;
    incoming.body = (const uint8_t *)good;
    incoming.body_len = strlen(good);
    assert_int_equal(sgp32_es9plus_parse_request(&incoming, &function, &request, &storage, &result), SGP32_OK);
    assert_int_equal(function, SGP32_ES9PLUS_AUTHENTICATE_CLIENT);
    sgp32_remote_storage_free(storage);
    incoming.body = (const uint8_t *)with_header;
    incoming.body_len = strlen(with_header);
    assert_int_equal(sgp32_es9plus_parse_request(&incoming, &function, &request, &storage, &result), SGP32_OK);
    sgp32_remote_storage_free(storage);
    incoming.body = (const uint8_t *)wrong_tag;
    incoming.body_len = strlen(wrong_tag);
    assert_int_equal(sgp32_es9plus_parse_request(&incoming, &function, &request, &storage, &result),
                     SGP32_ERR_PROTOCOL);
    sgp32_remote_storage_free(storage);
    incoming.body = (const uint8_t *)good;
    incoming.body_len = strlen(good);
    incoming.path = "/gsma/rsp2/es9plus/authenticateClientX";
    assert_int_equal(sgp32_es9plus_parse_request(&incoming, &function, &request, &storage, &result),
                     SGP32_ERR_NOT_FOUND);
    incoming.path = "/gsma/rsp2/es9plus/authenticateClient";
    incoming.admin_protocol = "gsma/rsp/v1.0.0";
    assert_int_equal(sgp32_es9plus_parse_request(&incoming, &function, &request, &storage, &result),
                     SGP32_ERR_PROTOCOL);
    incoming.admin_protocol = "gsma/rsp/v2.5.0";
    incoming.content_type = "application/x-gsma-rsp-asn1";
    assert_int_equal(sgp32_es9plus_parse_request(&incoming, &function, &request, &storage, &result),
                     SGP32_ERR_PROTOCOL);
    /* Builders refuse incomplete or out-of-range requests. */
    {
        struct sgp32_remote_request http;
        union sgp32_es9plus_request bad;
        memset(&bad, 0, sizeof(bad));
        bad.initiate_authentication.euicc_challenge = fixture_bytes(challenge, 15);
        bad.initiate_authentication.euicc_info1 = B(euicc_info1);
        bad.initiate_authentication.smdp_address = fixture_bytes((const uint8_t *)"x", 1);
        assert_int_equal(sgp32_es9plus_build_request(&smdp, SGP32_ES9PLUS_INITIATE_AUTHENTICATION, &bad, &http),
                         SGP32_ERR_INVALID_ARGUMENT);
        bad.initiate_authentication.euicc_challenge = fixture_bytes(challenge, 16);
        bad.initiate_authentication.euicc_info1 = fixture_bytes(NULL, 0);
        assert_int_equal(sgp32_es9plus_build_request(&smdp, SGP32_ES9PLUS_INITIATE_AUTHENTICATION, &bad, &http),
                         SGP32_ERR_INVALID_ARGUMENT);
        assert_int_equal(sgp32_es9plus_build_request(&smdp, (enum sgp32_es9plus_function)99, &bad, &http),
                         SGP32_ERR_INVALID_ARGUMENT);
        /* A bad endpoint: refused, and the JSON body built so far is not leaked (ASan checks). */
        bad.initiate_authentication.euicc_info1 = B(euicc_info1);
        {
            struct sgp32_remote_endpoint no_address = {"", NULL, 0};
            struct sgp32_remote_endpoint null_address = {NULL, NULL, 0};
            assert_int_equal(
                sgp32_es9plus_build_request(&no_address, SGP32_ES9PLUS_INITIATE_AUTHENTICATION, &bad, &http),
                SGP32_ERR_INVALID_ARGUMENT);
            assert_int_equal(
                sgp32_es9plus_build_request(&null_address, SGP32_ES9PLUS_INITIATE_AUTHENTICATION, &bad, &http),
                SGP32_ERR_INVALID_ARGUMENT);
            assert_int_equal(sgp32_es9plus_build_request(NULL, SGP32_ES9PLUS_INITIATE_AUTHENTICATION, &bad, &http),
                             SGP32_ERR_INVALID_ARGUMENT);
        }
    }
}

/* Random corruption of a valid answer and request: an error or a success, never a crash or a leak. */
static void test_mutated_json(void **state)
{
    union sgp32_es9plus_response response;
    struct sgp32_remote_response http;
    uint32_t seed = 0xC0FFEEu;
    unsigned round;
    (void)state;
    memset(&response, 0, sizeof(response));
    response.authenticate_client.transaction_id = fixture_bytes(transaction_id, 16);
    response.authenticate_client.profile_metadata = B(profile_metadata);
    response.authenticate_client.smdp_signed2 = B(smdp_signed2);
    response.authenticate_client.smdp_signature2 = B(smdp_signature2);
    response.authenticate_client.smdp_certificate = B(smdp_certificate);
    assert_int_equal(sgp32_es9plus_build_response(SGP32_ES9PLUS_AUTHENTICATE_CLIENT, &response, NULL, &http), SGP32_OK);
    for (round = 0; round < 2000; round++) {
        uint8_t *copy = malloc(http.body_len);
        struct sgp32_remote_answer answer = {200, "application/json", copy, http.body_len};
        struct sgp32_remote_incoming incoming = {"/gsma/rsp2/es9plus/authenticateClient", "application/json",
                                                 "gsma/rsp/v2.5.0", copy, http.body_len};
        union sgp32_es9plus_response parsed;
        union sgp32_es9plus_request request;
        enum sgp32_es9plus_function function;
        struct sgp32_remote_result result;
        void *storage = NULL;
        unsigned changes = 1 + fixture_random(&seed) % 3;
        unsigned i;
        static const char interesting[] = "\"{}[]:,\\=AZaz09+/ \n\x00\xff";
        assert_non_null(copy);
        memcpy(copy, http.body, http.body_len);
        for (i = 0; i < changes; i++)
            copy[fixture_random(&seed) % http.body_len] =
                (uint8_t)interesting[fixture_random(&seed) % (sizeof(interesting) - 1)];
        if (fixture_random(&seed) % 5 == 0)
            answer.body_len = incoming.body_len = fixture_random(&seed) % http.body_len;
        (void)sgp32_es9plus_parse_response(SGP32_ES9PLUS_AUTHENTICATE_CLIENT, &answer, &parsed, &storage, &result);
        sgp32_remote_storage_free(storage);
        storage = NULL;
        (void)sgp32_es9plus_parse_request(&incoming, &function, &request, &storage, &result);
        sgp32_remote_storage_free(storage);
        free(copy);
    }
    sgp32_remote_response_release(&http);
}

/* The exact text on the wire for small values (SGP.22 6.5.2 member names, base64, upper-case hex). */
static void test_wire_format(void **state)
{
    static const uint8_t euicc_info1[] = {0xBF, 0x20, 0x00};
    static const uint8_t bpp[] = {0xBF, 0x36, 0x03, 0x80, 0x01, 0x00};
    union sgp32_es9plus_request request;
    union sgp32_es9plus_response response;
    struct sgp32_remote_request http;
    struct sgp32_remote_response answer;
    struct sgp32_remote_result failure;
    (void)state;
    memset(&request, 0, sizeof(request));
    request.initiate_authentication.euicc_challenge = fixture_bytes(challenge, sizeof(challenge));
    request.initiate_authentication.euicc_info1 = fixture_bytes(euicc_info1, sizeof(euicc_info1));
    request.initiate_authentication.smdp_address = fixture_bytes((const uint8_t *)"smdp.example.com", 16);
    assert_int_equal(sgp32_es9plus_build_request(&smdp, SGP32_ES9PLUS_INITIATE_AUTHENTICATION, &request, &http),
                     SGP32_OK);
    assert_int_equal(http.http.body_len, strlen((const char *)http.http.body));
    assert_string_equal((const char *)http.http.body, "{\"euiccChallenge\":\"oKGio6SlpqeoqaqrrK2urw==\","
                                                      "\"euiccInfo1\":\"vyAA\",\"smdpAddress\":\"smdp.example.com\"}");
    sgp32_remote_request_release(&http);

    memset(&response, 0, sizeof(response));
    response.get_bound_profile_package.transaction_id = fixture_bytes(transaction_id, 2);
    response.get_bound_profile_package.bound_profile_package = fixture_bytes(bpp, sizeof(bpp));
    assert_int_equal(sgp32_es9plus_build_response(SGP32_ES9PLUS_GET_BOUND_PROFILE_PACKAGE, &response, NULL, &answer),
                     SGP32_OK);
    assert_string_equal((const char *)answer.body,
                        "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},"
                        "\"transactionId\":\"0123\",\"boundProfilePackage\":\"vzYDgAEA\"}");
    assert_string_equal(answer.headers[0].name, "Content-Type");
    assert_string_equal(answer.headers[0].value, "application/json;charset=UTF-8");
    assert_string_equal(answer.headers[1].name, "X-Admin-Protocol");
    sgp32_remote_response_release(&answer);

    memset(&failure, 0, sizeof(failure));
    strcpy(failure.execution_status, "Failed");
    strcpy(failure.subject_code, "8.1.1");
    strcpy(failure.reason_code, "3.8");
    assert_int_equal(sgp32_es9plus_build_response(SGP32_ES9PLUS_GET_BOUND_PROFILE_PACKAGE, NULL, &failure, &answer),
                     SGP32_OK);
    assert_string_equal((const char *)answer.body,
                        "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\",\"statusCodeData\":"
                        "{\"subjectCode\":\"8.1.1\",\"reasonCode\":\"3.8\"}}}}");
    sgp32_remote_response_release(&answer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initiate_authentication),
        cmocka_unit_test(test_authenticate_client),
        cmocka_unit_test(test_get_bound_profile_package),
        cmocka_unit_test(test_handle_notification),
        cmocka_unit_test(test_cancel_session),
        cmocka_unit_test(test_failure_form),
        cmocka_unit_test(test_malformed_answers),
        cmocka_unit_test(test_malformed_requests),
        cmocka_unit_test(test_mutated_json),
        cmocka_unit_test(test_wire_format),
    };
    fixture_init();
    return cmocka_run_group_tests(tests, session_setup, session_teardown);
}
