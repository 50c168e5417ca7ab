/* SPDX-License-Identifier: MIT */
/*
 * lib/remote: the HTTP bindings of the IPA's remote interfaces (ESipa ASN.1, ES9+ JSON, ES11 JSON),
 * in both directions so that the IPA core (client) and the test eIM / SM-DP+ / SM-DS (servers) share
 * one implementation:
 *   client: builds the HTTP request (URL, headers, body) of a message, parses the HTTP answer;
 *   server: parses an incoming request (path, headers, body), builds the HTTP answer.
 * The layer speaks ASN.1 (DER/BER bytes) to its callers; base64 and JSON never leave it. Objects are
 * carried byte for byte: a signed object received is what the caller gets, nothing is re-encoded.
 * Internal header (not installed). See docs/remote.md.
 */
#ifndef SGP32_REMOTE_H
#define SGP32_REMOTE_H

#include <stddef.h>
#include <stdint.h>

#include "sgp32/http.h"
#include "sgp32/status.h"

/* SGP.32 v1.2 6.1 (ESipa HTTP ASN.1 binding): header values as the specification fixes them. */
#define SGP32_REMOTE_ASN1_PATH "/gsma/rsp2/asn1"
#define SGP32_REMOTE_CONTENT_TYPE_ASN1 "application/x-gsma-rsp-asn1"
#define SGP32_REMOTE_ADMIN_PROTOCOL_ESIPA "gsma/rsp/v2.1.0"
/* SGP.22 6.5.1 (ES9+/ES11 JSON binding): "gsma/rsp/v<x.y.z>", the SGP.22 version implemented (v2.5).
 * Servers built on this layer accept any "gsma/rsp/v2." value. */
#define SGP32_REMOTE_ADMIN_PROTOCOL_ES9PLUS "gsma/rsp/v2.5.0"
#define SGP32_REMOTE_ADMIN_PROTOCOL_PREFIX "gsma/rsp/v2."
/* Sent with JSON bodies; received media types are compared without their parameters. */
#define SGP32_REMOTE_CONTENT_TYPE_JSON "application/json;charset=UTF-8"
#define SGP32_REMOTE_MEDIA_TYPE_JSON "application/json"
/* User-Agent sent when the caller gives none (mandatory on ESipa since SGP.32 v1.2). */
#define SGP32_REMOTE_DEFAULT_USER_AGENT "libsgp32"

#define SGP32_REMOTE_URL_MAX 320u
#define SGP32_REMOTE_HEADERS_MAX 4u

/* Bytes held by someone else: absent when data == NULL. Strings (an address) are UTF-8 bytes; those
 * produced by this layer are also NUL-terminated (len excludes the NUL). */
struct sgp32_bytes {
    const uint8_t *data;
    size_t len;
};

/* Where a request goes and who sends it. */
struct sgp32_remote_endpoint {
    /* "eim.example.com", "eim.example.com:8443" (https:// is prepended), or a base URL with its
     * scheme ("http://127.0.0.1:8000"; a trailing '/' is dropped). */
    const char *address;
    const char *user_agent; /* NULL: SGP32_REMOTE_DEFAULT_USER_AGENT */
    uint32_t timeout_ms;
};

/*
 * A request ready for sgp32_http_ops.start(): `http` points into this structure (URL, headers) and
 * to the body, so the structure must not be copied or moved once built. The body is either the
 * caller's bytes (ESipa ASN.1: the message itself, no copy; they must live until start() returns)
 * or owned (JSON text), released by sgp32_remote_request_release().
 */
struct sgp32_remote_request {
    struct sgp32_http_request http;
    char url[SGP32_REMOTE_URL_MAX];
    struct sgp32_http_header headers[SGP32_REMOTE_HEADERS_MAX];
    void *owned_body;
    void (*owned_body_free)(void *body);
};

/* The answer as the client received it (from struct sgp32_http_result and the body sink). */
struct sgp32_remote_answer {
    int http_status;
    const char *content_type; /* may be NULL or "" when the answer had none */
    const uint8_t *body;
    size_t body_len;
};

