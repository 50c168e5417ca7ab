/* SPDX-License-Identifier: MIT */
/*
 * ES11 JSON binding (SM-DS event retrieval): initiateAuthentication and authenticateClient round
 * trips with event records, the failure form, and malformed eventEntries.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "remote/es11_json.h"
#include "remote/remote_json.h"
#include "remote_fixtures.h"

static const struct sgp32_remote_endpoint smds = {"https://lpa.ds.example.com/", NULL, 10000};
static const uint8_t transaction_id[4] = {0xDE, 0xAD, 0xBE, 0xEF};
static const uint8_t challenge[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static struct sgp32_bytes text(const char *string)
{
    return fixture_bytes((const uint8_t *)string, strlen(string));
}

static void test_initiate_authentication(void **state)
{
    size_t info_len = 0, signed_len = 0, signature_len = 0, pkid_len = 0, cert_len = 0;
    uint8_t *info = fixture_der("EUICCInfo1", 1, &info_len);
    uint8_t *signed1 = fixture_der("ServerSigned1", 1, &signed_len);
    uint8_t *signature = fixture_tlv(0x5F37, 64, 0x44, &signature_len);
    uint8_t *pkid = fixture_der("SubjectKeyIdentifier", 1, &pkid_len);
    uint8_t *cert = fixture_file("certs/sgp26/DPauth/CERT_S_SM_DPauth_ECDSA_BRP.der", &cert_len);
    union sgp32_es11_request request, received;
    union sgp32_es11_response response, answer;
    struct sgp32_remote_request http;
    struct sgp32_remote_incoming incoming;
    struct sgp32_remote_response http_answer;
    struct sgp32_remote_answer client_view;
    struct sgp32_remote_result result;
    enum sgp32_es11_function function = 0;
    void *storage = NULL;
    (void)state;

    memset(&request, 0, sizeof(request));
    request.initiate_authentication.euicc_challenge = fixture_bytes(challenge, sizeof(challenge));
    request.initiate_authentication.euicc_info1 = fixture_bytes(info, info_len);
    request.initiate_authentication.smds_address = text("lpa.ds.example.com");
    assert_int_equal(sgp32_es11_build_request(&smds, SGP32_ES11_INITIATE_AUTHENTICATION, &request, &http), SGP32_OK);
    assert_string_equal(http.http.url, "https://lpa.ds.example.com/gsma/rsp2/es11/initiateAuthentication");
    assert_non_null(strstr((const char *)http.http.body, "\"smdsAddress\":\"lpa.ds.example.com\""));
    incoming = fixture_incoming_of(&http, "/gsma/rsp2/es11/initiateAuthentication");
    assert_int_equal(sgp32_es11_parse_request(&incoming, &function, &received, &storage, &result), SGP32_OK);
    assert_int_equal(function, SGP32_ES11_INITIATE_AUTHENTICATION);
    assert_true(fixture_same(received.initiate_authentication.euicc_info1, info, info_len));
    assert_string_equal((const char *)received.initiate_authentication.smds_address.data, "lpa.ds.example.com");
    sgp32_remote_storage_free(storage);
    sgp32_remote_request_release(&http);

    memset(&response, 0, sizeof(response));
    response.initiate_authentication.transaction_id = fixture_bytes(transaction_id, sizeof(transaction_id));
    response.initiate_authentication.server_signed1 = fixture_bytes(signed1, signed_len);
    response.initiate_authentication.server_signature1 = fixture_bytes(signature, signature_len);
    response.initiate_authentication.euicc_ci_pkid_to_be_used = fixture_bytes(pkid, pkid_len);
    response.initiate_authentication.server_certificate = fixture_bytes(cert, cert_len);
    assert_int_equal(sgp32_es11_build_response(SGP32_ES11_INITIATE_AUTHENTICATION, &response, NULL, &http_answer),
                     SGP32_OK);
    client_view = fixture_answer_of(&http_answer);
    assert_int_equal(
        sgp32_es11_parse_response(SGP32_ES11_INITIATE_AUTHENTICATION, &client_view, &answer, &storage, &result),
        SGP32_OK);
    assert_true(fixture_same(answer.initiate_authentication.server_signed1, signed1, signed_len));
    assert_true(fixture_same(answer.initiate_authentication.server_certificate, cert, cert_len));
    assert_true(fixture_same(answer.initiate_authentication.euicc_ci_pkid_to_be_used, pkid, pkid_len));
    sgp32_remote_storage_free(storage);
    sgp32_remote_response_release(&http_answer);
    free(info);
    free(signed1);
    free(signature);
    free(pkid);
    free(cert);
}

/* authenticateClient with 0, 1 and 3 event records. */
static void test_authenticate_client_events(void **state)
{
    size_t asr_len = 0;
    uint8_t *asr = fixture_der("AuthenticateServerResponse", 2, &asr_len);
    struct sgp32_es11_event_entry events[3];
    size_t count;
    (void)state;
    events[0].event_id = text("EVENT-1");
    events[0].rsp_server_address = text("smdp.example.com");
    events[1].event_id = text("EVENT-2");
    events[1].rsp_server_address = text("smdp2.example.com:8443");
    events[2].event_id = text("\xc3\xa9v\xc3\xa9nement"); /* UTF-8 text survives */
    events[2].rsp_server_address = text("alt-smds.example.com");
    for (count = 0; count <= 3; count += (count == 0 ? 1 : 2)) {
        union sgp32_es11_request request, received;
        union sgp32_es11_response response, answer;
        struct sgp32_remote_request http;
        struct sgp32_remote_incoming incoming;
        struct sgp32_remote_response http_answer;
        struct sgp32_remote_answer client_view;
        struct sgp32_remote_result result;
        enum sgp32_es11_function function = 0;
        void *storage = NULL;
        size_t i;

        memset(&request, 0, sizeof(request));
        request.authenticate_client.transaction_id = fixture_bytes(transaction_id, sizeof(transaction_id));
        request.authenticate_client.authenticate_server_response = fixture_bytes(asr, asr_len);
        assert_int_equal(sgp32_es11_build_request(&smds, SGP32_ES11_AUTHENTICATE_CLIENT, &request, &http), SGP32_OK);
        incoming = fixture_incoming_of(&http, "/gsma/rsp2/es11/authenticateClient");
        assert_int_equal(sgp32_es11_parse_request(&incoming, &function, &received, &storage, &result), SGP32_OK);
        assert_int_equal(function, SGP32_ES11_AUTHENTICATE_CLIENT);
        assert_true(fixture_same(received.authenticate_client.authenticate_server_response, asr, asr_len));
        sgp32_remote_storage_free(storage);
        sgp32_remote_request_release(&http);

        memset(&response, 0, sizeof(response));
        response.authenticate_client.transaction_id = fixture_bytes(transaction_id, sizeof(transaction_id));
        response.authenticate_client.event_entries = events;
        response.authenticate_client.event_entry_count = count;
        assert_int_equal(sgp32_es11_build_response(SGP32_ES11_AUTHENTICATE_CLIENT, &response, NULL, &http_answer),
                         SGP32_OK);
        client_view = fixture_answer_of(&http_answer);
        assert_int_equal(
            sgp32_es11_parse_response(SGP32_ES11_AUTHENTICATE_CLIENT, &client_view, &answer, &storage, &result),
            SGP32_OK);
        assert_int_equal(answer.authenticate_client.event_entry_count, count);
        assert_true(fixture_same(answer.authenticate_client.transaction_id, transaction_id, sizeof(transaction_id)));
        for (i = 0; i < count; i++) {
            assert_true(fixture_same(answer.authenticate_client.event_entries[i].event_id, events[i].event_id.data,
                                     events[i].event_id.len));
            assert_true(fixture_same(answer.authenticate_client.event_entries[i].rsp_server_address,
                                     events[i].rsp_server_address.data, events[i].rsp_server_address.len));
        }
        sgp32_remote_storage_free(storage);
        sgp32_remote_response_release(&http_answer);
    }
    free(asr);
}

