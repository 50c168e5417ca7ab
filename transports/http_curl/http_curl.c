/* SPDX-License-Identifier: MIT */
/*
 * The libcurl HTTP backend (include/sgp32/http_curl.h): one curl multi handle per client, one easy
 * handle per request. poll() runs curl_multi_perform (never blocks) and, only if the caller allows
 * it, curl_multi_poll up to max_wait_ms. Finished transfers leave the multi handle at once (their
 * connection goes back to the multi's cache for the next request) and keep only their result until
 * the caller polls them.
 */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* clock_gettime, pthread_once */
#endif

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../common/deadline.h"
#include "http_curl_internal.h"
#include "sgp32/version.h"

#define DEFAULT_TIMEOUT_MS 60000u

struct http_curl_request {
    struct http_curl_request *next;
    struct sgp32_http_curl *client;
    uint32_t id;
    CURL *easy; /* NULL once finished */
    struct curl_slist *headers;
    sgp32_http_body_sink sink;
    void *sink_user;
    uint64_t received;
    enum sgp32_status abort_status; /* why the write callback stopped the transfer (SGP32_OK: it did not) */
    int done;
    int cancelled; /* cancel() met it inside a curl callback: released after curl returns */
    struct sgp32_http_result result;
    char curl_error[CURL_ERROR_SIZE];
};

struct sgp32_http_curl {
    CURLM *multi;
    struct http_curl_request *requests;
    uint32_t next_id;
    size_t pending;
    int in_curl; /* inside curl_multi_perform: its callbacks must not touch the multi handle */

    char *ca_file;
    char *ca_dir;
    char *ca_pem;
    size_t ca_pem_len;
    char *client_cert_file;
    char *client_key_file;
    char *user_agent;
    char *proxy;
    uint32_t connect_timeout_ms;
    uint32_t default_timeout_ms;
    uint64_t max_response_bytes;
    int allow_http;
    int insecure;
};

/* curl_global_init is not thread-safe in every libcurl build: run it once per process. */
static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_result = CURLE_FAILED_INIT;

static void global_init(void)
{
    global_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static struct http_curl_request *find_request(struct sgp32_http_curl *client, uint32_t id)
{
    struct http_curl_request *request;
    for (request = client->requests; request != NULL; request = request->next)
        if (request->id == id && !request->cancelled)
            return request;
    return NULL;
}

/* Takes the request out of curl (its connection returns to the cache) and keeps its result. */
static void detach_easy(struct http_curl_request *request)
{
    if (request->easy != NULL) {
        curl_multi_remove_handle(request->client->multi, request->easy);
        curl_easy_cleanup(request->easy);
        request->easy = NULL;
    }
    curl_slist_free_all(request->headers);
    request->headers = NULL;
}

static void release(struct http_curl_request *request)
{
    struct sgp32_http_curl *client = request->client;
    struct http_curl_request **link;
    detach_easy(request);
    for (link = &client->requests; *link != NULL; link = &(*link)->next) {
        if (*link == request) {
            *link = request->next;
            break;
        }
    }
    client->pending--;
    free(request);
}

static size_t on_body(char *data, size_t size, size_t count, void *user)
{
    struct http_curl_request *request = user;
    size_t len = size * count;
    enum sgp32_status status;

    if (request->cancelled)
        return 0;
    if (request->client->max_response_bytes != 0 && request->received + len > request->client->max_response_bytes) {
        request->abort_status = SGP32_ERR_TOO_LARGE;
        return 0;
    }
    request->received += len;
    if (request->sink == NULL || len == 0)
        return len;
    status = request->sink(request->sink_user, (const uint8_t *)data, len);
    if (status != SGP32_OK) {
        request->abort_status = status;
        return 0; /* CURLE_WRITE_ERROR ends the transfer */
    }
    return len;
}

static void finish(struct http_curl_request *request, CURLcode code)
{
    struct sgp32_http_result *result = &request->result;
    long http_status = 0;
    char *content_type = NULL;

    memset(result, 0, sizeof *result);
    if (curl_easy_getinfo(request->easy, CURLINFO_RESPONSE_CODE, &http_status) == CURLE_OK && http_status > 0 &&
        http_status < 1000)
        result->http_status = (int)http_status;
    if (curl_easy_getinfo(request->easy, CURLINFO_CONTENT_TYPE, &content_type) == CURLE_OK && content_type != NULL)
        snprintf(result->content_type, sizeof result->content_type, "%s", content_type);

    if (request->abort_status != SGP32_OK && (code == CURLE_WRITE_ERROR || code == CURLE_OK)) {
        result->status = request->abort_status;
        if (request->abort_status == SGP32_ERR_TOO_LARGE)
            snprintf(result->detail, sizeof result->detail, "response body above %llu bytes",
                     (unsigned long long)request->client->max_response_bytes);
        else
            snprintf(result->detail, sizeof result->detail, "the body sink stopped the transfer: %s",
                     sgp32_strerror(request->abort_status));
    } else {
        result->status = sgp32_httpcurl_map_result(code, request->curl_error, result->detail, sizeof result->detail);
    }
    request->done = 1;
    detach_easy(request);
}

/* One non-blocking round: curl moves every transfer on, finished ones are collected. */
static enum sgp32_status drive(struct sgp32_http_curl *client)
{
    CURLMcode multi_code;
    CURLMsg *message;
    int running = 0, left = 0;
    struct http_curl_request *request, *next;

    client->in_curl = 1;
    multi_code = curl_multi_perform(client->multi, &running);
    client->in_curl = 0;
    while ((message = curl_multi_info_read(client->multi, &left)) != NULL) {
        char *private_data = NULL;
        if (message->msg != CURLMSG_DONE)
            continue;
        if (curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &private_data) == CURLE_OK &&
            private_data != NULL)
            finish((struct http_curl_request *)(void *)private_data, message->data.result);
    }
    /* cancel() calls from inside the sink take effect now. */
    for (request = client->requests; request != NULL; request = next) {
        next = request->next;
        if (request->cancelled)
            release(request);
    }
    if (multi_code == CURLM_OUT_OF_MEMORY)
        return SGP32_ERR_NO_MEMORY;
    return multi_code == CURLM_OK ? SGP32_OK : SGP32_ERR_HTTP;
}

