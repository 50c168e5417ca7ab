/* SPDX-License-Identifier: MIT */
/*
 * ESipa HTTP ASN.1 binding: every alternative of both CHOICEs goes client -> server -> client with
 * real values built by the codec, byte for byte; the inner message alone is accepted as the CHOICE;
 * wrong HTTP codes, content types, paths and bodies give clear errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "remote/esipa_asn1.h"
#include "remote_fixtures.h"

#include "EsipaMessageFromEimToIpa.h"
#include "EsipaMessageFromIpaToEim.h"

static const struct sgp32_remote_endpoint eim = {"eim.example.com:8443", "test-ipa/1.0", 5000};

/* Sends `message` from the IPA, has the eIM parse it and answer `answer_message` (NULL: 204), and
 * checks what the IPA gets back. */
static void round_trip(const uint8_t *message, size_t len, enum sgp32_esipa_message expected_kind,
                       const uint8_t *answer_message, size_t answer_len, enum sgp32_esipa_message expected_answer)
{
    struct sgp32_remote_request request;
    struct sgp32_remote_incoming incoming;
    struct sgp32_remote_response response;
    struct sgp32_remote_answer answer;
    struct sgp32_remote_result result;
    enum sgp32_esipa_message kind = SGP32_ESIPA_NONE;
    enum sgp32_esipa_message server_kind = SGP32_ESIPA_NONE;
    void *decoded = NULL;

    assert_int_equal(sgp32_esipa_asn1_build_request(&eim, message, len, &kind, &request), SGP32_OK);
    assert_int_equal(kind, expected_kind);
    assert_string_equal(request.http.url, "https://eim.example.com:8443/gsma/rsp2/asn1");
    assert_string_equal(request.http.method, "POST");
    assert_string_equal(fixture_header(&request, "Content-Type"), "application/x-gsma-rsp-asn1");
    assert_string_equal(fixture_header(&request, "X-Admin-Protocol"), "gsma/rsp/v2.1.0");
    assert_string_equal(fixture_header(&request, "User-Agent"), "test-ipa/1.0");
    assert_int_equal(request.http.timeout_ms, 5000);
    /* Binary stays binary, no copy: the body is the caller's bytes. */
    assert_ptr_equal(request.http.body, message);
    assert_int_equal(request.http.body_len, len);

    incoming = fixture_incoming_of(&request, "/gsma/rsp2/asn1");
    assert_int_equal(sgp32_esipa_asn1_parse_request(&incoming, &server_kind, &decoded, &result), SGP32_OK);
    assert_int_equal(server_kind, expected_kind);
    assert_non_null(decoded);
    assert_int_equal(((EsipaMessageFromIpaToEim_t *)decoded)->present != EsipaMessageFromIpaToEim_PR_NOTHING, 1);
    sgp32_esipa_free(SGP32_ESIPA_IPA_TO_EIM, decoded);
    sgp32_remote_request_release(&request);

    assert_int_equal(sgp32_esipa_asn1_build_response(answer_message, answer_len, &server_kind, &response), SGP32_OK);
    assert_int_equal(server_kind, expected_answer);
    answer = fixture_answer_of(&response);
    assert_int_equal(sgp32_esipa_asn1_parse_response(&answer, &kind, &decoded, &result), SGP32_OK);
    assert_int_equal(kind, expected_answer);
    if (answer_message == NULL) {
        assert_int_equal(response.http_status, 204);
        assert_null(decoded);
    } else {
        assert_int_equal(response.http_status, 200);
        assert_int_equal(answer.body_len, answer_len);
        assert_memory_equal(answer.body, answer_message, answer_len);
        assert_non_null(decoded);
        sgp32_esipa_free(SGP32_ESIPA_EIM_TO_IPA, decoded);
    }
    sgp32_remote_response_release(&response);
}

