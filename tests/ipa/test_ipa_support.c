/* SPDX-License-Identifier: MIT */
/*
 * The IPA test harness itself (support/, no lib/ipa): the scripted HTTP peer (latency, chunked
 * bodies, fake-clock timeouts, scripted failures, header checks), the memory storage (atomic records,
 * the save log, replay, faults), the host callbacks, the scripted eIM answering hand-made ESipa
 * requests with a package the software eUICC executes (sgp32_es10_load_euicc_package) and verifying
 * the eUICC-signed result it gets back, and the in-process SM-DP+ serving a whole direct download.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ipa_fixture.h"
#include "remote/esipa_asn1.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"
#ifdef IPA_TEST_HAVE_SMDP
#include "remote/es9plus_json.h"
#include "remote/esipa_json.h"
#include "remote/remote_json.h"
#include "smdp_core.h"
#endif

/* 1 when needle[0..n) occurs in data[0..len). */
static int contains(const uint8_t *data, size_t len, const void *needle, size_t n)
{
    size_t at;
    for (at = 0; at + n <= len; at++)
        if (memcmp(data + at, needle, n) == 0)
            return 1;
    return 0;
}

/* ---- HTTP peer ---- */

struct echo {
    int calls;
    char last_path[64];
};

/* Answers 200 text/plain "reply:" + the request body. */
static void echo_handler(void *user, const struct ipa_http_recorded *request, struct ipa_http_reply *reply)
{
    struct echo *echo = user;
    uint8_t body[256];
    echo->calls++;
    snprintf(echo->last_path, sizeof(echo->last_path), "%s", request->path);
    memcpy(body, "reply:", 6);
    assert_true(request->body_len <= sizeof(body) - 6);
    memcpy(body + 6, request->body, request->body_len);
    assert_int_equal(ipa_http_reply_set(reply, 200, "text/plain", body, 6 + request->body_len), SGP32_OK);
}

static void failing_handler(void *user, const struct ipa_http_recorded *request, struct ipa_http_reply *reply)
{
    (void)user;
    (void)request;
    ipa_http_reply_fail(reply, SGP32_ERR_HTTP, "TLS: handshake failed");
}

struct sink {
    uint8_t data[1024];
    size_t len;
    int calls;
    int refuse; /* answer SGP32_ERR_CANCELLED */
};

static enum sgp32_status collect(void *user, const uint8_t *data, size_t len)
{
    struct sink *sink = user;
    sink->calls++;
    if (sink->refuse)
        return SGP32_ERR_CANCELLED;
    assert_true(sink->len + len <= sizeof(sink->data));
    memcpy(sink->data + sink->len, data, len);
    sink->len += len;
    return SGP32_OK;
}

static const struct sgp32_http_header good_headers[] = {
    {"User-Agent", "ipa-test/1"}, {"X-Admin-Protocol", "gsma/rsp/v2.1.0"}, {"Content-Type", "text/plain"}};

static uint32_t start(struct sgp32_http_client *client, const char *url, const char *body, size_t header_count,
                      uint32_t timeout_ms, struct sink *sink)
{
    struct sgp32_http_request request;
    uint32_t id = 0;
    memset(&request, 0, sizeof(request));
    request.url = url;
    request.method = "POST";
    request.headers = good_headers;
    request.header_count = header_count;
    request.body = (const uint8_t *)body;
    request.body_len = strlen(body);
    request.timeout_ms = timeout_ms;
    memset(sink, 0, sizeof(*sink));
    assert_int_equal(client->ops->start(client->user, &request, collect, sink, &id), SGP32_OK);
    assert_int_not_equal(id, 0);
    return id;
}

/* Polls until done (at most max polls): the number of polls it took, -1 if it never completed. */
static int finish(struct sgp32_http_client *client, uint32_t id, int max, struct sgp32_http_result *result)
{
    int polls, done = 0;
    for (polls = 1; polls <= max; polls++) {
        assert_int_equal(client->ops->poll(client->user, id, 100, &done, result), SGP32_OK);
        if (done)
            return polls;
    }
    return -1;
}

struct peer_env {
    struct ipa_clock clock;
    struct ipa_http_peer *peer;
    struct sgp32_http_client client;
    struct echo echo;
    struct sink sink;
};

static void peer_env_start(struct peer_env *env)
{
    memset(env, 0, sizeof(*env));
    env->clock.now_ms = 5000;
    env->peer = ipa_http_peer_new(&env->clock);
    assert_non_null(env->peer);
    ipa_http_peer_client(env->peer, &env->client);
    assert_int_equal(ipa_http_peer_route(env->peer, "/a/", echo_handler, &env->echo), SGP32_OK);
}

static void test_http_peer_answers_and_records(void **state)
{
    struct peer_env env;
    struct sgp32_http_result result;
    const struct ipa_http_recorded *rec;
    uint32_t id;
    int done = 1;
    (void)state;
    peer_env_start(&env);
    id = start(&env.client, "https://127.0.0.1:8000/a/b?x=1", "hello", 3, 1000, &env.sink);
    assert_int_equal(env.echo.calls, 0); /* nothing happens before a poll */
    assert_int_equal(ipa_http_peer_in_flight(env.peer), 1);
    assert_int_equal(finish(&env.client, id, 10, &result), 1);
    assert_int_equal(result.status, SGP32_OK);
    assert_int_equal(result.http_status, 200);
    assert_string_equal(result.content_type, "text/plain");
    assert_int_equal(env.sink.len, 11);
    assert_memory_equal(env.sink.data, "reply:hello", 11);
    assert_int_equal(env.sink.calls, 1);
    assert_string_equal(env.echo.last_path, "/a/b");
    /* released: the id is gone */
    assert_int_equal(env.client.ops->poll(env.client.user, id, 0, &done, &result), SGP32_ERR_NOT_FOUND);
    assert_int_equal(done, 0);
    assert_int_equal(env.client.ops->poll(env.client.user, 99, 0, &done, &result), SGP32_ERR_NOT_FOUND);
    /* the record */
    assert_int_equal(ipa_http_peer_request_count(env.peer), 1);
    rec = ipa_http_peer_request(env.peer, 0);
    assert_string_equal(rec->url, "https://127.0.0.1:8000/a/b?x=1");
    assert_string_equal(rec->host, "127.0.0.1:8000");
    assert_string_equal(rec->path, "/a/b");
    assert_string_equal(rec->method, "POST");
    assert_string_equal(ipa_http_header(rec, "user-agent"), "ipa-test/1");
    assert_string_equal(ipa_http_header(rec, "X-Admin-Protocol"), "gsma/rsp/v2.1.0");
    assert_null(ipa_http_header(rec, "Accept"));
    assert_int_equal(rec->body_len, 5);
    assert_memory_equal(rec->body, "hello", 5);
    assert_int_equal(rec->timeout_ms, 1000);
    assert_int_equal(rec->started_ms, 5000);
    assert_true(rec->finished);
    assert_int_equal(rec->http_status, 200);
    assert_int_equal(ipa_http_peer_in_flight(env.peer), 0);
    /* no route: 404 */
    id = start(&env.client, "https://127.0.0.1:8000/other", "x", 3, 1000, &env.sink);
    assert_int_equal(finish(&env.client, id, 10, &result), 1);
    assert_int_equal(result.status, SGP32_OK);
    assert_int_equal(result.http_status, 404);
    assert_int_equal(ipa_http_peer_count(env.peer, "/a/"), 1);
    assert_int_equal(ipa_http_peer_count(env.peer, NULL), 2);
    assert_string_equal(ipa_http_peer_last(env.peer, NULL)->path, "/other");
    /* a handler's transport failure */
    assert_int_equal(ipa_http_peer_route(env.peer, "/a/fail", failing_handler, NULL), SGP32_OK);
    id = start(&env.client, "http://h/a/fail/x", "x", 3, 1000, &env.sink);
    assert_int_equal(finish(&env.client, id, 10, &result), 1);
    assert_int_equal(result.status, SGP32_ERR_HTTP);
    assert_string_equal(result.detail, "TLS: handshake failed");
    assert_int_equal(env.echo.calls, 1); /* the longest prefix won */
    assert_int_equal(ipa_http_peer_violations(env.peer, NULL), 0);
    ipa_http_peer_free(env.peer);
}

