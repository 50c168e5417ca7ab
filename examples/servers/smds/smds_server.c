/* SPDX-License-Identifier: MIT */
/*
 * sgp32-smds: the loopback test SM-DS (ES11 over HTTPS, event records from a REST API), see
 * docs/test-servers.md.
 *
 *   sgp32-smds --pki <curve dir> [--port N] [--port-file F] [--address A] [--session-ttl S]
 *              [--tls-cert F --tls-key F] [--auth-cert F --auth-key F] [--lifetime S] [--verbose]
 *
 * Binds 127.0.0.1 only; --port 0 (the default) lets the system pick a free port. Once it accepts
 * connections it prints "listening 127.0.0.1:<port>" on stdout (and writes the port to --port-file).
 * Runs until SIGINT or SIGTERM (or --lifetime seconds, a safety net for tests), then stops cleanly.
 * The HTTPS listener follows sgp32-smdp's (examples/servers/smdp/smdp_server.c).
 */
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

#include "remote/es11_json.h"
#include "smds_server.h"

#define MAX_BODY (64u * 1024u) /* the largest ES11 request: an AuthenticateServerResponse (~2 KiB) */

struct options {
    const char *pki;
    const char *address;
    const char *port_file;
    const char *tls_cert; /* NULL: <pki>/smds/tls.cert.pem */
    const char *tls_key;
    const char *auth_cert; /* NULL: <pki>/smds/auth.cert.der (CERT.DSauth.ECDSA) */
    const char *auth_key;
    unsigned long port;
    unsigned long session_ttl_s;
    unsigned long lifetime_s;
    int verbose;
};

struct upload {
    uint8_t *data;
    size_t len, cap;
    int too_large;
};

static void usage(FILE *out)
{
    fprintf(out, "usage: sgp32-smds --pki <curve dir> [--port N] [--port-file F] [--address host:port]\n"
                 "                  [--session-ttl seconds] [--tls-cert pem --tls-key pem]\n"
                 "                  [--auth-cert der --auth-key pem] [--lifetime seconds] [--verbose]\n");
}

static int parse_number(const char *text, unsigned long max, unsigned long *out)
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

/* 0 ok, 1 help shown, 2 bad command line. */
static int parse_options(int argc, char **argv, struct options *o)
{
    int i;
    memset(o, 0, sizeof(*o));
    o->session_ttl_s = 300;
    for (i = 1; i < argc; i++) {
        const char *name = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        int ok = 1;
        if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
            usage(stdout);
            return 1;
        } else if (strcmp(name, "--verbose") == 0) {
            o->verbose = 1;
            continue;
        } else if (value == NULL) {
            ok = 0;
        } else if (strcmp(name, "--pki") == 0) {
            o->pki = value;
        } else if (strcmp(name, "--address") == 0) {
            o->address = value;
        } else if (strcmp(name, "--port-file") == 0) {
            o->port_file = value;
        } else if (strcmp(name, "--tls-cert") == 0) {
            o->tls_cert = value;
        } else if (strcmp(name, "--tls-key") == 0) {
            o->tls_key = value;
        } else if (strcmp(name, "--auth-cert") == 0) {
            o->auth_cert = value;
        } else if (strcmp(name, "--auth-key") == 0) {
            o->auth_key = value;
        } else if (strcmp(name, "--port") == 0) {
            ok = parse_number(value, 65535, &o->port);
        } else if (strcmp(name, "--session-ttl") == 0) {
            ok = parse_number(value, 86400, &o->session_ttl_s);
        } else if (strcmp(name, "--lifetime") == 0) {
            ok = parse_number(value, 10UL * 365 * 86400, &o->lifetime_s);
        } else {
            ok = 0;
        }
        if (!ok) {
            fprintf(stderr, "sgp32-smds: bad option %s%s%s\n", name, value != NULL ? " " : "",
                    value != NULL ? value : "");
            usage(stderr);
            return 2;
        }
        i++;
    }
    if (o->pki == NULL || (o->auth_cert == NULL) != (o->auth_key == NULL)) {
        usage(stderr);
        return 2;
    }
    return 0;
}

