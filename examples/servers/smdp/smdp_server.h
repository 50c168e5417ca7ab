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

#define SMDP_MATCHING_ID_MAX 64u
#define SMDP_CODE_MAX 64u

enum smdp_order_state { SMDP_ORDER_RELEASED, SMDP_ORDER_INSTALLED };

/* A download order registered through the REST API (smdp_orders.c): the profile is read (and its
 * ICCID replaced) at registration. */
struct smdp_order {
    struct smdp_order *next;
    char matching_id[SMDP_MATCHING_ID_MAX + 1];
    char profile[256];                         /* as given: a TS.48 name or a file */
    struct smdp_blob upp;                      /* the UPP, ICCID override applied */
    char confirmation_code[SMDP_CODE_MAX + 1]; /* empty: none (the server's --confirmation-code) */
    uint8_t eid[16];                           /* with has_eid: only this eUICC may download it */
    int has_eid;
    unsigned long attempts;     /* authenticateClient calls that passed the eUICC checks */
    unsigned long max_attempts; /* 0: no limit; above it 8.8.5 / 6.4 */
    enum smdp_order_state state;
};

/* A received notification and what its check found (GET /api/notifications). */
struct smdp_notification_record {
    struct smdp_notification_record *next;
    int installation_result; /* 1 ProfileInstallationResult, 0 OtherSignedNotification */
    struct smdp_notification_info info;
    int verified;
    char detail[96]; /* "installed", "failed: ...", the check that failed */
};

struct smdp_server {
    struct smdp_core *core;
    const char *profiles_dir;      /* <matchingId>.der files (GSMA TS.48 UPPs) */
    char address[256];             /* the SM-DP+ address the eUICC sees (serverAddress) */
    const char *confirmation_code; /* NULL: none required */
    uint64_t session_ttl_ms;       /* an RSP session expires this long after initiateAuthentication */
    int verbose;
    struct smdp_server_session *sessions;
    size_t session_count;
    struct smdp_order *orders; /* registered through the API */
    size_t order_count;
    struct smdp_notification_record *notifications; /* newest last */
    size_t notification_count;
};

/* Handles one ES9+ POST: parses it (lib/remote), runs the function, builds the answer (the JSON
 * success, the SGP.22 failure form, 204, or a 4xx for a request that is not ES9+ at all). */
void smdp_server_handle(struct smdp_server *server, const struct sgp32_remote_incoming *incoming,
                        struct sgp32_remote_response *response);
/* Frees every session, order and notification record. */
void smdp_server_sessions_free(struct smdp_server *server);

/* The REST API under /api/ (smdp_orders.c, docs/test-servers.md): orders and notifications. */
void smdp_server_handle_api(struct smdp_server *server, const char *method, const char *path, const uint8_t *body,
                            size_t body_len, struct sgp32_remote_response *response);
struct smdp_order *smdp_order_find(struct smdp_server *server, const char *matching_id);
/* The first order bound to this EID and not installed yet: the download of an eUICC that gives no
 * Matching ID (its default SM-DP+ address, SGP.22 v2.5 3.1.2), or NULL. */
struct smdp_order *smdp_order_find_eid(struct smdp_server *server, const uint8_t eid[16]);
void smdp_orders_free(struct smdp_server *server);
/* Keeps a notification record (the oldest go beyond a limit); detail is copied. */
void smdp_notification_record(struct smdp_server *server, int installation_result,
                              const struct smdp_notification_info *info, int verified, const char *detail);

#endif
