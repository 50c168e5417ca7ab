/* SPDX-License-Identifier: MIT */
/* lib/remote: HTTP request/answer parts shared by the ESipa, ES9+ and ES11 bindings. */
#include <stdlib.h>
#include <string.h>

#include "remote/remote.h"

static size_t remote_copy(char *out, size_t cap, size_t pos, const char *text)
{
    size_t len = strlen(text);
    if (pos >= cap || len >= cap - pos)
        return cap; /* does not fit: the caller sees pos == cap */
    memcpy(out + pos, text, len + 1);
    return pos + len;
}

enum sgp32_status sgp32_remote_request_init(struct sgp32_remote_request *request,
                                            const struct sgp32_remote_endpoint *endpoint, const char *path,
                                            const char *content_type, const char *admin_protocol, const uint8_t *body,
                                            size_t body_len, void *owned_body, void (*owned_body_free)(void *body))
{
    size_t pos = 0;
    size_t address_len;
    size_t count = 0;

    if (request == NULL || endpoint == NULL || endpoint->address == NULL || path == NULL ||
        (body == NULL && body_len)) {
        if (owned_body != NULL && owned_body_free != NULL)
            owned_body_free(owned_body); /* taken over even on failure */
        return SGP32_ERR_INVALID_ARGUMENT;
    }
    memset(request, 0, sizeof(*request));
    request->owned_body = owned_body;
    request->owned_body_free = owned_body_free;
    address_len = strlen(endpoint->address);
    if (address_len == 0) {
        sgp32_remote_request_release(request);
        return SGP32_ERR_INVALID_ARGUMENT;
    }
    /* An eimFqdn / SM-DP+ address from the eUICC carries no scheme: the bindings are HTTPS. */
    if (strstr(endpoint->address, "://") == NULL)
        pos = remote_copy(request->url, sizeof(request->url), pos, "https://");
    pos = remote_copy(request->url, sizeof(request->url), pos, endpoint->address);
    if (pos < sizeof(request->url) && pos > 0 && request->url[pos - 1] == '/')
        request->url[--pos] = '\0';
    pos = remote_copy(request->url, sizeof(request->url), pos, path);
    if (pos >= sizeof(request->url)) {
        sgp32_remote_request_release(request);
        return SGP32_ERR_BUFFER_TOO_SMALL;
    }
    request->headers[count].name = "User-Agent";
    request->headers[count++].value =
        endpoint->user_agent != NULL ? endpoint->user_agent : SGP32_REMOTE_DEFAULT_USER_AGENT;
    request->headers[count].name = "X-Admin-Protocol";
    request->headers[count++].value = admin_protocol;
    if (content_type != NULL) {
        request->headers[count].name = "Content-Type";
        request->headers[count++].value = content_type;
    }
    request->http.url = request->url;
    request->http.method = "POST";
    request->http.headers = request->headers;
    request->http.header_count = count;
    request->http.body = body;
    request->http.body_len = body_len;
    request->http.timeout_ms = endpoint->timeout_ms;
    return SGP32_OK;
}

void sgp32_remote_request_release(struct sgp32_remote_request *request)
{
    if (request == NULL)
        return;
    if (request->owned_body != NULL && request->owned_body_free != NULL)
        request->owned_body_free(request->owned_body);
    request->owned_body = NULL;
    request->http.body = NULL;
    request->http.body_len = 0;
}

void sgp32_remote_response_init(struct sgp32_remote_response *response, int http_status, const char *content_type,
                                const char *admin_protocol, const uint8_t *body, size_t body_len, void *owned_body,
                                void (*owned_body_free)(void *body))
{
    size_t count = 0;
    memset(response, 0, sizeof(*response));
    response->http_status = http_status;
    if (content_type != NULL) {
        response->headers[count].name = "Content-Type";
        response->headers[count++].value = content_type;
    }
    response->headers[count].name = "X-Admin-Protocol";
    response->headers[count++].value = admin_protocol;
    response->header_count = count;
    response->body = body;
    response->body_len = body_len;
    response->owned_body = owned_body;
    response->owned_body_free = owned_body_free;
}

void sgp32_remote_response_release(struct sgp32_remote_response *response)
{
    if (response == NULL)
        return;
    if (response->owned_body != NULL && response->owned_body_free != NULL)
        response->owned_body_free(response->owned_body);
    response->owned_body = NULL;
    response->body = NULL;
    response->body_len = 0;
}

static char remote_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

