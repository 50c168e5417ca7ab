/* SPDX-License-Identifier: MIT */
/*
 * sgp32-smdp, the loopback test SM-DP+, as a real process on a free port: a direct profile download
 * as an IPA performs it (ES10 on a software eUICC, ES9+ over HTTPS with the libcurl backend and TLS
 * verified), and the SGP.22 failures (unknown matchingId, unknown transactionId, expired session,
 * wrong SM-DP+ address, confirmation code) surfacing as SGP32_ERR_SERVER_STATUS with their codes.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "remote/remote_json.h"
#include "sgp32/tlv.h"
#include "smdp_core.h"
#include "smdp_test_env.h"
#include "test_pki.h"

#define MATCHING_ID "TS48V2-SAIP2-1-BERTLV-UNIQUE" /* <profiles>/<matchingId>.der */
#define CHUNK 997                                  /* bytes per loader feed: cuts segments anywhere */

static struct server_process server;        /* default options */
static struct server_process expiring;      /* --session-ttl 0: every session is expired at once */
static struct server_process with_cc;       /* --confirmation-code */
static struct server_process other_address; /* --address smdp.libsgp32.test */
static struct server_process brainpool;     /* the brainpool set (TLS: the nist pair) */

static int group_setup(void **state)
{
    static const char *const ttl[] = {"--session-ttl", "0", NULL};
    static const char *const cc[] = {"--confirmation-code", "1234", NULL};
    static const char *const address[] = {"--address", "smdp.libsgp32.test", NULL};
    (void)state;
    if (smdp_test_pki_create() != 0)
        return -1;
    smdp_process_start(&server, "nist", NULL);
    smdp_process_start(&expiring, "nist", ttl);
    smdp_process_start(&with_cc, "nist", cc);
    smdp_process_start(&other_address, "nist", address);
    smdp_process_start(&brainpool, "brainpool", NULL);
    es9_client_start();
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    es9_client_stop();
    /* servers a failed test left running (no-ops after test_clean_shutdown) */
    server_kill(&server);
    server_kill(&expiring);
    server_kill(&with_cc);
    server_kill(&other_address);
    server_kill(&brainpool);
    smdp_test_pki_remove();
    return 0;
}

static void expect_failure(enum sgp32_status status, const struct sgp32_remote_result *result, const char *subject,
                           const char *reason)
{
    assert_int_equal(status, SGP32_ERR_SERVER_STATUS);
    assert_string_equal(result->execution_status, "Failed");
    assert_string_equal(result->subject_code, subject);
    assert_string_equal(result->reason_code, reason);
}

/* A started download: the RSP session's transactionId and the eUICC's AuthenticateServerResponse. */
struct started {
    uint8_t transaction_id[16];
    uint8_t *authenticate_server_response;
    size_t len;
};

/* GetEUICCChallenge, EUICCInfo1 -> ES9+.InitiateAuthentication -> ES10b.AuthenticateServer (with
 * matching_id in ctxParams1). Returns the ES9+ status (and stops there unless SGP32_OK). */
static enum sgp32_status start_download(const struct server_process *smdp, struct card_env *card,
                                        const char *matching_id, struct started *out,
                                        struct sgp32_remote_result *result)
{
    union sgp32_es9plus_request request;
    union sgp32_es9plus_response response;
    struct smdp_authentication auth;
    struct smdp_blob bf38 = {NULL, 0};
    uint8_t challenge[16], *info1 = NULL;
    size_t info1_len = 0;
    long code = -1;
    void *storage = NULL;
    enum sgp32_status status;
    memset(out, 0, sizeof(*out));
    card_authentication_material(card, challenge, &info1, &info1_len);
    memset(&request, 0, sizeof(request));
    request.initiate_authentication.euicc_challenge.data = challenge;
    request.initiate_authentication.euicc_challenge.len = 16;
    request.initiate_authentication.euicc_info1.data = info1;
    request.initiate_authentication.euicc_info1.len = info1_len;
    request.initiate_authentication.smdp_address.data = (const uint8_t *)smdp->address;
    request.initiate_authentication.smdp_address.len = strlen(smdp->address);
    status = es9_call(smdp, SGP32_ES9PLUS_INITIATE_AUTHENTICATION, &request, &response, &storage, result);
    sgp32_buffer_free(info1);
    if (status != SGP32_OK) {
        sgp32_remote_storage_free(storage);
        return status;
    }
    assert_int_equal(response.initiate_authentication.transaction_id.len, 16);
    memcpy(out->transaction_id, response.initiate_authentication.transaction_id.data, 16);
    /* The IPA's AuthenticateServerRequest from the SM-DP+'s material (the exact bytes received). */
    auth.server_signed1.data = (uint8_t *)(uintptr_t)response.initiate_authentication.server_signed1.data;
    auth.server_signed1.len = response.initiate_authentication.server_signed1.len;
    auth.server_signature1.data = (uint8_t *)(uintptr_t)response.initiate_authentication.server_signature1.data;
    auth.server_signature1.len = response.initiate_authentication.server_signature1.len;
    auth.euicc_ci_pkid.data = (uint8_t *)(uintptr_t)response.initiate_authentication.euicc_ci_pkid_to_be_used.data;
    auth.euicc_ci_pkid.len = response.initiate_authentication.euicc_ci_pkid_to_be_used.len;
    auth.server_certificate.data = (uint8_t *)(uintptr_t)response.initiate_authentication.server_certificate.data;
    auth.server_certificate.len = response.initiate_authentication.server_certificate.len;
    assert_int_equal(smdp_build_authenticate_server_request(&auth, matching_id, &bf38), SGP32_OK);
    sgp32_remote_storage_free(storage);
    assert_int_equal(
        sgp32_es10_authenticate_server(card->es10, bf38.data, bf38.len, &out->authenticate_server_response, &out->len),
        SGP32_OK);
    free(bf38.data);
    /* the eUICC accepted the SM-DP+ (its signature, certificate chain and serverAddress) */
    assert_int_equal(sgp32_es10_answer_error_code(out->authenticate_server_response, out->len, &code), SGP32_OK);
    assert_int_equal(code, 0);
    return SGP32_OK;
}

