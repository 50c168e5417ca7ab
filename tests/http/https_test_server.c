/* SPDX-License-Identifier: MIT */
/* The loopback HTTPS test server (see https_test_server.h) over libmicrohttpd. */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE
#endif

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "https_test_server.h"

#define MAX_LAST_HEADERS 32
#define MAX_LAST_BODY (64u * 1024u)

struct https_test_server {
    struct MHD_Daemon *daemon;
    uint16_t port;
    char *cert_pem;
    char *key_pem;
    pthread_mutex_t lock;
    int stopping;
    unsigned opened;
    unsigned closed;
    unsigned requests;
    unsigned echo_requests;
    unsigned large_requests;
    unsigned slow_requests;
    unsigned status_requests;
    unsigned redirect_requests;
    uint64_t large_sent;
    char last_names[MAX_LAST_HEADERS][64];
    char last_values[MAX_LAST_HEADERS][256];
    unsigned last_count;
    uint8_t last_body[MAX_LAST_BODY];
    size_t last_body_len;
};

/* One request's state: its upload, and for /echo the text being answered. */
struct request_state {
    uint8_t *body;
    size_t body_len;
    size_t body_cap;
};

struct large_state {
    struct https_test_server *server;
    uint64_t size;
};

static char *read_text_file(const char *path)
{
    FILE *file = fopen(path, "rb");
    char *text = NULL;
    long size;
    if (file == NULL)
        return NULL;
    if (fseek(file, 0, SEEK_END) == 0 && (size = ftell(file)) >= 0 && fseek(file, 0, SEEK_SET) == 0) {
        text = malloc((size_t)size + 1);
        if (text != NULL && fread(text, 1, (size_t)size, file) == (size_t)size) {
            text[size] = '\0';
        } else {
            free(text);
            text = NULL;
        }
    }
    fclose(file);
    return text;
}

static void sleep_ms(unsigned ms)
{
    struct timespec delay;
    delay.tv_sec = ms / 1000u;
    delay.tv_nsec = (long)(ms % 1000u) * 1000000L;
    nanosleep(&delay, NULL);
}

static int is_stopping(struct https_test_server *server)
{
    int stopping;
    pthread_mutex_lock(&server->lock);
    stopping = server->stopping;
    pthread_mutex_unlock(&server->lock);
    return stopping;
}

static void on_connection(void *cls, struct MHD_Connection *connection, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct https_test_server *server = cls;
    (void)connection;
    (void)socket_context;
    pthread_mutex_lock(&server->lock);
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        server->opened++;
    else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
        server->closed++;
    pthread_mutex_unlock(&server->lock);
}

static void on_completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                         enum MHD_RequestTerminationCode code)
{
    struct request_state *state = *con_cls;
    (void)cls;
    (void)connection;
    (void)code;
    if (state != NULL) {
        free(state->body);
        free(state);
        *con_cls = NULL;
    }
}

struct echo_text {
    struct https_test_server *server;
    char *text;
    size_t len;
    size_t cap;
};

static int append_text(struct echo_text *echo, const char *data, size_t len)
{
    if (echo->len + len + 1 > echo->cap) {
        size_t cap = (echo->len + len + 1) * 2;
        char *grown = realloc(echo->text, cap);
        if (grown == NULL)
            return -1;
        echo->text = grown;
        echo->cap = cap;
    }
    memcpy(echo->text + echo->len, data, len);
    echo->len += len;
    echo->text[echo->len] = '\0';
    return 0;
}

/* Called with server->lock held: records the header and adds its echo line. */
static enum MHD_Result each_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    struct echo_text *echo = cls;
    struct https_test_server *server = echo->server;
    (void)kind;
    if (value == NULL)
        value = "";
    if (server->last_count < MAX_LAST_HEADERS) {
        snprintf(server->last_names[server->last_count], sizeof server->last_names[0], "%s", key);
        snprintf(server->last_values[server->last_count], sizeof server->last_values[0], "%s", value);
        server->last_count++;
    }
    if (append_text(echo, key, strlen(key)) != 0 || append_text(echo, ": ", 2) != 0 ||
        append_text(echo, value, strlen(value)) != 0 || append_text(echo, "\n", 1) != 0)
        return MHD_NO;
    return MHD_YES;
}

static enum MHD_Result queue(struct MHD_Connection *connection, unsigned status, struct MHD_Response *response)
{
    enum MHD_Result result;
    if (response == NULL)
        return MHD_NO;
    result = MHD_queue_response(connection, status, response);
    MHD_destroy_response(response);
    return result;
}

