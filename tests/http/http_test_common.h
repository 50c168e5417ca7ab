/* SPDX-License-Identifier: MIT */
/* Shared fixture of the HTTP backend tests: a test PKI, two loopback HTTPS servers, a client and a
 * checking sink. */
#ifndef SGP32_TESTS_HTTP_TEST_COMMON_H
#define SGP32_TESTS_HTTP_TEST_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "https_test_server.h"
#include "sgp32/http.h"
#include "sgp32/http_curl.h"
#include "sgp32/version.h"

struct http_test {
    char pki_dir[64];
    char root_cert_pem[256]; /* nist/tls/root.cert.pem: issuer of the main server's certificate */
    char root_cert_der[256];
    char ci_cert_pem[256]; /* nist/ci/ci.cert.pem: issuer of the other server's certificate */
    char ci_cert_der[256];
    struct https_test_server *server;            /* tls/server certificate */
    struct https_test_server *other_server;      /* smdp/tls certificate (another CA) */
    struct https_test_server *wrong_host_server; /* smdp/auth: issued by the CI, not for 127.0.0.1 */
    uint16_t closed_port;                        /* a loopback port nobody listens on */
    struct sgp32_http_curl *client;
    unsigned log_calls;
    char last_log[256];
};

/* Keeps the first bytes, counts all, and checks them against the /large pattern as they arrive. */
struct sink {
    uint8_t data[65536];
    size_t len;
    uint64_t total;
    unsigned calls;
    size_t max_chunk;
    uint64_t pattern_errors;     /* bytes that differ from https_test_server_byte(position) */
    uint32_t sum_a, sum_b;       /* Adler-32 style rolling checksum over everything received */
    enum sgp32_status fail_with; /* returned once total passes fail_after (SGP32_OK: never) */
    uint64_t fail_after;
    struct https_test_server *watch; /* records the server's /large progress at the first call */
    uint64_t server_sent_at_first_call;
    int sample_heap; /* 1: record the peak of live heap bytes seen at sink calls */
    size_t heap_peak;
};

int http_test_setup(void **state);
int http_test_teardown(void **state);

uint64_t http_test_now_ms(void);
void http_test_sleep_ms(unsigned ms);
/* Bytes currently allocated on the heap by the whole process (ASan's allocator under ASan, glibc's
 * mallinfo2 otherwise): freed memory held in ASan's quarantine or cached by malloc does not count. */
size_t http_test_live_heap_bytes(void);
uint8_t *http_test_read_file(const char *path, size_t *len);
void http_test_url(struct https_test_server *server, const char *path, char *url, size_t cap);

/* Options trusting tls/root (file), no proxy. */
void http_test_options(struct http_test *t, struct sgp32_http_curl_options *options);
/* Creates t->client (NULL options: http_test_options) and its operations. */
void http_test_client(struct http_test *t, const struct sgp32_http_curl_options *options,
                      struct sgp32_http_client *http);
void http_test_client_free(struct http_test *t);

void http_test_sink_reset(struct sink *sink);
enum sgp32_status http_test_sink(void *sink_user, const uint8_t *data, size_t len);
/* The checksum the sink should end with after `size` bytes of the /large pattern. */
void http_test_expected_sum(uint64_t size, uint32_t *sum_a, uint32_t *sum_b);

/* start() (asserting success), the sink reset first. */
uint32_t http_test_start(struct sgp32_http_client *http, const char *url, const char *method,
                         const struct sgp32_http_header *headers, size_t header_count, const uint8_t *body,
                         size_t body_len, uint32_t timeout_ms, struct sink *sink);
/* start() then poll() until done (at most 30 s); returns start()'s status. */
enum sgp32_status http_test_run(struct sgp32_http_client *http, const char *url, const char *method,
                                const struct sgp32_http_header *headers, size_t header_count, const uint8_t *body,
                                size_t body_len, uint32_t timeout_ms, struct sink *sink,
                                struct sgp32_http_result *result);

#endif
