/* SPDX-License-Identifier: MIT */
/* The HTTPS front end of the loopback test servers (https_server.h). */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <wolfssl/options.h>
#include <wolfssl/wolfcrypt/ecc.h>

#include "https_server.h"

struct https_server {
    struct https_server_options options;
    char *tls_cert, *tls_key;
    int listen_socket;
    unsigned port;
    struct MHD_Daemon *daemon;
};

/* One request's upload. */
struct upload {
    uint8_t *data;
    size_t len, cap;
    int too_large;
};

int https_server_parse_number(const char *text, unsigned long max, unsigned long *out)
{
    char *end = NULL;
    unsigned long value;
    if (text == NULL || text[0] < '0' || text[0] > '9')
        return 0;
    errno = 0;
    value = strtoul(text, &end, 10);
    if (errno != 0 || *end != '\0' || value > max)
        return 0;
    *out = value;
    return 1;
}

char *https_server_read_file(const char *program, const char *file, const char *dir, const char *name, size_t *len)
{
    char path[1024];
    FILE *in;
    char *data = NULL;
    size_t used = 0, cap = 0;
    if (file != NULL)
        snprintf(path, sizeof(path), "%s", file);
    else
        snprintf(path, sizeof(path), "%s/%s", dir, name);
    in = fopen(path, "rb");
    if (in != NULL) {
        for (;;) {
            size_t n;
            if (used + 4096 + 1 > cap) {
                char *grown = realloc(data, cap == 0 ? 8192 : cap * 2);
                if (grown == NULL)
                    break;
                data = grown;
                cap = cap == 0 ? 8192 : cap * 2;
            }
            n = fread(data + used, 1, 4096, in);
            used += n;
            if (n < 4096) {
                if (ferror(in))
                    used = (size_t)-1;
                break;
            }
        }
        fclose(in);
    }
    if (in == NULL || data == NULL || used == (size_t)-1 || used + 1 > cap) {
        fprintf(stderr, "%s: cannot read %s\n", program, path);
        free(data);
        return NULL;
    }
    data[used] = '\0';
    if (len != NULL)
        *len = used;
    return data;
}

void https_server_block_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    struct https_server *server = cls;
    struct upload *upload = *con_cls;
    struct sgp32_remote_incoming incoming;
    struct sgp32_remote_response response;
    struct MHD_Response *reply;
    enum MHD_Result result;
    size_t i;
    (void)version;
    if (upload == NULL) { /* first call: headers only */
        upload = calloc(1, sizeof(*upload));
        if (upload == NULL)
            return MHD_NO;
        *con_cls = upload;
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        size_t n = *upload_data_size;
        if (upload->len + n > server->options.max_body) {
            upload->too_large = 1;
        } else {
            if (upload->len + n > upload->cap) {
                size_t cap = upload->cap == 0 ? 4096 : upload->cap;
                uint8_t *grown;
                while (cap < upload->len + n)
                    cap *= 2;
                grown = realloc(upload->data, cap);
                if (grown == NULL)
                    return MHD_NO;
                upload->data = grown;
                upload->cap = cap;
            }
            memcpy(upload->data + upload->len, upload_data, n);
            upload->len += n;
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    memset(&response, 0, sizeof(response));
    incoming.path = url;
    incoming.content_type = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Content-Type");
    incoming.admin_protocol = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "X-Admin-Protocol");
    incoming.body = upload->data;
    incoming.body_len = upload->too_large ? 0 : upload->len;
    server->options.handler(server->options.user, method, &incoming, upload->too_large, &response);
    /* wolfSSL's fixed-point ECC cache (FP_ECC) is thread-local and only freed by this call on the
     * same thread: libmicrohttpd's thread would otherwise leave it behind when it ends. */
    wc_ecc_fp_free();
    reply = MHD_create_response_from_buffer(response.body_len, (void *)response.body, MHD_RESPMEM_MUST_COPY);
    if (reply == NULL) {
        sgp32_remote_response_release(&response);
        return MHD_NO;
    }
    for (i = 0; i < response.header_count; i++)
        MHD_add_response_header(reply, response.headers[i].name, response.headers[i].value);
    result = MHD_queue_response(connection, (unsigned)response.http_status, reply);
    MHD_destroy_response(reply);
    sgp32_remote_response_release(&response);
    return result;
}

