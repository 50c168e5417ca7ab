/* SPDX-License-Identifier: MIT */
/* The tests' HTTPS client (test_https.h). */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "test_https.h"

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void test_https_client_new(const char *ca_file, uint32_t timeout_ms, struct sgp32_http_curl **curl,
                           struct sgp32_http_client *client)
{
    struct sgp32_http_curl_options options;
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.ca_file = ca_file;
    options.connect_timeout_ms = 10000;
    options.default_timeout_ms = timeout_ms;
    options.proxy = ""; /* loopback: never through a proxy from the environment */
    assert_int_equal(sgp32_http_curl_new(&options, curl), SGP32_OK);
    sgp32_http_curl_client(*curl, client);
}

enum sgp32_status test_https_run(const struct sgp32_http_client *client, const struct sgp32_http_request *request,
                                 struct sgp32_remote_body *body, struct sgp32_http_result *result, uint32_t timeout_ms)
{
    uint32_t id = 0;
    int done = 0;
    uint64_t deadline = now_ms() + timeout_ms + 5000;
    enum sgp32_status status = client->ops->start(client->user, request, sgp32_remote_body_sink, body, &id);
    if (status != SGP32_OK)
        return status;
    while (!done && now_ms() < deadline) {
        status = client->ops->poll(client->user, id, 1000, &done, result);
        if (status != SGP32_OK)
            return status;
    }
    if (!done) {
        client->ops->cancel(client->user, id);
        return SGP32_ERR_TIMEOUT;
    }
    return result->status;
}

enum sgp32_status test_remote_run(const struct sgp32_http_client *client, struct sgp32_remote_request *built,
                                  size_t body_cap, struct sgp32_remote_body *body,
                                  struct sgp32_http_result *http_result, struct sgp32_remote_answer *answer,
                                  uint32_t timeout_ms)
{
    enum sgp32_status status;
    memset(http_result, 0, sizeof(*http_result));
    memset(answer, 0, sizeof(*answer));
    sgp32_remote_body_init(body, body_cap);
    status = test_https_run(client, &built->http, body, http_result, timeout_ms);
    sgp32_remote_request_release(built);
    if (status == SGP32_OK)
        *answer = sgp32_remote_answer_of(http_result, body);
    return status;
}

int test_https_request(const struct sgp32_http_client *client, const char *address, const char *method,
                       const char *path, const char *content_type, const char *admin_protocol, const uint8_t *body,
                       size_t body_len, struct sgp32_remote_body *collected, size_t cap, uint32_t timeout_ms)
{
    char url[256];
    struct sgp32_http_header headers[2];
    struct sgp32_http_request request;
    struct sgp32_http_result result;
    size_t count = 0;
    enum sgp32_status status;
    snprintf(url, sizeof(url), "https://%s%s", address, path);
    if (content_type != NULL) {
        headers[count].name = "Content-Type";
        headers[count++].value = content_type;
    }
    if (admin_protocol != NULL) {
        headers[count].name = "X-Admin-Protocol";
        headers[count++].value = admin_protocol;
    }
    memset(&request, 0, sizeof(request));
    memset(&result, 0, sizeof(result));
    request.url = url;
    request.method = method;
    request.headers = headers;
    request.header_count = count;
    request.body = body;
    request.body_len = body_len;
    request.timeout_ms = timeout_ms;
    sgp32_remote_body_init(collected, cap);
    status = test_https_run(client, &request, collected, &result, timeout_ms);
    return status == SGP32_OK ? result.http_status : -1;
}
