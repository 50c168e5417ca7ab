/* SPDX-License-Identifier: MIT */
/* Shared fixture of the HTTP backend tests (see http_test_common.h). */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#if defined(__SANITIZE_ADDRESS__)
#define HTTP_TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HTTP_TEST_ASAN 1
#endif
#endif
#ifdef HTTP_TEST_ASAN
#include <sanitizer/allocator_interface.h>
#else
#include <malloc.h>
#endif

#include "http_test_common.h"

uint64_t http_test_now_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000u + (uint64_t)now.tv_nsec / 1000000u;
}

void http_test_sleep_ms(unsigned ms)
{
    struct timespec delay;
    delay.tv_sec = ms / 1000u;
    delay.tv_nsec = (long)(ms % 1000u) * 1000000L;
    nanosleep(&delay, NULL);
}

size_t http_test_live_heap_bytes(void)
{
#ifdef HTTP_TEST_ASAN
    return __sanitizer_get_current_allocated_bytes();
#else
    struct mallinfo2 info = mallinfo2();
    return info.uordblks + info.hblkhd; /* in use from the arenas + mmap()ed blocks */
#endif
}

uint8_t *http_test_read_file(const char *path, size_t *len)
{
    FILE *file = fopen(path, "rb");
    uint8_t *data = NULL;
    long size;
    *len = 0;
    if (file == NULL)
        return NULL;
    if (fseek(file, 0, SEEK_END) == 0 && (size = ftell(file)) > 0 && fseek(file, 0, SEEK_SET) == 0) {
        data = malloc((size_t)size);
        if (data != NULL && fread(data, 1, (size_t)size, file) == (size_t)size) {
            *len = (size_t)size;
        } else {
            free(data);
            data = NULL;
        }
    }
    fclose(file);
    return data;
}

void http_test_url(struct https_test_server *server, const char *path, char *url, size_t cap)
{
    snprintf(url, cap, "https://127.0.0.1:%u%s", (unsigned)https_test_server_port(server), path);
}

static uint16_t unused_port(void)
{
    struct sockaddr_in address;
    socklen_t address_len = sizeof address;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    uint16_t port = 0;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&address, sizeof address) == 0 &&
        getsockname(fd, (struct sockaddr *)&address, &address_len) == 0)
        port = ntohs(address.sin_port);
    if (fd >= 0)
        close(fd); /* never listened on: connections to it are refused */
    return port;
}

int http_test_setup(void **state)
{
    struct http_test *t = calloc(1, sizeof *t);
    char command[512], cert[256], key[256];
    if (t == NULL)
        return -1;
    *state = t;
    snprintf(t->pki_dir, sizeof t->pki_dir, "/tmp/sgp32-http-XXXXXX");
    if (mkdtemp(t->pki_dir) == NULL)
        return -1;
    snprintf(command, sizeof command, "sh '%s/examples/pki/sgp32-test-pki' --curve nist --force '%s' >/dev/null",
             SGP32_SOURCE_DIR, t->pki_dir);
    if (system(command) != 0)
        return -1;
    snprintf(t->root_cert_pem, sizeof t->root_cert_pem, "%s/nist/tls/root.cert.pem", t->pki_dir);
    snprintf(t->root_cert_der, sizeof t->root_cert_der, "%s/nist/tls/root.cert.der", t->pki_dir);
    snprintf(t->ci_cert_pem, sizeof t->ci_cert_pem, "%s/nist/ci/ci.cert.pem", t->pki_dir);
    snprintf(t->ci_cert_der, sizeof t->ci_cert_der, "%s/nist/ci/ci.cert.der", t->pki_dir);
    snprintf(cert, sizeof cert, "%s/nist/tls/server.cert.pem", t->pki_dir);
    snprintf(key, sizeof key, "%s/nist/tls/server.key.pem", t->pki_dir);
    if (https_test_server_start(cert, key, &t->server) != 0)
        return -1;
    snprintf(cert, sizeof cert, "%s/nist/smdp/tls.cert.pem", t->pki_dir);
    snprintf(key, sizeof key, "%s/nist/smdp/tls.key.pem", t->pki_dir);
    if (https_test_server_start(cert, key, &t->other_server) != 0)
        return -1;
    snprintf(cert, sizeof cert, "%s/nist/smdp/auth.cert.pem", t->pki_dir);
    snprintf(key, sizeof key, "%s/nist/smdp/auth.key.pem", t->pki_dir);
    if (https_test_server_start(cert, key, &t->wrong_host_server) != 0)
        return -1;
    t->closed_port = unused_port();
    return t->closed_port != 0 ? 0 : -1;
}

int http_test_teardown(void **state)
{
    struct http_test *t = *state;
    char command[256];
    int rc = 0;
    if (t == NULL)
        return 0;
    sgp32_http_curl_free(t->client);
    https_test_server_stop(t->server);
    https_test_server_stop(t->other_server);
    https_test_server_stop(t->wrong_host_server);
    if (t->pki_dir[0] != '\0') {
        snprintf(command, sizeof command, "rm -rf '%s'", t->pki_dir);
        rc = system(command) == 0 ? 0 : -1;
    }
    free(t);
    return rc;
}

