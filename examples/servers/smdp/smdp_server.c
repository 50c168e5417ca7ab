/* SPDX-License-Identifier: MIT */
/*
 * sgp32-smdp: the loopback test SM-DP+ (ES9+ over HTTPS), see docs/test-servers.md.
 *
 *   sgp32-smdp --pki <curve dir> --profiles <dir> [--port N] [--port-file F] [--address A]
 *              [--confirmation-code C] [--session-ttl S] [--tls-cert F --tls-key F] [--lifetime S]
 *              [--verbose]
 *
 * Binds 127.0.0.1 only; --port 0 (the default) lets the system pick a free port. Once it accepts
 * connections it prints "listening 127.0.0.1:<port>" on stdout (and writes the port to --port-file).
 * Runs until SIGINT or SIGTERM (or --lifetime seconds, a safety net for tests), then stops cleanly.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "https_server.h"
#include "smdp_server.h"

#define MAX_BODY (256u * 1024u) /* the largest ES9+ request: an AuthenticateServerResponse (~2 KiB) */

struct options {
    const char *pki;
    const char *profiles;
    const char *address;
    const char *port_file;
    const char *confirmation_code;
    const char *tls_cert; /* NULL: <pki>/smdp/tls.cert.pem */
    const char *tls_key;
    unsigned long port;
    unsigned long session_ttl_s;
    unsigned long lifetime_s;
    int verbose;
};

static void usage(FILE *out)
{
    fprintf(out, "usage: sgp32-smdp --pki <curve dir> --profiles <dir> [--port N] [--port-file F]\n"
                 "                  [--address host:port] [--confirmation-code C] [--session-ttl seconds]\n"
                 "                  [--tls-cert pem --tls-key pem] [--lifetime seconds] [--verbose]\n");
}

/* 0 ok, 1 help shown, 2 bad command line. */
static int parse_options(int argc, char **argv, struct options *o)
{
    int i;
    memset(o, 0, sizeof(*o));
    o->session_ttl_s = 300; /* SGP.22 leaves the RSP session timer to the SM-DP+ */
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
        } else if (strcmp(name, "--profiles") == 0) {
            o->profiles = value;
        } else if (strcmp(name, "--address") == 0) {
            o->address = value;
        } else if (strcmp(name, "--port-file") == 0) {
            o->port_file = value;
        } else if (strcmp(name, "--tls-cert") == 0) {
            o->tls_cert = value;
        } else if (strcmp(name, "--tls-key") == 0) {
            o->tls_key = value;
        } else if (strcmp(name, "--confirmation-code") == 0) {
            o->confirmation_code = value;
        } else if (strcmp(name, "--port") == 0) {
            ok = https_server_parse_number(value, 65535, &o->port);
        } else if (strcmp(name, "--session-ttl") == 0) {
            ok = https_server_parse_number(value, 86400, &o->session_ttl_s);
        } else if (strcmp(name, "--lifetime") == 0) {
            ok = https_server_parse_number(value, 10UL * 365 * 86400, &o->lifetime_s);
        } else {
            ok = 0;
        }
        if (!ok) {
            fprintf(stderr, "sgp32-smdp: bad option %s%s%s\n", name, value != NULL ? " " : "",
                    value != NULL ? value : "");
            usage(stderr);
            return 2;
        }
        i++;
    }
    if (o->pki == NULL || o->profiles == NULL) {
        usage(stderr);
        return 2;
    }
    return 0;
}

/* DPauth and DPpb certificates and keys, the CI certificate (SGP.22 4.5.2), from the test PKI layout
 * of examples/pki/sgp32-test-pki (docs/test-pki.md). */
static int load_core(const struct options *o, const char *address, struct smdp_core **core)
{
    static const char *const files[5] = {"ci/ci.cert.der", "smdp/auth.cert.der", "smdp/auth.key.pem",
                                         "smdp/pb.cert.der", "smdp/pb.key.pem"};
    struct smdp_blob blobs[5];
    struct smdp_core_credentials credentials;
    char path[1024];
    enum sgp32_status status = SGP32_OK;
    size_t i;
    memset(blobs, 0, sizeof(blobs));
    for (i = 0; i < 5 && status == SGP32_OK; i++) {
        snprintf(path, sizeof(path), "%s/%s", o->pki, files[i]);
        status = smdp_read_file(path, &blobs[i]);
        if (status != SGP32_OK)
            fprintf(stderr, "sgp32-smdp: cannot read %s\n", path);
    }
    if (status == SGP32_OK) {
        credentials.ci_certificate = blobs[0].data;
        credentials.ci_certificate_len = blobs[0].len;
        credentials.auth_certificate = blobs[1].data;
        credentials.auth_certificate_len = blobs[1].len;
        credentials.auth_key = blobs[2].data;
        credentials.auth_key_len = blobs[2].len;
        credentials.pb_certificate = blobs[3].data;
        credentials.pb_certificate_len = blobs[3].len;
        credentials.pb_key = blobs[4].data;
        credentials.pb_key_len = blobs[4].len;
        credentials.address = address;
        status = smdp_core_new(&credentials, core);
        if (status != SGP32_OK)
            fprintf(stderr, "sgp32-smdp: SM-DP+ credentials: %s\n", sgp32_strerror(status));
    }
    for (i = 0; i < 5; i++)
        free(blobs[i].data);
    return status == SGP32_OK;
}