static void test_http_peer_latency_and_chunks(void **state)
{
    struct peer_env env;
    struct sgp32_http_result result;
    uint32_t a, b;
    int done = 0;
    (void)state;
    peer_env_start(&env);
    ipa_http_peer_set_latency(env.peer, 3);
    ipa_http_peer_set_chunking(env.peer, 4, 1);
    /* "reply:0123456789" is 16 bytes: 4 chunks, one per poll from the 3rd poll: done on poll 6 */
    a = start(&env.client, "https://e/a/x", "0123456789", 3, 0, &env.sink);
    assert_int_equal(env.client.ops->poll(env.client.user, a, 0, &done, &result), SGP32_OK);
    assert_int_equal(env.client.ops->poll(env.client.user, a, 0, &done, &result), SGP32_OK);
    assert_int_equal(env.sink.calls, 0);
    assert_int_equal(env.echo.calls, 0);
    assert_int_equal(env.client.ops->poll(env.client.user, a, 0, &done, &result), SGP32_OK);
    assert_int_equal(done, 0);
    assert_int_equal(env.echo.calls, 1);
    assert_int_equal(env.sink.len, 4);
    assert_int_equal(finish(&env.client, a, 10, &result), 3);
    assert_int_equal(result.status, SGP32_OK);
    assert_int_equal(env.sink.calls, 4);
    assert_memory_equal(env.sink.data, "reply:0123456789", 16);
    /* every poll moves every request: b progresses while a is polled */
    ipa_http_peer_set_latency(env.peer, 2);
    ipa_http_peer_set_chunking(env.peer, 5, 0); /* all chunks in the answering poll */
    {
        struct sink sink_a;
        a = start(&env.client, "https://e/a/1", "aaaaaaaaaaaaaaaaaaaa", 3, 0, &sink_a);
        b = start(&env.client, "https://e/a/2", "bb", 3, 0, &env.sink);
        assert_int_equal(env.client.ops->poll(env.client.user, a, 0, &done, &result), SGP32_OK);
        assert_int_equal(env.client.ops->poll(env.client.user, a, 0, &done, &result), SGP32_OK);
        assert_int_equal(done, 1);
        assert_int_equal(sink_a.calls, 6); /* 26 bytes in chunks of 5 */
        assert_int_equal(sink_a.len, 26);
        assert_int_equal(env.sink.len, 8); /* b was answered too, and waits for its own poll */
        assert_int_equal(finish(&env.client, b, 1, &result), 1);
        assert_int_equal(result.http_status, 200);
    }
    ipa_http_peer_free(env.peer);
}

static void test_http_peer_timeouts(void **state)
{
    struct peer_env env;
    struct sgp32_http_result result;
    const struct ipa_http_recorded *rec;
    uint32_t id;
    int done = 0, i;
    (void)state;
    peer_env_start(&env);
    /* a server that never answers: only the fake clock ends the request */
    assert_int_equal(ipa_http_peer_hang_next(env.peer, "/a/", 1), SGP32_OK);
    id = start(&env.client, "https://e/a/x", "x", 3, 30000, &env.sink);
    for (i = 0; i < 50; i++) {
        assert_int_equal(env.client.ops->poll(env.client.user, id, 1000, &done, &result), SGP32_OK);
        assert_int_equal(done, 0);
    }
    ipa_clock_advance(&env.clock, 29999);
    assert_int_equal(env.client.ops->poll(env.client.user, id, 0, &done, &result), SGP32_OK);
    assert_int_equal(done, 0);
    ipa_clock_advance(&env.clock, 1);
    assert_int_equal(finish(&env.client, id, 1, &result), 1);
    assert_int_equal(result.status, SGP32_ERR_TIMEOUT);
    assert_int_equal(result.http_status, 0);
    assert_int_equal(env.echo.calls, 0);
    /* a slow server: latency beyond the deadline */
    ipa_http_peer_set_latency(env.peer, 5);
    id = start(&env.client, "https://e/a/x", "x", 3, 100, &env.sink);
    assert_int_equal(env.client.ops->poll(env.client.user, id, 0, &done, &result), SGP32_OK);
    ipa_clock_advance(&env.clock, 100);
    assert_int_equal(finish(&env.client, id, 1, &result), 1);
    assert_int_equal(result.status, SGP32_ERR_TIMEOUT);
    /* the hang was consumed: the next request is answered (latency 5) */
    id = start(&env.client, "https://e/a/x", "x", 3, 100, &env.sink);
    assert_int_equal(finish(&env.client, id, 10, &result), 5);
    assert_int_equal(result.status, SGP32_OK);
    /* cancel: recorded, no more sink calls, the id is released */
    id = start(&env.client, "https://e/a/y", "y", 3, 100, &env.sink);
    env.client.ops->cancel(env.client.user, id);
    assert_int_equal(env.client.ops->poll(env.client.user, id, 0, &done, &result), SGP32_ERR_NOT_FOUND);
    rec = ipa_http_peer_last(env.peer, "/a/y");
    assert_non_null(rec);
    assert_true(rec->cancelled);
    assert_int_equal(env.sink.calls, 0);
    env.client.ops->cancel(env.client.user, 12345); /* ignored */
    ipa_http_peer_free(env.peer);
}

static void test_http_peer_scripted_failures(void **state)
{
    struct peer_env env;
    struct sgp32_http_result result;
    uint32_t id;
    int i;
    (void)state;
    peer_env_start(&env);
    assert_int_equal(ipa_http_peer_fail_next(env.peer, "/a/", 2, SGP32_ERR_TIMEOUT, 0, "connect timeout"), SGP32_OK);
    assert_int_equal(ipa_http_peer_fail_next(env.peer, "/a/", 1, SGP32_OK, 503, NULL), SGP32_OK);
    /* another prefix is not affected */
    assert_int_equal(ipa_http_peer_route(env.peer, "/b", echo_handler, &env.echo), SGP32_OK);
    id = start(&env.client, "https://e/b", "b", 3, 1000, &env.sink);
    assert_int_equal(finish(&env.client, id, 5, &result), 1);
    assert_int_equal(result.http_status, 200);
    for (i = 0; i < 2; i++) {
        id = start(&env.client, "https://e/a/x", "x", 3, 1000, &env.sink);
        assert_int_equal(finish(&env.client, id, 5, &result), 1);
        assert_int_equal(result.status, SGP32_ERR_TIMEOUT);
        assert_string_equal(result.detail, "connect timeout");
    }
    id = start(&env.client, "https://e/a/x", "x", 3, 1000, &env.sink);
    assert_int_equal(finish(&env.client, id, 5, &result), 1);
    assert_int_equal(result.status, SGP32_OK);
    assert_int_equal(result.http_status, 503);
    assert_int_equal(env.sink.len, 0);
    assert_int_equal(env.echo.calls, 1); /* only /b reached a handler */
    /* dropped connection: the handler ran, 4 bytes arrived, then SGP32_ERR_HTTP */
    ipa_http_peer_set_chunking(env.peer, 3, 0);
    assert_int_equal(ipa_http_peer_drop_after(env.peer, "/a/", 4), SGP32_OK);
    id = start(&env.client, "https://e/a/x", "xyz", 3, 1000, &env.sink);
    assert_int_equal(finish(&env.client, id, 5, &result), 1);
    assert_int_equal(result.status, SGP32_ERR_HTTP);
    assert_int_equal(env.echo.calls, 2);
    assert_int_equal(env.sink.len, 4);
    assert_memory_equal(env.sink.data, "repl", 4);
    assert_int_equal(ipa_http_peer_last(env.peer, "/a/")->delivered, 4);
    /* a sink that refuses ends the request with its status */
    id = start(&env.client, "https://e/a/x", "x", 3, 1000, &env.sink);
    env.sink.refuse = 1;
    assert_int_equal(finish(&env.client, id, 5, &result), 1);
    assert_int_equal(result.status, SGP32_ERR_CANCELLED);
    assert_int_equal(env.sink.calls, 1);
    /* everything back to normal */
    id = start(&env.client, "https://e/a/x", "x", 3, 1000, &env.sink);
    assert_int_equal(finish(&env.client, id, 5, &result), 1);
    assert_int_equal(result.status, SGP32_OK);
    assert_int_equal(result.http_status, 200);
    ipa_http_peer_free(env.peer);
}

static void test_http_peer_header_check(void **state)
{
    struct peer_env env;
    struct sgp32_http_result result;
    const char *why = NULL;
    uint32_t id;
    (void)state;
    peer_env_start(&env);
    /* only User-Agent: X-Admin-Protocol missing */
    id = start(&env.client, "https://e/a/x", "x", 1, 1000, &env.sink);
    assert_int_equal(finish(&env.client, id, 5, &result), 1);
    assert_int_equal(result.status, SGP32_OK);
    assert_int_equal(result.http_status, 400);
    assert_int_equal(env.echo.calls, 0);
    assert_int_equal(ipa_http_peer_violations(env.peer, &why), 1);
    assert_non_null(strstr(why, "X-Admin-Protocol"));
    /* no header at all */
    id = start(&env.client, "https://e/a/x", "x", 0, 1000, &env.sink);
    assert_int_equal(finish(&env.client, id, 5, &result), 1);
    assert_int_equal(ipa_http_peer_violations(env.peer, &why), 2);
    assert_non_null(strstr(why, "User-Agent"));
    ipa_http_peer_free(env.peer);
}

/* ---- Storage and host ---- */

static void save(struct ipa_storage *s, const char *name, const char *text)
{
    assert_int_equal(ipa_storage_save(s, name, (const uint8_t *)text, text != NULL ? strlen(text) : 0), SGP32_OK);
}

static void expect_record(struct ipa_storage *s, const char *name, const char *text)
{
    uint8_t buf[64];
    size_t len = 0;
    enum sgp32_status status = ipa_storage_load(s, name, buf, sizeof(buf), &len);
    if (text == NULL) {
        assert_int_equal(status, SGP32_ERR_NOT_FOUND);
        return;
    }
    assert_int_equal(status, SGP32_OK);
    assert_int_equal(len, strlen(text));
    assert_memory_equal(buf, text, len);
}