/* Every alternative in each direction, built by the exemplar generator (variants rotate them). */
static void test_every_alternative_round_trips(void **state)
{
    unsigned seen_up = 0;
    unsigned seen_down = 0;
    unsigned variant;
    (void)state;
    for (variant = 0; variant < 48; variant++) {
        size_t up_len = 0;
        size_t down_len = 0;
        uint8_t *up = fixture_der("EsipaMessageFromIpaToEim", variant, &up_len);
        uint8_t *down = fixture_der("EsipaMessageFromEimToIpa", variant, &down_len);
        enum sgp32_esipa_message up_kind = SGP32_ESIPA_NONE;
        enum sgp32_esipa_message down_kind = SGP32_ESIPA_NONE;
        assert_int_equal(sgp32_esipa_message_of(SGP32_ESIPA_IPA_TO_EIM, up, up_len, &up_kind), SGP32_OK);
        assert_int_equal(sgp32_esipa_message_of(SGP32_ESIPA_EIM_TO_IPA, down, down_len, &down_kind), SGP32_OK);
        assert_int_equal(sgp32_esipa_message_tag(up_kind), (uint32_t)((up[0] << 8) | up[1]));
        round_trip(up, up_len, up_kind, down, down_len, down_kind);
        round_trip(up, up_len, up_kind, NULL, 0, SGP32_ESIPA_NONE);
        seen_up |= 1u << up_kind;
        seen_down |= 1u << down_kind;
        free(up);
        free(down);
    }
    /* 8 alternatives up (1..8), 7 down (HandleNotification only goes up). */
    assert_int_equal(seen_up, 0x1FEu);
    assert_int_equal(seen_down, 0x1FEu & ~(1u << SGP32_ESIPA_HANDLE_NOTIFICATION));
}

/* The CHOICE is untagged: the inner message (built on its own) is a valid message as it is. */
static void test_inner_message_is_the_choice(void **state)
{
    static const struct {
        const char *type;
        enum sgp32_esipa_message kind;
    } inner[] = {
        {"GetEimPackageRequest", SGP32_ESIPA_GET_EIM_PACKAGE},
        {"ProvideEimPackageResult", SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT},
        {"InitiateAuthenticationRequestEsipa", SGP32_ESIPA_INITIATE_AUTHENTICATION},
        {"HandleNotificationEsipa", SGP32_ESIPA_HANDLE_NOTIFICATION},
    };
    size_t answer_len = 0;
    uint8_t *answer = fixture_der("GetEimPackageResponse", 3, &answer_len);
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(inner) / sizeof(inner[0]); i++) {
        size_t len = 0;
        uint8_t *message = fixture_der(inner[i].type, (unsigned)i, &len);
        round_trip(message, len, inner[i].kind, answer, answer_len, SGP32_ESIPA_GET_EIM_PACKAGE);
        free(message);
    }
    free(answer);
}

/* The eIM's "no package": BF4F 03 02 01 01 (SGP.32 6.3.2.6, eimPackageError noEimPackageAvailable). */
static void test_no_eim_package_answer(void **state)
{
    static const uint8_t no_package[] = {0xBF, 0x4F, 0x03, 0x02, 0x01, 0x01};
    struct sgp32_remote_answer answer = {200, "application/x-gsma-rsp-asn1", no_package, sizeof(no_package)};
    enum sgp32_esipa_message kind;
    void *decoded = NULL;
    EsipaMessageFromEimToIpa_t *message;
    long error = 0;
    (void)state;
    assert_int_equal(sgp32_esipa_asn1_parse_response(&answer, &kind, &decoded, NULL), SGP32_OK);
    assert_int_equal(kind, SGP32_ESIPA_GET_EIM_PACKAGE);
    message = decoded;
    assert_int_equal(message->present, EsipaMessageFromEimToIpa_PR_getEimPackageResponse);
    assert_int_equal(message->choice.getEimPackageResponse.present, GetEimPackageResponse_PR_eimPackageError);
    assert_int_equal(asn_INTEGER2long(&message->choice.getEimPackageResponse.choice.eimPackageError, &error), 0);
    assert_int_equal(error, 1);
    sgp32_esipa_free(SGP32_ESIPA_EIM_TO_IPA, decoded);
}