int sgp32_remote_media_type_is(const char *content_type, const char *media_type)
{
    size_t i = 0;
    size_t n;
    if (content_type == NULL || media_type == NULL)
        return 0;
    while (content_type[i] == ' ' || content_type[i] == '\t')
        i++;
    content_type += i;
    n = strlen(media_type);
    for (i = 0; i < n; i++) {
        if (content_type[i] == '\0' || remote_lower(content_type[i]) != remote_lower(media_type[i]))
            return 0;
    }
    while (content_type[i] == ' ' || content_type[i] == '\t')
        i++;
    return content_type[i] == '\0' || content_type[i] == ';';
}

void sgp32_remote_result_clear(struct sgp32_remote_result *result)
{
    if (result != NULL)
        memset(result, 0, sizeof(*result));
}

static void remote_set_text(char *out, size_t cap, const char *text)
{
    size_t len = text != NULL ? strlen(text) : 0;
    if (len >= cap)
        len = cap - 1;
    if (len > 0)
        memcpy(out, text, len);
    out[len] = '\0';
}

enum sgp32_status sgp32_remote_fail(struct sgp32_remote_result *result, enum sgp32_status status, const char *what,
                                    const char *name)
{
    if (result != NULL) {
        size_t len;
        remote_set_text(result->detail, sizeof(result->detail), what);
        len = strlen(result->detail);
        if (name != NULL && len + 1 < sizeof(result->detail)) {
            result->detail[len] = ' ';
            remote_set_text(result->detail + len + 1, sizeof(result->detail) - len - 1, name);
        }
    }
    return status;
}

enum sgp32_status sgp32_remote_check_incoming(const struct sgp32_remote_incoming *incoming, const char *media_type,
                                              struct sgp32_remote_result *result)
{
    if (incoming == NULL || incoming->path == NULL || (incoming->body == NULL && incoming->body_len != 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    /* SGP.22 6.5.1 / SGP.32 6.1: X-Admin-Protocol is mandatory; this layer speaks the v2 protocol. */
    if (incoming->admin_protocol == NULL || strncmp(incoming->admin_protocol, SGP32_REMOTE_ADMIN_PROTOCOL_PREFIX,
                                                    strlen(SGP32_REMOTE_ADMIN_PROTOCOL_PREFIX)) != 0)
        return sgp32_remote_fail(result, SGP32_ERR_PROTOCOL, "missing or unsupported X-Admin-Protocol", NULL);
    if (!sgp32_remote_media_type_is(incoming->content_type, media_type))
        return sgp32_remote_fail(result, SGP32_ERR_PROTOCOL, "wrong Content-Type, expected", media_type);
    return SGP32_OK;
}

void sgp32_remote_body_init(struct sgp32_remote_body *body, size_t max)
{
    memset(body, 0, sizeof(*body));
    body->max = max;
}

enum sgp32_status sgp32_remote_body_sink(void *user, const uint8_t *data, size_t len)
{
    struct sgp32_remote_body *body = user;
    if (body == NULL || (data == NULL && len != 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    if (len > body->max - body->len)
        return SGP32_ERR_TOO_LARGE;
    if (len > body->cap - body->len) {
        /* Double the buffer (at least 1 KiB), never beyond max. */
        size_t cap = body->cap < 512 ? 1024 : body->cap * 2;
        uint8_t *grown;
        if (cap > body->max || cap < body->cap)
            cap = body->max;
        if (cap < body->len + len)
            cap = body->len + len;
        grown = realloc(body->data, cap);
        if (grown == NULL)
            return SGP32_ERR_NO_MEMORY;
        body->data = grown;
        body->cap = cap;
    }
    if (len > 0)
        memcpy(body->data + body->len, data, len);
    body->len += len;
    return SGP32_OK;
}

void sgp32_remote_body_release(struct sgp32_remote_body *body)
{
    if (body == NULL)
        return;
    free(body->data);
    body->data = NULL;
    body->len = 0;
    body->cap = 0;
}

struct sgp32_remote_answer sgp32_remote_answer_of(const struct sgp32_http_result *result,
                                                  const struct sgp32_remote_body *body)
{
    struct sgp32_remote_answer answer;
    memset(&answer, 0, sizeof(answer));
    if (result != NULL) {
        answer.http_status = result->http_status;
        answer.content_type = result->content_type;
    }
    if (body != NULL && body->len > 0) {
        answer.body = body->data;
        answer.body_len = body->len;
    }
    return answer;
}