static void handle(void *user, const char *method, const struct sgp32_remote_incoming *incoming, int body_too_large,
                   struct sgp32_remote_response *response)
{
    if (strncmp(incoming->path, "/api/", 5) == 0 && !body_too_large) {
        /* the REST API for orders and notifications (smdp_orders.c) */
        smdp_server_handle_api(user, method, incoming->path, incoming->body, incoming->body_len, response);
    } else if (strcmp(method, "POST") != 0) {
        /* SGP.22 6.5.1: every ES9+ function is an HTTP POST */
        sgp32_remote_response_init(response, 405, "text/plain", SGP32_REMOTE_ADMIN_PROTOCOL_ES9PLUS,
                                   (const uint8_t *)"POST only", 9, NULL, NULL);
    } else if (body_too_large) {
        sgp32_remote_response_init(response, 413, "text/plain", SGP32_REMOTE_ADMIN_PROTOCOL_ES9PLUS,
                                   (const uint8_t *)"too large", 9, NULL, NULL);
    } else {
        smdp_server_handle(user, incoming, response);
    }
}

int main(int argc, char **argv)
{
    struct options o;
    struct smdp_server server;
    struct https_server_options http_options;
    struct https_server *http = NULL;
    char *tls_cert = NULL, *tls_key = NULL;
    unsigned port;
    int rc = parse_options(argc, argv, &o), exit_code = 1;
    if (rc != 0)
        return rc == 1 ? 0 : 2;
    memset(&server, 0, sizeof(server));
    server.profiles_dir = o.profiles;
    server.confirmation_code = o.confirmation_code;
    server.session_ttl_ms = (uint64_t)o.session_ttl_s * 1000u;
    server.verbose = o.verbose;
    /* Signals are taken by sigtimedwait in main only: block them before libmicrohttpd's threads exist
     * (they inherit the mask). */
    https_server_block_signals();
    /* CERT.DP.TLS and its key (SGP.22 4.5.2.0.3; issued by the CI in the test PKI). GnuTLS has no
     * brainpool curves: with a brainpool set, take the TLS pair of a nist set (--tls-cert/--tls-key). */
    tls_cert = https_server_read_file("sgp32-smdp", o.tls_cert, o.pki, "smdp/tls.cert.pem", NULL);
    tls_key = https_server_read_file("sgp32-smdp", o.tls_key, o.pki, "smdp/tls.key.pem", NULL);
    if (tls_cert == NULL || tls_key == NULL)
        goto out;
    /* The socket first: its port is part of the default SM-DP+ address, which the core signs into
     * serverSigned1, so the core exists before the first request can arrive. */
    memset(&http_options, 0, sizeof(http_options));
    http_options.program = "sgp32-smdp";
    http_options.port = o.port;
    http_options.tls_cert = tls_cert;
    http_options.tls_key = tls_key;
    http_options.max_body = MAX_BODY;
    http_options.handler = handle;
    http_options.user = &server;
    http = https_server_bind(&http_options);
    if (http == NULL)
        goto out;
    port = https_server_port(http);
    if (o.address != NULL)
        snprintf(server.address, sizeof(server.address), "%s", o.address);
    else
        snprintf(server.address, sizeof(server.address), "127.0.0.1:%u", port);
    if (!load_core(&o, server.address, &server.core))
        goto out;
    if (!https_server_start(http, o.port_file))
        goto out;
    fprintf(stderr, "sgp32-smdp: SM-DP+ address %s, profiles from %s\n", server.address, o.profiles);
    https_server_wait_for_stop("sgp32-smdp", o.lifetime_s);
    exit_code = 0;
out:
    https_server_free(http);
    smdp_server_sessions_free(&server);
    smdp_core_free(server.core);
    free(tls_cert);
    free(tls_key);
    return exit_code;
}
