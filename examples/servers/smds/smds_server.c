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
 * The HTTPS front end is the test servers' shared one (examples/servers/common/https_server.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "https_server.h"
#include "rest_json.h"
#include "server_options.h"
#include "remote/es11_json.h"
#include "smds_server.h"

#define MAX_BODY (64u * 1024u) /* the largest ES11 request: an AuthenticateServerResponse (~2 KiB) */

struct options {
    struct server_options common;
    const char *auth_cert; /* NULL: <pki>/smds/auth.cert.der (CERT.DSauth.ECDSA) */
    const char *auth_key;
};

static void usage(FILE *out)
{
    fprintf(out, "usage: sgp32-smds --pki <curve dir> [--port N] [--port-file F] [--address host:port]\n"
                 "                  [--session-ttl seconds] [--tls-cert pem --tls-key pem]\n"
                 "                  [--auth-cert der --auth-key pem] [--lifetime seconds] [--verbose]\n");
}

/* 0 ok, 1 help shown, 2 bad command line. */
static int parse_options(int argc, char **argv, struct options *o)
{
    const struct server_extra_option extra[] = {{"--auth-cert", &o->auth_cert}, {"--auth-key", &o->auth_key}};
    int rc;
    o->auth_cert = NULL;
    o->auth_key = NULL;
    rc = server_options_parse("sgp32-smds", usage, argc, argv, extra, 2, &o->common);
    if (rc == 0 && (o->auth_cert == NULL) != (o->auth_key == NULL)) {
        usage(stderr);
        return 2;
    }
    return rc;
}

/* `file` itself, or <dir>/<name> when file is NULL. */
static void path_of(char *out, size_t cap, const char *file, const char *dir, const char *name)
{
    if (file != NULL)
        snprintf(out, cap, "%s", file);
    else
        snprintf(out, cap, "%s/%s", dir, name);
}

/* /api/ calls go to the event API (any method); everything else must be an ES11 POST. */
static void handle(void *user, const char *method, const struct sgp32_remote_incoming *incoming, int body_too_large,
                   struct sgp32_remote_response *response)
{
    if (body_too_large) {
        rest_text_answer(response, 413, "too large");
    } else if (strncmp(incoming->path, "/api/", 5) == 0) {
        smds_server_handle_api(user, method, incoming->path, incoming->body, incoming->body_len, response);
    } else if (strcmp(method, "POST") != 0) {
        /* SGP.22 6.6.1 (as 6.5.1): every ES11 function is an HTTP POST */
        rest_text_answer(response, 405, "POST only");
    } else {
        smds_server_handle_es11(user, incoming, response);
    }
}

int main(int argc, char **argv)
{
    struct options o;
    struct smds_server server;
    struct server_listener listener = {NULL, NULL, NULL};
    char ci[1024], auth_cert[1024], auth_key[1024];
    enum sgp32_status status;
    int rc = parse_options(argc, argv, &o), exit_code = 1;
    if (rc != 0)
        return rc == 1 ? 0 : 2;
    memset(&server, 0, sizeof(server));
    server.session_ttl_ms = (uint64_t)o.common.session_ttl_s * 1000u;
    server.verbose = o.common.verbose;
    https_server_block_signals();
    /* CERT.DS.TLS and its key (SGP.22 4.5.2.1.0.8; issued by the CI in the test PKI). The socket
     * first: its port is part of the default SM-DS address, signed into serverSigned1. */
    if (!server_options_listen("sgp32-smds", &o.common, "smds", MAX_BODY, handle, &server, &listener, server.address,
                               sizeof(server.address)))
        goto out;
    /* CERT.DSauth.ECDSA signs serverSigned1 (SGP.22 5.8.1); the eUICC chains are checked against the CI. */
    path_of(ci, sizeof(ci), NULL, o.common.pki, "ci/ci.cert.der");
    path_of(auth_cert, sizeof(auth_cert), o.auth_cert, o.common.pki, "smds/auth.cert.der");
    path_of(auth_key, sizeof(auth_key), o.auth_key, o.common.pki, "smds/auth.key.pem");
    status = smds_server_init(&server, ci, auth_cert, auth_key);
    if (status != SGP32_OK) {
        fprintf(stderr, "sgp32-smds: SM-DS credentials (%s, %s, %s): %s\n", ci, auth_cert, auth_key,
                sgp32_strerror(status));
        goto out;
    }
    if (!https_server_start(listener.http, o.common.port_file))
        goto out;
    fprintf(stderr, "sgp32-smds: SM-DS address %s\n", server.address);
    https_server_wait_for_stop("sgp32-smds", o.common.lifetime_s);
    exit_code = 0;
out:
    server_listener_free(&listener);
    smds_server_free(&server);
    return exit_code;
}