/* A request as a server received it. admin_protocol is the X-Admin-Protocol header (NULL if absent). */
struct sgp32_remote_incoming {
    const char *path; /* "/gsma/rsp2/es9plus/initiateAuthentication" (no query string) */
    const char *content_type;
    const char *admin_protocol;
    const uint8_t *body;
    size_t body_len;
};

/* A server's answer: status, headers (Content-Type unless 204, X-Admin-Protocol) and body. */
struct sgp32_remote_response {
    int http_status;
    struct sgp32_http_header headers[SGP32_REMOTE_HEADERS_MAX];
    size_t header_count;
    const uint8_t *body;
    size_t body_len;
    void *owned_body;
    void (*owned_body_free)(void *body);
};

/*
 * The outcome of a remote call beyond enum sgp32_status: the server's functionExecutionStatus
 * (SGP.22 6.5.1.4; "Executed-Success", "Executed-WithWarning", "Failed", "Expired") and its
 * statusCodeData (kept when status is Failed: SGP32_ERR_SERVER_STATUS), and, for any error found
 * locally, a short reason in `detail` ("missing field transactionId", "HTTP 404"). Longer server
 * strings are truncated.
 */
struct sgp32_remote_result {
    int http_status;
    char execution_status[24];
    char subject_code[40];
    char reason_code[40];
    char subject_identifier[128];
    char message[256];
    char detail[128];
};

/* Builds the request parts. body is borrowed unless owned_body is given (then body == owned_body,
 * and the request owns it from here on, also when this fails). */
enum sgp32_status sgp32_remote_request_init(struct sgp32_remote_request *request,
                                            const struct sgp32_remote_endpoint *endpoint, const char *path,
                                            const char *content_type, const char *admin_protocol, const uint8_t *body,
                                            size_t body_len, void *owned_body, void (*owned_body_free)(void *body));
void sgp32_remote_request_release(struct sgp32_remote_request *request);

/* Builds a server answer (content_type NULL for 204). */
void sgp32_remote_response_init(struct sgp32_remote_response *response, int http_status, const char *content_type,
                                const char *admin_protocol, const uint8_t *body, size_t body_len, void *owned_body,
                                void (*owned_body_free)(void *body));
void sgp32_remote_response_release(struct sgp32_remote_response *response);

/* 1 if content_type's media type (before any ';' parameter, case-insensitive) is media_type. */
int sgp32_remote_media_type_is(const char *content_type, const char *media_type);
/* Server side: checks X-Admin-Protocol (present, "gsma/rsp/v2.") and the media type. */
enum sgp32_status sgp32_remote_check_incoming(const struct sgp32_remote_incoming *incoming, const char *media_type,
                                              struct sgp32_remote_result *result);

/* ---- Client helpers around the HTTP interface ---- */

/* Collects a (small) response body from the HTTP sink: pass sgp32_remote_body_sink and the
 * collector to sgp32_http_ops.start(). The buffer grows up to `max` bytes (SGP32_ERR_TOO_LARGE
 * beyond, which aborts the request); release it with sgp32_remote_body_release(). A BPP is not
 * collected: see es9plus_stream.h. */
struct sgp32_remote_body {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max;
};
void sgp32_remote_body_init(struct sgp32_remote_body *body, size_t max);
enum sgp32_status sgp32_remote_body_sink(void *body, const uint8_t *data, size_t len);
void sgp32_remote_body_release(struct sgp32_remote_body *body);
/* The answer as the parsers want it, from a completed request's result and its collected body
 * (body may be NULL for an answer without one). The answer points into both. */
struct sgp32_remote_answer sgp32_remote_answer_of(const struct sgp32_http_result *result,
                                                  const struct sgp32_remote_body *body);

void sgp32_remote_result_clear(struct sgp32_remote_result *result);
/* Sets result->detail (result may be NULL) and returns status: `return remote_fail(r, ST, "why")`. */
enum sgp32_status sgp32_remote_fail(struct sgp32_remote_result *result, enum sgp32_status status, const char *what,
                                    const char *name);

#endif /* SGP32_REMOTE_H */