void http_test_options(struct http_test *t, struct sgp32_http_curl_options *options)
{
    memset(options, 0, sizeof *options);
    options->size = sizeof *options;
    options->ca_file = t->root_cert_pem;
    options->proxy = ""; /* the environment's proxy must not see loopback test traffic */
}

void http_test_client(struct http_test *t, const struct sgp32_http_curl_options *options,
                      struct sgp32_http_client *http)
{
    struct sgp32_http_curl_options defaults;
    if (options == NULL) {
        http_test_options(t, &defaults);
        options = &defaults;
    }
    sgp32_http_curl_free(t->client);
    t->client = NULL;
    assert_int_equal(sgp32_http_curl_new(options, &t->client), SGP32_OK);
    sgp32_http_curl_client(t->client, http);
    assert_ptr_equal(http->user, t->client);
    assert_int_equal(http->ops->version, SGP32_HTTP_VERSION);
    assert_int_equal(http->ops->size, sizeof(struct sgp32_http_ops));
}

void http_test_client_free(struct http_test *t)
{
    sgp32_http_curl_free(t->client);
    t->client = NULL;
}

void http_test_sink_reset(struct sink *sink)
{
    struct https_test_server *watch = sink->watch;
    enum sgp32_status fail_with = sink->fail_with;
    uint64_t fail_after = sink->fail_after;
    int sample_heap = sink->sample_heap;
    memset(sink, 0, sizeof *sink);
    sink->watch = watch;
    sink->fail_with = fail_with;
    sink->fail_after = fail_after;
    sink->sample_heap = sample_heap;
    sink->sum_a = 1;
}

static void sum_update(uint32_t *sum_a, uint32_t *sum_b, uint8_t byte)
{
    *sum_a = (*sum_a + byte) % 65521u;
    *sum_b = (*sum_b + *sum_a) % 65521u;
}

enum sgp32_status http_test_sink(void *sink_user, const uint8_t *data, size_t len)
{
    struct sink *sink = sink_user;
    size_t i;
    if (sink->calls == 0 && sink->watch != NULL)
        sink->server_sent_at_first_call = https_test_server_large_bytes_sent(sink->watch);
    sink->calls++;
    if (sink->sample_heap) {
        size_t heap = http_test_live_heap_bytes();
        if (heap > sink->heap_peak)
            sink->heap_peak = heap;
    }
    if (len > sink->max_chunk)
        sink->max_chunk = len;
    for (i = 0; i < len; i++) {
        if (data[i] != https_test_server_byte(sink->total + i))
            sink->pattern_errors++;
        sum_update(&sink->sum_a, &sink->sum_b, data[i]);
    }
    if (sink->len < sizeof sink->data) {
        size_t keep = len < sizeof sink->data - sink->len ? len : sizeof sink->data - sink->len;
        memcpy(sink->data + sink->len, data, keep);
        sink->len += keep;
    }
    sink->total += len;
    if (sink->fail_with != SGP32_OK && sink->total > sink->fail_after)
        return sink->fail_with;
    return SGP32_OK;
}

void http_test_expected_sum(uint64_t size, uint32_t *sum_a, uint32_t *sum_b)
{
    uint64_t i;
    *sum_a = 1;
    *sum_b = 0;
    for (i = 0; i < size; i++)
        sum_update(sum_a, sum_b, https_test_server_byte(i));
}

uint32_t http_test_start(struct sgp32_http_client *http, const char *url, const char *method,
                         const struct sgp32_http_header *headers, size_t header_count, const uint8_t *body,
                         size_t body_len, uint32_t timeout_ms, struct sink *sink)
{
    struct sgp32_http_request request;
    uint32_t id = 0;
    memset(&request, 0, sizeof request);
    request.url = url;
    request.method = method;
    request.headers = headers;
    request.header_count = header_count;
    request.body = body;
    request.body_len = body_len;
    request.timeout_ms = timeout_ms;
    http_test_sink_reset(sink);
    assert_int_equal(http->ops->start(http->user, &request, http_test_sink, sink, &id), SGP32_OK);
    assert_int_not_equal(id, 0);
    return id;
}

enum sgp32_status http_test_run(struct sgp32_http_client *http, const char *url, const char *method,
                                const struct sgp32_http_header *headers, size_t header_count, const uint8_t *body,
                                size_t body_len, uint32_t timeout_ms, struct sink *sink,
                                struct sgp32_http_result *result)
{
    struct sgp32_http_request request;
    uint32_t id = 0;
    int done = 0;
    uint64_t give_up = http_test_now_ms() + 30000u;
    enum sgp32_status status;
    memset(&request, 0, sizeof request);
    memset(result, 0x55, sizeof *result);
    request.url = url;
    request.method = method;
    request.headers = headers;
    request.header_count = header_count;
    request.body = body;
    request.body_len = body_len;
    request.timeout_ms = timeout_ms;
    http_test_sink_reset(sink);
    status = http->ops->start(http->user, &request, http_test_sink, sink, &id);
    if (status != SGP32_OK)
        return status;
    while (!done) {
        assert_int_equal(http->ops->poll(http->user, id, 100, &done, result), SGP32_OK);
        assert_true(http_test_now_ms() < give_up);
    }
    return SGP32_OK;
}
