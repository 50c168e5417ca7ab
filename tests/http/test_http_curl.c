/* SPDX-License-Identifier: MIT */
/*
 * The libcurl HTTP backend (transports/http_curl) against a real HTTPS server on 127.0.0.1
 * (https_test_server.c, libmicrohttpd) whose certificates come from the project test PKI generated
 * at setup (examples/pki/sgp32-test-pki, NIST set): tls/server (issued by tls/root) on the main
 * server, smdp/tls (issued by the CI, another CA) on the second one.
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
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "http_test_common.h"

static void test_post_headers_arrive(void **state)
{
    struct http_test *t = *state;
    static const uint8_t body[] = {0xBF, 0x4F, 0x03, 0x80, 0x01, 0x00, 0x0A, 0x0D};
    struct sgp32_http_header headers[] = {{"Content-Type", "application/x-gsma-rsp-asn1"},
                                          {"X-Admin-Protocol", "gsma/rsp/v2.1.0"},
                                          {"User-Agent", "test-ipa/1.2"}};
    struct sgp32_http_client http;
    struct sink sink = {.len = 0}; /* zero: no watch, no failure */
    struct sgp32_http_result result;
    char value[256], url[128];
    uint8_t received[64];

    http_test_client(t, NULL, &http);
    http_test_url(t->server, "/echo", url, sizeof url);
    assert_int_equal(http_test_run(&http, url, "POST", headers, 3, body, sizeof body, 5000, &sink, &result), SGP32_OK);
    assert_int_equal(result.status, SGP32_OK);
    assert_int_equal(result.http_status, 200);
    assert_string_equal(result.content_type, "text/x-echo");
    assert_string_equal(result.detail, "");
    assert_int_equal(https_test_server_last_header(t->server, "User-Agent", value, sizeof value), 0);
    assert_string_equal(value, "test-ipa/1.2");
    assert_int_equal(https_test_server_last_header(t->server, "X-Admin-Protocol", value, sizeof value), 0);
    assert_string_equal(value, "gsma/rsp/v2.1.0");
    assert_int_equal(https_test_server_last_header(t->server, "Content-Type", value, sizeof value), 0);
    assert_string_equal(value, "application/x-gsma-rsp-asn1");
    assert_int_not_equal(https_test_server_last_header(t->server, "Expect", value, sizeof value), 0);
    assert_int_equal(https_test_server_last_body(t->server, received, sizeof received), sizeof body);
    assert_memory_equal(received, body, sizeof body);
    /* The echo body came back through the sink: request line, headers, blank line, body. */
    assert_true(sink.len > sizeof body);
    assert_memory_equal(sink.data, "POST /echo\n", 11);
    assert_non_null(strstr((const char *)sink.data, "\nX-Admin-Protocol: gsma/rsp/v2.1.0\n"));
    assert_memory_equal(sink.data + sink.len - sizeof body, body, sizeof body);

    /* Without a User-Agent the backend sends its own; without Content-Type none is invented. */
    assert_int_equal(http_test_run(&http, url, "POST", headers + 1, 1, body, sizeof body, 5000, &sink, &result),
                     SGP32_OK);
    assert_int_equal(result.http_status, 200);
    assert_int_equal(https_test_server_last_header(t->server, "User-Agent", value, sizeof value), 0);
    assert_string_equal(value, "libsgp32/" SGP32_VERSION_STRING);
    assert_int_not_equal(https_test_server_last_header(t->server, "Content-Type", value, sizeof value), 0);

    /* GET without a body. */
    assert_int_equal(http_test_run(&http, url, "GET", NULL, 0, NULL, 0, 5000, &sink, &result), SGP32_OK);
    assert_int_equal(result.http_status, 200);
    assert_memory_equal(sink.data, "GET /echo\n", 10);
    http_test_client_free(t);
}