static enum sgp32_status parse_events(const char *body, struct sgp32_remote_result *result)
{
    struct sgp32_remote_answer answer = {200, "application/json", (const uint8_t *)body, strlen(body)};
    union sgp32_es11_response response;
    void *storage = NULL;
    enum sgp32_status st =
        sgp32_es11_parse_response(SGP32_ES11_AUTHENTICATE_CLIENT, &answer, &response, &storage, result);
    sgp32_remote_storage_free(storage);
    return st;
}

#define HEAD "{\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}},\"transactionId\":\"01\","

static void test_malformed_events(void **state)
{
    struct sgp32_remote_result r;
    (void)state;
    assert_int_equal(parse_events(HEAD "\"eventEntries\":[{\"eventId\":\"a\",\"rspServerAddress\":\"b\"}]}", &r),
                     SGP32_OK);
    assert_int_equal(parse_events(HEAD "\"eventEntries\":[]}", &r), SGP32_OK);
    assert_int_equal(parse_events(HEAD "\"x\":1}", &r), SGP32_ERR_PROTOCOL);
    assert_int_equal(parse_events(HEAD "\"eventEntries\":{}}", &r), SGP32_ERR_DECODE);
    assert_int_equal(parse_events(HEAD "\"eventEntries\":[],\"eventEntries\":[]}", &r), SGP32_ERR_DECODE);
    assert_int_equal(parse_events(HEAD "\"eventEntries\":[\"a\"]}", &r), SGP32_ERR_DECODE);
    assert_int_equal(parse_events(HEAD "\"eventEntries\":[{\"eventId\":\"a\"}]}", &r), SGP32_ERR_PROTOCOL);
    assert_non_null(strstr(r.detail, "rspServerAddress"));
    assert_int_equal(parse_events(HEAD "\"eventEntries\":[{\"eventId\":1,\"rspServerAddress\":\"b\"}]}", &r),
                     SGP32_ERR_DECODE);
    assert_int_equal(parse_events(HEAD "\"eventEntries\":[{\"eventId\":\"\",\"rspServerAddress\":\"b\"}]}", &r),
                     SGP32_ERR_PROTOCOL);
    {
        /* More records than SGP32_ES11_MAX_EVENTS. */
        char body[8192];
        size_t pos;
        unsigned i;
        strcpy(body, HEAD "\"eventEntries\":[");
        pos = strlen(body);
        for (i = 0; i <= SGP32_ES11_MAX_EVENTS; i++) {
            static const char entry[] = "{\"eventId\":\"e\",\"rspServerAddress\":\"s\"},";
            memcpy(body + pos, entry, sizeof(entry) - 1);
            pos += sizeof(entry) - 1;
        }
        strcpy(body + pos - 1, "]}");
        assert_int_equal(parse_events(body, &r), SGP32_ERR_TOO_LARGE);
    }
    /* The failure form, as on ES9+. */
    {
        struct sgp32_remote_result failure;
        struct sgp32_remote_response http;
        struct sgp32_remote_answer answer;
        union sgp32_es11_response response;
        void *storage = NULL;
        memset(&failure, 0, sizeof(failure));
        strcpy(failure.execution_status, "Expired");
        strcpy(failure.subject_code, "8.8");
        strcpy(failure.reason_code, "4.10");
        assert_int_equal(sgp32_es11_build_response(SGP32_ES11_AUTHENTICATE_CLIENT, NULL, &failure, &http), SGP32_OK);
        answer = fixture_answer_of(&http);
        assert_int_equal(sgp32_es11_parse_response(SGP32_ES11_AUTHENTICATE_CLIENT, &answer, &response, &storage, &r),
                         SGP32_ERR_SERVER_STATUS);
        assert_string_equal(r.execution_status, "Expired");
        assert_string_equal(r.reason_code, "4.10");
        sgp32_remote_storage_free(storage);
        sgp32_remote_response_release(&http);
    }
    /* ES9+ paths are not ES11 functions. */
    {
        struct sgp32_remote_incoming incoming = {"/gsma/rsp2/es9plus/authenticateClient", "application/json",
                                                 "gsma/rsp/v2.5.0", (const uint8_t *)"{}", 2};
        union sgp32_es11_request request;
        enum sgp32_es11_function function;
        void *storage = NULL;
        assert_int_equal(sgp32_es11_parse_request(&incoming, &function, &request, &storage, &r), SGP32_ERR_NOT_FOUND);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_initiate_authentication),
        cmocka_unit_test(test_authenticate_client_events),
        cmocka_unit_test(test_malformed_events),
    };
    fixture_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