static void test_answer_errors(void **state)
{
    size_t len = 0;
    uint8_t *good = fixture_der("EsipaMessageFromEimToIpa", 0, &len);
    uint8_t *up = NULL;
    size_t up_len = 0;
    uint8_t *trailing = malloc(len + 1);
    struct sgp32_remote_answer answer;
    struct sgp32_remote_result result;
    enum sgp32_esipa_message kind;
    void *decoded = (void *)1;
    (void)state;

    assert_non_null(trailing);
    answer = (struct sgp32_remote_answer){500, "text/plain", (const uint8_t *)"oops", 4};
    assert_int_equal(sgp32_esipa_asn1_parse_response(&answer, &kind, &decoded, &result), SGP32_ERR_HTTP);
    assert_null(decoded);
    assert_int_equal(result.http_status, 500);
    assert_true(strlen(result.detail) > 0);
    answer = (struct sgp32_remote_answer){404, NULL, NULL, 0};
    assert_int_equal(sgp32_esipa_asn1_parse_response(&answer, &kind, NULL, &result), SGP32_ERR_HTTP);
    /* 200 with the wrong content type, or none. */
    answer = (struct sgp32_remote_answer){200, "application/json", good, len};
    assert_int_equal(sgp32_esipa_asn1_parse_response(&answer, &kind, NULL, &result), SGP32_ERR_PROTOCOL);
    answer = (struct sgp32_remote_answer){200, NULL, good, len};
    assert_int_equal(sgp32_esipa_asn1_parse_response(&answer, &kind, NULL, &result), SGP32_ERR_PROTOCOL);
    /* Parameters and case of the media type do not matter. */
    answer = (struct sgp32_remote_answer){200, "Application/X-GSMA-RSP-ASN1; charset=binary", good, len};
    assert_int_equal(sgp32_esipa_asn1_parse_response(&answer, &kind, NULL, &result), SGP32_OK);
    /* Empty 200, truncated, trailing bytes, garbage, a message of the wrong direction. */
    answer = (struct sgp32_remote_answer){200, "application/x-gsma-rsp-asn1", good, 0};
    assert_int_equal(sgp32_esipa_asn1_parse_response(&answer, &kind, NULL, &result), SGP32_ERR_PROTOCOL);
    answer.body_len = len - 1;
    assert_int_not_equal(sgp32_esipa_asn1_parse_response(&answer, &kind, NULL, &result), SGP32_OK);
    memcpy(trailing, good, len);
    trailing[len] = 0x00;
    answer.body = trailing;
    answer.body_len = len + 1;
    assert_int_equal(sgp32_esipa_asn1_parse_response(&answer, &kind, NULL, &result), SGP32_ERR_TRAILING);
    answer.body = (const uint8_t *)"\x30\x03\x02\x01\x01";
    answer.body_len = 5;
    assert_int_equal(sgp32_esipa_asn1_parse_response(&answer, &kind, NULL, &result), SGP32_ERR_PROTOCOL);
    up = fixture_der("HandleNotificationEsipa", 0, &up_len);
    answer.body = up;
    answer.body_len = up_len;
    assert_int_equal(sgp32_esipa_asn1_parse_response(&answer, &kind, NULL, &result), SGP32_ERR_PROTOCOL);
    assert_int_equal(kind, SGP32_ESIPA_NONE);
    free(up);
    free(trailing);
    free(good);
}

