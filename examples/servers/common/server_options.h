/* SPDX-License-Identifier: MIT */
/*
 * The command line and listener that sgp32-smdp, sgp32-smds and sgp32-eim share (docs/test-servers.md,
 * docs/test-eim.md; the eIM names --address --eim-fqdn, and has no use for --session-ttl):
 *   --pki <curve dir> [--port N] [--port-file F] [--address host:port] [--session-ttl S]
 *   [--tls-cert pem --tls-key pem] [--lifetime S] [--verbose] [--help]
 * plus each server's own value options, and the start: its TLS pair (the options, or
 * <pki>/<role>/tls.{cert,key}.pem), the bound socket, and its address (--address, or
 * 127.0.0.1:<port>: the port is part of the address a server signs into serverSigned1).
 * Static functions in a header: each server is one executable whose own CMakeLists names its sources,
 * so the helper comes with the include (examples/servers/common is on both include paths).
 */
#ifndef SGP32_EXAMPLES_SERVER_OPTIONS_H
#define SGP32_EXAMPLES_SERVER_OPTIONS_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "https_server.h"

struct server_options {
    const char *pki;
    const char *address;
    const char *port_file;
    const char *tls_cert; /* NULL: <pki>/<role>/tls.cert.pem */
    const char *tls_key;
    unsigned long port;
    unsigned long session_ttl_s; /* default 300: SGP.22 leaves the RSP session timer to the server */
    unsigned long lifetime_s;
    int verbose;
};

/* A value option of one server only ("--profiles"), stored into *value. */
struct server_extra_option {
    const char *name;
    const char **value;
};

/* Parses argv into o (and the extra options): 0 ok, 1 help shown (usage on stdout), 2 bad command
 * line or no --pki (usage on stderr). */
static int server_options_parse(const char *program, void (*usage)(FILE *out), int argc, char **argv,
                                const struct server_extra_option *extra, size_t extra_count, struct server_options *o)
{
    int i;
    memset(o, 0, sizeof(*o));
    o->session_ttl_s = 300;
    for (i = 1; i < argc; i++) {
        const char *name = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        int ok = 1;
        size_t e;
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
        } else if (strcmp(name, "--port") == 0) {
            ok = https_server_parse_number(value, 65535, &o->port);
        } else if (strcmp(name, "--session-ttl") == 0) {
            ok = https_server_parse_number(value, 86400, &o->session_ttl_s);
        } else if (strcmp(name, "--lifetime") == 0) {
            ok = https_server_parse_number(value, 10UL * 365 * 86400, &o->lifetime_s);
        } else {
            for (e = 0; e < extra_count && strcmp(name, extra[e].name) != 0; e++)
                ;
            if (e < extra_count)
                *extra[e].value = value;
            else
                ok = 0;
        }
        if (!ok) {
            fprintf(stderr, "%s: bad option %s%s%s\n", program, name, value != NULL ? " " : "",
                    value != NULL ? value : "");
            usage(stderr);
            return 2;
        }
        i++;
    }
    if (o->pki == NULL) {
        usage(stderr);
        return 2;
    }
    return 0;
}

/* A bound listener and the TLS pair it was bound with (zero-initialise; server_listener_free). */
struct server_listener {
    struct https_server *http;
    char *tls_cert, *tls_key;
};

/* Reads the TLS pair (the options, or <pki>/<role>/tls.{cert,key}.pem), binds 127.0.0.1:<port> with
 * the handler and writes the server's address: 1, or 0 after a message (free the listener either
 * way). GnuTLS has no brainpool curves: with a brainpool set, the TLS pair of a nist set comes
 * through --tls-cert/--tls-key. */
static int server_options_listen(const char *program, const struct server_options *o, const char *role, size_t max_body,
                                 https_server_handler handler, void *user, struct server_listener *listener,
                                 char *address, size_t address_cap)
{
    char cert_name[64], key_name[64];
    struct https_server_options http;
    snprintf(cert_name, sizeof(cert_name), "%s/tls.cert.pem", role);
    snprintf(key_name, sizeof(key_name), "%s/tls.key.pem", role);
    listener->tls_cert = https_server_read_file(program, o->tls_cert, o->pki, cert_name, NULL);
    listener->tls_key = https_server_read_file(program, o->tls_key, o->pki, key_name, NULL);
    if (listener->tls_cert == NULL || listener->tls_key == NULL)
        return 0;
    memset(&http, 0, sizeof(http));
    http.program = program;
    http.port = o->port;
    http.tls_cert = listener->tls_cert;
    http.tls_key = listener->tls_key;
    http.max_body = max_body;
    http.handler = handler;
    http.user = user;
    listener->http = https_server_bind(&http);
    if (listener->http == NULL)
        return 0;
    if (o->address != NULL)
        snprintf(address, address_cap, "%s", o->address);
    else
        snprintf(address, address_cap, "127.0.0.1:%u", https_server_port(listener->http));
    return 1;
}

/* Stops serving (if it did) and frees the listener. */
static void server_listener_free(struct server_listener *listener)
{
    https_server_free(listener->http);
    free(listener->tls_cert);
    free(listener->tls_key);
    memset(listener, 0, sizeof(*listener));
}

#endif