static void test_tls_other_ca_refused(void **state)
{
    struct http_test *t = *state;
    struct sgp32_http_curl_options options;
    struct sgp32_http_client http;
    struct sink sink = {.len = 0}; /* zero: no watch, no failure */
    struct sgp32_http_result result;
    char url[128];

    /* tls/root trusts the main server but not the one whose certificate the CI issued. */
    http_test_client(t, NULL, &http);
    http_test_url(t->other_server, "/echo", url, sizeof url);
    assert_int_equal(http_test_run(&http, url, "GET", NULL, 0, NULL, 0, 5000, &sink, &result), SGP32_OK);
    assert_int_equal(result.status, SGP32_ERR_CRYPTO);
    assert_int_equal(result.http_status, 0);
    assert_int_equal(sink.calls, 0);
    assert_memory_equal(result.detail, "TLS: ", 5);
    assert_non_null(strstr(result.detail, "certificate"));
    assert_int_equal(https_test_server_requests(t->other_server, "/echo"), 0);
    http_test_client_free(t);

    /* The right CA (the CI for that server) passes. */
    http_test_options(t, &options);
    options.ca_file = t->ci_cert_pem;
    http_test_client(t, &options, &http);
    assert_int_equal(http_test_run(&http, url, "GET", NULL, 0, NULL, 0, 5000, &sink, &result), SGP32_OK);
    assert_int_equal(result.status, SGP32_OK);
    assert_int_equal(result.http_status, 200);
    assert_int_equal(https_test_server_requests(t->other_server, "/echo"), 1);

    /* Same CA, but a certificate not issued for 127.0.0.1: the host name check refuses it. */
    http_test_url(t->wrong_host_server, "/echo", url, sizeof url);
    assert_int_equal(http_test_run(&http, url, "GET", NULL, 0, NULL, 0, 5000, &sink, &result), SGP32_OK);
    assert_int_equal(result.status, SGP32_ERR_CRYPTO);
    assert_memory_equal(result.detail, "TLS: ", 5);
    assert_non_null(strstr(result.detail, "127.0.0.1"));
    assert_int_equal(https_test_server_requests(t->wrong_host_server, NULL), 0);
    http_test_client_free(t);

    /* No trust configured: the system's bundle, which does not know the test roots. */
    http_test_options(t, &options);
    options.ca_file = NULL;
    http_test_client(t, &options, &http);
    http_test_url(t->server, "/echo", url, sizeof url);
    assert_int_equal(http_test_run(&http, url, "GET", NULL, 0, NULL, 0, 5000, &sink, &result), SGP32_OK);
    assert_int_equal(result.status, SGP32_ERR_CRYPTO);
    http_test_client_free(t);
}

static void test_tls_ca_blob(void **state)
{
    struct http_test *t = *state;
    struct sgp32_http_curl_options options;
    struct sgp32_http_client http;
    struct sink sink = {.len = 0}; /* zero: no watch, no failure */
    struct sgp32_http_result result;
    struct sgp32_http_curl *client = NULL;
    char url[128];
    size_t pem_len = 0, der_len = 0, ci_der_len = 0;
    uint8_t *pem = http_test_read_file(t->root_cert_pem, &pem_len);
    uint8_t *der = http_test_read_file(t->root_cert_der, &der_len);
    uint8_t *ci_der = http_test_read_file(t->ci_cert_der, &ci_der_len);
    static const uint8_t garbage[] = {0x04, 0x02, 0x01, 0x02};

    assert_non_null(pem);
    assert_non_null(der);
    assert_non_null(ci_der);
    http_test_url(t->server, "/echo", url, sizeof url);
    /* PEM in memory, and the DER form (as trustedCertificateTls carries it), each replace the file. */
    for (int round = 0; round < 3; round++) {
        http_test_options(t, &options);
        options.ca_file = NULL;
        options.ca_blob = round == 0 ? pem : round == 1 ? der : ci_der;
        options.ca_blob_len = round == 0 ? pem_len : round == 1 ? der_len : ci_der_len;
        http_test_client(t, &options, &http);
        assert_int_equal(http_test_run(&http, url, "POST", NULL, 0, (const uint8_t *)"x", 1, 5000, &sink, &result),
                         SGP32_OK);
        if (round < 2) {
            assert_int_equal(result.status, SGP32_OK);
            assert_int_equal(result.http_status, 200);
        } else { /* the CI certificate is not the TLS server's issuer */
            assert_int_equal(result.status, SGP32_ERR_CRYPTO);
            assert_non_null(strstr(result.detail, "certificate"));
        }
        http_test_client_free(t);
    }
    /* Neither PEM nor a DER certificate. */
    http_test_options(t, &options);
    options.ca_blob = garbage;
    options.ca_blob_len = sizeof garbage;
    assert_int_equal(sgp32_http_curl_new(&options, &client), SGP32_ERR_INVALID_ARGUMENT);
    assert_null(client);
    free(pem);
    free(der);
    free(ci_der);
}

