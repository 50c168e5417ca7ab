/* SPDX-License-Identifier: MIT */
/*
 * The libcurl HTTP backend's non-blocking behaviour against the loopback HTTPS server: bodies
 * streamed to the sink with bounded memory, size limit, sink abort, cancel in flight, requests side
 * by side, connection reuse, poll() with max_wait_ms = 0 never blocking.
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "http_test_common.h"

static void test_large_body_streamed(void **state)
{
    struct http_test *t = *state;
    struct sgp32_http_client http;
    struct sgp32_http_result result;
    struct sink *sink = calloc(1, sizeof *sink);
    const uint64_t size = 48u * 1024u * 1024u;
    uint32_t sum_a, sum_b;
    char url[128];
    size_t heap_before;

    assert_non_null(sink);
    http_test_client(t, NULL, &http);
    /* Warm up (TLS, curl buffers) so the measurement below sees only what grows with the body. */
    http_test_url(t->server, "/large?size=65536", url, sizeof url);
    assert_int_equal(http_test_run(&http, url, "GET", NULL, 0, NULL, 0, 10000, sink, &result), SGP32_OK);
    assert_int_equal(result.status, SGP32_OK);
    assert_int_equal(sink->total, 65536);

    sink->watch = t->server;
    sink->sample_heap = 1;
    heap_before = http_test_live_heap_bytes();
    snprintf(url, sizeof url, "https://127.0.0.1:%u/large?size=%llu", (unsigned)https_test_server_port(t->server),
             (unsigned long long)size);
    sink->server_sent_at_first_call = 0;
    assert_int_equal(http_test_run(&http, url, "GET", NULL, 0, NULL, 0, 60000, sink, &result), SGP32_OK);
    assert_int_equal(result.status, SGP32_OK);
    assert_int_equal(result.http_status, 200);
    assert_string_equal(result.content_type, "application/octet-stream");
    assert_true(sink->total == size);
    assert_true(sink->pattern_errors == 0);
    http_test_expected_sum(size, &sum_a, &sum_b);
    assert_int_equal(sink->sum_a, sum_a);
    assert_int_equal(sink->sum_b, sum_b);
    /* Streamed: the first piece reached the sink while the server had sent a small part only, and
     * no piece was larger than curl's write buffer. */
    assert_true(sink->server_sent_at_first_call < size / 4);
    assert_true(sink->max_chunk <= CURL_MAX_WRITE_SIZE);
    assert_true(sink->calls >= size / CURL_MAX_WRITE_SIZE);
    /* Bounded memory: the live heap (this process, the server's threads included) never grew with
     * the 48 MiB body while it streamed. A backend holding the body would add up to 48 MiB here. */
    printf("live heap before %zu KiB, peak while streaming %zu KiB\n", heap_before / 1024, sink->heap_peak / 1024);
    assert_true(sink->heap_peak < heap_before + 2u * 1024u * 1024u);
    http_test_client_free(t);
    free(sink);
}

static void test_size_limit_and_sink_abort(void **state)
{
    struct http_test *t = *state;
    struct sgp32_http_curl_options options;
    struct sgp32_http_client http;
    struct sgp32_http_result result;
    struct sink *sink = calloc(1, sizeof *sink);
    static uint8_t big_body[3000];
    char url[128];

    assert_non_null(sink);
    http_test_options(t, &options);
    options.max_response_bytes = 1024u * 1024u;
    http_test_client(t, &options, &http);
    /* Chunked (no Content-Length): stopped while streaming. */
    http_test_url(t->server, "/large?size=4000000", url, sizeof url);
    assert_int_equal(http_test_run(&http, url, "GET", NULL, 0, NULL, 0, 10000, sink, &result), SGP32_OK);
    assert_int_equal(result.status, SGP32_ERR_TOO_LARGE);
    assert_true(sink->total <= options.max_response_bytes);
    assert_non_null(strstr(result.detail, "1048576"));
    /* Under the limit: fine. */
    http_test_url(t->server, "/large?size=1048576", url, sizeof url);
    assert_int_equal(http_test_run(&http, url, "GET", NULL, 0, NULL, 0, 10000, sink, &result), SGP32_OK);
    assert_int_equal(result.status, SGP32_OK);
    assert_true(sink->total == 1048576);
    http_test_client_free(t);

    /* With Content-Length above the limit: refused before any byte reaches the sink. */
    http_test_options(t, &options);
    options.max_response_bytes = 1024;
    http_test_client(t, &options, &http);
    http_test_url(t->server, "/echo", url, sizeof url);
    assert_int_equal(http_test_run(&http, url, "POST", NULL, 0, big_body, sizeof big_body, 10000, sink, &result),
                     SGP32_OK);
    assert_int_equal(result.status, SGP32_ERR_TOO_LARGE);
    assert_int_equal(sink->total, 0);
    http_test_client_free(t);

    /* The sink's own error ends the request with that status. */
    http_test_client(t, NULL, &http);
    sink->fail_with = SGP32_ERR_STORAGE;
    sink->fail_after = 100000;
    http_test_url(t->server, "/large?size=4000000", url, sizeof url);
    assert_int_equal(http_test_run(&http, url, "GET", NULL, 0, NULL, 0, 10000, sink, &result), SGP32_OK);
    assert_int_equal(result.status, SGP32_ERR_STORAGE);
    assert_int_equal(result.http_status, 200);
    assert_true(sink->total < 200000);
    assert_non_null(strstr(result.detail, "sink"));
    http_test_client_free(t);
    free(sink);
}

