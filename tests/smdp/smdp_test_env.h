/* SPDX-License-Identifier: MIT */
/*
 * Environment of test_smdp_server: a test PKI (nist) generated at run time, sgp32-smdp processes
 * started on free ports and stopped by PID, a software eUICC of the PKI's identity behind lib/es10,
 * and the IPA's side of ES9+: lib/remote's JSON binding over the libcurl backend, TLS verified
 * against the nist CI (which issues CERT.DP.TLS; every server uses the nist TLS pair).
 */
#ifndef SGP32_TESTS_SMDP_TEST_ENV_H
#define SGP32_TESTS_SMDP_TEST_ENV_H

#include <stddef.h>
#include <stdint.h>

#include "remote/es9plus_json.h"
#include "sgp32/codec.h"
#include "sgp32/es10.h"
#include "sgp32/http.h"
#include "sgp32/softeuicc.h"
#include "server_process.h"
#include "test_card.h"

/* The PKI (nist and brainpool sets) in a temporary directory. 0 on success. */
int smdp_test_pki_create(void);
void smdp_test_pki_remove(void);

/* The PKI's directory (curve sets below it). */
const char *smdp_test_pki_dir(void);
/* Starts sgp32-smdp with --pki <curve set> --profiles <shared profiles> --port 0 (and the nist TLS
 * pair for brainpool) and the extra arguments (NULL-terminated list, may be NULL); waits (bounded)
 * for its "listening" line. */
void smdp_process_start(struct server_process *process, const char *curve, const char *const *extra);

/* A fresh card of the curve set's eUICC identity, its CI trust file, connected through lib/es10. */
void card_start(struct card_env *env, const char *curve);
enum sgp32_status card_transceive(struct card_env *env, const uint8_t *request, size_t len, uint8_t **response,
                                  size_t *response_len);
/* 1 if GetProfilesInfo lists the ICCID. */
int card_has_profile(struct card_env *env, const uint8_t iccid[10]);

/* One HTTPS client (libcurl backend) trusting the PKI's CI, for all tests. */
void es9_client_start(void);
void es9_client_stop(void);
struct sgp32_http_client *es9_http(void);
/* One ES9+ call to the server: builds the request, runs it (bounded), parses the answer (bytes in
 * *storage, free with sgp32_remote_storage_free()). Returns what sgp32_es9plus_parse_response said
 * (SGP32_ERR_SERVER_STATUS with the codes in *result for a Failed answer). */
enum sgp32_status es9_call(const struct server_process *server, enum sgp32_es9plus_function function,
                           const union sgp32_es9plus_request *request, union sgp32_es9plus_response *response,
                           void **storage, struct sgp32_remote_result *result);
/* Runs a built ES9+ / ES11 request (bounded, at most body_cap answer bytes) and releases it: the
 * transport status; on SGP32_OK *answer refers into *body (sgp32_remote_body_release by the caller in
 * any case). */
enum sgp32_status remote_run(struct sgp32_remote_request *built, size_t body_cap, struct sgp32_remote_body *body,
                             struct sgp32_http_result *http_result, struct sgp32_remote_answer *answer);
/* One HTTPS request run to completion (bounded); the transport status. */
enum sgp32_status https_run(const struct sgp32_http_request *request, struct sgp32_remote_body *body,
                            struct sgp32_http_result *result);
/* A raw HTTPS request and its answer body (NUL-terminated, cut at answer_cap - 1; empty on error;
 * answer may be NULL): the HTTP status, or -1. */
int https_fetch(const struct server_process *server, const char *method, const char *path, const char *content_type,
                const char *admin_protocol, const char *body, char *answer, size_t answer_cap);
/* A raw HTTPS request (for the header checks): the HTTP status, or -1. */
int https_request(const struct server_process *server, const char *method, const char *path, const char *content_type,
                  const char *admin_protocol, const char *body);

#endif
