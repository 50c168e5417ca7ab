/* SPDX-License-Identifier: MIT */
/*
 * sgp32-smdp, the loopback test SM-DP+: ES9+ (SGP.22 v2.5 5.6, JSON binding 6.5) over HTTPS. This
 * header joins the HTTP front end (smdp_server.c: options, libmicrohttpd, signals) and the ES9+
 * functions (smdp_server_es9.c: RSP sessions keyed by transactionId, smdp_core, SGP.22 error codes).
 * All ES9+ calls run on libmicrohttpd's single internal polling thread, so the session table needs no
 * lock. Test material only (docs/test-servers.md).
 */
#ifndef SGP32_SMDP_SERVER_H
#define SGP32_SMDP_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "remote/remote.h"
#include "smdp_core.h"

struct smdp_server_session;

struct smdp_server {
    struct smdp_core *core;
    const char *profiles_dir;      /* <matchingId>.der files (GSMA TS.48 UPPs) */
    char address[256];             /* the SM-DP+ address the eUICC sees (serverAddress) */
    const char *confirmation_code; /* NULL: none required */
    uint64_t session_ttl_ms;       /* an RSP session expires this long after initiateAuthentication */
    int verbose;
    struct smdp_server_session *sessions;
    size_t session_count;
};

/* Handles one ES9+ POST: parses it (lib/remote), runs the function, builds the answer (the JSON
 * success, the SGP.22 failure form, 204, or a 4xx for a request that is not ES9+ at all). */
void smdp_server_handle(struct smdp_server *server, const struct sgp32_remote_incoming *incoming,
                        struct sgp32_remote_response *response);
/* Frees every session. */
void smdp_server_sessions_free(struct smdp_server *server);

#endif
