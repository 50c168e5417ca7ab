/* SPDX-License-Identifier: MIT */
/*
 * sgp32-eim: the loopback test eIM (docs/test-eim.md).
 *
 *   sgp32-eim --pki <curve dir> --db <file> [--port N] [--port-file F] [--eim-id ID] [--eim-fqdn F]
 *             [--smdp-ca pem] [--smdp host:port] [--tls-cert F --tls-key F] [--lifetime S] [--verbose]
 *
 * One HTTPS listener on 127.0.0.1 (--port 0, the default: a free port) serves the ESipa ASN.1 binding
 * at POST /gsma/rsp2/asn1 (SGP.32 v1.2 6.1), the ESipa JSON binding at POST /gsma/rsp2/esipa/<function>
 * (6.2) and the operator's JSON API under /api/. Once it accepts
 * connections it prints "listening 127.0.0.1:<port>" on stdout (and writes the port to --port-file).
 * Runs until SIGINT or SIGTERM (or --lifetime seconds), then stops cleanly. Everything it must not
 * forget is in the SQLite file --db, written before each answer.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eim_server.h"
#include "https_server.h"
#include "server_options.h"
#include "remote/esipa_json.h"

#define MAX_BODY (1024u * 1024u)

struct eim_options {
    const char *db, *eim_id, *smdp_ca, *smdp;
};

static void usage(FILE *out)
{
    fprintf(out, "usage: sgp32-eim --pki <curve dir> --db <file> [--port N] [--port-file F]\n"
                 "                 [--eim-id ID] [--eim-fqdn host:port] [--smdp-ca pem] [--smdp host:port]\n"
                 "                 [--tls-cert pem --tls-key pem] [--lifetime seconds] [--verbose]\n");
}

/* The shared command line (server_options.h) plus the eIM's own values; --eim-fqdn is the shared
 * --address (where the IPA reaches this eIM, by default the bound 127.0.0.1:<port>). 0 ok, 1 help
 * shown, 2 bad command line. */
static int parse_options(int argc, char **argv, struct server_options *o, struct eim_options *eim)
{
    const struct server_extra_option extra[] = {{"--db", &eim->db},
                                                {"--eim-id", &eim->eim_id},
                                                {"--eim-fqdn", &o->address},
                                                {"--smdp-ca", &eim->smdp_ca},
                                                {"--smdp", &eim->smdp}};
    int rc;
    memset(eim, 0, sizeof(*eim));
    rc = server_options_parse("sgp32-eim", usage, argc, argv, extra, sizeof(extra) / sizeof(extra[0]), o);
    if (rc != 0)
        return rc;
    if (eim->eim_id == NULL) {
        eim->eim_id = "eIM"; /* the CN of the test PKI's eIM certificate (docs/test-pki.md) */
    } else if (eim->eim_id[0] == '\0' || strlen(eim->eim_id) > 128) {
        fprintf(stderr, "sgp32-eim: bad option --eim-id %s\n", eim->eim_id);
        usage(stderr);
        return 2;
    }
    if (eim->db == NULL) {
        usage(stderr);
        return 2;
    }
    return 0;
}