static int header_value_ok(const char *text)
{
    return strchr(text, '\r') == NULL && strchr(text, '\n') == NULL;
}

static enum sgp32_status append_raw(struct curl_slist **list, const char *line)
{
    struct curl_slist *grown = curl_slist_append(*list, line);
    if (grown == NULL)
        return SGP32_ERR_NO_MEMORY;
    *list = grown;
    return SGP32_OK;
}

/* "Name: value" for curl (an empty value is sent as an empty header: "Name;"). */
static enum sgp32_status append_header(struct curl_slist **list, const char *name, const char *value)
{
    size_t name_len = strlen(name), value_len = strlen(value);
    char *line = malloc(name_len + value_len + 3);
    enum sgp32_status status;
    if (line == NULL)
        return SGP32_ERR_NO_MEMORY;
    if (value_len == 0)
        snprintf(line, name_len + 3, "%s;", name);
    else
        snprintf(line, name_len + value_len + 3, "%s: %s", name, value);
    status = append_raw(list, line);
    free(line);
    return status;
}

static enum sgp32_status build_headers(const struct sgp32_http_request *http_request, struct curl_slist **list,
                                       int *has_user_agent)
{
    int has_content_type = 0;
    size_t i;
    enum sgp32_status status;

    *has_user_agent = 0;
    for (i = 0; i < http_request->header_count; i++) {
        const struct sgp32_http_header *header = &http_request->headers[i];
        if (header->name == NULL || header->value == NULL || header->name[0] == '\0' ||
            strchr(header->name, ':') != NULL || !header_value_ok(header->name) || !header_value_ok(header->value))
            return SGP32_ERR_INVALID_ARGUMENT;
        if (sgp32_httpcurl_name_equal(header->name, "User-Agent"))
            *has_user_agent = 1;
        if (sgp32_httpcurl_name_equal(header->name, "Content-Type"))
            has_content_type = 1;
        status = append_header(list, header->name, header->value);
        if (status != SGP32_OK)
            return status;
    }
    /* No "Expect: 100-continue" round trip, and no invented form Content-Type on a POST. */
    status = append_raw(list, "Expect:");
    if (status == SGP32_OK && !has_content_type)
        status = append_raw(list, "Content-Type:");
    return status;
}