static void test_request_errors(void **state)
{
    size_t len = 0;
    uint8_t *good = fixture_der("EsipaMessageFromIpaToEim", 1, &len);
    struct sgp32_remote_incoming incoming = {"/gsma/rsp2/asn1", "application/x-gsma-rsp-asn1", "gsma/rsp/v2.1.0", good,
                                             len};
    struct sgp32_remote_result result;
    struct sgp32_remote_request request;
    struct sgp32_remote_response response;
    enum sgp32_esipa_message kind;
    static const uint8_t not_esipa[] = {0xBF, 0x20, 0x00};
    (void)state;

    assert_int_equal(sgp32_esipa_asn1_parse_request(&incoming, &kind, NULL, &result), SGP32_OK);
    incoming.path = "/gsma/rsp2/es9plus/initiateAuthentication";
    assert_int_equal(sgp32_esipa_asn1_parse_request(&incoming, &kind, NULL, &result), SGP32_ERR_NOT_FOUND);
    incoming.path = "/gsma/rsp2/asn1";
    incoming.admin_protocol = NULL;
    assert_int_equal(sgp32_esipa_asn1_parse_request(&incoming, &kind, NULL, &result), SGP32_ERR_PROTOCOL);
    incoming.admin_protocol = "gsma/rsp/v3.0.0";
    assert_int_equal(sgp32_esipa_asn1_parse_request(&incoming, &kind, NULL, &result), SGP32_ERR_PROTOCOL);
    incoming.admin_protocol = "gsma/rsp/v2.1.0";
    incoming.content_type = "application/json";
    assert_int_equal(sgp32_esipa_asn1_parse_request(&incoming, &kind, NULL, &result), SGP32_ERR_PROTOCOL);
    assert_non_null(strstr(result.detail, "Content-Type"));
    incoming.content_type = "application/x-gsma-rsp-asn1";
    incoming.body_len = 0;
    assert_int_equal(sgp32_esipa_asn1_parse_request(&incoming, &kind, NULL, &result), SGP32_ERR_PROTOCOL);
    incoming.body = not_esipa;
    incoming.body_len = sizeof(not_esipa);
    assert_int_equal(sgp32_esipa_asn1_parse_request(&incoming, &kind, NULL, &result), SGP32_ERR_PROTOCOL);
    /* The client refuses to send what is not an EsipaMessageFromIpaToEim, the server to answer it. */
    assert_int_equal(sgp32_esipa_asn1_build_request(&eim, not_esipa, sizeof(not_esipa), &kind, &request),
                     SGP32_ERR_PROTOCOL);
    assert_int_equal(sgp32_esipa_asn1_build_response(not_esipa, sizeof(not_esipa), &kind, &response),
                     SGP32_ERR_PROTOCOL);
    assert_int_equal(sgp32_esipa_asn1_build_request(&eim, good, len - 1, &kind, &request) != SGP32_OK, 1);
    free(good);
}

static void test_url_forms(void **state)
{
    static const struct {
        const char *address;
        const char *url;
    } forms[] = {
        {"eim.example.com", "https://eim.example.com/gsma/rsp2/asn1"},
        {"127.0.0.1:8000", "https://127.0.0.1:8000/gsma/rsp2/asn1"},
        {"http://127.0.0.1:8000/", "http://127.0.0.1:8000/gsma/rsp2/asn1"},
    };
    size_t len = 0;
    uint8_t *message = fixture_der("EsipaMessageFromIpaToEim", 0, &len);
    struct sgp32_remote_endpoint endpoint = {NULL, NULL, 1000};
    struct sgp32_remote_request request;
    char long_address[400];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        endpoint.address = forms[i].address;
        assert_int_equal(sgp32_esipa_asn1_build_request(&endpoint, message, len, NULL, &request), SGP32_OK);
        assert_string_equal(request.http.url, forms[i].url);
        assert_string_equal(fixture_header(&request, "User-Agent"), "libsgp32");
        sgp32_remote_request_release(&request);
    }
    memset(long_address, 'a', sizeof(long_address) - 1);
    long_address[sizeof(long_address) - 1] = '\0';
    endpoint.address = long_address;
    assert_int_equal(sgp32_esipa_asn1_build_request(&endpoint, message, len, NULL, &request),
                     SGP32_ERR_BUFFER_TOO_SMALL);
    endpoint.address = "";
    assert_int_equal(sgp32_esipa_asn1_build_request(&endpoint, message, len, NULL, &request),
                     SGP32_ERR_INVALID_ARGUMENT);
    free(message);
}