static enum sgp32_status authenticate_client(const struct server_process *smdp, const uint8_t tid[16],
                                             const struct started *started, union sgp32_es9plus_response *response,
                                             void **storage, struct sgp32_remote_result *result)
{
    union sgp32_es9plus_request request;
    memset(&request, 0, sizeof(request));
    request.authenticate_client.transaction_id.data = tid;
    request.authenticate_client.transaction_id.len = 16;
    request.authenticate_client.authenticate_server_response.data = started->authenticate_server_response;
    request.authenticate_client.authenticate_server_response.len = started->len;
    return es9_call(smdp, SGP32_ES9PLUS_AUTHENTICATE_CLIENT, &request, response, storage, result);
}

/* ES10b.PrepareDownload from the authenticateClient answer (hashCc from `code` unless NULL). */
static void prepare_download(struct card_env *card, const uint8_t tid[16], const union sgp32_es9plus_response *ac,
                             const char *code, uint8_t **answer, size_t *answer_len)
{
    struct smdp_prepare prepare;
    struct smdp_blob request = {NULL, 0};
    uint8_t hash_cc[32];
    long error_code = -1;
    prepare.smdp_signed2.data = (uint8_t *)(uintptr_t)ac->authenticate_client.smdp_signed2.data;
    prepare.smdp_signed2.len = ac->authenticate_client.smdp_signed2.len;
    prepare.smdp_signature2.data = (uint8_t *)(uintptr_t)ac->authenticate_client.smdp_signature2.data;
    prepare.smdp_signature2.len = ac->authenticate_client.smdp_signature2.len;
    prepare.smdp_certificate.data = (uint8_t *)(uintptr_t)ac->authenticate_client.smdp_certificate.data;
    prepare.smdp_certificate.len = ac->authenticate_client.smdp_certificate.len;
    if (code != NULL)
        assert_int_equal(smdp_hash_confirmation_code(code, tid, 16, hash_cc), SGP32_OK);
    assert_int_equal(smdp_build_prepare_download_request(&prepare, code != NULL ? hash_cc : NULL, &request), SGP32_OK);
    assert_int_equal(sgp32_es10_prepare_download(card->es10, request.data, request.len, answer, answer_len), SGP32_OK);
    free(request.data);
    assert_int_equal(sgp32_es10_answer_error_code(*answer, *answer_len, &error_code), SGP32_OK);
    assert_int_equal(error_code, 0);
}

static enum sgp32_status get_bpp(const struct server_process *smdp, const uint8_t tid[16], const uint8_t *prepared,
                                 size_t prepared_len, union sgp32_es9plus_response *response, void **storage,
                                 struct sgp32_remote_result *result)
{
    union sgp32_es9plus_request request;
    memset(&request, 0, sizeof(request));
    request.get_bound_profile_package.transaction_id.data = tid;
    request.get_bound_profile_package.transaction_id.len = 16;
    request.get_bound_profile_package.prepare_download_response.data = prepared;
    request.get_bound_profile_package.prepare_download_response.len = prepared_len;
    return es9_call(smdp, SGP32_ES9PLUS_GET_BOUND_PROFILE_PACKAGE, &request, response, storage, result);
}

/* ES10b.LoadBoundProfilePackage through lib/es10's loader, fed in pieces as an HTTP body arrives
 * (SGP.22 2.5.5 segments); the ProfileInstallationResult comes with the last segment. */