static CURLcode set_method_and_body(CURL *easy, const struct sgp32_http_request *http_request)
{
    CURLcode code = CURLE_OK;
    int is_post = strcmp(http_request->method, "POST") == 0;
    if (strcmp(http_request->method, "GET") == 0 && http_request->body_len == 0)
        return curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    if (!is_post)
        code = curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, http_request->method);
    if (code == CURLE_OK && (is_post || http_request->body_len != 0)) {
        /* COPYPOSTFIELDS: the request body need only live until start() returns. */
        code = curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)http_request->body_len);
        if (code == CURLE_OK)
            code = curl_easy_setopt(easy, CURLOPT_COPYPOSTFIELDS,
                                    http_request->body_len != 0 ? (const char *)http_request->body : "");
    }
    return code;
}

static CURLcode set_tls(CURL *easy, const struct sgp32_http_curl *client)
{
    CURLcode code = CURLE_OK;
#define SET(option, value)                                                                                             \
    do {                                                                                                               \
        if (code == CURLE_OK)                                                                                          \
            code = curl_easy_setopt(easy, option, value);                                                              \
    } while (0)
    SET(CURLOPT_SSL_VERIFYPEER, client->insecure ? 0L : 1L);
    SET(CURLOPT_SSL_VERIFYHOST, client->insecure ? 0L : 2L);
    /* Configured trust replaces libcurl's default bundle instead of adding to it. */
    if (client->ca_file != NULL || client->ca_dir != NULL || client->ca_pem != NULL) {
        SET(CURLOPT_CAINFO, client->ca_file);
        SET(CURLOPT_CAPATH, client->ca_dir);
    }
    if (client->ca_pem != NULL) {
        struct curl_blob blob;
        blob.data = client->ca_pem;
        blob.len = client->ca_pem_len;
        blob.flags = CURL_BLOB_NOCOPY; /* lives as long as the client, which outlives its requests */
        SET(CURLOPT_CAINFO_BLOB, &blob);
    }
    if (client->client_cert_file != NULL)
        SET(CURLOPT_SSLCERT, client->client_cert_file);
    if (client->client_key_file != NULL)
        SET(CURLOPT_SSLKEY, client->client_key_file);
#undef SET
    return code;
}

static CURLcode configure(CURL *easy, struct http_curl_request *request, const struct sgp32_http_request *http_request,
                          int has_user_agent)
{
    const struct sgp32_http_curl *client = request->client;
    uint32_t timeout_ms = http_request->timeout_ms != 0 ? http_request->timeout_ms : client->default_timeout_ms;
    CURLcode code = CURLE_OK;
#define SET(option, value)                                                                                             \
    do {                                                                                                               \
        if (code == CURLE_OK)                                                                                          \
            code = curl_easy_setopt(easy, option, value);                                                              \
    } while (0)
    SET(CURLOPT_ERRORBUFFER, request->curl_error);
    SET(CURLOPT_PRIVATE, (void *)request);
    SET(CURLOPT_URL, http_request->url);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1);
    SET(CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, client->allow_http ? "https,http" : "https");
#else
    SET(CURLOPT_PROTOCOLS, client->allow_http ? (long)(CURLPROTO_HTTPS | CURLPROTO_HTTP) : (long)CURLPROTO_HTTPS);
#endif
    SET(CURLOPT_TIMEOUT_MS, (long)timeout_ms);
    if (client->connect_timeout_ms != 0)
        SET(CURLOPT_CONNECTTIMEOUT_MS, (long)client->connect_timeout_ms);
    else
        SET(CURLOPT_CONNECTTIMEOUT_MS, (long)timeout_ms);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, (void *)request);
    if (client->max_response_bytes != 0)
        SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)client->max_response_bytes);
    if (client->proxy != NULL)
        SET(CURLOPT_PROXY, client->proxy);
    if (!has_user_agent)
        SET(CURLOPT_USERAGENT, client->user_agent);
    SET(CURLOPT_HTTPHEADER, request->headers);
#undef SET
    if (code == CURLE_OK)
        code = set_tls(easy, client);
    if (code == CURLE_OK)
        code = set_method_and_body(easy, http_request);
    return code;
}