static void test_storage_records_and_log(void **state)
{
    struct ipa_storage *s = ipa_storage_new();
    uint8_t small[2];
    size_t len = 0;
    const struct ipa_storage_save_entry *entry;
    (void)state;
    assert_non_null(s);
    expect_record(s, "ipa.pkg", NULL);
    save(s, "ipa.pkg", "first");
    save(s, "ipa.ack", "A");
    save(s, "ipa.pkg", "second"); /* atomic replace */
    expect_record(s, "ipa.pkg", "second");
    expect_record(s, "ipa.ack", "A");
    assert_int_equal(ipa_storage_load(s, "ipa.pkg", small, sizeof(small), &len), SGP32_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(len, 6);
    assert_int_equal(ipa_storage_record_count(s), 2);
    assert_string_equal(ipa_storage_record_name(s, 0), "ipa.ack");
    assert_string_equal(ipa_storage_record_name(s, 1), "ipa.pkg");
    assert_null(ipa_storage_record_name(s, 2));
    assert_int_equal(ipa_storage_save(s, "ipa.ack", NULL, 0), SGP32_OK);  /* delete */
    assert_int_equal(ipa_storage_save(s, "ipa.none", NULL, 0), SGP32_OK); /* deleting nothing is fine */
    expect_record(s, "ipa.ack", NULL);
    assert_null(ipa_storage_get(s, "ipa.ack", NULL));
    save(s, "ipa.empty", "");
    assert_non_null(ipa_storage_get(s, "ipa.empty", &len));
    assert_int_equal(len, 0);
    assert_int_equal(ipa_storage_save_count(s), 6);
    assert_int_equal(ipa_storage_save_count_of(s, "ipa.pkg"), 2);
    entry = ipa_storage_save_at(s, 3);
    assert_string_equal(entry->name, "ipa.ack");
    assert_null(entry->data);
    entry = ipa_storage_save_at(s, 0);
    assert_int_equal(entry->len, 5);
    assert_memory_equal(entry->data, "first", 5);
    assert_false(entry->failed);
    assert_null(ipa_storage_save_at(s, 6));
    assert_int_equal(ipa_storage_load_count(s), 5);
    ipa_storage_free(s);
}

static void test_storage_replay_and_faults(void **state)
{
    struct ipa_storage *s = ipa_storage_new(), *at, *copy;
    (void)state;
    save(s, "a", "1");                                             /* call 1 */
    save(s, "b", "2");                                             /* call 2 */
    save(s, "a", "3");                                             /* call 3 */
    assert_int_equal(ipa_storage_save(s, "b", NULL, 0), SGP32_OK); /* call 4 */
    /* the storage as a power cut after each save left it */
    at = ipa_storage_replay(s, 0);
    assert_int_equal(ipa_storage_record_count(at), 0);
    ipa_storage_free(at);
    at = ipa_storage_replay(s, 2);
    expect_record(at, "a", "1");
    expect_record(at, "b", "2");
    assert_int_equal(ipa_storage_save_count(at), 2);
    ipa_storage_free(at);
    at = ipa_storage_replay(s, 3);
    expect_record(at, "a", "3");
    expect_record(at, "b", "2");
    ipa_storage_free(at);
    at = ipa_storage_replay(s, 4);
    expect_record(at, "a", "3");
    expect_record(at, "b", NULL);
    ipa_storage_free(at);
    assert_null(ipa_storage_replay(s, 5));
    /* faults: call 6 fails, then the next one */
    ipa_storage_fail_save(s, 6);
    save(s, "c", "5"); /* call 5 */
    assert_int_equal(ipa_storage_save(s, "a", (const uint8_t *)"6", 1), SGP32_ERR_STORAGE);
    expect_record(s, "a", "3"); /* unchanged */
    ipa_storage_fail_next_save(s);
    assert_int_equal(ipa_storage_save(s, "c", NULL, 0), SGP32_ERR_STORAGE); /* call 7 */
    expect_record(s, "c", "5");
    save(s, "a", "8"); /* call 8 */
    assert_int_equal(ipa_storage_save_count(s), 8);
    assert_true(ipa_storage_save_at(s, 5)->failed);
    assert_true(ipa_storage_save_at(s, 6)->failed);
    at = ipa_storage_replay(s, 7); /* failed calls replay as nothing */
    expect_record(at, "a", "3");
    expect_record(at, "c", "5");
    ipa_storage_free(at);
    copy = ipa_storage_clone(s);
    expect_record(copy, "a", "8");
    expect_record(copy, "c", "5");
    assert_int_equal(ipa_storage_save_count(copy), 8);
    ipa_storage_free(copy);
    ipa_storage_fail_loads(s, 1);
    {
        uint8_t buf[4];
        size_t len;
        assert_int_equal(ipa_storage_load(s, "a", buf, sizeof(buf), &len), SGP32_ERR_STORAGE);
    }
    ipa_storage_fail_loads(s, 0);
    expect_record(s, "a", "8");
    ipa_storage_free(s);
}

static void test_host_platform(void **state)
{
    struct ipa_host host, other;
    struct sgp32_platform platform;
    struct sgp32_ipa_event event;
    const struct sgp32_ipa_event *seen;
    uint8_t r1[16], r2[16], buf[8];
    size_t len = 0;
    static const uint8_t payload[3] = {0xBF, 0x4E, 0x00};
    (void)state;
    assert_int_equal(ipa_host_init(&host, 42), SGP32_OK);
    memset(&platform, 0, sizeof(platform));
    ipa_host_platform(&host, &platform);
    assert_int_equal(platform.version, SGP32_PLATFORM_VERSION);
    assert_int_equal(platform.size, sizeof(platform));
    assert_ptr_equal(platform.user, &host);
    /* clock */
    assert_int_equal(platform.now_ms(platform.user), 1000000);
    ipa_clock_advance(&host.clock, 2500);
    assert_int_equal(platform.now_ms(platform.user), 1002500);
    /* storage through the platform */
    assert_int_equal(platform.save(platform.user, "ipa.x", (const uint8_t *)"abc", 3), SGP32_OK);
    assert_int_equal(platform.load(platform.user, "ipa.x", buf, sizeof(buf), &len), SGP32_OK);
    assert_int_equal(len, 3);
    ipa_host_set_storage(&host, ipa_storage_replay(host.storage, 0));
    assert_int_equal(platform.load(platform.user, "ipa.x", buf, sizeof(buf), &len), SGP32_ERR_NOT_FOUND);
    /* log */
    platform.log(platform.user, SGP32_LOG_INFO, "polling the eIM");
    platform.log(platform.user, SGP32_LOG_ERROR, "eIM answered 500");
    platform.log(platform.user, SGP32_LOG_DEBUG, "eIM detail");
    assert_int_equal(ipa_log_find(&host.log, 0, -1, "eIM"), 0);
    assert_int_equal(ipa_log_find(&host.log, 1, -1, "eIM"), 1);
    assert_int_equal(ipa_log_find(&host.log, 0, SGP32_LOG_ERROR, "eIM"), 1);
    assert_int_equal(ipa_log_find(&host.log, 0, -1, "nothing"), -1);
    assert_int_equal(ipa_log_count_level(&host.log, SGP32_LOG_INFO), 2);
    assert_int_equal(host.log.lines[2].level, SGP32_LOG_DEBUG);
    /* events: deep copies */
    memset(&event, 0, sizeof(event));
    event.type = SGP32_IPA_EVENT_TRANSFER_RESPONSE;
    event.detail = "done";
    event.data = payload;
    event.len = sizeof(payload);
    platform.event(platform.user, &event);
    event.type = SGP32_IPA_EVENT_RETRY;
    event.code = 2;
    event.data = NULL;
    event.len = 0;
    event.detail = NULL;
    platform.event(platform.user, &event);
    assert_int_equal(ipa_events_count(&host.events, 0), 2);
    assert_int_equal(ipa_events_count(&host.events, SGP32_IPA_EVENT_RETRY), 1);
    seen = ipa_events_nth(&host.events, SGP32_IPA_EVENT_TRANSFER_RESPONSE, 0);
    assert_non_null(seen);
    assert_ptr_not_equal(seen->data, payload);
    assert_memory_equal(seen->data, payload, 3);
    assert_string_equal(seen->detail, "done");
    seen = ipa_events_last(&host.events, 0);
    assert_int_equal(seen->code, 2);
    assert_string_equal(seen->detail, "");
    assert_null(ipa_events_nth(&host.events, SGP32_IPA_EVENT_RETRY, 1));
    assert_int_equal(host.events.records[1].at_ms, 1002500);
    /* random: seeded, so repeatable */
    assert_int_equal(ipa_host_init(&other, 42), SGP32_OK);
    assert_int_equal(platform.random(platform.user, r1, sizeof(r1)), SGP32_OK);
    assert_int_equal(ipa_random(&other.random_state, r2, sizeof(r2)), SGP32_OK);
    assert_memory_equal(r1, r2, sizeof(r1));
    assert_int_equal(platform.random(platform.user, r2, sizeof(r2)), SGP32_OK);
    assert_memory_not_equal(r1, r2, sizeof(r1));
    ipa_host_release(&other);
    ipa_host_release(&host);
}

/* ---- Scripted eIM on the fixture ---- */

/* POSTs an ESipa message through the fixture's peer as an IPA would (lib/remote client side) and
 * returns the answer: *kind and the body (malloc'd in *body). */
static int esipa_exchange(struct ipa_fixture *f, const uint8_t *message, size_t len, enum sgp32_esipa_message *kind,
                          uint8_t **body, size_t *body_len)
{
    struct sgp32_remote_endpoint endpoint = {f->eim_fqdn, "libsgp32-test", 10000};
    struct sgp32_remote_request request;
    struct sgp32_remote_body collected;
    struct sgp32_remote_answer answer;
    struct sgp32_remote_result result;
    struct sgp32_http_result http_result;
    enum sgp32_esipa_message sent;
    uint32_t id = 0;
    int done = 0, polls = 0;
    assert_int_equal(sgp32_esipa_asn1_build_request(&endpoint, message, len, &sent, &request), SGP32_OK);
    sgp32_remote_body_init(&collected, 64u * 1024u);
    assert_int_equal(
        f->platform.http.ops->start(f->platform.http.user, &request.http, sgp32_remote_body_sink, &collected, &id),
        SGP32_OK);
    sgp32_remote_request_release(&request);
    while (!done && polls++ < 10)
        assert_int_equal(f->platform.http.ops->poll(f->platform.http.user, id, 0, &done, &http_result), SGP32_OK);
    assert_true(done);
    assert_int_equal(http_result.status, SGP32_OK);
    answer = sgp32_remote_answer_of(&http_result, &collected);
    assert_int_equal(sgp32_esipa_asn1_parse_response(&answer, kind, NULL, &result), SGP32_OK);
    *body_len = collected.len;
    *body = malloc(collected.len + 1);
    assert_non_null(*body);
    if (collected.len > 0)
        memcpy(*body, collected.data, collected.len);
    sgp32_remote_body_release(&collected);
    return http_result.http_status;
}

/* GetEimPackageRequest (BF4F { 5A eid [80 notifyStateChange] }). */
static size_t get_eim_package_request(const uint8_t eid[16], int notify, uint8_t out[32])
{
    size_t n = 0;
    out[n++] = 0xBF;
    out[n++] = 0x4F;
    out[n++] = (uint8_t)(18 + (notify ? 2 : 0));
    out[n++] = 0x5A;
    out[n++] = 16;
    memcpy(out + n, eid, 16);
    n += 16;
    if (notify) {
        out[n++] = 0x80;
        out[n++] = 0x00;
    }
    return n;
}

/* The child `tag` of the element at data[0..len): its TLV in *at / *child_len, 0 if none. */
static int child_of(const uint8_t *data, size_t len, uint32_t tag, const uint8_t **at, size_t *child_len)
{
    struct sgp32_tlv_header outer, h;
    size_t pos;
    assert_int_equal(sgp32_tlv_parse_header(data, len, &outer), SGP32_OK);
    for (pos = outer.header_len; pos < outer.header_len + outer.length; pos += h.header_len + h.length) {
        assert_int_equal(sgp32_tlv_parse_header(data + pos, len - pos, &h), SGP32_OK);
        if (h.tag == tag) {
            *at = data + pos;
            *child_len = h.header_len + h.length;
            return 1;
        }
    }
    return 0;
}

/* ProvideEimPackageResult (BF50 { 5A eid, BF51 result }). */
static uint8_t *provide_result(const uint8_t eid[16], const uint8_t *result, size_t len, size_t *out_len)
{
    uint8_t *out = malloc(len + 32);
    size_t content = 18 + len, n = 0;
    assert_non_null(out);
    assert_true(content < 0x10000);
    out[n++] = 0xBF;
    out[n++] = 0x50;
    out[n++] = 0x82;
    out[n++] = (uint8_t)(content >> 8);
    out[n++] = (uint8_t)content;
    out[n++] = 0x5A;
    out[n++] = 16;
    memcpy(out + n, eid, 16);
    n += 16;
    memcpy(out + n, result, len);
    *out_len = n + len;
    return out;
}

static const uint8_t no_package[] = {0xBF, 0x4F, 0x03, 0x02, 0x01, 0x01};

/* Runs one queued package: GetEimPackage -> the eUICC (LoadEuiccPackage) -> ProvideEimPackageResult.
 * Returns the eUICC's result (malloc'd) and the eIM's answer to the result. */
static void run_package(struct ipa_fixture *f, uint8_t **epr, size_t *epr_len, uint8_t **ack, size_t *ack_len);

/* ePRAndNotifications: BF50 { 5A eid, 30 { BF51 result, A0 { notification } } }. */
static uint8_t *provide_with_notification(const uint8_t eid[16], const uint8_t *result, size_t len,
                                          const uint8_t *notification, size_t notification_len, size_t *out_len)
{
    size_t list_len = 4 + notification_len, content = len + list_len, n = 0;
    uint8_t *sequence = malloc(content + 4), *out;
    assert_non_null(sequence);
    assert_true(notification_len < 0x10000 && content < 0x10000);
    sequence[n++] = 0x30;
    sequence[n++] = 0x82;
    sequence[n++] = (uint8_t)(content >> 8);
    sequence[n++] = (uint8_t)content;
    memcpy(sequence + n, result, len);
    n += len;
    sequence[n++] = 0xA0;
    sequence[n++] = 0x82;
    sequence[n++] = (uint8_t)(notification_len >> 8);
    sequence[n++] = (uint8_t)notification_len;
    memcpy(sequence + n, notification, notification_len);
    n += notification_len;
    out = provide_result(eid, sequence, n, out_len);
    free(sequence);
    return out;
}

static void run_package(struct ipa_fixture *f, uint8_t **epr, size_t *epr_len, uint8_t **ack, size_t *ack_len)
{
    uint8_t request[32], *answer = NULL, *provide;
    size_t request_len, answer_len = 0, provide_len, inner_len;
    const uint8_t *inner;
    enum sgp32_esipa_message kind;
    struct sgp32_es10 *es10 = NULL;
    uint8_t *result = NULL;
    size_t result_len = 0;
    request_len = get_eim_package_request(f->eid, 1, request);
    assert_int_equal(esipa_exchange(f, request, request_len, &kind, &answer, &answer_len), 200);
    assert_int_equal(kind, SGP32_ESIPA_GET_EIM_PACKAGE);
    assert_true(child_of(answer, answer_len, 0xBF51, &inner, &inner_len));
    /* the eUICC executes it */
    assert_int_equal(ipa_fixture_es10(f, &es10), SGP32_OK);
    assert_int_equal(sgp32_es10_load_euicc_package(es10, inner, inner_len, &result, &result_len), SGP32_OK);
    sgp32_es10_free(es10);
    free(answer);
    *epr = malloc(result_len);
    assert_non_null(*epr);
    memcpy(*epr, result, result_len);
    *epr_len = result_len;
    sgp32_buffer_free(result);
    provide = provide_result(f->eid, *epr, *epr_len, &provide_len);
    assert_int_equal(esipa_exchange(f, provide, provide_len, &kind, ack, ack_len), 200);
    assert_int_equal(kind, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    free(provide);
}

static void test_eim_package_through_the_card(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_eim_buffer items[2];
    const struct ipa_eim_received *got;
    uint8_t request[32], *answer = NULL, *epr = NULL, *ack = NULL, expected_ack[16];
    size_t request_len, answer_len = 0, epr_len = 0, ack_len = 0;
    enum sgp32_esipa_message kind;
    long counter = 0;
    assert_true(f->has_association_token);
    /* nothing queued: noEimPackageAvailable */
    request_len = get_eim_package_request(f->eid, 0, request);
    assert_int_equal(esipa_exchange(f, request, request_len, &kind, &answer, &answer_len), 200);
    assert_int_equal(kind, SGP32_ESIPA_GET_EIM_PACKAGE);
    assert_int_equal(answer_len, sizeof(no_package));
    assert_memory_equal(answer, no_package, sizeof(no_package));
    free(answer);
    got = ipa_eim_last(f->eim, SGP32_ESIPA_GET_EIM_PACKAGE);
    assert_non_null(got);
    assert_false(got->notify_state_change);
    assert_int_equal(got->state_change_cause, -1);
    /* a package of two PSMOs, executed by the software eUICC, its signed result verified */
    assert_int_equal(sgp32_eim_psmo_list_profile_info(NULL, 0, &items[0]), SGP32_OK);
    assert_int_equal(sgp32_eim_psmo_get_rat(&items[1]), SGP32_OK);
    assert_int_equal(ipa_eim_queue_package(f->eim, SGP32_EIM_PSMO_LIST, items, 2, &counter), SGP32_OK);
    assert_int_equal(counter, 1);
    assert_int_equal(ipa_eim_queued(f->eim), 1);
    run_package(f, &epr, &epr_len, &ack, &ack_len);
    assert_int_equal(ipa_eim_queued(f->eim), 0);
    assert_true(ipa_eim_last(f->eim, SGP32_ESIPA_GET_EIM_PACKAGE)->notify_state_change);
    got = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    assert_non_null(got);
    assert_int_equal(got->result_kind, IPA_EIM_EUICC_PACKAGE_RESULT);
    assert_int_equal(got->verify_status, SGP32_OK);
    assert_int_equal(got->result.kind, SGP32_EIM_RESULT_SIGNED);
    assert_int_equal(got->result.item_count, 2);
    assert_int_equal(got->counter_value, 1);
    assert_int_equal(got->euicc_package_result_len, epr_len);
    assert_memory_equal(got->euicc_package_result, epr, epr_len);
    assert_int_equal(ipa_eim_accepted_results(f->eim), 1);
    assert_true(got->result.seq_number > 0);
    assert_int_equal(ipa_eim_last_seq_number(f->eim), got->result.seq_number);
    /* the answer acknowledges that sequence number: BF50 { BF53 { 80 seq } } */
    assert_true(got->result.seq_number < 128);
    memcpy(expected_ack, "\xBF\x50\x06\xBF\x53\x03\x80\x01", 8);
    expected_ack[8] = (uint8_t)got->result.seq_number;
    assert_int_equal(ack_len, 9);
    assert_memory_equal(ack, expected_ack, 9);
    assert_int_equal(got->ack_count, 1);
    free(ack);
    /* the same result delivered again (an acknowledgement lost): acknowledged again, not re-accepted */
    {
        size_t provide_len;
        uint8_t *provide = provide_result(f->eid, epr, epr_len, &provide_len);
        assert_int_equal(esipa_exchange(f, provide, provide_len, &kind, &ack, &ack_len), 200);
        free(provide);
        assert_int_equal(ack_len, 9);
        assert_memory_equal(ack, expected_ack, 9);
        free(ack);
        got = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
        assert_true(got->duplicate);
        assert_int_equal(got->verify_status, SGP32_OK);
        assert_int_equal(got->counter_value, 1);
        assert_int_equal(got->result.item_count, 2);
        assert_int_equal(ipa_eim_accepted_results(f->eim), 1);
    }
    /* a tampered result (one bit of the signature): refused, nothing acknowledged */
    {
        size_t provide_len;
        uint8_t *provide;
        epr[epr_len - 1] ^= 0x01;
        provide = provide_result(f->eid, epr, epr_len, &provide_len);
        assert_int_equal(esipa_exchange(f, provide, provide_len, &kind, &ack, &ack_len), 200);
        free(provide);
        got = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
        assert_int_equal(got->verify_status, SGP32_ERR_CRYPTO);
        assert_int_equal(got->ack_count, 0);
        assert_int_equal(ack_len, 6);
        assert_memory_equal(ack, "\xBF\x50\x03\xBF\x53\x00", 6); /* empty eimAcknowledgements */
        free(ack);
    }
    free(epr);
    for (request_len = 0; request_len < 2; request_len++)
        sgp32_eim_buffer_free(&items[request_len]);
    /* the queue is empty again */
    request_len = get_eim_package_request(f->eid, 0, request);
    assert_int_equal(esipa_exchange(f, request, request_len, &kind, &answer, &answer_len), 200);
    assert_memory_equal(answer, no_package, sizeof(no_package));
    free(answer);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_GET_EIM_PACKAGE), 3);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT), 3);
    assert_int_equal(ipa_http_peer_violations(f->http, NULL), 0);
}