static void load_bpp(struct card_env *card, const struct sgp32_bytes *bpp, uint8_t **result, size_t *result_len)
{
    struct sgp32_es10_bpp_loader *loader = NULL;
    size_t offset = 0;
    *result = NULL;
    *result_len = 0;
    assert_int_equal(sgp32_es10_bpp_loader_new(card->es10, 0, &loader), SGP32_OK);
    while (offset < bpp->len) {
        size_t n = bpp->len - offset < CHUNK ? bpp->len - offset : CHUNK;
        assert_false(sgp32_es10_bpp_loader_done(loader)); /* no early (error) result */
        assert_int_equal(sgp32_es10_bpp_loader_feed(loader, bpp->data + offset, n), SGP32_OK);
        offset += n;
    }
    assert_true(sgp32_es10_bpp_loader_done(loader));
    assert_int_equal(sgp32_es10_bpp_loader_finish(loader, result, result_len), SGP32_OK);
    sgp32_es10_bpp_loader_free(loader);
    assert_true(*result_len > 0);
}

static void profile_iccid(uint8_t iccid[10])
{
    struct smdp_blob upp = {NULL, 0};
    assert_int_equal(smdp_read_file(SGP32_SHARED_DIR "/profiles/" MATCHING_ID ".der", &upp), SGP32_OK);
    assert_int_equal(smdp_upp_iccid(upp.data, upp.len, iccid), SGP32_OK);
    free(upp.data);
}

/* The whole direct download of matching_id onto a started card; code: the confirmation code the user
 * types (NULL: none); iccid: the ICCID the profile is expected to have. */
static void download(const struct server_process *smdp, struct card_env *card_env, const char *matching_id,
                     const char *code, const uint8_t iccid[10])
{
    struct card_env card = *card_env;
    struct started started;
    struct sgp32_remote_result result;
    union sgp32_es9plus_response ac, bpp;
    union sgp32_es9plus_request notification;
    void *ac_storage = NULL, *bpp_storage = NULL, *storage = NULL;
    uint8_t *prepared = NULL, *installed = NULL;
    size_t prepared_len = 0, installed_len = 0;
    struct sgp32_tlv_header top;
    assert_false(card_has_profile(&card, iccid));
    assert_int_equal(start_download(smdp, &card, matching_id, &started, &result), SGP32_OK);
    assert_int_equal(authenticate_client(smdp, started.transaction_id, &started, &ac, &ac_storage, &result), SGP32_OK);
    assert_memory_equal(ac.authenticate_client.transaction_id.data, started.transaction_id, 16);
    assert_int_equal(ac.authenticate_client.profile_metadata.data[0], 0xBF); /* BF25 StoreMetadataRequest */
    assert_int_equal(ac.authenticate_client.profile_metadata.data[1], 0x25);
    prepare_download(&card, started.transaction_id, &ac, code, &prepared, &prepared_len);
    assert_int_equal(get_bpp(smdp, started.transaction_id, prepared, prepared_len, &bpp, &bpp_storage, &result),
                     SGP32_OK);
    load_bpp(&card, &bpp.get_bound_profile_package.bound_profile_package, &installed, &installed_len);
    /* ProfileInstallationResult BF37 { BF27 { .. finalResult A2 { A0 successResult } } } */
    assert_int_equal(sgp32_tlv_parse_header(installed, installed_len, &top), SGP32_OK);
    assert_int_equal(top.tag, 0xBF37);
    memset(&notification, 0, sizeof(notification));
    notification.handle_notification.pending_notification.data = installed;
    notification.handle_notification.pending_notification.len = installed_len;
    assert_int_equal(es9_call(smdp, SGP32_ES9PLUS_HANDLE_NOTIFICATION, &notification, NULL, &storage, &result),
                     SGP32_OK);
    assert_int_equal(result.http_status, 204);
    sgp32_remote_storage_free(storage);
    assert_true(card_has_profile(&card, iccid));
    /* The session ended with the installation result: its transactionId is no longer usable. */
    sgp32_remote_storage_free(ac_storage);
    expect_failure(authenticate_client(smdp, started.transaction_id, &started, &ac, &ac_storage, &result), &result,
                   "8.10.1", "3.9");
    assert_string_equal(result.message, "RSP session ended");
    sgp32_remote_storage_free(ac_storage);
    sgp32_remote_storage_free(bpp_storage);
    sgp32_buffer_free(prepared);
    sgp32_buffer_free(installed);
    sgp32_buffer_free(started.authenticate_server_response);
}

static void direct_download(const struct server_process *smdp, const char *curve, const char *code)
{
    struct card_env card;
    uint8_t iccid[10];
    profile_iccid(iccid);
    card_start(&card, curve);
    download(smdp, &card, MATCHING_ID, code, iccid);
    card_stop(&card);
}

static void test_direct_download(void **state)
{
    (void)state;
    direct_download(&server, "nist", NULL);
}

static void test_direct_download_confirmation_code(void **state)
{
    (void)state;
    direct_download(&with_cc, "nist", "1234");
}

