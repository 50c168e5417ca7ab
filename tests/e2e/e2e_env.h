/* SPDX-License-Identifier: MIT */
/*
 * The end-to-end world (docs/e2e.md): a test PKI (nist), the real test servers as processes on
 * 127.0.0.1 free ports (sgp32-eim on its own SQLite file, sgp32-smdp, sgp32-smds; stopped by PID),
 * the software eUICC in process with an enabled bootstrap profile, and the real IPA core
 * (lib/ipa) driving it with the libcurl backend (TLS verified against the PKI's TLS root and CI),
 * a memory storage (tests/ipa/support) and the real clock. The operator's side is the servers' REST
 * APIs (libcurl easy handle, cJSON).
 *
 * Processes, PKI, card and HTTP helpers come from tests/eim/eim_test_env.c over tests/support
 * (server_process.c, test_card.c, test_https.c); the storage, log and event collectors from
 * tests/ipa/support/ipa_host.c.
 */
#ifndef SGP32_TESTS_E2E_ENV_H
#define SGP32_TESTS_E2E_ENV_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "eim_test_env.h"
#include "ipa_host.h"
#include "sgp32/http_curl.h"
#include "sgp32/ipa.h"

#define E2E_MATCHING_ID "TS48V2-SAIP2-1-BERTLV-UNIQUE" /* <shared>/profiles/<matchingId>.der */
#define E2E_BOOTSTRAP_ICCID "98001032547698103214"     /* as encoded (BCD-swapped hex) */
#define E2E_ORDER_TIMEOUT_MS 60000

struct e2e_eim {
    struct server_process process;
    char dir[64]; /* its temp dir (the database inside) */
    char db[96];
    char eim_id[32];
    unsigned port; /* kept across restarts (the eimFqdn on the card names it) */
};

struct e2e {
    char ca_bundle[96]; /* the PKI's TLS root (eIM) + CI (SM-DP+, SM-DS): the IPA's trust */
    char dir[64];       /* the group's temp dir (CA bundle) */
    struct server_process smdp, smds;
    struct e2e_eim eim;
    struct card_env card; /* card.es10 is freed at once: the IPA resets the card when it opens it */
    struct ipa_host host;
    struct sgp32_http_curl *curl;
    struct sgp32_platform platform;
    struct sgp32_ipa_config config;
    struct sgp32_ipa *ipa;
    long association_token;
    uint64_t restarts; /* IPA restarts made by e2e_ipa_restart() */
};

extern struct e2e e2e;

/* E2E_TEST=<pattern> runs only the tests whose names match (cmocka_set_test_filter: * and ?). */
void e2e_filter_from_environment(void);
/* Group setup: the PKI, the CA bundle, sgp32-smdp and sgp32-smds (teardown stops them by PID). */
int e2e_group_setup(void **state);
int e2e_group_teardown(void **state);
/* Test setup: sgp32-eim on a fresh database, a fresh card with the enabled bootstrap profile, the
 * IPA (not polled yet) over a fresh memory storage. */
int e2e_setup(void **state);
/* e2e_setup() in two steps: the eIM and the card (card.card, card.transport: the in-process card),
 * then the IPA over card.transport (a test may put another transport there in between). */
void e2e_setup_card(void);
void e2e_setup_ipa(void);
int e2e_teardown(void **state);

/* Starts sgp32-eim (id, database, port 0 = a free one; the eIM's fields are filled). */
void e2e_eim_start(struct e2e_eim *eim, const char *eim_id, unsigned port);
void e2e_eim_remove(struct e2e_eim *eim); /* SIGKILL if running, removes its directory */
/* SIGTERM (clean exit asserted), then the same database and port again. */
void e2e_eim_restart(struct e2e_eim *eim);

/* The string member `name` of a JSON object, "" when missing or not a string. */
const char *e2e_text(const cJSON *json, const char *name);
/* A REST call (JSON body or NULL) to a server: the HTTP status; *json the parsed answer (may be NULL). */
int e2e_rest(const struct server_process *server, const char *method, const char *path, const char *body, cJSON **json);
/* Bootstrap: GET /api/eim's addInitialEimRequest through sgp32_ipa_add_initial_eim(), then the device
 * registered with the eUICC certificate and the association token the card assigned. */
void e2e_install_eim(const struct e2e_eim *eim);
/* POST /api/devices: the card's EID and eUICC certificate with that association token. */
void e2e_register_device(const struct e2e_eim *eim, long association_token);
/* POST /api/devices/<eid>/orders: the order id. */
long e2e_post_order(const struct e2e_eim *eim, const char *order);
/* GET /api/orders/<id> (cJSON_Delete it). */
cJSON *e2e_get_order(const struct e2e_eim *eim, long id);
/* Polls the IPA (real time) until the order has ended (done or failed) and the IPA is idle; asserts
 * it happens within timeout_ms. The order (cJSON_Delete it). */
cJSON *e2e_run_order(const struct e2e_eim *eim, long id, uint32_t timeout_ms);
/* Polls the IPA until it is idle (at least one poll), at most timeout_ms: 1 if idle. */
int e2e_run_idle(uint32_t timeout_ms);
/* One poll, then a short real-time pause (at most the wait asked for). */
void e2e_poll_once(struct sgp32_ipa_poll_result *result);

/* The IPA over the same platform and storage (a device restart): free without finishing, new one. */
void e2e_ipa_restart(void);

/* The card seen through a short ES10 session of its own (between polls). */
/* The profile's state: -1 absent, 0 disabled, 1 enabled. iccid as encoded, 20 hex digits. */
int e2e_profile_state(const char *iccid_hex);
/* How many profiles the card holds. */
size_t e2e_profile_count(void);
/* Pending notifications and eUICC package results kept on the card. */
void e2e_card_leftovers(size_t *notifications, size_t *results);

/* Upper-case hex of bytes into out (2 * len + 1). */
void e2e_hex(const uint8_t *data, size_t len, char *out);
/* The ICCID (as encoded, hex) of the last DOWNLOAD_DONE event with one; asserts there is one. */
void e2e_downloaded_iccid(char out[21]);
/* 1 when the text occurs in the JSON of the object (printed unformatted). */
int e2e_json_contains(const cJSON *json, const char *text);

#endif