static void completed(void *cls, struct MHD_Connection *connection, void **con_cls,
                      enum MHD_RequestTerminationCode code)
{
    struct upload *upload = *con_cls;
    (void)cls;
    (void)connection;
    (void)code;
    if (upload != NULL) {
        free(upload->data);
        free(upload);
        *con_cls = NULL;
    }
}

struct https_server *https_server_bind(const struct https_server_options *options)
{
    struct https_server *server = calloc(1, sizeof(*server));
    struct sockaddr_in bind_address;
    socklen_t address_len = sizeof(bind_address);
    int one = 1;
    if (server == NULL)
        return NULL;
    server->options = *options;
    server->tls_cert = strdup(options->tls_cert);
    server->tls_key = strdup(options->tls_key);
    server->listen_socket = socket(AF_INET, SOCK_STREAM, 0);
    memset(&bind_address, 0, sizeof(bind_address));
    bind_address.sin_family = AF_INET;
    bind_address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind_address.sin_port = htons((uint16_t)options->port);
    if (server->tls_cert == NULL || server->tls_key == NULL || server->listen_socket < 0 ||
        setsockopt(server->listen_socket, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(server->listen_socket, (struct sockaddr *)&bind_address, sizeof(bind_address)) != 0 ||
        listen(server->listen_socket, 32) != 0 ||
        getsockname(server->listen_socket, (struct sockaddr *)&bind_address, &address_len) != 0) {
        fprintf(stderr, "%s: cannot listen on 127.0.0.1:%lu: %s\n", options->program, options->port, strerror(errno));
        https_server_free(server);
        return NULL;
    }
    server->port = ntohs(bind_address.sin_port);
    return server;
}

unsigned https_server_port(const struct https_server *server)
{
    return server->port;
}

int https_server_start(struct https_server *server, const char *port_file)
{
    /* One internal polling thread: requests are handled one at a time (handlers need no lock). */
    server->daemon =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS | MHD_USE_ERROR_LOG, 0, NULL, NULL, answer,
                         server, MHD_OPTION_LISTEN_SOCKET, server->listen_socket, MHD_OPTION_HTTPS_MEM_CERT,
                         server->tls_cert, MHD_OPTION_HTTPS_MEM_KEY, server->tls_key, MHD_OPTION_NOTIFY_COMPLETED,
                         completed, NULL, MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    if (server->daemon == NULL) {
        fprintf(stderr, "%s: cannot start the HTTPS daemon\n", server->options.program);
        return 0;
    }
    server->listen_socket = -1; /* the daemon's now */
    if (port_file != NULL) {
        FILE *file = fopen(port_file, "w");
        if (file == NULL || fprintf(file, "%u\n", server->port) < 0 || fclose(file) != 0) {
            fprintf(stderr, "%s: cannot write %s\n", server->options.program, port_file);
            return 0;
        }
    }
    printf("listening 127.0.0.1:%u\n", server->port);
    fflush(stdout);
    return 1;
}

void https_server_free(struct https_server *server)
{
    if (server == NULL)
        return;
    if (server->daemon != NULL)
        MHD_stop_daemon(server->daemon);
    if (server->listen_socket >= 0)
        close(server->listen_socket);
    free(server->tls_cert);
    free(server->tls_key);
    free(server);
}

void https_server_wait_for_stop(const char *program, unsigned long lifetime_s)
{
    sigset_t set;
    struct timespec slice = {1, 0};
    unsigned long waited = 0;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    for (;;) {
        int signal_number = sigtimedwait(&set, NULL, &slice);
        if (signal_number == SIGINT || signal_number == SIGTERM) {
            fprintf(stderr, "%s: signal %d, stopping\n", program, signal_number);
            return;
        }
        if (signal_number < 0 && errno == EAGAIN && lifetime_s != 0 && ++waited >= lifetime_s) {
            fprintf(stderr, "%s: lifetime over, stopping\n", program);
            return;
        }
    }
}