/* `file` itself, or <dir>/<name> when file is NULL. */
static void path_of(char *out, size_t cap, const char *file, const char *dir, const char *name)
{
    if (file != NULL)
        snprintf(out, cap, "%s", file);
    else
        snprintf(out, cap, "%s/%s", dir, name);
}

static char *read_text(const char *file, const char *dir, const char *name)
{
    char path[1024];
    struct smdp_blob blob = {NULL, 0};
    char *text;
    path_of(path, sizeof(path), file, dir, name);
    if (smdp_read_file(path, &blob) != SGP32_OK) {
        fprintf(stderr, "sgp32-smds: cannot read %s\n", path);
        return NULL;
    }
    text = realloc(blob.data, blob.len + 1);
    if (text == NULL) {
        free(blob.data);
        return NULL;
    }
    text[blob.len] = '\0';
    return text;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                              const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    struct smds_server *server = cls;
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
        if (upload->len + n > MAX_BODY) {
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
    if (upload->too_large) {
        sgp32_remote_response_init(&response, 413, "text/plain", SGP32_REMOTE_ADMIN_PROTOCOL_ES9PLUS,
                                   (const uint8_t *)"too large", 9, NULL, NULL);
    } else if (strncmp(url, "/api/", 5) == 0) {
        smds_server_handle_api(server, method, url, upload->data, upload->len, &response);
    } else if (strcmp(method, "POST") != 0) {
        /* SGP.22 6.6.1 (as 6.5.1): every ES11 function is an HTTP POST */
        sgp32_remote_response_init(&response, 405, "text/plain", SGP32_REMOTE_ADMIN_PROTOCOL_ES9PLUS,
                                   (const uint8_t *)"POST only", 9, NULL, NULL);
    } else {
        incoming.path = url;
        incoming.content_type = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "Content-Type");
        incoming.admin_protocol = MHD_lookup_connection_value(connection, MHD_HEADER_KIND, "X-Admin-Protocol");
        incoming.body = upload->data;
        incoming.body_len = upload->len;
        smds_server_handle_es11(server, &incoming, &response);
        /* wolfSSL's thread-local FP_ECC cache goes with this thread only if freed on it. */
        wc_ecc_fp_free();
    }
    reply = MHD_create_response_from_buffer(response.body_len, (void *)response.body, MHD_RESPMEM_MUST_COPY);
    if (reply == NULL) {
        sgp32_remote_response_release(&response);
        return MHD_NO;
    }
    for (i = 0; i < response.header_count; i++)
        if (response.headers[i].value != NULL)
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

/* Waits for SIGINT/SIGTERM (blocked in every thread) or the end of the lifetime; 1 s slices. */
static void wait_for_stop(unsigned long lifetime_s)
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
            fprintf(stderr, "sgp32-smds: signal %d, stopping\n", signal_number);
            return;
        }
        if (signal_number < 0 && errno == EAGAIN && lifetime_s != 0 && ++waited >= lifetime_s) {
            fprintf(stderr, "sgp32-smds: lifetime over, stopping\n");
            return;
        }
    }
}