static enum sgp32_status http_start(void *user, const struct sgp32_http_request *http_request,
                                    sgp32_http_body_sink sink, void *sink_user, uint32_t *request_id)
{
    struct sgp32_http_curl *client = user;
    struct http_curl_request *request;
    enum sgp32_status status;
    int has_user_agent = 0;
    CURLcode code;

    if (client == NULL || http_request == NULL || request_id == NULL || http_request->url == NULL ||
        http_request->method == NULL || http_request->method[0] == '\0' ||
        (http_request->body == NULL && http_request->body_len != 0) ||
        (http_request->headers == NULL && http_request->header_count != 0))
        return SGP32_ERR_INVALID_ARGUMENT;
    if (client->in_curl)
        return SGP32_ERR_STATE;
    request = calloc(1, sizeof *request);
    if (request == NULL)
        return SGP32_ERR_NO_MEMORY;
    request->client = client;
    request->sink = sink;
    request->sink_user = sink_user;
    status = build_headers(http_request, &request->headers, &has_user_agent);
    if (status == SGP32_OK) {
        request->easy = curl_easy_init();
        if (request->easy == NULL)
            status = SGP32_ERR_NO_MEMORY;
    }
    if (status == SGP32_OK) {
        code = configure(request->easy, request, http_request, has_user_agent);
        if (code == CURLE_OUT_OF_MEMORY)
            status = SGP32_ERR_NO_MEMORY;
        else if (code != CURLE_OK)
            status = SGP32_ERR_INVALID_ARGUMENT;
    }
    if (status == SGP32_OK && curl_multi_add_handle(client->multi, request->easy) != CURLM_OK)
        status = SGP32_ERR_NO_MEMORY;
    if (status != SGP32_OK) {
        if (request->easy != NULL)
            curl_easy_cleanup(request->easy);
        curl_slist_free_all(request->headers);
        free(request);
        return status;
    }
    do { /* ids are never 0 and never in use */
        request->id = client->next_id++;
    } while (request->id == 0 || find_request(client, request->id) != NULL);
    request->next = client->requests;
    client->requests = request;
    client->pending++;
    *request_id = request->id;
    return SGP32_OK;
}

static enum sgp32_status http_poll(void *user, uint32_t request_id, uint32_t max_wait_ms, int *done,
                                   struct sgp32_http_result *result)
{
    struct sgp32_http_curl *client = user;
    struct http_curl_request *request;
    enum sgp32_status status;
    uint64_t deadline;

