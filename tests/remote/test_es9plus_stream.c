/* SPDX-License-Identifier: MIT */
/*
 * Streaming GetBoundProfilePackage answer: the body in pieces of every size, members in any order,
 * escaped and wrapped base64, the failure form, malformed bodies, and the decoded package flowing
 * into the streaming TLV reader segment by segment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codec/base64.h"
#include "remote/es9plus_json.h"
#include "remote/es9plus_stream.h"
#include "remote_fixtures.h"
#include "sgp32/tlv.h"

static const uint8_t transaction_id[5] = {0x10, 0x20, 0x30, 0x40, 0x50};

/* Collects the decoded package (or fails on demand). */
struct collector {
    uint8_t *data;
    size_t len;
    size_t cap;
    unsigned calls;
    enum sgp32_status fail_with;
};

static enum sgp32_status collect(void *user, const uint8_t *data, size_t len)
{
    struct collector *c = user;
    c->calls++;
    if (c->fail_with != SGP32_OK)
        return c->fail_with;
    assert_true(c->len + len <= c->cap);
    memcpy(c->data + c->len, data, len);
    c->len += len;
    return SGP32_OK;
}

/* Feeds body in pieces of `piece` bytes, then finishes. */
static enum sgp32_status stream_body(const char *body, size_t body_len, size_t piece, struct collector *c,
                                     size_t capture_cap, struct sgp32_bytes *tid, struct sgp32_remote_result *result)
{
    struct sgp32_es9plus_bpp_stream stream;
    struct sgp32_remote_answer answer = {200, "application/json", NULL, 0};
    char *capture = malloc(capture_cap);
    size_t pos = 0;
    size_t package_len = 0;
    enum sgp32_status st = SGP32_OK;

    assert_non_null(capture);
    sgp32_es9plus_bpp_stream_init(&stream, capture, capture_cap, collect, c);
    while (pos < body_len && st == SGP32_OK) {
        size_t n = body_len - pos < piece ? body_len - pos : piece;
        st = sgp32_es9plus_bpp_stream_feed(&stream, (const uint8_t *)body + pos, n);
        pos += n;
    }
    st = sgp32_es9plus_bpp_stream_finish(&stream, &answer, tid, &package_len, result);
    if (st == SGP32_OK) {
        assert_int_equal(package_len, c->len);
        /* The transaction id lives in the stream; copy it out before the stream goes away. */
        static uint8_t kept[16];
        memcpy(kept, tid->data, tid->len);
        tid->data = kept;
    }
    free(capture);
    return st;
}

static void test_built_answer_every_piece_size(void **state)
{
    static const size_t pieces[] = {1, 3, 7, 64, 1000, 65536, (size_t)-1};
    size_t bpp_len = 0;
    uint8_t *bpp = fixture_large_bpp(120, &bpp_len);
    union sgp32_es9plus_response response;
    struct sgp32_remote_response http;
    size_t i;
    (void)state;
    memset(&response, 0, sizeof(response));
    response.get_bound_profile_package.transaction_id = fixture_bytes(transaction_id, sizeof(transaction_id));
    response.get_bound_profile_package.bound_profile_package = fixture_bytes(bpp, bpp_len);
    assert_int_equal(sgp32_es9plus_build_response(SGP32_ES9PLUS_GET_BOUND_PROFILE_PACKAGE, &response, NULL, &http),
                     SGP32_OK);
    for (i = 0; i < sizeof(pieces) / sizeof(pieces[0]); i++) {
        struct collector c = {malloc(bpp_len), 0, bpp_len, 0, SGP32_OK};
        struct sgp32_bytes tid;
        struct sgp32_remote_result result;
        assert_int_equal(stream_body((const char *)http.body, http.body_len, pieces[i], &c, 256, &tid, &result),
                         SGP32_OK);
        assert_int_equal(c.len, bpp_len);
        assert_memory_equal(c.data, bpp, bpp_len);
        assert_true(fixture_same(tid, transaction_id, sizeof(transaction_id)));
        assert_string_equal(result.execution_status, "Executed-Success");
        free(c.data);
    }
    sgp32_remote_response_release(&http);
    free(bpp);
}

