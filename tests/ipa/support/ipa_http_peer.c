/* SPDX-License-Identifier: MIT */
/* The scripted HTTP peer of ipa_http_peer.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ipa_http_peer.h"
#include "remote/remote.h"

#define MAX_ROUTES 16u
#define MAX_FAULTS 32u

enum fault_kind { FAULT_NONE = 0, FAULT_FAIL, FAULT_HANG, FAULT_DROP };

struct fault {
    char *prefix; /* NULL: any */
    enum fault_kind kind;
    uint32_t remaining;
    enum sgp32_status status;
    int http_status;
    char detail[160];
    size_t bytes;
};

enum request_state { WAITING, DELIVERING, COMPLETE, RELEASED };

struct request {
    struct ipa_http_recorded rec; /* first: the public view */
    enum request_state state;
    uint32_t polls;
    struct fault fault; /* the fault this request got (kind FAULT_NONE: none); prefix unused */
    int violation;
    sgp32_http_body_sink sink;
    void *sink_user;
    struct ipa_http_reply reply;
    size_t offset;
    struct sgp32_http_result result;
};

struct route {
    char *prefix;
    ipa_http_handler handler;
    void *user;
};

struct ipa_http_peer {
    struct ipa_clock *clock;
    struct route routes[MAX_ROUTES];
    size_t route_count;
    struct fault faults[MAX_FAULTS];
    size_t fault_count;
    struct request **requests;
    size_t request_count, request_cap;
    uint32_t latency;
    size_t chunk_size;
    uint32_t chunks_per_poll;
    size_t violations;
    char violation_why[160];
};

static char *copy_span(const char *text, size_t len)
{
    char *copy = malloc(len + 1);
    if (copy != NULL) {
        memcpy(copy, text, len);
        copy[len] = '\0';
    }
    return copy;
}

const char *ipa_http_header(const struct ipa_http_recorded *request, const char *name)
{
    size_t i;
    for (i = 0; i < request->header_count; i++)
        if (strcasecmp(request->headers[i].name, name) == 0)
            return request->headers[i].value;
    return NULL;
}

enum sgp32_status ipa_http_reply_set(struct ipa_http_reply *reply, int http_status, const char *content_type,
                                     const uint8_t *body, size_t body_len)
{
    free(reply->body);
    memset(reply, 0, sizeof(*reply));
    reply->transport_status = SGP32_OK;
    reply->http_status = http_status;
    snprintf(reply->content_type, sizeof(reply->content_type), "%s", content_type != NULL ? content_type : "");
    if (body_len > 0) {
        reply->body = malloc(body_len);
        if (reply->body == NULL)
            return SGP32_ERR_NO_MEMORY;
        memcpy(reply->body, body, body_len);
        reply->body_len = body_len;
    }
    return SGP32_OK;
}

void ipa_http_reply_fail(struct ipa_http_reply *reply, enum sgp32_status status, const char *detail)
{
    free(reply->body);
    memset(reply, 0, sizeof(*reply));
    reply->transport_status = status;
    snprintf(reply->detail, sizeof(reply->detail), "%s", detail != NULL ? detail : sgp32_strerror(status));
}

struct ipa_http_peer *ipa_http_peer_new(struct ipa_clock *clock)
{
    struct ipa_http_peer *peer = calloc(1, sizeof(*peer));
    if (peer == NULL)
        return NULL;
    peer->clock = clock;
    peer->latency = 1;
    return peer;
}

static void request_free(struct request *r)
{
    size_t i;
    free(r->rec.url);
    free(r->rec.path);
    free(r->rec.host);
    free(r->rec.method);
    for (i = 0; i < r->rec.header_count; i++) {
        free((char *)r->rec.headers[i].name);
        free((char *)r->rec.headers[i].value);
    }
    free(r->rec.body);
    free(r->reply.body);
    free(r);
}

void ipa_http_peer_free(struct ipa_http_peer *peer)
{
    size_t i;
    if (peer == NULL)
        return;
    for (i = 0; i < peer->request_count; i++)
        request_free(peer->requests[i]);
    for (i = 0; i < peer->route_count; i++)
        free(peer->routes[i].prefix);
    for (i = 0; i < peer->fault_count; i++)
        free(peer->faults[i].prefix);
    free(peer->requests);
    free(peer);
}