static void collect_log(void *log_user, const char *message)
{
    struct http_test *t = log_user;
    t->log_calls++;
    snprintf(t->last_log, sizeof t->last_log, "%s", message);
}

static void test_insecure_flag_warns(void **state)
{
    struct http_test *t = *state;
    struct sgp32_http_curl_options options;
    struct sgp32_http_client http;
    struct sink sink = {.len = 0}; /* zero: no watch, no failure */
    struct sgp32_http_result result;
    char url[128];

    http_test_options(t, &options);
    options.ca_file = NULL;
    options.insecure_skip_verify = 1;
    options.log = collect_log;
    options.log_user = t;
    t->log_calls = 0;
    http_test_client(t, &options, &http);
    assert_int_equal(t->log_calls, 1);
    assert_non_null(strstr(t->last_log, "verification is OFF"));
    http_test_url(t->other_server, "/status/204", url, sizeof url);
    assert_int_equal(http_test_run(&http, url, "GET", NULL, 0, NULL, 0, 5000, &sink, &result), SGP32_OK);
    assert_int_equal(result.status, SGP32_OK);
    assert_int_equal(result.http_status, 204);
    http_test_client_free(t);

    /* With verification on, the log callback stays silent. */
    http_test_options(t, &options);
    options.log = collect_log;
    options.log_user = t;
    t->log_calls = 0;
    http_test_client(t, &options, &http);
    assert_int_equal(t->log_calls, 0);
    http_test_client_free(t);
}

static void test_timeout(void **state)
{
    struct http_test *t = *state;
    struct sgp32_http_client http;
    struct sink sink = {.len = 0}; /* zero: no watch, no failure */
    struct sgp32_http_result result;
    char url[128];
    uint64_t started, elapsed;

    http_test_client(t, NULL, &http);
    http_test_url(t->server, "/slow?ms=4000", url, sizeof url);
    started = http_test_now_ms();
    assert_int_equal(http_test_run(&http, url, "GET", NULL, 0, NULL, 0, 400, &sink, &result), SGP32_OK);
    elapsed = http_test_now_ms() - started;
    assert_int_equal(result.status, SGP32_ERR_TIMEOUT);
    assert_int_equal(result.http_status, 0);
    assert_true(result.detail[0] != '\0');
    assert_true(elapsed >= 390);
    assert_true(elapsed < 2000);
    http_test_client_free(t);
}

static void test_status_codes_and_redirect(void **state)
{
    struct http_test *t = *state;
    struct sgp32_http_client http;
    struct sink sink = {.len = 0}; /* zero: no watch, no failure */
    struct sgp32_http_result result;
    char url[128];
    unsigned echoes;

    http_test_client(t, NULL, &http);
    http_test_url(t->server, "/status/204", url, sizeof url);
    assert_int_equal(http_test_run(&http, url, "POST", NULL, 0, (const uint8_t *)"n", 1, 5000, &sink, &result),
                     SGP32_OK);
    assert_int_equal(result.status, SGP32_OK);
    assert_int_equal(result.http_status, 204);
    assert_int_equal(sink.calls, 0);
    assert_int_equal(sink.len, 0);

    /* An HTTP error is an answer: status OK, the code and the body reach the caller. */
    http_test_url(t->server, "/status/500", url, sizeof url);
    assert_int_equal(http_test_run(&http, url, "GET", NULL, 0, NULL, 0, 5000, &sink, &result), SGP32_OK);
    assert_int_equal(result.status, SGP32_OK);
    assert_int_equal(result.http_status, 500);
    assert_int_equal(sink.len, 5);
    assert_memory_equal(sink.data, "error", 5);

    /* A redirect to another host is reported, not followed. */
    echoes = https_test_server_requests(t->server, "/echo");
    http_test_url(t->server, "/redirect", url, sizeof url);
    assert_int_equal(http_test_run(&http, url, "GET", NULL, 0, NULL, 0, 5000, &sink, &result), SGP32_OK);
    assert_int_equal(result.status, SGP32_OK);
    assert_int_equal(result.http_status, 302);
    assert_int_equal(https_test_server_requests(t->server, "/redirect"), 1);
    assert_int_equal(https_test_server_requests(t->server, "/echo"), echoes);
    http_test_client_free(t);
}