static void test_cancel_in_flight(void **state)
{
    struct http_test *t = *state;
    struct sgp32_http_client http;
    struct sgp32_http_result result;
    struct sink *sink = calloc(1, sizeof *sink);
    struct sink *other = calloc(1, sizeof *other);
    uint32_t id, other_id;
    uint64_t total_at_cancel, give_up;
    unsigned closed_before;
    int done = 0;
    char url[128];

    assert_non_null(sink);
    assert_non_null(other);
    http_test_client(t, NULL, &http);
    closed_before = https_test_server_connections_closed(t->server);
    http_test_url(t->server, "/large?size=1000000000", url, sizeof url);
    id = http_test_start(&http, url, "GET", NULL, 0, NULL, 0, 60000, sink);
    give_up = http_test_now_ms() + 10000u;
    while (sink->total == 0) {
        assert_int_equal(http.ops->poll(http.user, id, 50, &done, &result), SGP32_OK);
        assert_int_equal(done, 0);
        assert_true(http_test_now_ms() < give_up);
    }
    http.ops->cancel(http.user, id);
    total_at_cancel = sink->total;
    assert_int_equal(sgp32_http_curl_pending(t->client), 0);
    assert_int_equal(http.ops->poll(http.user, id, 0, &done, &result), SGP32_ERR_NOT_FOUND);
    http.ops->cancel(http.user, id); /* twice: ignored */

    /* The client goes on working; the cancelled sink hears nothing more. */
    http_test_url(t->server, "/echo", url, sizeof url);
    other_id = http_test_start(&http, url, "GET", NULL, 0, NULL, 0, 5000, other);
    done = 0;
    while (!done)
        assert_int_equal(http.ops->poll(http.user, other_id, 100, &done, &result), SGP32_OK);
    assert_int_equal(result.http_status, 200);
    assert_true(sink->total == total_at_cancel);
    /* The abandoned connection was closed, not kept: the server sees it go. */
    give_up = http_test_now_ms() + 10000u;
    while (https_test_server_connections_closed(t->server) == closed_before) {
        assert_true(http_test_now_ms() < give_up);
        http_test_sleep_ms(10);
    }
    http_test_client_free(t);
    free(sink);
    free(other);
}

static void test_two_in_flight(void **state)
{
    struct http_test *t = *state;
    struct sgp32_http_client http;
    struct sgp32_http_result result_slow, result_fast;
    struct sink *slow = calloc(1, sizeof *slow), *fast = calloc(1, sizeof *fast);
    uint32_t slow_id, fast_id, slow2_id;
    int slow_done = 0, fast_done = 0;
    uint64_t started, give_up;
    char url[128];

    assert_non_null(slow);
    assert_non_null(fast);
    http_test_client(t, NULL, &http);
    started = http_test_now_ms();
    http_test_url(t->server, "/slow?ms=800", url, sizeof url);
    slow_id = http_test_start(&http, url, "GET", NULL, 0, NULL, 0, 10000, slow);
    http_test_url(t->server, "/echo", url, sizeof url);
    fast_id = http_test_start(&http, url, "POST", NULL, 0, (const uint8_t *)"fast", 4, 10000, fast);
    assert_int_not_equal(slow_id, fast_id);
    assert_int_equal(sgp32_http_curl_pending(t->client), 2);
    /* The fast one completes while the slow one is still waiting for its answer. */
    give_up = started + 10000u;
    while (!fast_done) {
        assert_int_equal(http.ops->poll(http.user, fast_id, 50, &fast_done, &result_fast), SGP32_OK);
        assert_true(http_test_now_ms() < give_up);
    }
    assert_int_equal(result_fast.http_status, 200);
    assert_int_equal(http.ops->poll(http.user, slow_id, 0, &slow_done, &result_slow), SGP32_OK);
    assert_int_equal(slow_done, 0);
    assert_true(http_test_now_ms() - started < 700);

    /* Two slow ones side by side take about as long as one. */
    http_test_url(t->server, "/slow?ms=800", url, sizeof url);
    slow2_id = http_test_start(&http, url, "GET", NULL, 0, NULL, 0, 10000, fast);
    while (!slow_done) {
        assert_int_equal(http.ops->poll(http.user, slow_id, 50, &slow_done, &result_slow), SGP32_OK);
        assert_true(http_test_now_ms() < give_up);
    }
    assert_int_equal(result_slow.http_status, 200);
    assert_int_equal(slow->len, 4);
    assert_memory_equal(slow->data, "slow", 4);
    fast_done = 0;
    while (!fast_done) {
        assert_int_equal(http.ops->poll(http.user, slow2_id, 50, &fast_done, &result_fast), SGP32_OK);
        assert_true(http_test_now_ms() < give_up);
    }
    assert_int_equal(result_fast.http_status, 200);
    assert_true(http_test_now_ms() - started < 1500); /* sequential would be >= 1600 */
    assert_int_equal(sgp32_http_curl_pending(t->client), 0);
    http_test_client_free(t);
    free(slow);
    free(fast);
}