enum sgp32_status ipa_http_peer_route(struct ipa_http_peer *peer, const char *prefix, ipa_http_handler handler,
                                      void *user)
{
    size_t i;
    for (i = 0; i < peer->route_count; i++)
        if (strcmp(peer->routes[i].prefix, prefix) == 0) {
            peer->routes[i].handler = handler;
            peer->routes[i].user = user;
            return SGP32_OK;
        }
    if (peer->route_count == MAX_ROUTES)
        return SGP32_ERR_NO_MEMORY;
    peer->routes[peer->route_count].prefix = ipa_copy_string(prefix);
    if (peer->routes[peer->route_count].prefix == NULL)
        return SGP32_ERR_NO_MEMORY;
    peer->routes[peer->route_count].handler = handler;
    peer->routes[peer->route_count].user = user;
    peer->route_count++;
    return SGP32_OK;
}

void ipa_http_peer_set_latency(struct ipa_http_peer *peer, uint32_t polls)
{
    peer->latency = polls == 0 ? 1 : polls;
}

void ipa_http_peer_set_chunking(struct ipa_http_peer *peer, size_t chunk_size, uint32_t chunks_per_poll)
{
    peer->chunk_size = chunk_size;
    peer->chunks_per_poll = chunks_per_poll;
}

static enum sgp32_status add_fault(struct ipa_http_peer *peer, const struct fault *fault, const char *prefix)
{
    struct fault *slot;
    if (peer->fault_count == MAX_FAULTS)
        return SGP32_ERR_NO_MEMORY;
    slot = &peer->faults[peer->fault_count];
    *slot = *fault;
    slot->prefix = NULL;
    if (prefix != NULL && (slot->prefix = ipa_copy_string(prefix)) == NULL)
        return SGP32_ERR_NO_MEMORY;
    peer->fault_count++;
    return SGP32_OK;
}

enum sgp32_status ipa_http_peer_fail_next(struct ipa_http_peer *peer, const char *prefix, uint32_t count,
                                          enum sgp32_status transport_status, int http_status, const char *detail)
{
    struct fault fault;
    memset(&fault, 0, sizeof(fault));
    fault.kind = FAULT_FAIL;
    fault.remaining = count;
    fault.status = transport_status;
    fault.http_status = http_status;
    snprintf(fault.detail, sizeof(fault.detail), "%s",
             detail != NULL ? detail : (transport_status != SGP32_OK ? sgp32_strerror(transport_status) : ""));
    return add_fault(peer, &fault, prefix);
}

enum sgp32_status ipa_http_peer_hang_next(struct ipa_http_peer *peer, const char *prefix, uint32_t count)
{
    struct fault fault;
    memset(&fault, 0, sizeof(fault));
    fault.kind = FAULT_HANG;
    fault.remaining = count;
    return add_fault(peer, &fault, prefix);
}

enum sgp32_status ipa_http_peer_drop_after(struct ipa_http_peer *peer, const char *prefix, size_t bytes)
{
    struct fault fault;
    memset(&fault, 0, sizeof(fault));
    fault.kind = FAULT_DROP;
    fault.remaining = 1;
    fault.bytes = bytes;
    snprintf(fault.detail, sizeof(fault.detail), "connection reset after %zu body bytes", bytes);
    return add_fault(peer, &fault, prefix);
}

static int starts_with(const char *text, const char *prefix)
{
    return prefix == NULL || strncmp(text, prefix, strlen(prefix)) == 0;
}

/* Splits "scheme://host[:port]/path?query" (the scheme is optional). */
static int split_url(struct request *r, const char *url)
{
    const char *host = strstr(url, "://"), *path, *end;
    host = host != NULL ? host + 3 : url;
    path = strchr(host, '/');
    if (path == NULL)
        path = host + strlen(host);
    end = strchr(path, '?');
    if (end == NULL)
        end = path + strlen(path);
    r->rec.host = copy_span(host, (size_t)(path - host));
    r->rec.path = *path == '\0' ? ipa_copy_string("/") : copy_span(path, (size_t)(end - path));
    return r->rec.host != NULL && r->rec.path != NULL;
}

