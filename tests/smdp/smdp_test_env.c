/* SPDX-License-Identifier: MIT */
/* Environment of test_smdp_server (smdp_test_env.h). */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sgp32/http_curl.h"
#include "remote/remote_json.h"
#include "smdp_test_env.h"
#include "test_https.h"

#define STEP_TIMEOUT_MS 30000

static char pki_root[64];
static struct sgp32_http_curl *curl_client;
static struct sgp32_http_client http_client;

int smdp_test_pki_create(void)
{
    snprintf(pki_root, sizeof(pki_root), "/tmp/smdp-server-pki-XXXXXX");
    return server_pki_create(pki_root, "both");
}

void smdp_test_pki_remove(void)
{
    server_pki_remove(pki_root);
}

/* <pki>/<curve>/<file> */
static void pki_path(char *out, size_t cap, const char *curve, const char *file)
{
    snprintf(out, cap, "%s/%s/%s", pki_root, curve, file);
}

const char *smdp_test_pki_dir(void)
{
    return pki_root;
}

void smdp_process_start(struct server_process *process, const char *curve, const char *const *extra)
{
    const char *argv[32];
    char profiles[512], pki_dir[128], tls_cert[160], tls_key[160];
    size_t argc = 0, i;
    snprintf(profiles, sizeof(profiles), "%s/profiles", SGP32_SHARED_DIR);
    snprintf(pki_dir, sizeof(pki_dir), "%s/%s", pki_root, curve);
    argv[argc++] = SGP32_SMDP_SERVER;
    argv[argc++] = "--pki";
    argv[argc++] = pki_dir;
    if (strcmp(curve, "nist") != 0) { /* GnuTLS has no brainpool: the nist set's TLS pair */
        pki_path(tls_cert, sizeof(tls_cert), "nist", "smdp/tls.cert.pem");
        pki_path(tls_key, sizeof(tls_key), "nist", "smdp/tls.key.pem");
        argv[argc++] = "--tls-cert";
        argv[argc++] = tls_cert;
        argv[argc++] = "--tls-key";
        argv[argc++] = tls_key;
    }
    argv[argc++] = "--profiles";
    argv[argc++] = profiles;
    argv[argc++] = "--port";
    argv[argc++] = "0";
    argv[argc++] = "--lifetime"; /* a server this test fails to stop goes away on its own */
    argv[argc++] = "300";
    for (i = 0; extra != NULL && extra[i] != NULL && argc + 1 < 32; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;
    server_start(process, argv);
}

void card_start(struct card_env *env, const char *curve)
{
    char dir[256];
    pki_path(dir, sizeof(dir), curve, "");
    test_card_start(env, dir, "/tmp/smdp-server-card-XXXXXX");
}

enum sgp32_status card_transceive(struct card_env *env, const uint8_t *request, size_t len, uint8_t **response,
                                  size_t *response_len)
{
    *response = NULL;
    *response_len = 0;
    return sgp32_es10_transceive(env->es10, request, len, response, response_len);
}

int card_has_profile(struct card_env *env, const uint8_t iccid[10])
{
    uint8_t *answer = NULL, needle[12] = {0x5A, 0x0A};
    size_t answer_len = 0, i;
    int found = 0;
    assert_int_equal(sgp32_es10_get_profiles_info(env->es10, NULL, 0, &answer, &answer_len), SGP32_OK);
    memcpy(needle + 2, iccid, 10);
    for (i = 0; i + sizeof(needle) <= answer_len; i++)
        found |= memcmp(answer + i, needle, sizeof(needle)) == 0;
    sgp32_buffer_free(answer);
    return found;
}

void es9_client_start(void)
{
    char ca[256];
    pki_path(ca, sizeof(ca), "nist", "ci/ci.cert.pem"); /* CERT.DP.TLS is issued by the CI */
    test_https_client_new(ca, STEP_TIMEOUT_MS, &curl_client, &http_client);
}

void es9_client_stop(void)
{
    sgp32_http_curl_free(curl_client);
    curl_client = NULL;
}

struct sgp32_http_client *es9_http(void)
{
    return &http_client;
}

enum sgp32_status https_run(const struct sgp32_http_request *request, struct sgp32_remote_body *body,
                            struct sgp32_http_result *result)
{
    return test_https_run(&http_client, request, body, result, STEP_TIMEOUT_MS);
}

enum sgp32_status remote_run(struct sgp32_remote_request *built, size_t body_cap, struct sgp32_remote_body *body,
                             struct sgp32_http_result *http_result, struct sgp32_remote_answer *answer)
{
    return test_remote_run(&http_client, built, body_cap, body, http_result, answer, STEP_TIMEOUT_MS);
}

enum sgp32_status es9_call(const struct server_process *server, enum sgp32_es9plus_function function,
                           const union sgp32_es9plus_request *request, union sgp32_es9plus_response *response,
                           void **storage, struct sgp32_remote_result *result)
{
    struct sgp32_remote_endpoint endpoint = {server->address, NULL, STEP_TIMEOUT_MS};
    struct sgp32_remote_request built;
    struct sgp32_remote_body body;
    struct sgp32_http_result http_result;
    struct sgp32_remote_answer answer;
    enum sgp32_status status;
    *storage = NULL;
    assert_int_equal(sgp32_es9plus_build_request(&endpoint, function, request, &built), SGP32_OK);
    status = remote_run(&built, 1024u * 1024u, &body, &http_result, &answer);
    if (status == SGP32_OK) {
        status = sgp32_es9plus_parse_response(function, &answer, response, storage, result);
    } else {
        fprintf(stderr, "ES9+ %s: %s (%s)\n", sgp32_es9plus_function_name(function), sgp32_strerror(status),
                http_result.detail);
    }
    sgp32_remote_body_release(&body);
    return status;
}

int https_request(const struct server_process *server, const char *method, const char *path, const char *content_type,
                  const char *admin_protocol, const char *body)
{
    return https_fetch(server, method, path, content_type, admin_protocol, body, NULL, 0);
}

int https_fetch(const struct server_process *server, const char *method, const char *path, const char *content_type,
                const char *admin_protocol, const char *body, char *answer, size_t answer_cap)
{
    struct sgp32_remote_body collected;
    int http_status = test_https_request(&http_client, server->address, method, path, content_type, admin_protocol,
                                         (const uint8_t *)body, strlen(body), &collected, 64u * 1024u, STEP_TIMEOUT_MS);
    if (answer != NULL && answer_cap > 0) {
        size_t n = http_status != -1 && collected.len < answer_cap ? collected.len : 0;
        if (n > 0)
            memcpy(answer, collected.data, n);
        answer[n] = '\0';
    }
    sgp32_remote_body_release(&collected);
    return http_status;
}
