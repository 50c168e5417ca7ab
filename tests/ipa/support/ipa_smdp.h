/* SPDX-License-Identifier: MIT */
/*
 * An in-process SM-DP+ for ES9+ (SGP.22 v2.5 5.6, JSON binding 6.5) at /gsma/rsp2/es9plus/: the
 * test SM-DP+ server's own ES9+ functions (examples/servers/smdp/smdp_server_es9.c: RSP sessions,
 * SGP.22 status codes) over smdp_core (real signatures, a real Bound Profile Package), behind an
 * ipa_http_peer route instead of libmicrohttpd. Route ipa_smdp_handler for "/gsma/rsp2/es9plus/".
 */
#ifndef SGP32_TESTS_IPA_SMDP_H
#define SGP32_TESTS_IPA_SMDP_H

#include <stddef.h>

#include "ipa_http_peer.h"
#include "remote/es9plus_json.h"
#include "sgp32/status.h"

struct ipa_smdp_options {
    const char *pki_dir;           /* a curve directory of sgp32-test-pki (ci/, smdp/) */
    const char *profiles_dir;      /* <matchingId>.der UPPs (NULL: <shared>/profiles) */
    const char *address;           /* the SM-DP+ address (serverAddress), e.g. "127.0.0.1" */
    const char *confirmation_code; /* NULL: none required */
};

struct ipa_smdp;

enum sgp32_status ipa_smdp_new(const struct ipa_smdp_options *options, struct ipa_smdp **smdp);
void ipa_smdp_free(struct ipa_smdp *smdp);
void ipa_smdp_handler(void *smdp, const struct ipa_http_recorded *request, struct ipa_http_reply *reply);
/* Calls received per ES9+ function name ("initiateAuthentication", "handleNotification" ...), by the
 * last path segment; name NULL: all. */
size_t ipa_smdp_calls(const struct ipa_smdp *smdp, const char *function);
/* The HTTP status of the last answer. */
int ipa_smdp_last_http_status(const struct ipa_smdp *smdp);

/* One ES9+ call made in process (JSON built and parsed by lib/remote, as over HTTP): the parsed
 * answer in *response (storage: sgp32_remote_storage_free(), also after an error). Counted by
 * ipa_smdp_calls(). Errors as sgp32_es9plus_parse_response (SGP32_ERR_SERVER_STATUS: result). */
enum sgp32_status ipa_smdp_call(struct ipa_smdp *smdp, enum sgp32_es9plus_function function,
                                const union sgp32_es9plus_request *request, union sgp32_es9plus_response *response,
                                void **storage, struct sgp32_remote_result *result);

/* ---- Indirect download (SGP.32 3.2.3, ipa_relay.c): what the eIM does for the IPA ---- */

/* An ipa_http_handler (user = the SM-DP+) for the eIM's ESipa download messages: BF39, BF3B, BF3A,
 * BF41 become ES9+ calls to this SM-DP+ (every signed object as received), the answers become
 * InitiateAuthenticationOkEsipa / AuthenticateClientOkDPEsipa / GetBoundProfilePackageOkEsipa /
 * cancelSessionOk, and an SGP.22 failure the ESipa error INTEGER (SGP.32 6.3.2.1-6.3.2.5). Set it
 * with ipa_eim_set_other_handler() (the fixture does). */
void ipa_smdp_esipa_relay(void *smdp, const struct ipa_http_recorded *request, struct ipa_http_reply *reply);
/* An ipa_eim_notification_forward (user = the SM-DP+): ES9+ handleNotification. */
void ipa_smdp_forward_notification(void *smdp, const uint8_t *notification, size_t len);
/* ESipa messages relayed so far (all kinds). */
size_t ipa_smdp_relayed(const struct ipa_smdp *smdp);

#endif