static void handle(void *user, const char *method, const struct sgp32_remote_incoming *incoming, int body_too_large,
                   struct sgp32_remote_response *response)
{
    struct eim_server *server = user;
    static const char too_large[] = "{\"error\": \"the body is too large\"}";
    if (body_too_large) {
        sgp32_remote_response_init(response, 413, "application/json", SGP32_REMOTE_ADMIN_PROTOCOL_ESIPA,
                                   (const uint8_t *)too_large, strlen(too_large), NULL, NULL);
    } else if (strcmp(incoming->path, SGP32_REMOTE_ASN1_PATH) == 0) {
        if (strcmp(method, "POST") == 0)
            eim_esipa_handle(server, incoming, response);
        else /* SGP.32 6.1: every ESipa message is an HTTP POST */
            sgp32_remote_response_init(response, 405, "text/plain", SGP32_REMOTE_ADMIN_PROTOCOL_ESIPA,
                                       (const uint8_t *)"POST only", 9, NULL, NULL);
    } else if (strncmp(incoming->path, SGP32_ESIPA_JSON_PATH_PREFIX, strlen(SGP32_ESIPA_JSON_PATH_PREFIX)) == 0) {
        if (strcmp(method, "POST") == 0) /* SGP.32 6.2: the JSON binding's functions are POSTs too */
            eim_esipa_json_handle(server, incoming, response);
        else
            sgp32_remote_response_init(response, 405, "text/plain", SGP32_REMOTE_ADMIN_PROTOCOL_ESIPA,
                                       (const uint8_t *)"POST only", 9, NULL, NULL);
    } else if (strncmp(incoming->path, "/api/", 5) == 0) {
        eim_api_handle(server, method, incoming, response);
    } else {
        sgp32_remote_response_init(response, 404, "text/plain", SGP32_REMOTE_ADMIN_PROTOCOL_ESIPA,
                                   (const uint8_t *)"not found", 9, NULL, NULL);
    }
}

/* The eIM's signing key and its public key (<pki>/eim/sign.key.pem, the key eUICC packages are
 * signed with; the eUICC gets the public key as eimPublicKey). */
static int load_key(struct eim_server *server, const char *pki)
{
    size_t len = 0;
    char *pem = https_server_read_file("sgp32-eim", NULL, pki, "eim/sign.key.pem", &len);
    enum sgp32_status status;
    if (pem == NULL)
        return 0;
    status = sgp32_ec_import_private(&server->key, (const uint8_t *)pem, len);
    free(pem);
    if (status == SGP32_OK)
        status = sgp32_ec_export_spki_der(&server->key, server->spki, sizeof(server->spki), &server->spki_len);
    if (status != SGP32_OK)
        fprintf(stderr, "sgp32-eim: eIM key %s/eim/sign.key.pem: %s\n", pki, sgp32_strerror(status));
    return status == SGP32_OK;
}

int main(int argc, char **argv)
{
    struct server_options o;
    struct eim_options eim;
    struct eim_server server;
    struct server_listener listener = {NULL, NULL, NULL};
    char fqdn[300] = "";
    int rc = parse_options(argc, argv, &o, &eim), exit_code = 1;
    if (rc != 0)
        return rc == 1 ? 0 : 2;
    memset(&server, 0, sizeof(server));
    sgp32_ec_key_init(&server.key);
    server.eim_id = eim.eim_id;
    server.verbose = o.verbose;
    server.eim_fqdn = fqdn;
    https_server_block_signals();
    if (sgp32_crypto_rng_init(&server.rng, NULL, NULL) != SGP32_OK || !load_key(&server, o.pki))
        goto out;
    /* The eIM TLS certificate (127.0.0.1, issued by the PKI's TLS root) and eimFqdn */
    if (!server_options_listen("sgp32-eim", &o, "eim", MAX_BODY, handle, &server, &listener, fqdn, sizeof(fqdn)))
        goto out;
    if (eim_store_open(eim.db, &server.store) != 0 || eim_relay_new(eim.smdp_ca, eim.smdp, &server.relay) != 0)
        goto out;
    if (!https_server_start(listener.http, o.port_file))
        goto out;
    fprintf(stderr, "sgp32-eim: eIM %s at %s, store %s\n", server.eim_id, server.eim_fqdn, eim.db);
    https_server_wait_for_stop("sgp32-eim", o.lifetime_s);
    exit_code = 0;
out:
    server_listener_free(&listener);
    eim_relay_free(server.relay);
    eim_store_close(server.store);
    sgp32_ec_key_free(&server.key);
    sgp32_crypto_rng_free(&server.rng);
    return exit_code;
}
