/* SPDX-License-Identifier: MIT */
/*
 * The HTTPS client of the tests that talk to server processes: the libcurl backend trusting one CA
 * file, never through a proxy (loopback), and one request run to completion with a bound. The helpers
 * assert (cmocka): compile test_https.c into the test executable.
 */
#ifndef SGP32_TESTS_SUPPORT_TEST_HTTPS_H
#define SGP32_TESTS_SUPPORT_TEST_HTTPS_H

#include <stddef.h>
#include <stdint.h>

#include "remote/remote.h"
#include "sgp32/http.h"
#include "sgp32/http_curl.h"

/* A libcurl client trusting ca_file (PEM), 10 s to connect, timeout_ms per request by default. */
void test_https_client_new(const char *ca_file, uint32_t timeout_ms, struct sgp32_http_curl **curl,
                           struct sgp32_http_client *client);
/* Runs one request to completion, collecting the body: polls until done or timeout_ms + 5 s passed
 * (then cancels: SGP32_ERR_TIMEOUT); the transport status. */
enum sgp32_status test_https_run(const struct sgp32_http_client *client, const struct sgp32_http_request *request,
                                 struct sgp32_remote_body *body, struct sgp32_http_result *result, uint32_t timeout_ms);
/* Runs a request built by lib/remote (ES9+, ES11, ESipa) with test_https_run, at most body_cap answer
 * bytes, and releases it: the transport status; on SGP32_OK *answer refers into *body
 * (sgp32_remote_body_release by the caller in any case). */
enum sgp32_status test_remote_run(const struct sgp32_http_client *client, struct sgp32_remote_request *built,
                                  size_t body_cap, struct sgp32_remote_body *body,
                                  struct sgp32_http_result *http_result, struct sgp32_remote_answer *answer,
                                  uint32_t timeout_ms);
/* A raw request to https://<address><path> with the Content-Type and X-Admin-Protocol headers (each
 * left out when NULL), run with test_https_run; the answer body collected into *collected (at most cap
 * bytes; sgp32_remote_body_release by the caller in any case): the HTTP status, or -1. */
int test_https_request(const struct sgp32_http_client *client, const char *address, const char *method,
                       const char *path, const char *content_type, const char *admin_protocol, const uint8_t *body,
                       size_t body_len, struct sgp32_remote_body *collected, size_t cap, uint32_t timeout_ms);

#endif