/* Other writers: package first, pretty-printed, "\/" escapes, wrapped lines, extra members. */
static void test_other_json_writers(void **state)
{
    size_t bpp_len = 0;
    uint8_t *bpp = fixture_der("BoundProfilePackage", 0, &bpp_len);
    size_t text_len = 0;
    char *text = malloc(sizeof(char) * (sgp32_base64_encoded_length(bpp_len) + 1));
    char *escaped = malloc(strlen("x") + 4 * (sgp32_base64_encoded_length(bpp_len) + 1));
    char *body = malloc(8 * (sgp32_base64_encoded_length(bpp_len) + 1) + 1024);
    size_t i;
    size_t e = 0;
    int variant;
    (void)state;
    assert_non_null(text);
    assert_non_null(escaped);
    assert_non_null(body);
    assert_int_equal(sgp32_base64_encode(bpp, bpp_len, text, sgp32_base64_encoded_length(bpp_len) + 1, &text_len),
                     SGP32_OK);
    /* Escape every '/' and wrap every 16 characters with \r\n (as JSON escapes). */
    for (i = 0; i < text_len; i++) {
        if (i > 0 && i % 16 == 0) {
            memcpy(escaped + e, "\\r\\n", 4);
            e += 4;
        }
        if (text[i] == '/')
            escaped[e++] = '\\';
        escaped[e++] = text[i];
    }
    escaped[e] = '\0';
    for (variant = 0; variant < 3; variant++) {
        struct collector c = {malloc(bpp_len), 0, bpp_len, 0, SGP32_OK};
        struct sgp32_bytes tid;
        struct sgp32_remote_result result;
        size_t piece;
        if (variant == 0)
            sprintf(body,
                    "{\"boundProfilePackage\":\"%s\",\"transactionId\":\"1020304050\","
                    "\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}}",
                    escaped);
        else if (variant == 1)
            sprintf(body,
                    "{\n  \"header\" : {\n    \"functionExecutionStatus\" : { \"status\" : \"Executed-Success\" }\n"
                    "  },\n  \"transactionId\" : \"1020304050\",\n  \"boundProfilePackage\" : \"%s\"\n}\n",
                    escaped);
        else
            sprintf(body,
                    "{\"vendor\":{\"a\":[1,{\"b\":\"}]\\\"\"}],\"c\":null},\"n\":-1.5e3,\"t\":true,"
                    "\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-WithWarning\"}},"
                    "\"transactionId\":\"1020304050\",\"boundProfilePackage\":\"%s\",\"z\":\"\\u00e9\"}",
                    text);
        for (piece = 1; piece <= 5; piece += 4) {
            c.len = 0;
            assert_int_equal(stream_body(body, strlen(body), piece, &c, 512, &tid, &result), SGP32_OK);
            assert_int_equal(c.len, bpp_len);
            assert_memory_equal(c.data, bpp, bpp_len);
            assert_true(fixture_same(tid, transaction_id, sizeof(transaction_id)));
        }
        free(c.data);
    }
    free(body);
    free(escaped);
    free(text);
    free(bpp);
}

static enum sgp32_status stream_text(const char *body, size_t capture_cap, struct collector *c,
                                     struct sgp32_remote_result *result)
{
    struct sgp32_bytes tid;
    return stream_body(body, strlen(body), 3, c, capture_cap, &tid, result);
}

#define HDR "\"header\":{\"functionExecutionStatus\":{\"status\":\"Executed-Success\"}}"

