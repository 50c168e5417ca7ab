/* SPDX-License-Identifier: MIT */
/* The tests' HTTPS client (test_https.h). */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
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