static int record_request(struct request *r, const struct sgp32_http_request *request)
{
    size_t i;
    r->rec.url = ipa_copy_string(request->url);
    r->rec.method = ipa_copy_string(request->method != NULL ? request->method : "");
    if (r->rec.url == NULL || r->rec.method == NULL || !split_url(r, request->url))
        return 0;
    for (i = 0; i < request->header_count && i < IPA_HTTP_MAX_HEADERS; i++) {
        r->rec.headers[i].name = ipa_copy_string(request->headers[i].name);
        r->rec.headers[i].value = ipa_copy_string(request->headers[i].value);
        r->rec.header_count = i + 1;
        if (r->rec.headers[i].name == NULL || r->rec.headers[i].value == NULL)
            return 0;
    }
    if (request->body_len > 0) {
        r->rec.body = malloc(request->body_len);
        if (r->rec.body == NULL)
            return 0;
        memcpy(r->rec.body, request->body, request->body_len);
        r->rec.body_len = request->body_len;
    }
    r->rec.timeout_ms = request->timeout_ms;
    return 1;
}

static void check_headers(struct ipa_http_peer *peer, struct request *r)
{
    const char *missing = NULL;
    const char *agent = ipa_http_header(&r->rec, "User-Agent");
    const char *admin = ipa_http_header(&r->rec, "X-Admin-Protocol");
    if (agent == NULL || agent[0] == '\0')
        missing = "User-Agent";
    else if (admin == NULL || admin[0] == '\0')
        missing = "X-Admin-Protocol";
    if (missing == NULL)
        return;
    r->violation = 1;
    peer->violations++;
    snprintf(peer->violation_why, sizeof(peer->violation_why), "%s %s without %s", r->rec.method, r->rec.path, missing);
    fprintf(stderr, "ipa_http_peer: %s\n", peer->violation_why);
}

static void take_fault(struct ipa_http_peer *peer, struct request *r)
{
    size_t i;
    for (i = 0; i < peer->fault_count; i++) {
        struct fault *f = &peer->faults[i];
        if (f->remaining > 0 && starts_with(r->rec.path, f->prefix)) {
            f->remaining--;
            r->fault = *f;
            r->fault.prefix = NULL;
            return;
        }
    }
}