static void test_eim_ack_modes(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_eim_buffer item;
    uint8_t *epr = NULL, *ack = NULL;
    size_t epr_len = 0, ack_len = 0;
    const struct ipa_eim_received *got;
    long first_seq;
    assert_int_equal(sgp32_eim_psmo_get_rat(&item), SGP32_OK);
    assert_int_equal(ipa_eim_queue_package(f->eim, SGP32_EIM_PSMO_LIST, &item, 1, NULL), SGP32_OK);
    assert_int_equal(ipa_eim_queue_package(f->eim, SGP32_EIM_PSMO_LIST, &item, 1, NULL), SGP32_OK);
    assert_int_equal(ipa_eim_queue_package(f->eim, SGP32_EIM_PSMO_LIST, &item, 1, NULL), SGP32_OK);
    sgp32_eim_buffer_free(&item);
    /* ack none: emptyResponse */
    ipa_eim_set_ack_mode(f->eim, IPA_EIM_ACK_NONE, 0);
    run_package(f, &epr, &epr_len, &ack, &ack_len);
    assert_int_equal(ack_len, 5);
    assert_memory_equal(ack, "\xBF\x50\x02\x30\x00", 5);
    got = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    assert_int_equal(got->verify_status, SGP32_OK); /* verified all the same */
    assert_int_equal(got->counter_value, 1);
    first_seq = got->result.seq_number;
    free(epr);
    free(ack);
    /* an error code: provideEimPackageResultError */
    ipa_eim_set_ack_mode(f->eim, IPA_EIM_ACK_ERROR, 127);
    run_package(f, &epr, &epr_len, &ack, &ack_len);
    assert_int_equal(ack_len, 6);
    assert_memory_equal(ack, "\xBF\x50\x03\x02\x01\x7F", 6);
    got = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    assert_int_equal(got->counter_value, 2);
    assert_true(got->result.seq_number > first_seq);
    free(epr);
    free(ack);
    /* back to acknowledging */
    ipa_eim_set_ack_mode(f->eim, IPA_EIM_ACK_ALL, 0);
    run_package(f, &epr, &epr_len, &ack, &ack_len);
    got = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    assert_int_equal(got->counter_value, 3);
    assert_int_equal(got->ack_count, 1);
    assert_int_equal(ack[8], (uint8_t)got->result.seq_number);
    assert_int_equal(ipa_eim_accepted_results(f->eim), 3);
    free(ack);
    free(epr);
}