static void test_failures_and_malformed(void **state)
{
    uint8_t sink_buffer[64];
    struct collector c = {sink_buffer, 0, sizeof(sink_buffer), 0, SGP32_OK};
    struct sgp32_remote_result r;
    (void)state;
    /* The failure form: codes kept, nothing delivered. */
    assert_int_equal(stream_text("{\"header\":{\"functionExecutionStatus\":{\"status\":\"Failed\",\"statusCodeData\":"
                                 "{\"subjectCode\":\"8.2.7\",\"reasonCode\":\"2.2\",\"message\":\"Confirmation code "
                                 "missing\"}}}}",
                                 512, &c, &r),
                     SGP32_ERR_SERVER_STATUS);
    assert_string_equal(r.subject_code, "8.2.7");
    assert_string_equal(r.reason_code, "2.2");
    assert_string_equal(r.message, "Confirmation code missing");
    assert_int_equal(c.calls, 0);
    /* BF36 03 80 01 00 = vzYDgAEA */
    assert_int_equal(
        stream_text("{" HDR ",\"transactionId\":\"01\",\"boundProfilePackage\":\"vzYDgAEA\"}", 512, &c, &r), SGP32_OK);
    c.len = 0;
    assert_int_equal(stream_text("{" HDR ",\"transactionId\":\"01\"}", 512, &c, &r), SGP32_ERR_PROTOCOL);
    assert_int_equal(stream_text("{" HDR ",\"boundProfilePackage\":\"vzYDgAEA\"}", 512, &c, &r), SGP32_ERR_PROTOCOL);
    c.len = 0;
    assert_int_equal(stream_text("{\"transactionId\":\"01\",\"boundProfilePackage\":\"vzYDgAEA\"}", 512, &c, &r),
                     SGP32_ERR_PROTOCOL);
    c.len = 0;
    assert_int_equal(stream_text("{" HDR ",\"transactionId\":\"01\",\"boundProfilePackage\":1}", 512, &c, &r),
                     SGP32_ERR_DECODE);
    assert_int_equal(
        stream_text("{" HDR ",\"boundProfilePackage\":\"vzYDgAEA\",\"boundProfilePackage\":\"vzYDgAEA\"}", 512, &c, &r),
        SGP32_ERR_DECODE);
    c.len = 0;
    assert_int_equal(
        stream_text("{" HDR ",\"transactionId\":\"01\",\"boundProfilePackage\":\"vzY*gAEA\"}", 512, &c, &r),
        SGP32_ERR_DECODE);
    c.len = 0;
    assert_int_equal(stream_text("{" HDR ",\"transactionId\":\"01\",\"boundProfilePackage\":\"vzYDgAE\"}", 512, &c, &r),
                     SGP32_ERR_DECODE);
    c.len = 0;
    assert_int_equal(
        stream_text("{" HDR ",\"transactionId\":\"01\",\"boundProfilePackage\":\"vzYD\\u0067AEA\"}", 512, &c, &r),
        SGP32_ERR_DECODE);
    c.len = 0;
    assert_int_equal(stream_text("{" HDR ",\"transactionId\":\"01\",\"boundProfilePackage\":\"vzYDgAEA\"", 512, &c, &r),
                     SGP32_ERR_DECODE);
    c.len = 0;
    assert_int_equal(
        stream_text("{" HDR ",\"transactionId\":\"01\",\"boundProfilePackage\":\"vzYDgAEA\"}{}", 512, &c, &r),
        SGP32_ERR_DECODE);
    c.len = 0;
    assert_int_equal(stream_text("[]", 512, &c, &r), SGP32_ERR_DECODE);
    assert_int_equal(stream_text("", 512, &c, &r), SGP32_ERR_DECODE);
    /* Capture too small for the other members. */
    c.len = 0;
    assert_int_equal(stream_text("{" HDR ",\"transactionId\":\"01\",\"boundProfilePackage\":\"vzYDgAEA\"}", 32, &c, &r),
                     SGP32_ERR_TOO_LARGE);
    /* The package sink stops the stream. */
    c.len = 0;
    c.fail_with = SGP32_ERR_CANCELLED;
    assert_int_equal(
        stream_text("{" HDR ",\"transactionId\":\"01\",\"boundProfilePackage\":\"vzYDgAEA\"}", 512, &c, &r),
        SGP32_ERR_CANCELLED);
    c.fail_with = SGP32_OK;
    /* HTTP status and content type are checked at the end. */
    {
        struct sgp32_es9plus_bpp_stream stream;
        char capture[64];
        struct sgp32_remote_answer answer = {502, "text/html", NULL, 0};
        struct sgp32_bytes tid;
        sgp32_es9plus_bpp_stream_init(&stream, capture, sizeof(capture), collect, &c);
        assert_int_equal(sgp32_es9plus_bpp_stream_finish(&stream, &answer, &tid, NULL, &r), SGP32_ERR_HTTP);
        answer.http_status = 200;
        assert_int_equal(sgp32_es9plus_bpp_stream_finish(&stream, &answer, &tid, NULL, &r), SGP32_ERR_PROTOCOL);
        answer.content_type = "application/json";
        assert_int_equal(sgp32_es9plus_bpp_stream_finish(&stream, &answer, &tid, NULL, &r), SGP32_ERR_DECODE);
    }
}

/* The intended pipeline: HTTP body -> this reader -> streaming TLV reader -> one segment per 86. */
struct segment_counter {
    struct sgp32_tlv_reader reader;
    uint8_t buffer[1100];
    unsigned segments;
    int done;
};

static enum sgp32_status count_segments(void *user, const uint8_t *data, size_t len)
{
    struct segment_counter *counter = user;
    for (;;) {
        struct sgp32_tlv_event event;
        enum sgp32_status st = sgp32_tlv_reader_next(&counter->reader, &data, &len, &event);
        if (st == SGP32_ERR_NEED_MORE)
            return SGP32_OK;
        if (st != SGP32_OK)
            return st;
        if (event.type == SGP32_TLV_EVENT_ELEMENT && event.header.tag == 0x86)
            counter->segments++;
        if (event.type == SGP32_TLV_EVENT_DONE)
            counter->done = 1;
    }
}