static enum MHD_Result answer_echo(struct https_test_server *server, struct MHD_Connection *connection, const char *url,
                                   const char *method, const struct request_state *state)
{
    struct echo_text echo;
    struct MHD_Response *response;
    memset(&echo, 0, sizeof echo);
    echo.server = server;
    pthread_mutex_lock(&server->lock);
    server->echo_requests++;
    server->last_count = 0;
    server->last_body_len = state->body_len;
    memcpy(server->last_body, state->body != NULL ? state->body : (const uint8_t *)"",
           state->body_len < MAX_LAST_BODY ? state->body_len : MAX_LAST_BODY);
    if (append_text(&echo, method, strlen(method)) != 0 || append_text(&echo, " ", 1) != 0 ||
        append_text(&echo, url, strlen(url)) != 0 || append_text(&echo, "\n", 1) != 0) {
        pthread_mutex_unlock(&server->lock);
        free(echo.text);
        return MHD_NO;
    }
    MHD_get_connection_values(connection, MHD_HEADER_KIND, each_header, &echo);
    pthread_mutex_unlock(&server->lock);
    if (append_text(&echo, "\n", 1) != 0 ||
        (state->body_len != 0 && append_text(&echo, (const char *)state->body, state->body_len) != 0)) {
        free(echo.text);
        return MHD_NO;
    }
    response = MHD_create_response_from_buffer(echo.len, echo.text, MHD_RESPMEM_MUST_FREE);
    if (response == NULL) {
        free(echo.text);
        return MHD_NO;
    }
    MHD_add_response_header(response, "Content-Type", "text/x-echo");
    return queue(connection, MHD_HTTP_OK, response);
}

static ssize_t read_large(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct large_state *large = cls;
    size_t n, i;
    if (pos >= large->size)
        return MHD_CONTENT_READER_END_OF_STREAM;
    if (is_stopping(large->server))
        return MHD_CONTENT_READER_END_WITH_ERROR;
    n = large->size - pos < max ? (size_t)(large->size - pos) : max;
    for (i = 0; i < n; i++)
        buf[i] = (char)https_test_server_byte(pos + i);
    pthread_mutex_lock(&large->server->lock);
    large->server->large_sent += n;
    pthread_mutex_unlock(&large->server->lock);
    return (ssize_t)n;
}

static enum MHD_Result answer_large(struct https_test_server *server, struct MHD_Connection *connection)
{
    const char *size_text = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "size");
    struct large_state *large = calloc(1, sizeof *large);
    struct MHD_Response *response;
    if (large == NULL)
        return MHD_NO;
    large->server = server;
    large->size = size_text != NULL ? strtoull(size_text, NULL, 10) : 0;
    pthread_mutex_lock(&server->lock);
    server->large_requests++;
    pthread_mutex_unlock(&server->lock);
    response = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16 * 1024, read_large, large, free);
    if (response == NULL) {
        free(large);
        return MHD_NO;
    }
    MHD_add_response_header(response, "Content-Type", "application/octet-stream");
    return queue(connection, MHD_HTTP_OK, response);
}

static enum MHD_Result answer_slow(struct https_test_server *server, struct MHD_Connection *connection)
{
    const char *ms_text = MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "ms");
    unsigned long ms = ms_text != NULL ? strtoul(ms_text, NULL, 10) : 0, waited = 0;
    static const char body[] = "slow";
    pthread_mutex_lock(&server->lock);
    server->slow_requests++;
    pthread_mutex_unlock(&server->lock);
    /* This connection's own thread waits; the server stays responsive. */
    while (waited < ms && !is_stopping(server)) {
        sleep_ms(10);
        waited += 10;
    }
    return queue(connection, MHD_HTTP_OK,
                 MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT));
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    struct https_test_server *server = cls;
    struct request_state *state = *con_cls;
    static const char error_body[] = "error";
    (void)version;

    if (state == NULL) { /* first call: headers only */
        state = calloc(1, sizeof *state);
        if (state == NULL)
            return MHD_NO;
        *con_cls = state;
        return MHD_YES;
    }
    if (*upload_data_size != 0) {
        if (state->body_len + *upload_data_size > state->body_cap) {
            size_t cap = (state->body_len + *upload_data_size) * 2;
            uint8_t *grown = realloc(state->body, cap);
            if (grown == NULL)
                return MHD_NO;
            state->body = grown;
            state->body_cap = cap;
        }
        memcpy(state->body + state->body_len, upload_data, *upload_data_size);
        state->body_len += *upload_data_size;
        *upload_data_size = 0;
        return MHD_YES;
    }
    pthread_mutex_lock(&server->lock);
    server->requests++;
    pthread_mutex_unlock(&server->lock);

    if (strcmp(url, "/echo") == 0)
        return answer_echo(server, connection, url, method, state);
    if (strcmp(url, "/large") == 0)
        return answer_large(server, connection);
    if (strcmp(url, "/slow") == 0)
        return answer_slow(server, connection);
    if (strncmp(url, "/status/", 8) == 0 || strcmp(url, "/redirect") == 0) {
        struct MHD_Response *response;
        pthread_mutex_lock(&server->lock);
        if (url[1] == 's')
            server->status_requests++;
        else
            server->redirect_requests++;
        pthread_mutex_unlock(&server->lock);
        if (strcmp(url, "/status/204") == 0)
            return queue(connection, MHD_HTTP_NO_CONTENT,
                         MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT));
        if (strcmp(url, "/redirect") == 0) {
            response = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
            if (response != NULL)
                MHD_add_response_header(response, "Location", "https://elsewhere.invalid/echo");
            return queue(connection, MHD_HTTP_FOUND, response);
        }
        return queue(
            connection, MHD_HTTP_INTERNAL_SERVER_ERROR,
            MHD_create_response_from_buffer(sizeof error_body - 1, (void *)error_body, MHD_RESPMEM_PERSISTENT));
    }
    return queue(connection, MHD_HTTP_NOT_FOUND,
                 MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT));
}