static void test_eim_other_answers(void **state)
{
    struct ipa_fixture *f = *state;
    uint8_t request[32], *answer = NULL, wrong_eid[16];
    size_t request_len, answer_len = 0, inner_len;
    const uint8_t *inner;
    enum sgp32_esipa_message kind;
    static const uint8_t tag_list[] = {0x5A, 0xBF, 0x2D};
    static const uint8_t raw[] = {0xBF, 0x4F, 0x03, 0x02, 0x01, 0x7F};
    static const uint8_t notification[] = {0xBF, 0x3D, 0x05, 0xA0, 0x03, 0x02, 0x01, 0x00};
    assert_int_equal(ipa_eim_queue_download_trigger(f->eim, "1$127.0.0.1$TS48V1-A-UNIQUE"), SGP32_OK);
    assert_int_equal(ipa_eim_queue_euicc_data_request(f->eim, tag_list, sizeof(tag_list), NULL, 0), SGP32_OK);
    assert_int_equal(ipa_eim_queue_error(f->eim, 127), SGP32_OK);
    assert_int_equal(ipa_eim_queue_raw(f->eim, raw, sizeof(raw)), SGP32_OK);
    request_len = get_eim_package_request(f->eid, 0, request);
    /* each answer decodes as an EsipaMessageFromEimToIpa (esipa_exchange checks it) */
    assert_int_equal(esipa_exchange(f, request, request_len, &kind, &answer, &answer_len), 200);
    assert_true(child_of(answer, answer_len, 0xBF54, &inner, &inner_len));
    assert_true(contains(inner, inner_len, "1$127.0.0.1$TS48V1-A-UNIQUE", 27));
    free(answer);
    assert_int_equal(esipa_exchange(f, request, request_len, &kind, &answer, &answer_len), 200);
    assert_true(child_of(answer, answer_len, 0xBF52, &inner, &inner_len));
    assert_int_equal(inner_len, 8);
    assert_memory_equal(inner, "\xBF\x52\x05\x5C\x03\x5A\xBF\x2D", 8);
    free(answer);
    assert_int_equal(esipa_exchange(f, request, request_len, &kind, &answer, &answer_len), 200);
    assert_memory_equal(answer, raw, sizeof(raw)); /* queue_error(127) */
    free(answer);
    assert_int_equal(esipa_exchange(f, request, request_len, &kind, &answer, &answer_len), 200);
    assert_int_equal(answer_len, sizeof(raw));
    assert_memory_equal(answer, raw, sizeof(raw));
    free(answer);
    /* another EID: eidNotFound */
    memcpy(wrong_eid, f->eid, 16);
    wrong_eid[15] ^= 0x11;
    request_len = get_eim_package_request(wrong_eid, 0, request);
    assert_int_equal(esipa_exchange(f, request, request_len, &kind, &answer, &answer_len), 200);
    assert_memory_equal(answer, "\xBF\x4F\x03\x02\x01\x02", 6);
    free(answer);
    /* HandleNotification: recorded, 204 */
    assert_int_equal(esipa_exchange(f, notification, sizeof(notification), &kind, &answer, &answer_len), 204);
    assert_int_equal(kind, SGP32_ESIPA_NONE);
    free(answer);
    assert_int_equal(ipa_eim_last(f->eim, SGP32_ESIPA_NONE)->message, SGP32_ESIPA_HANDLE_NOTIFICATION);
    assert_int_equal(ipa_eim_last(f->eim, SGP32_ESIPA_HANDLE_NOTIFICATION)->result_kind, IPA_EIM_PENDING_NOTIFICATION);
    assert_int_equal(ipa_eim_received_count(f->eim), 6);
    assert_int_equal(ipa_eim_received_at(f->eim, 5)->len, sizeof(notification));
}

/* PROFILE_ONE of tests/softeuicc/es10_requests.h: operational, enable notifications to
 * notify.example.com. */
static const char profile_one[] = "E3545A0A890000000000000000014F10A0000005591010FFFFFFFF890000110091084F70657261746F72"
                                  "920B50726F66696C65204F6E65950102B61A30188002047081126E6F746966792E6578616D706C652E"
                                  "636F6D";

/* An enable executed by the card, its result reported as ePRAndNotifications with the card's own
 * enable notification: both sequence numbers acknowledged. */