/* brainpoolP256r1 eUICC, DPauth and DPpb: signatures and BSP key agreement on that curve. */
static void test_direct_download_brainpool(void **state)
{
    (void)state;
    direct_download(&brainpool, "brainpool", NULL);
}

/* SGP.22 5.6.3: a wrong confirmation code is refused: 8.2.7 / 3.8. (Without any code the eUICC
 * itself refuses PrepareDownload: confirmationCodeMissing.) */
static void test_wrong_confirmation_code(void **state)
{
    struct card_env card;
    struct started started;
    struct sgp32_remote_result result;
    union sgp32_es9plus_response ac, bpp;
    void *ac_storage = NULL, *bpp_storage = NULL;
    uint8_t *prepared = NULL;
    size_t prepared_len = 0;
    (void)state;
    card_start(&card, "nist");
    assert_int_equal(start_download(&with_cc, &card, MATCHING_ID, &started, &result), SGP32_OK);
    assert_int_equal(authenticate_client(&with_cc, started.transaction_id, &started, &ac, &ac_storage, &result),
                     SGP32_OK);
    prepare_download(&card, started.transaction_id, &ac, "4321", &prepared, &prepared_len);
    expect_failure(get_bpp(&with_cc, started.transaction_id, prepared, prepared_len, &bpp, &bpp_storage, &result),
                   &result, "8.2.7", "3.8");
    sgp32_remote_storage_free(bpp_storage);
    /* the refused session is over */
    expect_failure(get_bpp(&with_cc, started.transaction_id, prepared, prepared_len, &bpp, &bpp_storage, &result),
                   &result, "8.10.1", "3.9");
    sgp32_remote_storage_free(ac_storage);
    sgp32_remote_storage_free(bpp_storage);
    sgp32_buffer_free(prepared);
    sgp32_buffer_free(started.authenticate_server_response);
    card_stop(&card);
}

/* SGP.22 5.6.2: a Matching ID without a download order: 8.2.6 / 3.8, and the session is over. */
static void test_unknown_matching_id(void **state)
{
    struct card_env card;
    struct started started;
    struct sgp32_remote_result result;
    union sgp32_es9plus_response ac;
    void *storage = NULL;
    (void)state;
    card_start(&card, "nist");
    assert_int_equal(start_download(&server, &card, "NO-SUCH-ORDER", &started, &result), SGP32_OK);
    expect_failure(authenticate_client(&server, started.transaction_id, &started, &ac, &storage, &result), &result,
                   "8.2.6", "3.8");
    sgp32_remote_storage_free(storage);
    expect_failure(authenticate_client(&server, started.transaction_id, &started, &ac, &storage, &result), &result,
                   "8.10.1", "3.9");
    sgp32_remote_storage_free(storage);
    sgp32_buffer_free(started.authenticate_server_response);
    card_stop(&card);
}

/* SGP.22 5.6.2 / 5.6.3: an unknown transactionId is 8.10.1 / 3.9; the real session is unaffected. */
static void test_wrong_transaction_id(void **state)
{
    struct card_env card;
    struct started started;
    struct sgp32_remote_result result;
    union sgp32_es9plus_response response;
    union sgp32_es9plus_request cancel;
    void *storage = NULL;
    uint8_t wrong[16], *cancelled = NULL;
    size_t cancelled_len = 0;
    /* PrepareDownloadResponse { downloadResponseError [1] { transactionId [0] .., downloadErrorCode
     * undefinedError (127) } } (only its tag matters here) */
    static const uint8_t prepare_download_error[] = {0xBF, 0x21, 0x07, 0xA1, 0x05, 0x80, 0x00, 0x02, 0x01, 0x7F};
    (void)state;
    card_start(&card, "nist");
    assert_int_equal(start_download(&server, &card, MATCHING_ID, &started, &result), SGP32_OK);
    memcpy(wrong, started.transaction_id, 16);
    wrong[15] ^= 0x01;
    expect_failure(authenticate_client(&server, wrong, &started, &response, &storage, &result), &result, "8.10.1",
                   "3.9");
    assert_string_equal(result.message, "unknown transactionId");
    sgp32_remote_storage_free(storage);
    expect_failure(
        get_bpp(&server, wrong, prepare_download_error, sizeof(prepare_download_error), &response, &storage, &result),
        &result, "8.10.1", "3.9");
    sgp32_remote_storage_free(storage);
    assert_int_equal(authenticate_client(&server, started.transaction_id, &started, &response, &storage, &result),
                     SGP32_OK);
    sgp32_remote_storage_free(storage);
    /* cancelSession with the eUICC's signed answer ends it (SGP.22 5.6.5); a second cancel finds no
     * session. */
    assert_int_equal(sgp32_es10_cancel_session(card.es10, started.transaction_id, 16, 1, &cancelled, &cancelled_len),
                     SGP32_OK);
    memset(&cancel, 0, sizeof(cancel));
    cancel.cancel_session.transaction_id.data = started.transaction_id;
    cancel.cancel_session.transaction_id.len = 16;
    cancel.cancel_session.cancel_session_response.data = cancelled;
    cancel.cancel_session.cancel_session_response.len = cancelled_len;
    assert_int_equal(es9_call(&server, SGP32_ES9PLUS_CANCEL_SESSION, &cancel, &response, &storage, &result), SGP32_OK);
    sgp32_remote_storage_free(storage);
    expect_failure(es9_call(&server, SGP32_ES9PLUS_CANCEL_SESSION, &cancel, &response, &storage, &result), &result,
                   "8.10.1", "3.9");
    sgp32_remote_storage_free(storage);
    sgp32_buffer_free(cancelled);
    sgp32_buffer_free(started.authenticate_server_response);
    card_stop(&card);
}

