/* SPDX-License-Identifier: MIT */
/*
 * sgp32-smds, the loopback test SM-DS: ES11 (SGP.22 v2.5 5.8, JSON binding 6.6) over HTTPS, with
 * event records registered through a small JSON REST API instead of ES12. This header joins the
 * HTTP front end (smds_server.c), the ES11 functions (smds_es11.c: RSP sessions, the shared eUICC
 * authentication of examples/servers/smdp/rsp_server_auth.c) and the event store with its API
 * (smds_events.c). All calls run on libmicrohttpd's single polling thread: no locks. Test material
 * only (docs/test-servers.md).
 */
#ifndef SGP32_SMDS_SERVER_H
#define SGP32_SMDS_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "remote/remote.h"
#include "rsp_server_auth.h"

#define SMDS_EVENT_ID_MAX 128u
#define SMDS_ADDRESS_MAX 255u

/* One event record (SGP.22 3.6: registered by an SM-DP+ for an EID; here through the REST API). */
struct smds_event {
    struct smds_event *next;
    uint8_t eid[16];
    char event_id[SMDS_EVENT_ID_MAX + 1];    /* the Matching ID the SM-DP+ expects */
    char smdp_address[SMDS_ADDRESS_MAX + 1]; /* rspServerAddress */
    unsigned long retrieved;                 /* how often authenticateClient returned it */
};

struct smds_session;

struct smds_server {
    char address[256]; /* the SM-DS address the eUICC sees (serverAddress) */
    struct smdp_blob ci_der, auth_der;
    struct sgp32_x509_cert ci, auth;
    struct sgp32_ec_key auth_key;
    struct sgp32_crypto_rng rng;
    uint64_t session_ttl_ms;
    int verbose;
    struct smds_session *sessions;
    size_t session_count;
    struct smds_event *events;
    size_t event_count;
};

/* Credentials from files: CI certificate (DER), CERT.DSauth (DER) and its key (PEM or DER). */
enum sgp32_status smds_server_init(struct smds_server *server, const char *ci_file, const char *auth_cert_file,
                                   const char *auth_key_file);
void smds_server_free(struct smds_server *server);

/* One ES11 POST (lib/remote parses it and builds the answer). */
void smds_server_handle_es11(struct smds_server *server, const struct sgp32_remote_incoming *incoming,
                             struct sgp32_remote_response *response);
/* One REST call under /api/ (method GET, POST or DELETE; body JSON). */
void smds_server_handle_api(struct smds_server *server, const char *method, const char *path, const uint8_t *body,
                            size_t body_len, struct sgp32_remote_response *response);
void smds_events_free(struct smds_server *server);
/* The events registered for an EID, in registration order; returns how many (at most cap). */
size_t smds_events_for(struct smds_server *server, const uint8_t eid[16], struct smds_event **out, size_t cap);

#endif
