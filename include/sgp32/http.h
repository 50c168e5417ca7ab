/* SPDX-License-Identifier: MIT */
/*
 * The HTTP client interface of libsgp32: how the IPA reaches the eIM (ESipa), the SM-DP+ (ES9+) and
 * the SM-DS (ES11). A versioned table of function pointers plus a user pointer, so a vendor can plug
 * in its own stack (a modem's AT+HTTP, an RTOS TLS library) instead of the libcurl backend.
 *
 * The interface is non-blocking, so the IPA never stalls the host's event loop:
 *   start()  queues a request and returns at once with a request handle;
 *   poll()   makes progress without waiting (or up to max_wait_ms if the caller allows it), delivers
 *            response bytes to the sink as they arrive (a Bound Profile Package streams from here to
 *            STORE DATA without ever being held whole) and says when the request is complete;
 *   cancel() abandons a request (also after completion, to release it).
 * Every request has a deadline (timeout_ms): a request that passes it completes with
 * SGP32_ERR_TIMEOUT. TLS certificate verification is on unless the backend was configured otherwise.
 */
#ifndef SGP32_HTTP_H
#define SGP32_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SGP32_HTTP_VERSION 1u

struct sgp32_http_header {
    const char *name;
    const char *value;
};

struct sgp32_http_request {
    const char *url;    /* "https://eim.example.com/gsma/rsp2/asn1" */
    const char *method; /* "POST" or "GET" */
    const struct sgp32_http_header *headers;
    size_t header_count;
    const uint8_t *body; /* may be NULL when body_len == 0 */
    size_t body_len;
    uint32_t timeout_ms; /* whole request, connection included */
};

/* Receives the response body piece by piece; return SGP32_OK to go on, anything else aborts the
 * request, which then completes with that status. */
typedef enum sgp32_status (*sgp32_http_body_sink)(void *sink_user, const uint8_t *data, size_t len);

/* The result of a completed request. */
struct sgp32_http_result {
    enum sgp32_status status; /* SGP32_OK: an HTTP answer arrived (whatever its code) */
    int http_status;          /* 200, 204, 404 ... (0 if no answer) */
    char content_type[96];    /* Content-Type of the answer ("" if none) */
    char detail[160];         /* why it failed, for logs ("TLS: certificate verify failed" ...) */
};

struct sgp32_http_ops {
    uint32_t version; /* SGP32_HTTP_VERSION */
    uint32_t size;    /* sizeof(struct sgp32_http_ops) of the implementation */

    /* Queues a request. The request and its buffers need only live until start() returns. The body
     * goes to sink/sink_user; *request_id identifies the request for poll() and cancel(). */
    enum sgp32_status (*start)(void *user, const struct sgp32_http_request *request, sgp32_http_body_sink sink,
                               void *sink_user, uint32_t *request_id);
    /* Makes progress on every queued request, waiting at most max_wait_ms (0: never waits). When the
     * request `request_id` has completed, *done is set to 1 and *result filled; the request is then
     * released. SGP32_ERR_NOT_FOUND for an unknown id. */
    enum sgp32_status (*poll)(void *user, uint32_t request_id, uint32_t max_wait_ms, int *done,
                              struct sgp32_http_result *result);
    /* Abandons a request (no further sink calls). Unknown ids are ignored. */
    void (*cancel)(void *user, uint32_t request_id);
};

/* An HTTP client instance: its operations and their user pointer. */
struct sgp32_http_client {
    const struct sgp32_http_ops *ops;
    void *user;
};

#ifdef __cplusplus
}
#endif

#endif /* SGP32_HTTP_H */