/* A session past its lifetime (--session-ttl 0) is gone: 8.10.1 / 3.9, "expired". */
static void test_expired_session(void **state)
{
    struct card_env card;
    struct started started;
    struct sgp32_remote_result result;
    union sgp32_es9plus_response response;
    void *storage = NULL;
    (void)state;
    card_start(&card, "nist");
    assert_int_equal(start_download(&expiring, &card, MATCHING_ID, &started, &result), SGP32_OK);
    expect_failure(authenticate_client(&expiring, started.transaction_id, &started, &response, &storage, &result),
                   &result, "8.10.1", "3.9");
    assert_string_equal(result.message, "RSP session expired");
    sgp32_remote_storage_free(storage);
    sgp32_buffer_free(started.authenticate_server_response);
    card_stop(&card);
}

/* SGP.22 5.6.1: initiateAuthentication to another address than the SM-DP+'s: 8.8.1 / 3.8. */
static void test_wrong_smdp_address(void **state)
{
    struct card_env card;
    struct started started;
    struct sgp32_remote_result result;
    (void)state;
    card_start(&card, "nist");
    expect_failure(start_download(&other_address, &card, MATCHING_ID, &started, &result), &result, "8.8.1", "3.8");
    card_stop(&card);
}

/* SGP.22 5.6.5: cancelSession checks the eUICC's signed answer. A tampered one is refused with
 * 8.1 / 6.1 and leaves the session alone; the genuine one ends it. Before authenticateClient there is
 * no eUICC certificate to check with: the session simply ends. */
static void test_cancel_session_verified(void **state)
{
    struct card_env card;
    struct started started;
    struct sgp32_remote_result result;
    union sgp32_es9plus_response response;
    union sgp32_es9plus_request cancel;
    void *storage = NULL;
    uint8_t *cancelled = NULL, *tampered;
    size_t cancelled_len = 0;
    (void)state;
    card_start(&card, "nist");
    assert_int_equal(start_download(&server, &card, MATCHING_ID, &started, &result), SGP32_OK);
    assert_int_equal(authenticate_client(&server, started.transaction_id, &started, &response, &storage, &result),
                     SGP32_OK);
    sgp32_remote_storage_free(storage);
    assert_int_equal(sgp32_es10_cancel_session(card.es10, started.transaction_id, 16, 0, &cancelled, &cancelled_len),
                     SGP32_OK);
    assert_int_equal(cancelled[3], 0xA0); /* cancelSessionResponseOk */
    tampered = malloc(cancelled_len);
    assert_non_null(tampered);
    memcpy(tampered, cancelled, cancelled_len);
    tampered[cancelled_len - 1] ^= 0x01; /* the last octet of s */
    memset(&cancel, 0, sizeof(cancel));
    cancel.cancel_session.transaction_id.data = started.transaction_id;
    cancel.cancel_session.transaction_id.len = 16;
    cancel.cancel_session.cancel_session_response.data = tampered;
    cancel.cancel_session.cancel_session_response.len = cancelled_len;
    expect_failure(es9_call(&server, SGP32_ES9PLUS_CANCEL_SESSION, &cancel, &response, &storage, &result), &result,
                   "8.1", "6.1");
    sgp32_remote_storage_free(storage);
    cancel.cancel_session.cancel_session_response.data = cancelled;
    assert_int_equal(es9_call(&server, SGP32_ES9PLUS_CANCEL_SESSION, &cancel, &response, &storage, &result), SGP32_OK);
    sgp32_remote_storage_free(storage);
    expect_failure(es9_call(&server, SGP32_ES9PLUS_CANCEL_SESSION, &cancel, &response, &storage, &result), &result,
                   "8.10.1", "3.9");
    assert_string_equal(result.message, "RSP session ended");
    sgp32_remote_storage_free(storage);
    free(tampered);
    sgp32_buffer_free(cancelled);
    sgp32_buffer_free(started.authenticate_server_response);
    /* cancelled right after AuthenticateServer: nothing the SM-DP+ could verify yet, the session ends */
    assert_int_equal(start_download(&server, &card, MATCHING_ID, &started, &result), SGP32_OK);
    assert_int_equal(sgp32_es10_cancel_session(card.es10, started.transaction_id, 16, 1, &cancelled, &cancelled_len),
                     SGP32_OK);
    cancel.cancel_session.transaction_id.data = started.transaction_id;
    cancel.cancel_session.cancel_session_response.data = cancelled;
    cancel.cancel_session.cancel_session_response.len = cancelled_len;
    assert_int_equal(es9_call(&server, SGP32_ES9PLUS_CANCEL_SESSION, &cancel, &response, &storage, &result), SGP32_OK);
    sgp32_remote_storage_free(storage);
    expect_failure(authenticate_client(&server, started.transaction_id, &started, &response, &storage, &result),
                   &result, "8.10.1", "3.9");
    sgp32_remote_storage_free(storage);
    sgp32_buffer_free(cancelled);
    sgp32_buffer_free(started.authenticate_server_response);
    card_stop(&card);
}