static void test_bad_requests(void **state)
{
    struct http_test *t = *state;
    struct sgp32_http_curl_options options;
    struct sgp32_http_client http;
    struct sink sink = {.len = 0}; /* zero: no watch, no failure */
    struct sgp32_http_result result;
    struct sgp32_http_curl *client = NULL;
    struct sgp32_http_header injected = {"X-Admin-Protocol", "gsma/rsp/v2.1.0\r\nX-Evil: 1"};
    struct sgp32_http_request request;
    uint32_t id = 0;
    char url[128];

    /* An options struct from an older/other build (too small a size) is refused. */
    http_test_options(t, &options);
    options.size = 4;
    assert_int_equal(sgp32_http_curl_new(&options, &client), SGP32_ERR_INVALID_ARGUMENT);

    http_test_client(t, NULL, &http);
    http_test_url(t->server, "/echo", url, sizeof url);
    memset(&request, 0, sizeof request);
    request.url = url;
    request.method = "POST";
    request.headers = &injected;
    request.header_count = 1;
    request.timeout_ms = 1000;
    assert_int_equal(http.ops->start(http.user, &request, NULL, NULL, &id), SGP32_ERR_INVALID_ARGUMENT);
    request.headers = NULL;
    request.body_len = 3; /* no body pointer */
    assert_int_equal(http.ops->start(http.user, &request, NULL, NULL, &id), SGP32_ERR_INVALID_ARGUMENT);
    assert_int_equal(sgp32_http_curl_pending(t->client), 0);

    /* Plain http:// is refused unless allowed (ESipa and ES9+ are HTTPS only). */
    snprintf(url, sizeof url, "http://127.0.0.1:%u/echo", (unsigned)https_test_server_port(t->server));
    assert_int_equal(http_test_run(&http, url, "GET", NULL, 0, NULL, 0, 5000, &sink, &result), SGP32_OK);
    assert_int_equal(result.status, SGP32_ERR_INVALID_ARGUMENT);

    /* Nobody listening: a transport error. */
    snprintf(url, sizeof url, "https://127.0.0.1:%u/echo", (unsigned)t->closed_port);
    assert_int_equal(http_test_run(&http, url, "GET", NULL, 0, NULL, 0, 5000, &sink, &result), SGP32_OK);
    assert_int_equal(result.status, SGP32_ERR_HTTP);
    assert_memory_equal(result.detail, "curl: ", 6);
    http_test_client_free(t);
}

static void test_unknown_id(void **state)
{
    struct http_test *t = *state;
    struct sgp32_http_client http;
    struct sgp32_http_result result;
    struct sink sink = {.len = 0}; /* zero: no watch, no failure */
    int done = 7;
    uint32_t id;
    char url[128];

    http_test_client(t, NULL, &http);
    assert_int_equal(http.ops->poll(http.user, 12345, 0, &done, &result), SGP32_ERR_NOT_FOUND);
    assert_int_equal(done, 0);
    http.ops->cancel(http.user, 12345); /* ignored */

    /* A completed request is released by the poll that reports it. */
    http_test_url(t->server, "/status/204", url, sizeof url);
    id = http_test_start(&http, url, "GET", NULL, 0, NULL, 0, 5000, &sink);
    done = 0;
    while (!done)
        assert_int_equal(http.ops->poll(http.user, id, 100, &done, &result), SGP32_OK);
    assert_int_equal(result.http_status, 204);
    assert_int_equal(http.ops->poll(http.user, id, 0, &done, &result), SGP32_ERR_NOT_FOUND);
    assert_int_equal(sgp32_http_curl_pending(t->client), 0);
    http_test_client_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_post_headers_arrive),
        cmocka_unit_test(test_tls_other_ca_refused),
        cmocka_unit_test(test_tls_ca_blob),
        cmocka_unit_test(test_insecure_flag_warns),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_status_codes_and_redirect),
        cmocka_unit_test(test_bad_requests),
        cmocka_unit_test(test_unknown_id),
    };
    return cmocka_run_group_tests(tests, http_test_setup, http_test_teardown);
}