int https_test_server_start(const char *cert_pem_file, const char *key_pem_file, struct https_test_server **out)
{
    struct https_test_server *server = calloc(1, sizeof *server);
    struct sockaddr_in address;
    const union MHD_DaemonInfo *info;

    *out = NULL;
    if (server == NULL)
        return -1;
    pthread_mutex_init(&server->lock, NULL);
    server->cert_pem = read_text_file(cert_pem_file);
    server->key_pem = read_text_file(key_pem_file);
    if (server->cert_pem == NULL || server->key_pem == NULL) {
        https_test_server_stop(server);
        return -1;
    }
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0; /* the system picks a free port */
    server->daemon = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS | MHD_USE_ERROR_LOG, 0, NULL,
        NULL, answer, server, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&address, MHD_OPTION_HTTPS_MEM_CERT,
        server->cert_pem, MHD_OPTION_HTTPS_MEM_KEY, server->key_pem, MHD_OPTION_NOTIFY_CONNECTION, on_connection,
        server, MHD_OPTION_NOTIFY_COMPLETED, on_completed, server, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    if (server->daemon == NULL) {
        https_test_server_stop(server);
        return -1;
    }
    info = MHD_get_daemon_info(server->daemon, MHD_DAEMON_INFO_BIND_PORT);
    if (info == NULL || info->port == 0) {
        https_test_server_stop(server);
        return -1;
    }
    server->port = info->port;
    *out = server;
    return 0;
}

void https_test_server_stop(struct https_test_server *server)
{
    if (server == NULL)
        return;
    pthread_mutex_lock(&server->lock);
    server->stopping = 1;
    pthread_mutex_unlock(&server->lock);
    if (server->daemon != NULL)
        MHD_stop_daemon(server->daemon);
    pthread_mutex_destroy(&server->lock);
    free(server->cert_pem);
    free(server->key_pem);
    free(server);
}

uint16_t https_test_server_port(const struct https_test_server *server)
{
    return server->port;
}

#define COUNTER(name, field)                                                                                           \
    unsigned name(struct https_test_server *server)                                                                    \
    {                                                                                                                  \
        unsigned value;                                                                                                \
        pthread_mutex_lock(&server->lock);                                                                             \
        value = server->field;                                                                                         \
        pthread_mutex_unlock(&server->lock);                                                                           \
        return value;                                                                                                  \
    }
COUNTER(https_test_server_connections_opened, opened)
COUNTER(https_test_server_connections_closed, closed)

unsigned https_test_server_requests(struct https_test_server *server, const char *path_prefix)
{
    unsigned value;
    pthread_mutex_lock(&server->lock);
    if (path_prefix == NULL)
        value = server->requests;
    else if (strcmp(path_prefix, "/echo") == 0)
        value = server->echo_requests;
    else if (strcmp(path_prefix, "/large") == 0)
        value = server->large_requests;
    else if (strcmp(path_prefix, "/slow") == 0)
        value = server->slow_requests;
    else if (strcmp(path_prefix, "/status") == 0)
        value = server->status_requests;
    else if (strcmp(path_prefix, "/redirect") == 0)
        value = server->redirect_requests;
    else
        value = 0;
    pthread_mutex_unlock(&server->lock);
    return value;
}

uint64_t https_test_server_large_bytes_sent(struct https_test_server *server)
{
    uint64_t value;
    pthread_mutex_lock(&server->lock);
    value = server->large_sent;
    pthread_mutex_unlock(&server->lock);
    return value;
}

int https_test_server_last_header(struct https_test_server *server, const char *name, char *value, size_t cap)
{
    unsigned i;
    int found = -1;
    pthread_mutex_lock(&server->lock);
    for (i = 0; i < server->last_count; i++) {
        if (strcasecmp(server->last_names[i], name) == 0) {
            snprintf(value, cap, "%s", server->last_values[i]);
            found = 0;
            break;
        }
    }
    pthread_mutex_unlock(&server->lock);
    return found;
}

size_t https_test_server_last_body(struct https_test_server *server, uint8_t *body, size_t cap)
{
    size_t len;
    pthread_mutex_lock(&server->lock);
    len = server->last_body_len;
    memcpy(body, server->last_body, len < cap ? (len < MAX_LAST_BODY ? len : MAX_LAST_BODY) : cap);
    pthread_mutex_unlock(&server->lock);
    return len;
}