/* The NUL-terminated JSON the server answered on its REST API (asserting the HTTP status). */
static void api(const struct server_process *smdp, const char *method, const char *path, const char *body, int expected,
                char *answer, size_t cap)
{
    assert_int_equal(https_fetch(smdp, method, path, "application/json", NULL, body, answer, cap), expected);
}

/* The digits of an SGP.22 Iccid (as coded in EF.ICCID: BCD, low nibble first, F padded). */
static void iccid_digits(const uint8_t iccid[10], char out[21])
{
    size_t i, n = 0;
    for (i = 0; i < 10 && (iccid[i] & 0x0F) <= 9; i++) {
        out[n++] = (char)('0' + (iccid[i] & 0x0F));
        if ((iccid[i] >> 4) > 9)
            break;
        out[n++] = (char)('0' + (iccid[i] >> 4));
    }
    out[n] = '\0';
}

/* SGP.22 5.6.4: handleNotification checks an OtherSignedNotification (the eUICC chain it carries, its
 * signature over tbsOtherNotification) and GET /api/notifications shows the outcome. */
static void test_other_notifications_verified(void **state)
{
    struct card_env card;
    struct sgp32_remote_result result;
    union sgp32_es9plus_request notification;
    void *storage = NULL;
    uint8_t iccid[10], *list = NULL;
    size_t list_len = 0, i;
    char digits[21], expected[160], *answer = malloc(64u * 1024u);
    int sent = 0;
    (void)state;
    assert_non_null(answer);
    profile_iccid(iccid);
    iccid_digits(iccid, digits);
    card_start(&card, "nist");
    download(&server, &card, MATCHING_ID, NULL, iccid);
    /* the profile's metadata asks for notifications of every operation to this SM-DP+ */
    assert_int_equal(sgp32_es10_enable_profile(card.es10, SGP32_ES10_PROFILE_ICCID, iccid, 10, 0), SGP32_OK);
    assert_int_equal(
        sgp32_es10_retrieve_notifications_list(card.es10, SGP32_ES10_NOTIFICATIONS_BY_OPERATION, 1, &list, &list_len),
        SGP32_OK);
    /* BF2B { A0 { PendingNotification.. } }: send every OtherSignedNotification (30 ..) as received */
    for (i = 0; i + 4 < list_len; i++) {
        struct sgp32_tlv_header item;
        if (list[i] != 0x30 || sgp32_tlv_parse_header(list + i, list_len - i, &item) != SGP32_OK ||
            item.length == SGP32_TLV_INDEFINITE || i + item.header_len + item.length > list_len ||
            list[i + item.header_len] != 0xBF || list[i + item.header_len + 1] != 0x2F)
            continue;
        memset(&notification, 0, sizeof(notification));
        notification.handle_notification.pending_notification.data = list + i;
        notification.handle_notification.pending_notification.len = item.header_len + item.length;
        assert_int_equal(es9_call(&server, SGP32_ES9PLUS_HANDLE_NOTIFICATION, &notification, NULL, &storage, &result),
                         SGP32_OK);
        assert_int_equal(result.http_status, 204);
        sgp32_remote_storage_free(storage);
        /* the same notification with its signature broken */
        list[i + item.header_len + item.length - 1] ^= 0x01;
        sent++;
        break;
    }
    assert_int_equal(sent, 1);
    assert_int_equal(es9_call(&server, SGP32_ES9PLUS_HANDLE_NOTIFICATION, &notification, NULL, &storage, &result),
                     SGP32_OK);
    sgp32_remote_storage_free(storage);
    api(&server, "GET", "/api/notifications", "", 200, answer, 64u * 1024u);
    snprintf(expected, sizeof(expected), "\"operation\":\"enable\",\"iccid\":\"%s\",\"eid\":", digits);
    assert_non_null(strstr(answer, expected));
    assert_non_null(strstr(answer, "\"verified\":true,\"detail\":\"signature verified\""));
    assert_non_null(strstr(answer, "\"verified\":false,\"detail\":\"rejected:"));
    /* the installation result was recorded too */
    assert_non_null(strstr(answer, "\"kind\":\"profileInstallationResult\""));
    sgp32_buffer_free(list);
    free(answer);
    card_stop(&card);
}