static void test_into_tlv_reader(void **state)
{
    size_t bpp_len = 0;
    uint8_t *bpp = fixture_large_bpp(200, &bpp_len);
    union sgp32_es9plus_response response;
    struct sgp32_remote_response http;
    struct segment_counter counter;
    struct sgp32_es9plus_bpp_stream stream;
    struct sgp32_remote_answer answer;
    struct sgp32_remote_result result;
    struct sgp32_bytes tid;
    char capture[256];
    size_t pos;
    (void)state;
    memset(&response, 0, sizeof(response));
    response.get_bound_profile_package.transaction_id = fixture_bytes(transaction_id, sizeof(transaction_id));
    response.get_bound_profile_package.bound_profile_package = fixture_bytes(bpp, bpp_len);
    assert_int_equal(sgp32_es9plus_build_response(SGP32_ES9PLUS_GET_BOUND_PROFILE_PACKAGE, &response, NULL, &http),
                     SGP32_OK);
    memset(&counter, 0, sizeof(counter));
    sgp32_tlv_reader_init(&counter.reader, counter.buffer, sizeof(counter.buffer), 4);
    sgp32_es9plus_bpp_stream_init(&stream, capture, sizeof(capture), count_segments, &counter);
    for (pos = 0; pos < http.body_len; pos += 1460) /* TCP-segment-sized pieces */
        assert_int_equal(sgp32_es9plus_bpp_stream_feed(&stream, http.body + pos,
                                                       http.body_len - pos < 1460 ? http.body_len - pos : 1460),
                         SGP32_OK);
    answer = fixture_answer_of(&http);
    assert_int_equal(sgp32_es9plus_bpp_stream_finish(&stream, &answer, &tid, NULL, &result), SGP32_OK);
    assert_int_equal(sgp32_tlv_reader_finish(&counter.reader), SGP32_OK);
    assert_int_equal(counter.segments, 200);
    assert_true(counter.done);
    sgp32_remote_response_release(&http);
    free(bpp);
}

static void test_mutated_bodies(void **state)
{
    size_t bpp_len = 0;
    uint8_t *bpp = fixture_der("BoundProfilePackage", 3, &bpp_len);
    union sgp32_es9plus_response response;
    struct sgp32_remote_response http;
    uint32_t seed = 0xB00B5u;
    unsigned round;
    static const char interesting[] = "\"{}[]:,\\/=AZaz09+ \n\x00\xff";
    (void)state;
    memset(&response, 0, sizeof(response));
    response.get_bound_profile_package.transaction_id = fixture_bytes(transaction_id, sizeof(transaction_id));
    response.get_bound_profile_package.bound_profile_package = fixture_bytes(bpp, bpp_len);
    assert_int_equal(sgp32_es9plus_build_response(SGP32_ES9PLUS_GET_BOUND_PROFILE_PACKAGE, &response, NULL, &http),
                     SGP32_OK);
    for (round = 0; round < 3000; round++) {
        char *copy = malloc(http.body_len);
        uint8_t sink_buffer[4096];
        struct collector c = {sink_buffer, 0, sizeof(sink_buffer), 0, SGP32_OK};
        struct sgp32_remote_result result;
        struct sgp32_bytes tid;
        size_t len = http.body_len;
        unsigned changes = 1 + fixture_random(&seed) % 3;
        unsigned i;
        assert_non_null(copy);
        assert_true(bpp_len <= sizeof(sink_buffer));
        memcpy(copy, http.body, http.body_len);
        for (i = 0; i < changes; i++)
            copy[fixture_random(&seed) % http.body_len] =
                interesting[fixture_random(&seed) % (sizeof(interesting) - 1)];
        if (fixture_random(&seed) % 5 == 0)
            len = fixture_random(&seed) % http.body_len;
        (void)stream_body(copy, len, 1 + fixture_random(&seed) % 64, &c, 128, &tid, &result);
        free(copy);
    }
    sgp32_remote_response_release(&http);
    free(bpp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_built_answer_every_piece_size),
        cmocka_unit_test(test_other_json_writers),
        cmocka_unit_test(test_failures_and_malformed),
        cmocka_unit_test(test_into_tlv_reader),
        cmocka_unit_test(test_mutated_bodies),
    };
    fixture_init();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