static void test_eim_epr_and_notifications(void **state)
{
    static const uint8_t iccid[10] = {0x89, 0, 0, 0, 0, 0, 0, 0, 0, 0x01};
    struct ipa_fixture *f = *state;
    struct sgp32_eim_buffer psmo;
    struct sgp32_es10 *es10 = NULL;
    uint8_t profile[sizeof(profile_one) / 2], request[32], *answer = NULL, *epr = NULL, *list = NULL, *provide, *ack;
    size_t i, request_len, answer_len = 0, epr_len = 0, list_len = 0, provide_len, ack_len = 0, inner_len;
    size_t meta_len, seq_len, item_len = 0;
    const uint8_t *inner, *item = NULL, *meta, *seq;
    enum sgp32_esipa_message kind;
    const struct ipa_eim_received *got;
    for (i = 0; i < sizeof(profile); i++)
        assert_int_equal(sscanf(profile_one + 2 * i, "%2hhx", &profile[i]), 1);
    assert_int_equal(sgp32_softeuicc_preload_profile(f->card, profile, sizeof(profile)), SGP32_OK);
    assert_int_equal(sgp32_eim_psmo_enable(iccid, 0, &psmo), SGP32_OK);
    assert_int_equal(ipa_eim_queue_package(f->eim, SGP32_EIM_PSMO_LIST, &psmo, 1, NULL), SGP32_OK);
    sgp32_eim_buffer_free(&psmo);
    request_len = get_eim_package_request(f->eid, 0, request);
    assert_int_equal(esipa_exchange(f, request, request_len, &kind, &answer, &answer_len), 200);
    assert_true(child_of(answer, answer_len, 0xBF51, &inner, &inner_len));
    assert_int_equal(ipa_fixture_es10(f, &es10), SGP32_OK);
    assert_int_equal(sgp32_es10_load_euicc_package(es10, inner, inner_len, &epr, &epr_len), SGP32_OK);
    free(answer);
    /* the enable notification (OtherSignedNotification, 30) of RetrieveNotificationsList BF2B { A0 { .. } } */
    assert_int_equal(sgp32_es10_retrieve_notifications_list(es10, SGP32_ES10_NOTIFICATIONS_ALL, 0, &list, &list_len),
                     SGP32_OK);
    sgp32_es10_free(es10);
    assert_true(child_of(list, list_len, 0xA0, &inner, &inner_len));
    assert_true(child_of(inner, inner_len, 0x30, &item, &item_len));
    assert_non_null(item);
    assert_true(child_of(item, item_len, 0xBF2F, &meta, &meta_len));
    assert_true(child_of(meta, meta_len, 0x80, &seq, &seq_len));
    assert_int_equal(seq_len, 3);
    provide = provide_with_notification(f->eid, epr, epr_len, item, item_len, &provide_len);
    assert_int_equal(esipa_exchange(f, provide, provide_len, &kind, &ack, &ack_len), 200);
    free(provide);
    got = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    assert_int_equal(got->result_kind, IPA_EIM_EPR_AND_NOTIFICATIONS);
    assert_int_equal(got->verify_status, SGP32_OK);
    assert_int_equal(got->result.items[0].tag, 0x83); /* enableResult */
    assert_int_equal(got->ack_count, 2);
    assert_int_equal(got->acknowledged[0], got->result.seq_number);
    assert_int_equal(got->acknowledged[1], seq[2]);
    /* BF50 { BF53 { 80 01 result seq, 80 01 notification seq } } */
    assert_int_equal(ack_len, 12);
    assert_int_equal(ack[8], (uint8_t)got->result.seq_number);
    assert_int_equal(ack[11], seq[2]);
    free(ack);
    sgp32_buffer_free(list);
    sgp32_buffer_free(epr);
}

#ifdef IPA_TEST_HAVE_SMDP
#define MATCHING_ID "TS48V2-SAIP2-1-BERTLV-UNIQUE" /* <shared>/profiles/<matchingId>.der */

static struct smdp_blob blob_of(struct sgp32_bytes bytes)
{
    struct smdp_blob blob;
    blob.data = (uint8_t *)(uintptr_t)bytes.data;
    blob.len = bytes.len;
    return blob;
}

/* ES10b.AuthenticateServer on the card with what InitiateAuthentication answered (SGP.22 3.1.2): the
 * card's AuthenticateServerResponse (not an error) in *authenticated. */
static void card_authenticate_server(struct sgp32_es10 *es10, const struct smdp_authentication *auth,
                                     uint8_t **authenticated, size_t *authenticated_len)
{
    struct smdp_blob bf38 = {NULL, 0};
    long code = -1;
    assert_int_equal(smdp_build_authenticate_server_request(auth, MATCHING_ID, &bf38), SGP32_OK);
    assert_int_equal(sgp32_es10_authenticate_server(es10, bf38.data, bf38.len, authenticated, authenticated_len),
                     SGP32_OK);
    free(bf38.data);
    assert_int_equal(sgp32_es10_answer_error_code(*authenticated, *authenticated_len, &code), SGP32_OK);
    assert_int_equal(code, 0);
}

/* ES10b.PrepareDownload on the card with what AuthenticateClient answered (SGP.22 3.1.3). */
static void card_prepare_download(struct sgp32_es10 *es10, const struct smdp_prepare *prepare, uint8_t **prepared,
                                  size_t *prepared_len)
{
    struct smdp_blob bf21 = {NULL, 0};
    assert_int_equal(smdp_build_prepare_download_request(prepare, NULL, &bf21), SGP32_OK);
    assert_int_equal(sgp32_es10_prepare_download(es10, bf21.data, bf21.len, prepared, prepared_len), SGP32_OK);
    free(bf21.data);
}

/* One ES9+ call through the fixture's peer as an IPA would make it (lib/remote client side). The
 * body goes to `sink` when given (streaming), else it is collected and parsed into *response. */
static enum sgp32_status es9_call(struct ipa_fixture *f, enum sgp32_es9plus_function function,
                                  const union sgp32_es9plus_request *request, union sgp32_es9plus_response *response,
                                  void **storage, struct sgp32_remote_result *result)
{
    struct sgp32_remote_endpoint endpoint = {"https://127.0.0.1:8443", "libsgp32-test", 10000};
    struct sgp32_remote_request built;
    struct sgp32_remote_body body;
    struct sgp32_remote_answer answer;
    struct sgp32_http_result http_result;
    enum sgp32_status status;
    uint32_t id = 0;
    int done = 0, polls = 0;
    *storage = NULL;
    assert_int_equal(sgp32_es9plus_build_request(&endpoint, function, request, &built), SGP32_OK);
    sgp32_remote_body_init(&body, 1024u * 1024u);
    assert_int_equal(
        f->platform.http.ops->start(f->platform.http.user, &built.http, sgp32_remote_body_sink, &body, &id), SGP32_OK);
    sgp32_remote_request_release(&built);
    while (!done && polls++ < 1000)
        assert_int_equal(f->platform.http.ops->poll(f->platform.http.user, id, 0, &done, &http_result), SGP32_OK);
    assert_true(done);
    assert_int_equal(http_result.status, SGP32_OK);
    answer = sgp32_remote_answer_of(&http_result, &body);
    status = sgp32_es9plus_parse_response(function, &answer, response, storage, result);
    sgp32_remote_body_release(&body);
    return status;
}

/* A whole direct download (SGP.22 3.1.3) between the software eUICC and the in-process SM-DP+, the
 * ES9+ answers arriving in small chunks over several polls; a wrong SM-DP+ address is refused. */