/* A download order through the API (SGP.22 3.1.1): its own TS.48 profile with another ICCID, an EID
 * binding and a confirmation code; the downloaded order is spent (8.2.6 / 3.8). */
static void test_order_download(void **state)
{
    /* 8949000000000000017 as SGP.22 codes it on the card (EF.ICCID: nibbles swapped, F padded) */
    static const uint8_t new_iccid[10] = {0x98, 0x94, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0xF7};
    struct card_env card;
    struct started started;
    struct sgp32_remote_result result;
    union sgp32_es9plus_response response;
    void *storage = NULL;
    char eid[40], dir[256], body[512], answer[4096];
    (void)state;
    snprintf(dir, sizeof(dir), "%s/nist", smdp_test_pki_dir());
    assert_int_equal(test_pki_manifest_value(dir, "eid", eid, sizeof(eid)), 0);
    snprintf(body, sizeof(body),
             "{\"matchingId\":\"ORDER-1\",\"profile\":\"%s\",\"iccid\":\"8949000000000000017\",\"eid\":\"%s\","
             "\"confirmationCode\":\"5678\",\"maxAttempts\":3}",
             MATCHING_ID, eid);
    api(&server, "POST", "/api/orders", body, 201, answer, sizeof(answer));
    assert_non_null(strstr(answer, "\"iccid\":\"8949000000000000017\""));
    assert_non_null(strstr(answer, "\"confirmationCodeRequired\":true"));
    card_start(&card, "nist");
    download(&server, &card, "ORDER-1", "5678", new_iccid);
    api(&server, "GET", "/api/orders", "", 200, answer, sizeof(answer));
    assert_non_null(strstr(answer, "\"attempts\":1,\"maxAttempts\":3,\"state\":\"installed\""));
    /* spent */
    assert_int_equal(start_download(&server, &card, "ORDER-1", &started, &result), SGP32_OK);
    expect_failure(authenticate_client(&server, started.transaction_id, &started, &response, &storage, &result),
                   &result, "8.2.6", "3.8");
    sgp32_remote_storage_free(storage);
    sgp32_buffer_free(started.authenticate_server_response);
    api(&server, "DELETE", "/api/orders/ORDER-1", "", 204, answer, sizeof(answer));
    api(&server, "DELETE", "/api/orders/ORDER-1", "", 404, answer, sizeof(answer));
    card_stop(&card);
}

/* SGP.22 5.6.2: each authenticateClient for an order counts; beyond maxAttempts 8.8.5 / 6.4. An order
 * bound to another EID: 8.1.1 / 3.8 (and that does not count as an attempt). */
static void test_order_retry_limit_and_eid(void **state)
{
    struct card_env card;
    struct started started;
    struct sgp32_remote_result result;
    union sgp32_es9plus_response response;
    void *storage = NULL;
    char answer[4096];
    int attempt;
    (void)state;
    api(&server, "POST", "/api/orders",
        "{\"matchingId\":\"ORDER-RETRY\",\"profile\":\"" MATCHING_ID "\",\"maxAttempts\":2}", 201, answer,
        sizeof(answer));
    api(&server, "POST", "/api/orders",
        "{\"matchingId\":\"ORDER-OTHER-EID\",\"profile\":\"" MATCHING_ID
        "\",\"eid\":\"89049032123451234512345678901236\"}",
        201, answer, sizeof(answer));
    card_start(&card, "nist");
    for (attempt = 1; attempt <= 3; attempt++) {
        assert_int_equal(start_download(&server, &card, "ORDER-RETRY", &started, &result), SGP32_OK);
        if (attempt <= 2) {
            assert_int_equal(
                authenticate_client(&server, started.transaction_id, &started, &response, &storage, &result), SGP32_OK);
        } else {
            expect_failure(authenticate_client(&server, started.transaction_id, &started, &response, &storage, &result),
                           &result, "8.8.5", "6.4");
        }
        sgp32_remote_storage_free(storage);
        sgp32_buffer_free(started.authenticate_server_response);
    }
    assert_int_equal(start_download(&server, &card, "ORDER-OTHER-EID", &started, &result), SGP32_OK);
    expect_failure(authenticate_client(&server, started.transaction_id, &started, &response, &storage, &result),
                   &result, "8.1.1", "3.8");
    sgp32_remote_storage_free(storage);
    sgp32_buffer_free(started.authenticate_server_response);
    api(&server, "GET", "/api/orders", "", 200, answer, sizeof(answer));
    assert_non_null(strstr(answer, "\"matchingId\":\"ORDER-RETRY\""));
    assert_non_null(strstr(answer, "\"attempts\":2,\"maxAttempts\":2,\"state\":\"released\""));
    assert_non_null(strstr(answer, "\"attempts\":0,\"maxAttempts\":0,\"state\":\"released\""));
    card_stop(&card);
}