    if (client == NULL || done == NULL || result == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *done = 0;
    if (client->in_curl)
        return SGP32_ERR_STATE;
    if (find_request(client, request_id) == NULL)
        return SGP32_ERR_NOT_FOUND;
    deadline = transport_now_ms() + max_wait_ms;
    status = drive(client);
    request = find_request(client, request_id); /* the sink may have cancelled it */
    while (status == SGP32_OK && request != NULL && !request->done) {
        uint32_t remaining = transport_remaining_ms(deadline);
        if (remaining == 0)
            break;
        /* curl_multi_poll also returns early when one of curl's own timers is due. */
        if (curl_multi_poll(client->multi, NULL, 0, (int)remaining, NULL) != CURLM_OK) {
            status = SGP32_ERR_HTTP;
            break;
        }
        status = drive(client);
        request = find_request(client, request_id);
    }
    if (request == NULL)
        return SGP32_ERR_NOT_FOUND;
    if (request->done) {
        *result = request->result;
        *done = 1;
        release(request);
    }
    return status;
}

static void http_cancel(void *user, uint32_t request_id)
{
    struct sgp32_http_curl *client = user;
    struct http_curl_request *request;
    if (client == NULL)
        return;
    request = find_request(client, request_id);
    if (request == NULL)
        return;
    if (client->in_curl) /* from the sink: curl forbids removing handles inside its callbacks */
        request->cancelled = 1;
    else
        release(request);
}

static void free_options(struct sgp32_http_curl *client)
{
    free(client->ca_file);
    free(client->ca_dir);
    free(client->ca_pem);
    free(client->client_cert_file);
    free(client->client_key_file);
    free(client->user_agent);
    free(client->proxy);
}

static enum sgp32_status copy_options(struct sgp32_http_curl *client, const struct sgp32_http_curl_options *options)
{
    int ok = 1;
    client->default_timeout_ms = DEFAULT_TIMEOUT_MS;
    client->user_agent = sgp32_httpcurl_strdup("libsgp32/" SGP32_VERSION_STRING, &ok);
    if (options == NULL)
        return ok ? SGP32_OK : SGP32_ERR_NO_MEMORY;
    if (options->user_agent != NULL) {
        free(client->user_agent);
        client->user_agent = sgp32_httpcurl_strdup(options->user_agent, &ok);
    }
    client->ca_file = sgp32_httpcurl_strdup(options->ca_file, &ok);
    client->ca_dir = sgp32_httpcurl_strdup(options->ca_dir, &ok);
    client->client_cert_file = sgp32_httpcurl_strdup(options->client_cert_file, &ok);
    client->client_key_file = sgp32_httpcurl_strdup(options->client_key_file, &ok);
    client->proxy = sgp32_httpcurl_strdup(options->proxy, &ok);
    if (!ok)
        return SGP32_ERR_NO_MEMORY;
    if (options->ca_blob != NULL || options->ca_blob_len != 0) {
        enum sgp32_status status =
            sgp32_httpcurl_ca_pem(options->ca_blob, options->ca_blob_len, &client->ca_pem, &client->ca_pem_len);
        if (status != SGP32_OK)
            return status;
    }
    client->connect_timeout_ms = options->connect_timeout_ms;
    if (options->default_timeout_ms != 0)
        client->default_timeout_ms = options->default_timeout_ms;
    client->max_response_bytes = options->max_response_bytes;
    client->allow_http = options->allow_http != 0;
    client->insecure = options->insecure_skip_verify != 0;
    return SGP32_OK;
}

enum sgp32_status sgp32_http_curl_new(const struct sgp32_http_curl_options *options, struct sgp32_http_curl **client)
{
    struct sgp32_http_curl *created;
    const curl_version_info_data *info;
    enum sgp32_status status;

    if (client == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *client = NULL;
    if (options != NULL && options->size < sizeof(struct sgp32_http_curl_options))
        return SGP32_ERR_INVALID_ARGUMENT;
    if (pthread_once(&global_once, global_init) != 0 || global_result != CURLE_OK)
        return global_result == CURLE_OUT_OF_MEMORY ? SGP32_ERR_NO_MEMORY : SGP32_ERR_NOT_SUPPORTED;
    info = curl_version_info(CURLVERSION_NOW);
    if (info == NULL || (info->features & CURL_VERSION_SSL) == 0)
        return SGP32_ERR_NOT_SUPPORTED;

    created = calloc(1, sizeof *created);
    if (created == NULL)
        return SGP32_ERR_NO_MEMORY;
    created->next_id = 1;
    status = copy_options(created, options);
    if (status == SGP32_OK) {
        created->multi = curl_multi_init();
        if (created->multi == NULL)
            status = SGP32_ERR_NO_MEMORY;
    }
    if (status != SGP32_OK) {
        free_options(created);
        free(created);
        return status;
    }
    if (created->insecure && options->log != NULL)
        options->log(options->log_user, "libsgp32 http_curl: TLS certificate verification is OFF "
                                        "(insecure_skip_verify, for tests only)");
    *client = created;
    return SGP32_OK;
}

void sgp32_http_curl_free(struct sgp32_http_curl *client)
{
    if (client == NULL)
        return;
    while (client->requests != NULL)
        release(client->requests);
    curl_multi_cleanup(client->multi);
    free_options(client);
    free(client);
}

static const struct sgp32_http_ops http_curl_ops = {
    SGP32_HTTP_VERSION, sizeof(struct sgp32_http_ops), http_start, http_poll, http_cancel,
};

void sgp32_http_curl_client(struct sgp32_http_curl *client, struct sgp32_http_client *http)
{
    if (http == NULL)
        return;
    http->ops = &http_curl_ops;
    http->user = client;
}

size_t sgp32_http_curl_pending(const struct sgp32_http_curl *client)
{
    return client != NULL ? client->pending : 0;
}
