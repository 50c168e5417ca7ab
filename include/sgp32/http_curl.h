/* SPDX-License-Identifier: MIT */
/*
 * The libcurl backend of the HTTP client interface (sgp32/http.h). Part of libsgp32 when it is built
 * with SGP32_WITH_CURL (CMake option, default ON; libsgp32 then depends on libcurl >= 7.77). Builds
 * without it do not have these functions. See docs/http.md.
 *
 * One client owns one curl multi handle: its requests run side by side, and connections stay in the
 * multi handle's cache between requests (a keep-alive connection to the eIM is reused by the next
 * request of the procedure). poll() drives curl_multi_perform and waits in curl_multi_poll only as
 * long as the caller allowed; the response body goes to the sink from curl's write callback as it
 * arrives (one curl buffer, 16 KiB, never the whole body).
 *
 * Defaults: TLS peer and host verification on, HTTPS only, HTTP/1.1, no redirect followed (a 3xx is
 * reported as the answer), User-Agent "libsgp32/<version>" when the request has none, no
 * "Expect: 100-continue", no Content-Type unless the request sets one.
 *
 * How a request ends (sgp32_http_result.status; detail holds the reason, curl's text included):
 *   SGP32_OK                   an HTTP answer arrived, whatever its code (http_status says which)
 *   SGP32_ERR_TIMEOUT          timeout_ms (or connect_timeout_ms) passed
 *   SGP32_ERR_CRYPTO           the server's certificate failed verification (untrusted issuer,
 *                              wrong host name, expired...): "TLS: ..." - retrying will not help
 *   SGP32_ERR_INVALID_ARGUMENT the request or the backend's own TLS material is unusable (bad URL,
 *                              scheme not allowed, unreadable CA file, bad client certificate)
 *   SGP32_ERR_TOO_LARGE        the body passed max_response_bytes
 *   SGP32_ERR_NO_MEMORY        an allocation failed
 *   <sink's status>            the sink returned it (the transfer was aborted)
 *   SGP32_ERR_HTTP             anything else: DNS, connection refused or reset, TLS handshake
 *                              failure, malformed answer ("curl: ...")
 *
 * Thread safety: one client belongs to one thread at a time. Clients in different threads are
 * independent. curl_global_init() (not thread-safe in every libcurl build) is called once per
 * process from sgp32_http_curl_new() behind pthread_once; a host that uses libcurl itself may call
 * it earlier (libcurl counts the calls). This backend never calls curl_global_cleanup().
 */
#ifndef SGP32_HTTP_CURL_H
#define SGP32_HTTP_CURL_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/http.h"
#include "sgp32/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Receives the backend's warnings (for example that TLS verification is off). */
typedef void (*sgp32_http_curl_log)(void *log_user, const char *message);

/* Zero-initialise and set size = sizeof(struct sgp32_http_curl_options). Every pointer is copied (or
 * what it points to) by sgp32_http_curl_new(). NULL options: the defaults below. */
struct sgp32_http_curl_options {
    uint32_t size;

    /* Trust for the servers' certificates. When none of ca_file, ca_dir and ca_blob is set, libcurl's
     * default bundle (the system's) is used; otherwise exactly what is set here. */
    const char *ca_file;    /* PEM file of CA certificates */
    const char *ca_dir;     /* OpenSSL hashed certificate directory */
    const uint8_t *ca_blob; /* in memory: PEM (one or more certificates) or one DER certificate, such
                               as trustedCertificateTls of the eIM's EimConfigurationData */
    size_t ca_blob_len;

    /* Client certificate for mutual TLS (optional, PEM files). */
    const char *client_cert_file;
    const char *client_key_file;

    uint32_t connect_timeout_ms; /* TCP + TLS handshake; 0: bounded by the request's timeout only */
    uint32_t default_timeout_ms; /* for requests with timeout_ms == 0; 0: 60000 */
    uint64_t max_response_bytes; /* 0: no limit; above it the request ends with SGP32_ERR_TOO_LARGE */
    const char *user_agent;      /* NULL: "libsgp32/<version>" (used when a request has none) */
    const char *proxy;           /* NULL: libcurl's default (https_proxy/no_proxy from the
                                    environment); "": no proxy; else the proxy URL */
    int allow_http;              /* 1: plain http:// URLs are allowed too (never for ESipa/ES9+) */

    /* FOR TESTS ONLY: 1 turns TLS peer and host verification off. new() then logs a warning. */
    int insecure_skip_verify;

    sgp32_http_curl_log log; /* optional */
    void *log_user;
};

struct sgp32_http_curl;

/* Creates a client (curl multi handle, no connection yet). SGP32_ERR_INVALID_ARGUMENT for bad
 * options (size, a CA blob that is neither PEM nor DER), SGP32_ERR_NOT_SUPPORTED when the libcurl at
 * run time lacks HTTPS, SGP32_ERR_NO_MEMORY. */
enum sgp32_status sgp32_http_curl_new(const struct sgp32_http_curl_options *options, struct sgp32_http_curl **client);

/* Abandons every request still queued, closes the connections and frees. NULL is fine. */
void sgp32_http_curl_free(struct sgp32_http_curl *client);

/* The HTTP client operations over `client` (valid as long as client). */
void sgp32_http_curl_client(struct sgp32_http_curl *client, struct sgp32_http_client *http);

/* The number of requests started and not yet released (completed and polled, or cancelled). */
size_t sgp32_http_curl_pending(const struct sgp32_http_curl *client);

#ifdef __cplusplus
}
#endif

#endif /* SGP32_HTTP_CURL_H */