/* Random corruption of valid messages: errors, never a crash (run under ASan/UBSan too). */
static void test_mutated_messages(void **state)
{
    uint32_t seed = 0x5eed1234u;
    unsigned round;
    (void)state;
    for (round = 0; round < 400; round++) {
        size_t len = 0;
        uint8_t *message = fixture_der("EsipaMessageFromEimToIpa", round % 16, &len);
        struct sgp32_remote_answer answer = {200, "application/x-gsma-rsp-asn1", message, len};
        enum sgp32_esipa_message kind;
        void *decoded = NULL;
        unsigned flips = 1 + fixture_random(&seed) % 4;
        unsigned i;
        for (i = 0; i < flips; i++)
            message[fixture_random(&seed) % len] ^= (uint8_t)(1u << (fixture_random(&seed) % 8));
        if (fixture_random(&seed) % 4 == 0)
            answer.body_len = fixture_random(&seed) % len;
        if (sgp32_esipa_asn1_parse_response(&answer, &kind, &decoded, NULL) == SGP32_OK)
            sgp32_esipa_free(SGP32_ESIPA_EIM_TO_IPA, decoded);
        else
            assert_null(decoded);
        free(message);
    }
}

/* The body collector and the answer built from an HTTP result, as the IPA core will use them. */
static void test_body_collector(void **state)
{
    size_t len = 0;
    uint8_t *message = fixture_der("EsipaMessageFromEimToIpa", 5, &len);
    struct sgp32_remote_body body;
    struct sgp32_http_result http;
    struct sgp32_remote_answer answer;
    enum sgp32_esipa_message kind;
    size_t pos;
    (void)state;
    sgp32_remote_body_init(&body, len);
    for (pos = 0; pos < len; pos += 3)
        assert_int_equal(sgp32_remote_body_sink(&body, message + pos, len - pos < 3 ? len - pos : 3), SGP32_OK);
    assert_int_equal(body.len, len);
    assert_memory_equal(body.data, message, len);
    assert_int_equal(sgp32_remote_body_sink(&body, message, 1), SGP32_ERR_TOO_LARGE);
    memset(&http, 0, sizeof(http));
    http.status = SGP32_OK;
    http.http_status = 200;
    strcpy(http.content_type, "application/x-gsma-rsp-asn1");
    answer = sgp32_remote_answer_of(&http, &body);
    assert_int_equal(sgp32_esipa_asn1_parse_response(&answer, &kind, NULL, NULL), SGP32_OK);
    sgp32_remote_body_release(&body);
    http.http_status = 204;
    http.content_type[0] = '\0';
    sgp32_remote_body_init(&body, 16);
    answer = sgp32_remote_answer_of(&http, &body);
    assert_null(answer.body);
    assert_int_equal(sgp32_esipa_asn1_parse_response(&answer, &kind, NULL, NULL), SGP32_OK);
    assert_int_equal(kind, SGP32_ESIPA_NONE);
    sgp32_remote_body_release(&body);
    free(message);
}

/* The header-only checks for a streamed answer agree with the full parse. */
static void test_check_answer(void **state)
{
    int has_message = -1;
    struct sgp32_remote_result result;
    (void)state;
    assert_int_equal(sgp32_esipa_asn1_check_answer(204, NULL, &has_message, &result), SGP32_OK);
    assert_int_equal(has_message, 0);
    assert_int_equal(sgp32_esipa_asn1_check_answer(200, "application/x-gsma-rsp-asn1", &has_message, &result),
                     SGP32_OK);
    assert_int_equal(has_message, 1);
    assert_int_equal(sgp32_esipa_asn1_check_answer(200, "application/json", &has_message, &result), SGP32_ERR_PROTOCOL);
    assert_int_equal(has_message, 0);
    assert_int_equal(sgp32_esipa_asn1_check_answer(401, "application/x-gsma-rsp-asn1", &has_message, &result),
                     SGP32_ERR_HTTP);
    assert_int_equal(result.http_status, 401);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_alternative_round_trips),
        cmocka_unit_test(test_inner_message_is_the_choice),
        cmocka_unit_test(test_no_eim_package_answer),
        cmocka_unit_test(test_answer_errors),
        cmocka_unit_test(test_request_errors),
        cmocka_unit_test(test_url_forms),
        cmocka_unit_test(test_mutated_messages),
        cmocka_unit_test(test_body_collector),
        cmocka_unit_test(test_check_answer),
    };
    fixture_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
