/* SPDX-License-Identifier: MIT */
/*
 * A scripted HTTP peer implementing struct sgp32_http_ops in process, on the fake clock: no sockets.
 *
 *   start()   records the request (URL, path, method, headers, a copy of the body) and checks that it
 *             carries User-Agent and X-Admin-Protocol (a request without them is answered 400 and
 *             counted in ipa_http_peer_violations());
 *   poll()    every poll makes progress on every request in flight: on a request's `latency`-th poll
 *             the handler registered for the longest matching path prefix produces the answer
 *             (status, content type, body, or a transport failure), then the body goes to the sink in
 *             chunks of `chunk_size` bytes, `chunks_per_poll` chunks per poll (0: all of them in that
 *             poll); the request completes with the poll that delivers the last chunk. A request
 *             whose timeout_ms has passed on the fake clock completes with SGP32_ERR_TIMEOUT;
 *   cancel()  abandons it (recorded).
 * Scripted faults, consumed in order per prefix: fail the next N requests with a transport error or
 * an HTTP status (the handler is not called: the request never reached the server), hang (no answer
 * until the timeout), or drop the connection after K body bytes (the handler ran: the server did
 * its work, the answer is lost).
 */
#ifndef SGP32_TESTS_IPA_HTTP_PEER_H
#define SGP32_TESTS_IPA_HTTP_PEER_H

#include <stddef.h>
#include <stdint.h>

#include "ipa_host.h"
#include "sgp32/http.h"

#define IPA_HTTP_MAX_HEADERS 16u

/* One request as the peer received it. */
struct ipa_http_recorded {
    uint32_t id;
    char *url;
    char *path;                                             /* from the URL: "/gsma/rsp2/asn1" (no query) */
    char *host;                                             /* "127.0.0.1:8443" */
    char *method;                                           /* "POST" */
    struct sgp32_http_header headers[IPA_HTTP_MAX_HEADERS]; /* copies */
    size_t header_count;
    uint8_t *body;
    size_t body_len;
    uint32_t timeout_ms;
    uint64_t started_ms;
    /* filled when it ends */
    int finished;  /* 1 once it completed (done reported or not) */
    int cancelled; /* 1 if cancel() came before completion */
    enum sgp32_status status;
    int http_status;
    size_t delivered; /* body bytes given to the sink */
};

/* The value of a header (case-insensitive name), NULL if absent. */
const char *ipa_http_header(const struct ipa_http_recorded *request, const char *name);

/* What a handler answers. Use ipa_http_reply_set() / ipa_http_reply_fail(); the peer frees body. */
struct ipa_http_reply {
    enum sgp32_status transport_status; /* SGP32_OK: an HTTP answer; else the request fails with it */
    int http_status;
    char content_type[96];
    uint8_t *body; /* malloc'd */
    size_t body_len;
    char detail[160];
};
/* Copies body. content_type may be NULL (none). */
enum sgp32_status ipa_http_reply_set(struct ipa_http_reply *reply, int http_status, const char *content_type,
                                     const uint8_t *body, size_t body_len);
/* A transport failure (SGP32_ERR_TIMEOUT, SGP32_ERR_HTTP ...) with its detail. */
void ipa_http_reply_fail(struct ipa_http_reply *reply, enum sgp32_status status, const char *detail);

typedef void (*ipa_http_handler)(void *user, const struct ipa_http_recorded *request, struct ipa_http_reply *reply);

struct ipa_http_peer;

/* clock: the fake clock for request deadlines (required). */
struct ipa_http_peer *ipa_http_peer_new(struct ipa_clock *clock);
void ipa_http_peer_free(struct ipa_http_peer *peer);
/* The client to put into struct sgp32_platform.http. */
void ipa_http_peer_client(struct ipa_http_peer *peer, struct sgp32_http_client *client);
/* Requests whose path starts with `prefix` go to handler (the longest prefix wins); a request no
 * route matches is answered 404. Up to 16 routes; a second route for the same prefix replaces it. */
enum sgp32_status ipa_http_peer_route(struct ipa_http_peer *peer, const char *prefix, ipa_http_handler handler,
                                      void *user);
/* The answer comes on the `polls`-th poll after start() (default 1; 0 is taken as 1). */
void ipa_http_peer_set_latency(struct ipa_http_peer *peer, uint32_t polls);
/* Body delivery: chunk_size bytes per sink call (0: the whole body at once), chunks_per_poll chunks
 * per poll (0: all). Default 0 / 0. */
void ipa_http_peer_set_chunking(struct ipa_http_peer *peer, size_t chunk_size, uint32_t chunks_per_poll);

/* The next `count` requests to `prefix` (NULL: any path) fail without reaching the handler: with
 * transport_status (SGP32_ERR_TIMEOUT, SGP32_ERR_HTTP ..., detail) if it is not SGP32_OK, else with
 * an HTTP answer of http_status and an empty body. */
enum sgp32_status ipa_http_peer_fail_next(struct ipa_http_peer *peer, const char *prefix, uint32_t count,
                                          enum sgp32_status transport_status, int http_status, const char *detail);
/* The next `count` requests to `prefix` get no answer: they end only by their timeout (or cancel). */
enum sgp32_status ipa_http_peer_hang_next(struct ipa_http_peer *peer, const char *prefix, uint32_t count);
/* The next request to `prefix` is handled, then the connection drops after `bytes` body bytes
 * reached the sink: it completes with SGP32_ERR_HTTP ("connection reset"). */
enum sgp32_status ipa_http_peer_drop_after(struct ipa_http_peer *peer, const char *prefix, size_t bytes);

/* Every request started so far, in order. */
size_t ipa_http_peer_request_count(const struct ipa_http_peer *peer);
const struct ipa_http_recorded *ipa_http_peer_request(const struct ipa_http_peer *peer, size_t i);
/* The last request to a path starting with prefix (NULL: any), NULL if none. */
const struct ipa_http_recorded *ipa_http_peer_last(const struct ipa_http_peer *peer, const char *prefix);
/* Requests to paths starting with prefix (NULL: all). */
size_t ipa_http_peer_count(const struct ipa_http_peer *peer, const char *prefix);
/* Requests started but neither completed nor cancelled. */
size_t ipa_http_peer_in_flight(const struct ipa_http_peer *peer);
/* Requests that lacked User-Agent or X-Admin-Protocol (answered 400); the last reason in *why. */
size_t ipa_http_peer_violations(const struct ipa_http_peer *peer, const char **why);

/* ---- For handlers over lib/remote's server functions ---- */
struct sgp32_remote_incoming;
struct sgp32_remote_response;
/* The request as those functions read it: path, Content-Type, X-Admin-Protocol and body (pointers into
 * `request`). */
void ipa_http_incoming(const struct ipa_http_recorded *request, struct sgp32_remote_incoming *incoming);
/* Answers with such a function's response (status, its Content-Type, a copy of the body) and releases it. */
enum sgp32_status ipa_http_reply_from_response(struct ipa_http_reply *reply, struct sgp32_remote_response *response);

#endif