static enum sgp32_status peer_start(void *user, const struct sgp32_http_request *request, sgp32_http_body_sink sink,
                                    void *sink_user, uint32_t *request_id)
{
    struct ipa_http_peer *peer = user;
    struct request *r;
    if (peer == NULL || request == NULL || request->url == NULL || sink == NULL || request_id == NULL ||
        (request->body == NULL && request->body_len > 0) || (request->headers == NULL && request->header_count > 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    if (peer->request_count == peer->request_cap) {
        size_t cap = peer->request_cap == 0 ? 16 : peer->request_cap * 2;
        struct request **grown = realloc(peer->requests, cap * sizeof(*grown));
        if (grown == NULL)
            return SGP32_ERR_NO_MEMORY;
        peer->requests = grown;
        peer->request_cap = cap;
    }
    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return SGP32_ERR_NO_MEMORY;
    if (!record_request(r, request)) {
        request_free(r);
        return SGP32_ERR_NO_MEMORY;
    }
    r->rec.id = (uint32_t)peer->request_count + 1;
    r->rec.started_ms = peer->clock->now_ms;
    r->state = WAITING;
    r->sink = sink;
    r->sink_user = sink_user;
    check_headers(peer, r);
    take_fault(peer, r);
    peer->requests[peer->request_count++] = r;
    *request_id = r->rec.id;
    return SGP32_OK;
}

static void complete(struct request *r, enum sgp32_status status, int http_status, const char *detail)
{
    r->state = COMPLETE;
    r->rec.finished = 1;
    r->rec.status = status;
    r->rec.http_status = http_status;
    memset(&r->result, 0, sizeof(r->result));
    r->result.status = status;
    r->result.http_status = http_status;
    if (status == SGP32_OK)
        snprintf(r->result.content_type, sizeof(r->result.content_type), "%s", r->reply.content_type);
    snprintf(r->result.detail, sizeof(r->result.detail), "%s", detail != NULL ? detail : "");
}

/* The handler of the longest matching route, NULL if none. */
static const struct route *route_of(const struct ipa_http_peer *peer, const char *path)
{
    const struct route *best = NULL;
    size_t i;
    for (i = 0; i < peer->route_count; i++)
        if (starts_with(path, peer->routes[i].prefix) &&
            (best == NULL || strlen(peer->routes[i].prefix) > strlen(best->prefix)))
            best = &peer->routes[i];
    return best;
}

/* The answer arrives: from a fault, the header check or the handler. 0 when the request completed. */
static int produce(struct ipa_http_peer *peer, struct request *r)
{
    const struct route *route;
    static const char not_found[] = "no route";
    static const char bad_request[] = "missing User-Agent or X-Admin-Protocol";
    if (r->fault.kind == FAULT_FAIL) {
        if (r->fault.status != SGP32_OK) {
            complete(r, r->fault.status, 0, r->fault.detail);
            return 0;
        }
        ipa_http_reply_set(&r->reply, r->fault.http_status, "text/plain", NULL, 0);
    } else if (r->violation) {
        ipa_http_reply_set(&r->reply, 400, "text/plain", (const uint8_t *)bad_request, sizeof(bad_request) - 1);
    } else if ((route = route_of(peer, r->rec.path)) == NULL) {
        ipa_http_reply_set(&r->reply, 404, "text/plain", (const uint8_t *)not_found, sizeof(not_found) - 1);
    } else {
        ipa_http_reply_set(&r->reply, 500, NULL, NULL, 0); /* what a handler that sets nothing gives */
        route->handler(route->user, &r->rec, &r->reply);
        if (r->reply.transport_status != SGP32_OK) {
            complete(r, r->reply.transport_status, 0, r->reply.detail);
            return 0;
        }
    }
    r->state = DELIVERING;
    r->offset = 0;
    return 1;
}

/* Gives the sink its chunks for this poll. */
static void deliver(struct ipa_http_peer *peer, struct request *r)
{
    uint32_t chunks = 0;
    for (;;) {
        size_t left = r->reply.body_len - r->offset;
        size_t n = peer->chunk_size == 0 || peer->chunk_size > left ? left : peer->chunk_size;
        enum sgp32_status status;
        int drop = 0;
        if (r->fault.kind == FAULT_DROP && r->offset + n >= r->fault.bytes && r->fault.bytes < r->reply.body_len) {
            n = r->fault.bytes - r->offset;
            drop = 1;
        }
        if (n > 0) {
            status = r->sink(r->sink_user, r->reply.body + r->offset, n);
            r->offset += n;
            r->rec.delivered = r->offset;
            if (status != SGP32_OK) {
                complete(r, status, r->reply.http_status, "the body sink refused the data");
                return;
            }
        }
        if (drop) {
            complete(r, SGP32_ERR_HTTP, 0, r->fault.detail);
            return;
        }
        if (r->offset == r->reply.body_len) {
            complete(r, SGP32_OK, r->reply.http_status, "");
            return;
        }
        if (peer->chunks_per_poll != 0 && ++chunks >= peer->chunks_per_poll)
            return;
    }
}

static int expired(const struct ipa_http_peer *peer, const struct request *r)
{
    return r->rec.timeout_ms != 0 && peer->clock->now_ms >= r->rec.started_ms + r->rec.timeout_ms;
}

static void advance(struct ipa_http_peer *peer, struct request *r)
{
    if (r->state != WAITING && r->state != DELIVERING)
        return;
    if (expired(peer, r)) {
        complete(r, SGP32_ERR_TIMEOUT, 0, "request timed out (fake clock)");
        return;
    }
    if (r->state == WAITING) {
        r->polls++;
        if (r->fault.kind == FAULT_HANG || r->polls < peer->latency)
            return;
        if (!produce(peer, r))
            return;
        /* the first chunks arrive with the answer */
    }
    deliver(peer, r);
}

static struct request *find_request(struct ipa_http_peer *peer, uint32_t id)
{
    if (id == 0 || id > peer->request_count)
        return NULL;
    return peer->requests[id - 1];
}

static enum sgp32_status peer_poll(void *user, uint32_t request_id, uint32_t max_wait_ms, int *done,
                                   struct sgp32_http_result *result)
{
    struct ipa_http_peer *peer = user;
    struct request *r;
    size_t i;
    (void)max_wait_ms; /* never waits: the test moves the clock */
    if (peer == NULL || done == NULL || result == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *done = 0;
    r = find_request(peer, request_id);
    if (r == NULL || r->state == RELEASED)
        return SGP32_ERR_NOT_FOUND;
    for (i = 0; i < peer->request_count; i++)
        advance(peer, peer->requests[i]);
    if (r->state == COMPLETE) {
        *done = 1;
        *result = r->result;
        r->state = RELEASED;
    }
    return SGP32_OK;
}

static void peer_cancel(void *user, uint32_t request_id)
{
    struct ipa_http_peer *peer = user;
    struct request *r = peer != NULL ? find_request(peer, request_id) : NULL;
    if (r == NULL || r->state == RELEASED)
        return;
    if (r->state != COMPLETE) {
        r->rec.cancelled = 1;
        r->rec.finished = 1;
        r->rec.status = SGP32_ERR_CANCELLED;
    }
    r->state = RELEASED;
}

static const struct sgp32_http_ops peer_ops = {
    SGP32_HTTP_VERSION, sizeof(struct sgp32_http_ops), peer_start, peer_poll, peer_cancel,
};

void ipa_http_peer_client(struct ipa_http_peer *peer, struct sgp32_http_client *client)
{
    client->ops = &peer_ops;
    client->user = peer;
}

size_t ipa_http_peer_request_count(const struct ipa_http_peer *peer)
{
    return peer->request_count;
}

const struct ipa_http_recorded *ipa_http_peer_request(const struct ipa_http_peer *peer, size_t i)
{
    return i < peer->request_count ? &peer->requests[i]->rec : NULL;
}

const struct ipa_http_recorded *ipa_http_peer_last(const struct ipa_http_peer *peer, const char *prefix)
{
    size_t i = peer->request_count;
    while (i > 0) {
        i--;
        if (starts_with(peer->requests[i]->rec.path, prefix))
            return &peer->requests[i]->rec;
    }
    return NULL;
}

size_t ipa_http_peer_count(const struct ipa_http_peer *peer, const char *prefix)
{
    size_t i, n = 0;
    for (i = 0; i < peer->request_count; i++)
        n += starts_with(peer->requests[i]->rec.path, prefix);
    return n;
}

size_t ipa_http_peer_in_flight(const struct ipa_http_peer *peer)
{
    size_t i, n = 0;
    for (i = 0; i < peer->request_count; i++)
        n += peer->requests[i]->state == WAITING || peer->requests[i]->state == DELIVERING;
    return n;
}

size_t ipa_http_peer_violations(const struct ipa_http_peer *peer, const char **why)
{
    if (why != NULL)
        *why = peer->violation_why;
    return peer->violations;
}

void ipa_http_incoming(const struct ipa_http_recorded *request, struct sgp32_remote_incoming *incoming)
{
    memset(incoming, 0, sizeof(*incoming));
    incoming->path = request->path;
    incoming->content_type = ipa_http_header(request, "Content-Type");
    incoming->admin_protocol = ipa_http_header(request, "X-Admin-Protocol");
    incoming->body = request->body;
    incoming->body_len = request->body_len;
}

enum sgp32_status ipa_http_reply_from_response(struct ipa_http_reply *reply, struct sgp32_remote_response *response)
{
    const char *content_type = NULL;
    enum sgp32_status status;
    size_t i;
    for (i = 0; i < response->header_count; i++)
        if (strcmp(response->headers[i].name, "Content-Type") == 0)
            content_type = response->headers[i].value;
    status = ipa_http_reply_set(reply, response->http_status, content_type, response->body, response->body_len);
    sgp32_remote_response_release(response);
    return status;
}