static void test_smdp_download_through_the_peer(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_es10 *es10 = NULL;
    struct sgp32_es10_bpp_loader *loader = NULL;
    union sgp32_es9plus_request request;
    union sgp32_es9plus_response ia, ac, bpp;
    struct sgp32_remote_result result;
    struct smdp_authentication auth;
    struct smdp_prepare prepare;
    struct smdp_blob upp = {NULL, 0};
    uint8_t challenge[16], tid[16], iccid[10], *info1 = NULL, *authenticated = NULL, *prepared = NULL;
    uint8_t *installed = NULL;
    size_t info1_len = 0, authenticated_len = 0, prepared_len = 0, installed_len = 0, offset;
    void *ia_storage = NULL, *ac_storage = NULL, *bpp_storage = NULL, *storage = NULL;
    const char *wrong = "smdp.elsewhere.example";
    long code = -1;
    ipa_http_peer_set_latency(f->http, 2);
    ipa_http_peer_set_chunking(f->http, 512, 3);
    assert_int_equal(ipa_fixture_es10(f, &es10), SGP32_OK);
    assert_int_equal(sgp32_es10_get_euicc_challenge(es10, challenge), SGP32_OK);
    assert_int_equal(sgp32_es10_get_euicc_info1(es10, &info1, &info1_len), SGP32_OK);
    memset(&request, 0, sizeof(request));
    request.initiate_authentication.euicc_challenge.data = challenge;
    request.initiate_authentication.euicc_challenge.len = 16;
    request.initiate_authentication.euicc_info1.data = info1;
    request.initiate_authentication.euicc_info1.len = info1_len;
    /* the wrong address first: SGP.22 5.6.1 "8.8.1 / 3.8" */
    request.initiate_authentication.smdp_address.data = (const uint8_t *)wrong;
    request.initiate_authentication.smdp_address.len = strlen(wrong);
    assert_int_equal(es9_call(f, SGP32_ES9PLUS_INITIATE_AUTHENTICATION, &request, &ia, &ia_storage, &result),
                     SGP32_ERR_SERVER_STATUS);
    assert_string_equal(result.subject_code, "8.8.1");
    assert_string_equal(result.reason_code, "3.8");
    sgp32_remote_storage_free(ia_storage);
    request.initiate_authentication.smdp_address.data = (const uint8_t *)f->smdp_address;
    request.initiate_authentication.smdp_address.len = strlen(f->smdp_address);
    assert_int_equal(es9_call(f, SGP32_ES9PLUS_INITIATE_AUTHENTICATION, &request, &ia, &ia_storage, &result), SGP32_OK);
    sgp32_buffer_free(info1);
    assert_int_equal(ia.initiate_authentication.transaction_id.len, 16);
    memcpy(tid, ia.initiate_authentication.transaction_id.data, 16);
    /* ES10b.AuthenticateServer on the card */
    auth.server_signed1 = blob_of(ia.initiate_authentication.server_signed1);
    auth.server_signature1 = blob_of(ia.initiate_authentication.server_signature1);
    auth.euicc_ci_pkid = blob_of(ia.initiate_authentication.euicc_ci_pkid_to_be_used);
    auth.server_certificate = blob_of(ia.initiate_authentication.server_certificate);
    card_authenticate_server(es10, &auth, &authenticated, &authenticated_len);
    sgp32_remote_storage_free(ia_storage);
    /* ES9+.AuthenticateClient, ES10b.PrepareDownload */
    memset(&request, 0, sizeof(request));
    request.authenticate_client.transaction_id.data = tid;
    request.authenticate_client.transaction_id.len = 16;
    request.authenticate_client.authenticate_server_response.data = authenticated;
    request.authenticate_client.authenticate_server_response.len = authenticated_len;
    assert_int_equal(es9_call(f, SGP32_ES9PLUS_AUTHENTICATE_CLIENT, &request, &ac, &ac_storage, &result), SGP32_OK);
    prepare.smdp_signed2 = blob_of(ac.authenticate_client.smdp_signed2);
    prepare.smdp_signature2 = blob_of(ac.authenticate_client.smdp_signature2);
    prepare.smdp_certificate = blob_of(ac.authenticate_client.smdp_certificate);
    card_prepare_download(es10, &prepare, &prepared, &prepared_len);
    sgp32_remote_storage_free(ac_storage);
    assert_int_equal(sgp32_es10_answer_error_code(prepared, prepared_len, &code), SGP32_OK);
    assert_int_equal(code, 0);
    /* ES9+.GetBoundProfilePackage, loaded onto the card */
    memset(&request, 0, sizeof(request));
    request.get_bound_profile_package.transaction_id.data = tid;
    request.get_bound_profile_package.transaction_id.len = 16;
    request.get_bound_profile_package.prepare_download_response.data = prepared;
    request.get_bound_profile_package.prepare_download_response.len = prepared_len;
    assert_int_equal(es9_call(f, SGP32_ES9PLUS_GET_BOUND_PROFILE_PACKAGE, &request, &bpp, &bpp_storage, &result),
                     SGP32_OK);
    assert_true(ipa_http_peer_last(f->http, NULL)->delivered > 512 * 3); /* several polls of chunks */
    assert_int_equal(sgp32_es10_bpp_loader_new(es10, 0, &loader), SGP32_OK);
    for (offset = 0; offset < bpp.get_bound_profile_package.bound_profile_package.len; offset += 997) {
        size_t n = bpp.get_bound_profile_package.bound_profile_package.len - offset;
        assert_int_equal(sgp32_es10_bpp_loader_feed(loader,
                                                    bpp.get_bound_profile_package.bound_profile_package.data + offset,
                                                    n < 997 ? n : 997),
                         SGP32_OK);
    }
    assert_true(sgp32_es10_bpp_loader_done(loader));
    assert_int_equal(sgp32_es10_bpp_loader_finish(loader, &installed, &installed_len), SGP32_OK);
    sgp32_es10_bpp_loader_free(loader);
    sgp32_remote_storage_free(bpp_storage);
    /* the installation result to the SM-DP+ (204), which ends the session */
    memset(&request, 0, sizeof(request));
    request.handle_notification.pending_notification.data = installed;
    request.handle_notification.pending_notification.len = installed_len;
    assert_int_equal(es9_call(f, SGP32_ES9PLUS_HANDLE_NOTIFICATION, &request, NULL, &storage, &result), SGP32_OK);
    sgp32_remote_storage_free(storage);
    assert_int_equal(ipa_smdp_last_http_status(f->smdp), 204);
    /* the profile is on the card */
    assert_int_equal(smdp_read_file(SGP32_SHARED_DIR "/profiles/" MATCHING_ID ".der", &upp), SGP32_OK);
    assert_int_equal(smdp_upp_iccid(upp.data, upp.len, iccid), SGP32_OK);
    free(upp.data);
    {
        uint8_t *list = NULL, needle[12] = {0x5A, 0x0A};
        size_t list_len = 0;
        memcpy(needle + 2, iccid, 10);
        assert_int_equal(sgp32_es10_get_profiles_info(es10, NULL, 0, &list, &list_len), SGP32_OK);
        assert_true(contains(list, list_len, needle, sizeof(needle)));
        sgp32_buffer_free(list);
    }
    sgp32_es10_free(es10);
    sgp32_buffer_free(authenticated);
    sgp32_buffer_free(prepared);
    sgp32_buffer_free(installed);
    assert_int_equal(ipa_smdp_calls(f->smdp, "initiateAuthentication"), 2);
    assert_int_equal(ipa_smdp_calls(f->smdp, NULL), 5);
    assert_int_equal(ipa_http_peer_count(f->http, "/gsma/rsp2/es9plus/"), 5);
    assert_int_equal(ipa_http_peer_violations(f->http, NULL), 0);
}
#endif

#ifdef IPA_TEST_HAVE_SMDP
/* Appends tag L value (minimal DER length) to out[*n..]. */
static void put_tlv(uint8_t *out, size_t cap, size_t *n, uint32_t tag, const uint8_t *value, size_t len)
{
    assert_true(*n + len + 8 <= cap);
    if (tag > 0xFF)
        out[(*n)++] = (uint8_t)(tag >> 8);
    out[(*n)++] = (uint8_t)tag;
    if (len >= 0x100) {
        out[(*n)++] = 0x82;
        out[(*n)++] = (uint8_t)(len >> 8);
    } else if (len >= 0x80) {
        out[(*n)++] = 0x81;
    }
    out[(*n)++] = (uint8_t)len;
    memcpy(out + *n, value, len);
    *n += len;
}

/* The index-th child of the element at data[0..len) (whole TLV). */
static struct sgp32_bytes nth_child(const uint8_t *data, size_t len, size_t index)
{
    struct sgp32_tlv_header outer, h;
    struct sgp32_bytes out = {NULL, 0};
    size_t pos, i = 0;
    assert_int_equal(sgp32_tlv_parse_header(data, len, &outer), SGP32_OK);
    for (pos = outer.header_len; pos < outer.header_len + outer.length; pos += h.header_len + h.length, i++) {
        assert_int_equal(sgp32_tlv_parse_header(data + pos, len - pos, &h), SGP32_OK);
        if (i == index) {
            out.data = data + pos;
            out.len = h.header_len + h.length;
            return out;
        }
    }
    fail_msg("no child %zu", index);
    return out;
}

/* An ESipa session message tag { 80 tid, element } and the eIM's answer's 30 { .. } (in *answer). */
static struct sgp32_bytes relay_step(struct ipa_fixture *f, uint32_t tag, const uint8_t tid[16], const uint8_t *element,
                                     size_t element_len, uint8_t **answer, size_t *answer_len)
{
    uint8_t *content = malloc(element_len + 32), *message = malloc(element_len + 40);
    size_t content_len = 0, message_len = 0;
    enum sgp32_esipa_message kind;
    struct sgp32_bytes ok;
    assert_non_null(content);
    assert_non_null(message);
    put_tlv(content, element_len + 32, &content_len, 0x80, tid, 16);
    memcpy(content + content_len, element, element_len);
    content_len += element_len;
    put_tlv(message, element_len + 40, &message_len, tag, content, content_len);
    assert_int_equal(esipa_exchange(f, message, message_len, &kind, answer, answer_len), 200);
    free(content);
    free(message);
    ok = nth_child(*answer, *answer_len, 0);
    assert_int_equal(ok.data[0], 0x30); /* the Ok alternative, not the error INTEGER */
    return ok;
}

/* An indirect download (SGP.32 3.2.3): ESipa to the scripted eIM, which relays to the in-process
 * SM-DP+ over ES9+, and the installation result relayed back as a notification. */