static void test_connection_reuse(void **state)
{
    struct http_test *t = *state;
    struct sgp32_http_client http;
    struct sgp32_http_result result;
    struct sink *sink = calloc(1, sizeof *sink);
    unsigned opened;
    char url[128];

    assert_non_null(sink);
    http_test_client(t, NULL, &http);
    opened = https_test_server_connections_opened(t->server);
    http_test_url(t->server, "/echo", url, sizeof url);
    assert_int_equal(http_test_run(&http, url, "POST", NULL, 0, (const uint8_t *)"one", 3, 5000, sink, &result),
                     SGP32_OK);
    assert_int_equal(result.http_status, 200);
    http_test_url(t->server, "/status/204", url, sizeof url);
    assert_int_equal(http_test_run(&http, url, "POST", NULL, 0, (const uint8_t *)"two", 3, 5000, sink, &result),
                     SGP32_OK);
    assert_int_equal(result.http_status, 204);
    assert_int_equal(https_test_server_connections_opened(t->server) - opened, 1);

    /* A new client is a new connection. */
    http_test_client(t, NULL, &http);
    assert_int_equal(http_test_run(&http, url, "GET", NULL, 0, NULL, 0, 5000, sink, &result), SGP32_OK);
    assert_int_equal(https_test_server_connections_opened(t->server) - opened, 2);
    http_test_client_free(t);
    free(sink);
}

static void test_poll_zero_never_blocks(void **state)
{
    struct http_test *t = *state;
    struct sgp32_http_client http;
    struct sgp32_http_result result;
    struct sink *sink = calloc(1, sizeof *sink);
    uint32_t id;
    int done = 0;
    unsigned polls = 0;
    uint64_t longest = 0, started, give_up;
    char url[128];

    assert_non_null(sink);
    http_test_client(t, NULL, &http);
    http_test_url(t->server, "/slow?ms=600", url, sizeof url);
    started = http_test_now_ms();
    give_up = started + 10000u;
    id = http_test_start(&http, url, "GET", NULL, 0, NULL, 0, 10000, sink);
    while (!done) {
        uint64_t before = http_test_now_ms(), took;
        assert_int_equal(http.ops->poll(http.user, id, 0, &done, &result), SGP32_OK);
        took = http_test_now_ms() - before;
        if (took > longest)
            longest = took;
        polls++;
        assert_true(http_test_now_ms() < give_up);
        http_test_sleep_ms(2);
    }
    printf("%u polls, the longest took %llu ms\n", polls, (unsigned long long)longest);
    assert_int_equal(result.status, SGP32_OK);
    assert_int_equal(result.http_status, 200);
    assert_true(http_test_now_ms() - started >= 600);
    assert_true(polls > 20);
    /* Connecting, the TLS handshake and reading all happened in short non-blocking steps. */
    assert_true(longest < 250); /* a blocking poll would take the whole 600 ms */
    http_test_client_free(t);
    free(sink);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_large_body_streamed), cmocka_unit_test(test_size_limit_and_sink_abort),
        cmocka_unit_test(test_cancel_in_flight),    cmocka_unit_test(test_two_in_flight),
        cmocka_unit_test(test_connection_reuse),    cmocka_unit_test(test_poll_zero_never_blocks),
    };
    return cmocka_run_group_tests(tests, http_test_setup, http_test_teardown);
}
