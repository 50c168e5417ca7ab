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
#include "rest_json.h"
#include "server_options.h"
#include "smdp_server.h"

#define MAX_BODY (256u * 1024u) /* the largest ES9+ request: an AuthenticateServerResponse (~2 KiB) */

struct options {
    struct server_options common;
    const char *profiles;
    const char *confirmation_code;
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
    const struct server_extra_option extra[] = {{"--profiles", &o->profiles},
                                                {"--confirmation-code", &o->confirmation_code}};
    int rc;
    o->profiles = NULL;
    o->confirmation_code = NULL;
    rc = server_options_parse("sgp32-smdp", usage, argc, argv, extra, 2, &o->common);
    if (rc == 0 && o->profiles == NULL) {
        usage(stderr);
        return 2;
    }
    return rc;
}

/* The credentials of the test PKI (smdp_core_load_pki); 0 after a message. */
static int load_core(const struct options *o, const char *address, struct smdp_core **core)
{
    char unread[1024];
    enum sgp32_status status = smdp_core_load_pki(o->common.pki, address, core, unread, sizeof(unread));
    if (status != SGP32_OK && unread[0] != '\0')
        fprintf(stderr, "sgp32-smdp: cannot read %s\n", unread);
    else if (status != SGP32_OK)
        fprintf(stderr, "sgp32-smdp: SM-DP+ credentials: %s\n", sgp32_strerror(status));
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
        rest_text_answer(response, 405, "POST only");
    } else if (body_too_large) {
        rest_text_answer(response, 413, "too large");
    } else {
        smdp_server_handle(user, incoming, response);
    }
}

int main(int argc, char **argv)
{
    struct options o;
    struct smdp_server server;
    struct server_listener listener = {NULL, NULL, NULL};
    int rc = parse_options(argc, argv, &o), exit_code = 1;
    if (rc != 0)
        return rc == 1 ? 0 : 2;
    memset(&server, 0, sizeof(server));
    server.profiles_dir = o.profiles;
    server.confirmation_code = o.confirmation_code;
    server.session_ttl_ms = (uint64_t)o.common.session_ttl_s * 1000u;
    server.verbose = o.common.verbose;
    /* Signals are taken by sigtimedwait in main only: block them before libmicrohttpd's threads exist
     * (they inherit the mask). */
    https_server_block_signals();
    /* CERT.DP.TLS and its key (SGP.22 4.5.2.0.3; issued by the CI in the test PKI). The socket first:
     * its port is part of the default SM-DP+ address, which the core signs into serverSigned1, so the
     * core exists before the first request can arrive. */
    if (!server_options_listen("sgp32-smdp", &o.common, "smdp", MAX_BODY, handle, &server, &listener, server.address,
                               sizeof(server.address)))
        goto out;
    if (!load_core(&o, server.address, &server.core))
        goto out;
    if (!https_server_start(listener.http, o.common.port_file))
        goto out;
    fprintf(stderr, "sgp32-smdp: SM-DP+ address %s, profiles from %s\n", server.address, o.profiles);
    https_server_wait_for_stop("sgp32-smdp", o.common.lifetime_s);
    exit_code = 0;
out:
    server_listener_free(&listener);
    smdp_server_sessions_free(&server);
    smdp_core_free(server.core);
    return exit_code;
}