static void test_indirect_download_through_the_eim(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_es10 *es10 = NULL;
    struct sgp32_es10_bpp_loader *loader = NULL;
    struct smdp_authentication auth;
    struct smdp_prepare prepare;
    struct sgp32_bytes ok, part;
    enum sgp32_esipa_message kind;
    uint8_t challenge[16], tid[16], *info1 = NULL, *authenticated = NULL, *prepared = NULL, *installed = NULL;
    uint8_t message[4096], content[4096], *answer = NULL;
    size_t info1_len = 0, authenticated_len = 0, prepared_len = 0, installed_len = 0, n = 0, c = 0, answer_len = 0;
    assert_int_equal(ipa_fixture_es10(f, &es10), SGP32_OK);
    assert_int_equal(sgp32_es10_get_euicc_challenge(es10, challenge), SGP32_OK);
    assert_int_equal(sgp32_es10_get_euicc_info1(es10, &info1, &info1_len), SGP32_OK);
    /* InitiateAuthenticationRequestEsipa without smdpAddress: the eIM picks its SM-DP+ */
    put_tlv(content, sizeof(content), &c, 0x81, challenge, 16);
    assert_true(c + info1_len <= sizeof(content));
    memcpy(content + c, info1, info1_len);
    c += info1_len;
    put_tlv(message, sizeof(message), &n, 0xBF39, content, c);
    sgp32_buffer_free(info1);
    assert_int_equal(esipa_exchange(f, message, n, &kind, &answer, &answer_len), 200);
    assert_int_equal(kind, SGP32_ESIPA_INITIATE_AUTHENTICATION);
    ok = nth_child(answer, answer_len, 0);
    part = nth_child(ok.data, ok.len, 0);
    assert_int_equal(part.data[0], 0x80);
    assert_int_equal(part.len, 18);
    memcpy(tid, part.data + 2, 16);
    auth.server_signed1 = blob_of(nth_child(ok.data, ok.len, 1));
    auth.server_signature1 = blob_of(nth_child(ok.data, ok.len, 2));
    auth.euicc_ci_pkid = blob_of(nth_child(ok.data, ok.len, 3));
    auth.server_certificate = blob_of(nth_child(ok.data, ok.len, 4));
    card_authenticate_server(es10, &auth, &authenticated, &authenticated_len);
    free(answer);
    /* AuthenticateClientRequestEsipa -> AuthenticateClientOkDPEsipa */
    ok = relay_step(f, 0xBF3B, tid, authenticated, authenticated_len, &answer, &answer_len);
    assert_int_equal(nth_child(ok.data, ok.len, 1).data[1], 0x25); /* BF25 profileMetaData */
    prepare.smdp_signed2 = blob_of(nth_child(ok.data, ok.len, 2));
    prepare.smdp_signature2 = blob_of(nth_child(ok.data, ok.len, 3));
    prepare.smdp_certificate = blob_of(nth_child(ok.data, ok.len, 4));
    card_prepare_download(es10, &prepare, &prepared, &prepared_len);
    free(answer);
    /* GetBoundProfilePackageRequestEsipa -> the BPP, loaded */
    ok = relay_step(f, 0xBF3A, tid, prepared, prepared_len, &answer, &answer_len);
    part = nth_child(ok.data, ok.len, 1);
    assert_int_equal(part.data[1], 0x36); /* BF36 */
    assert_int_equal(sgp32_es10_bpp_loader_new(es10, 0, &loader), SGP32_OK);
    assert_int_equal(sgp32_es10_bpp_loader_feed(loader, part.data, part.len), SGP32_OK);
    assert_int_equal(sgp32_es10_bpp_loader_finish(loader, &installed, &installed_len), SGP32_OK);
    sgp32_es10_bpp_loader_free(loader);
    free(answer);
    /* the installation result to the eIM (HandleNotification), relayed to the SM-DP+ */
    n = 0;
    c = 0;
    assert_true(installed_len + 16 <= sizeof(content));
    put_tlv(content, sizeof(content), &c, 0xA0, installed, installed_len);
    put_tlv(message, sizeof(message), &n, 0xBF3D, content, c);
    assert_int_equal(esipa_exchange(f, message, n, &kind, &answer, &answer_len), 204);
    free(answer);
    assert_int_equal(ipa_smdp_calls(f->smdp, "handleNotification"), 1);
    assert_int_equal(ipa_smdp_last_http_status(f->smdp), 204);
    /* the session is over: a late AuthenticateClient is invalidTransactionId (10) */
    n = 0;
    c = 0;
    put_tlv(content, sizeof(content), &c, 0x80, tid, 16);
    assert_true(c + authenticated_len <= sizeof(content));
    memcpy(content + c, authenticated, authenticated_len);
    c += authenticated_len;
    put_tlv(message, sizeof(message), &n, 0xBF3B, content, c);
    assert_int_equal(esipa_exchange(f, message, n, &kind, &answer, &answer_len), 200);
    assert_int_equal(answer_len, 6);
    assert_memory_equal(answer, "\xBF\x3B\x03\x02\x01\x0A", 6);
    free(answer);
    assert_int_equal(ipa_smdp_relayed(f->smdp), 4);
    assert_int_equal(ipa_smdp_calls(f->smdp, NULL), 5);
    assert_int_equal(ipa_http_peer_count(f->http, "/gsma/rsp2/es9plus/"), 0); /* all through the eIM */
    sgp32_es10_free(es10);
    sgp32_buffer_free(authenticated);
    sgp32_buffer_free(prepared);
    sgp32_buffer_free(installed);
}
#endif

#ifdef IPA_TEST_HAVE_SMDP
/* One ESipa message over the JSON binding (lib/remote client side): the answer's ASN.1 message. */
static int esipa_json_exchange(struct ipa_fixture *f, const uint8_t *message, size_t len, uint8_t **answer,
                               size_t *answer_len)
{
    struct sgp32_remote_endpoint endpoint = {f->eim_fqdn, "libsgp32-test", 10000};
    struct sgp32_remote_request request;
    struct sgp32_remote_body collected;
    struct sgp32_remote_answer reply;
    struct sgp32_remote_result result;
    struct sgp32_http_result http_result;
    enum sgp32_esipa_message sent, kind;
    uint32_t id = 0;
    int done = 0;
    assert_int_equal(sgp32_esipa_json_build_request(&endpoint, message, len, &sent, &request), SGP32_OK);
    sgp32_remote_body_init(&collected, 64u * 1024u);
    assert_int_equal(
        f->platform.http.ops->start(f->platform.http.user, &request.http, sgp32_remote_body_sink, &collected, &id),
        SGP32_OK);
    sgp32_remote_request_release(&request);
    assert_int_equal(f->platform.http.ops->poll(f->platform.http.user, id, 0, &done, &http_result), SGP32_OK);
    assert_true(done);
    assert_int_equal(http_result.status, SGP32_OK);
    reply = sgp32_remote_answer_of(&http_result, &collected);
    assert_int_equal(sgp32_esipa_json_parse_response(sent, &reply, &kind, answer, answer_len, NULL, &result), SGP32_OK);
    sgp32_remote_body_release(&collected);
    return http_result.http_status;
}

/* The same eIM over the ESipa JSON binding: a package executed by the card, its result verified
 * and acknowledged, all recorded as ASN.1 messages. */
static void test_eim_json_binding(void **state)
{
    struct ipa_fixture *f = *state;
    struct sgp32_eim_buffer item;
    struct sgp32_es10 *es10 = NULL;
    uint8_t request[32], *answer = NULL, *result = NULL, *provide;
    size_t request_len, answer_len = 0, result_len = 0, provide_len, inner_len;
    const uint8_t *inner;
    const struct ipa_eim_received *got;
    assert_int_equal(sgp32_eim_psmo_get_rat(&item), SGP32_OK);
    assert_int_equal(ipa_eim_queue_package(f->eim, SGP32_EIM_PSMO_LIST, &item, 1, NULL), SGP32_OK);
    sgp32_eim_buffer_free(&item);
    request_len = get_eim_package_request(f->eid, 0, request);
    assert_int_equal(esipa_json_exchange(f, request, request_len, &answer, &answer_len), 200);
    assert_true(child_of(answer, answer_len, 0xBF51, &inner, &inner_len));
    assert_int_equal(ipa_fixture_es10(f, &es10), SGP32_OK);
    assert_int_equal(sgp32_es10_load_euicc_package(es10, inner, inner_len, &result, &result_len), SGP32_OK);
    sgp32_es10_free(es10);
    sgp32_esipa_json_message_free(answer);
    provide = provide_result(f->eid, result, result_len, &provide_len);
    assert_int_equal(esipa_json_exchange(f, provide, provide_len, &answer, &answer_len), 200);
    free(provide);
    got = ipa_eim_last(f->eim, SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT);
    assert_non_null(got);
    assert_int_equal(got->verify_status, SGP32_OK);
    assert_int_equal(got->ack_count, 1);
    assert_int_equal(answer_len, 9); /* BF50 { BF53 { 80 01 seq } } */
    assert_int_equal(answer[8], (uint8_t)got->result.seq_number);
    sgp32_esipa_json_message_free(answer);
    sgp32_buffer_free(result);
    assert_int_equal(ipa_http_peer_count(f->http, "/gsma/rsp2/esipa/getEimPackage"), 1);
    assert_int_equal(ipa_http_peer_count(f->http, "/gsma/rsp2/esipa/provideEimPackageResult"), 1);
    assert_int_equal(ipa_eim_count(f->eim, SGP32_ESIPA_NONE), 2);
}
#endif

/* Fixture tests: the fixture is torn down (temp dir removed) also when an assertion fails. */
static int fixture_setup(void **state)
{
    *state = ipa_fixture_new(NULL);
    return *state != NULL ? 0 : -1;
}

static int fixture_teardown(void **state)
{
    ipa_fixture_free(*state);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_peer_answers_and_records),
        cmocka_unit_test(test_http_peer_latency_and_chunks),
        cmocka_unit_test(test_http_peer_timeouts),
        cmocka_unit_test(test_http_peer_scripted_failures),
        cmocka_unit_test(test_http_peer_header_check),
        cmocka_unit_test(test_storage_records_and_log),
        cmocka_unit_test(test_storage_replay_and_faults),
        cmocka_unit_test(test_host_platform),
        cmocka_unit_test_setup_teardown(test_eim_package_through_the_card, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_eim_ack_modes, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_eim_other_answers, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_eim_epr_and_notifications, fixture_setup, fixture_teardown),
#ifdef IPA_TEST_HAVE_SMDP
        cmocka_unit_test_setup_teardown(test_smdp_download_through_the_peer, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_indirect_download_through_the_eim, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_eim_json_binding, fixture_setup, fixture_teardown),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