/* The order API refuses what it cannot use. */
static void test_order_api_errors(void **state)
{
    char answer[1024], body[512];
    (void)state;
    api(&server, "POST", "/api/orders", "{", 400, answer, sizeof(answer));
    api(&server, "POST", "/api/orders", "{\"matchingId\":\"A B\",\"profile\":\"" MATCHING_ID "\"}", 400, answer,
        sizeof(answer));
    api(&server, "POST", "/api/orders", "{\"matchingId\":\"X-1\",\"profile\":\"NO-SUCH-PROFILE\"}", 400, answer,
        sizeof(answer));
    api(&server, "POST", "/api/orders", "{\"matchingId\":\"X-1\",\"profile\":\"" MATCHING_ID "\",\"iccid\":\"12\"}",
        400, answer, sizeof(answer));
    api(&server, "POST", "/api/orders", "{\"matchingId\":\"X-1\",\"profile\":\"" MATCHING_ID "\",\"eid\":\"89\"}", 400,
        answer, sizeof(answer));
    api(&server, "POST", "/api/orders", "{\"matchingId\":\"X-1\",\"profile\":\"" MATCHING_ID "\",\"maxAttempts\":-1}",
        400, answer, sizeof(answer));
    /* a profile given as a file path */
    snprintf(body, sizeof(body), "{\"matchingId\":\"X-1\",\"profile\":\"%s/profiles/%s.der\"}", SGP32_SHARED_DIR,
             MATCHING_ID);
    api(&server, "POST", "/api/orders", body, 201, answer, sizeof(answer));
    api(&server, "POST", "/api/orders", body, 409, answer, sizeof(answer));
    api(&server, "PUT", "/api/orders", "{}", 405, answer, sizeof(answer));
    api(&server, "GET", "/api/nothing", "", 404, answer, sizeof(answer));
    api(&server, "DELETE", "/api/orders/X-1", "", 204, answer, sizeof(answer));
}

/* Not ES9+ at all: HTTP errors without a JSON body. */
static void test_http_errors(void **state)
{
    static const char *const json = SGP32_REMOTE_CONTENT_TYPE_JSON, *const admin = SGP32_REMOTE_ADMIN_PROTOCOL_ES9PLUS;
    (void)state;
    assert_int_equal(https_request(&server, "POST", "/gsma/rsp2/es9plus/nothing", json, admin, "{}"), 404);
    assert_int_equal(https_request(&server, "POST", "/gsma/rsp2/es9plus/initiateAuthentication", json, NULL, "{}"),
                     400);
    assert_int_equal(
        https_request(&server, "POST", "/gsma/rsp2/es9plus/initiateAuthentication", "text/plain", admin, "{}"), 400);
    assert_int_equal(https_request(&server, "POST", "/gsma/rsp2/es9plus/initiateAuthentication", json, admin, "{"),
                     400);
    assert_int_equal(https_request(&server, "POST", "/gsma/rsp2/es9plus/initiateAuthentication", json, admin, "{}"),
                     400);
    assert_int_equal(https_request(&server, "GET", "/gsma/rsp2/es9plus/initiateAuthentication", NULL, admin, ""), 405);
    {
        /* above the 256 KiB limit */
        char *large = malloc(300u * 1024u + 1);
        assert_non_null(large);
        memset(large, ' ', 300u * 1024u);
        large[300u * 1024u] = '\0';
        assert_int_equal(
            https_request(&server, "POST", "/gsma/rsp2/es9plus/initiateAuthentication", json, admin, large), 413);
        free(large);
    }
    /* the server still works after all of these */
    assert_int_equal(https_request(&server, "POST", "/gsma/rsp2/es9plus/nothing", json, admin, "{}"), 404);
}

/* SIGTERM stops every server cleanly: exit 0 (also: nothing leaked under the sanitizers). */
static void test_clean_shutdown(void **state)
{
    (void)state;
    server_stop(&server);
    server_stop(&expiring);
    server_stop(&with_cc);
    server_stop(&other_address);
    server_stop(&brainpool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direct_download),
        cmocka_unit_test(test_direct_download_confirmation_code),
        cmocka_unit_test(test_direct_download_brainpool),
        cmocka_unit_test(test_wrong_confirmation_code),
        cmocka_unit_test(test_unknown_matching_id),
        cmocka_unit_test(test_wrong_transaction_id),
        cmocka_unit_test(test_expired_session),
        cmocka_unit_test(test_wrong_smdp_address),
        cmocka_unit_test(test_cancel_session_verified),
        cmocka_unit_test(test_other_notifications_verified),
        cmocka_unit_test(test_order_download),
        cmocka_unit_test(test_order_retry_limit_and_eid),
        cmocka_unit_test(test_order_api_errors),
        cmocka_unit_test(test_http_errors),
        cmocka_unit_test(test_clean_shutdown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
