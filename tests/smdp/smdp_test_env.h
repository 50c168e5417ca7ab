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
#include <sys/types.h>

#include "remote/es9plus_json.h"
#include "sgp32/codec.h"
#include "sgp32/es10.h"
#include "sgp32/http.h"
#include "sgp32/softeuicc.h"

struct smdp_process {
    pid_t pid;
    int stdout_fd; /* the server's stdout: its "listening" line, EOF when it exits */
    unsigned port;
    char address[64]; /* "127.0.0.1:<port>" */
};

struct card_env {
    char dir[64];
    struct sgp32_softeuicc *card;
    struct sgp32_apdu_transport transport;
    struct sgp32_es10 *es10;
};

/* The PKI (nist and brainpool sets) in a temporary directory. 0 on success. */
int smdp_test_pki_create(void);
void smdp_test_pki_remove(void);

/* The PKI's directory (curve sets below it). */
const char *smdp_test_pki_dir(void);
/* Starts a server program (argv[0], NULL-terminated) that prints "listening 127.0.0.1:<port>" on
 * stdout once it accepts connections; waits (bounded) for that line. */
void test_server_start(struct smdp_process *process, const char *const *argv);
/* Starts sgp32-smdp with --pki <curve set> --profiles <shared profiles> --port 0 (and the nist TLS
 * pair for brainpool) and the extra arguments (NULL-terminated list, may be NULL); waits (bounded)
 * for its "listening" line. */
void smdp_process_start(struct smdp_process *process, const char *curve, const char *const *extra);
/* SIGTERM, then waits (bounded) for its exit; asserts it exited 0 (clean shutdown). */
void smdp_process_stop(struct smdp_process *process);
/* SIGKILL and reap, without checks (teardown after a failure); nothing if already stopped. */
void smdp_process_kill(struct smdp_process *process);

/* A fresh card of the curve set's eUICC identity, its CI trust file, connected through lib/es10. */
void card_start(struct card_env *env, const char *curve);
void card_stop(struct card_env *env);
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
enum sgp32_status es9_call(const struct smdp_process *server, enum sgp32_es9plus_function function,
                           const union sgp32_es9plus_request *request, union sgp32_es9plus_response *response,
                           void **storage, struct sgp32_remote_result *result);
/* One HTTPS request run to completion (bounded); the transport status. */
enum sgp32_status https_run(const struct sgp32_http_request *request, struct sgp32_remote_body *body,
                            struct sgp32_http_result *result);
/* A raw HTTPS request and its answer body (NUL-terminated, cut at answer_cap - 1; empty on error;
 * answer may be NULL): the HTTP status, or -1. */
int https_fetch(const struct smdp_process *server, const char *method, const char *path, const char *content_type,
                const char *admin_protocol, const char *body, char *answer, size_t answer_cap);
/* A raw HTTPS request (for the header checks): the HTTP status, or -1. */
int https_request(const struct smdp_process *server, const char *method, const char *path, const char *content_type,
                  const char *admin_protocol, const char *body);

#endif