int main(int argc, char **argv)
{
    struct options o;
    struct smds_server server;
    struct MHD_Daemon *daemon = NULL;
    struct sockaddr_in bind_address;
    socklen_t address_len;
    int listen_socket = -1, one = 1;
    char *tls_cert = NULL, *tls_key = NULL, ci[1024], auth_cert[1024], auth_key[1024];
    sigset_t set;
    unsigned port;
    enum sgp32_status status;
    int rc = parse_options(argc, argv, &o), exit_code = 1;
    if (rc != 0)
        return rc == 1 ? 0 : 2;
    memset(&server, 0, sizeof(server));
    server.session_ttl_ms = (uint64_t)o.session_ttl_s * 1000u;
    server.verbose = o.verbose;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    /* CERT.DS.TLS and its key (SGP.22 4.5.2.0.3; issued by the CI in the test PKI); GnuTLS has no
     * brainpool curves: with a brainpool set, take a nist TLS pair (--tls-cert/--tls-key). */
    tls_cert = read_text(o.tls_cert, o.pki, "smds/tls.cert.pem");
    tls_key = read_text(o.tls_key, o.pki, "smds/tls.key.pem");
    if (tls_cert == NULL || tls_key == NULL)
        goto out;
    listen_socket = socket(AF_INET, SOCK_STREAM, 0);
    memset(&bind_address, 0, sizeof(bind_address));
    bind_address.sin_family = AF_INET;
    bind_address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind_address.sin_port = htons((uint16_t)o.port);
    address_len = sizeof(bind_address);
    if (listen_socket < 0 || setsockopt(listen_socket, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(listen_socket, (struct sockaddr *)&bind_address, sizeof(bind_address)) != 0 ||
        listen(listen_socket, 32) != 0 ||
        getsockname(listen_socket, (struct sockaddr *)&bind_address, &address_len) != 0) {
        fprintf(stderr, "sgp32-smds: cannot listen on 127.0.0.1:%lu: %s\n", o.port, strerror(errno));
        goto out;
    }
    port = ntohs(bind_address.sin_port);
    if (o.address != NULL)
        snprintf(server.address, sizeof(server.address), "%s", o.address);
    else
        snprintf(server.address, sizeof(server.address), "127.0.0.1:%u", port);
    /* CERT.DSauth.ECDSA signs serverSigned1 (SGP.22 5.8.1); the eUICC chains are checked against the CI. */
    path_of(ci, sizeof(ci), NULL, o.pki, "ci/ci.cert.der");
    path_of(auth_cert, sizeof(auth_cert), o.auth_cert, o.pki, "smds/auth.cert.der");
    path_of(auth_key, sizeof(auth_key), o.auth_key, o.pki, "smds/auth.key.pem");
    status = smds_server_init(&server, ci, auth_cert, auth_key);
    if (status != SGP32_OK) {
        fprintf(stderr, "sgp32-smds: SM-DS credentials (%s, %s, %s): %s\n", ci, auth_cert, auth_key,
                sgp32_strerror(status));
        goto out;
    }
    daemon = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_TLS | MHD_USE_ERROR_LOG, 0, NULL, NULL, answer,
                              &server, MHD_OPTION_LISTEN_SOCKET, listen_socket, MHD_OPTION_HTTPS_MEM_CERT, tls_cert,
                              MHD_OPTION_HTTPS_MEM_KEY, tls_key, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
                              MHD_OPTION_CONNECTION_TIMEOUT, 30u, MHD_OPTION_END);
    if (daemon == NULL) {
        fprintf(stderr, "sgp32-smds: cannot start the HTTPS daemon\n");
        goto out;
    }
    listen_socket = -1;
    if (o.port_file != NULL) {
        FILE *file = fopen(o.port_file, "w");
        if (file == NULL || fprintf(file, "%u\n", port) < 0 || fclose(file) != 0) {
            fprintf(stderr, "sgp32-smds: cannot write %s\n", o.port_file);
            goto out;
        }
    }
    printf("listening 127.0.0.1:%u\n", port);
    fflush(stdout);
    fprintf(stderr, "sgp32-smds: SM-DS address %s\n", server.address);
    wait_for_stop(o.lifetime_s);
    exit_code = 0;
out:
    if (daemon != NULL)
        MHD_stop_daemon(daemon);
    if (listen_socket >= 0)
        close(listen_socket);
    smds_server_free(&server);
    free(tls_cert);
    free(tls_key);
    return exit_code;
}
