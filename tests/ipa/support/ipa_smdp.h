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

#endif
