/* SPDX-License-Identifier: MIT */
/*
 * The HTTPS client of the tests that talk to server processes: the libcurl backend trusting one CA
 * file, never through a proxy (loopback), and one request run to completion with a bound. The helpers
 * assert (cmocka): compile test_https.c into the test executable.
 */
#ifndef SGP32_TESTS_SUPPORT_TEST_HTTPS_H
#define SGP32_TESTS_SUPPORT_TEST_HTTPS_H

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

#endif
