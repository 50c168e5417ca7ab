/* SPDX-License-Identifier: MIT */
/*
 * sgp32-smds, the loopback test SM-DS, as a real process on a free port: event records registered
 * through its REST API, then SM-DS discovery as an IPA performs it (ES10 GetEUICCChallenge and
 * GetEUICCInfo1 on a software eUICC -> ES11 initiateAuthentication over HTTPS, TLS verified ->
 * ES10b AuthenticateServer -> ES11 authenticateClient -> the event list), and the SGP.22 v2.5 5.8
 * failures with their codes.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "crypto/ecdsa.h"
#include "crypto/hash.h"
#include "crypto/x509.h"
#include "remote/es11_json.h"
#include "remote/remote_json.h"
#include "smdp_core.h"
#include "smdp_test_env.h"
#include "test_pki.h"

#define STEP_TIMEOUT_MS 30000
#define OTHER_EID "89049032123451234512345678901236"

static struct smds_process_set {
    struct server_process server;   /* default: CERT.DSauth */
    struct server_process address;  /* --address smds.libsgp32.test */
    struct server_process expiring; /* --session-ttl 0 */
} servers;
static char card_eid[33];

static void start_smds(struct server_process *process, const char *auth, const char *const *extra)
{
    const char *argv[24];
    char pki[256], cert[320], key[320];
    size_t argc = 0, i;
    snprintf(pki, sizeof(pki), "%s/nist", smdp_test_pki_dir());
    argv[argc++] = SGP32_SMDS_SERVER;
    argv[argc++] = "--pki";
    argv[argc++] = pki;
    argv[argc++] = "--port";
    argv[argc++] = "0";
    argv[argc++] = "--lifetime"; /* a server this test fails to stop goes away on its own */
    argv[argc++] = "300";
    argv[argc++] = "--verbose";
    if (auth != NULL) {
        snprintf(cert, sizeof(cert), "%s/%s.cert.der", pki, auth);
        snprintf(key, sizeof(key), "%s/%s.key.pem", pki, auth);
        argv[argc++] = "--auth-cert";
        argv[argc++] = cert;
        argv[argc++] = "--auth-key";
        argv[argc++] = key;
    }
    for (i = 0; extra != NULL && extra[i] != NULL && argc + 1 < 24; i++)
        argv[argc++] = extra[i];
    argv[argc] = NULL;
    server_start(process, argv);
}

static int group_setup(void **state)
{
    static const char *const address[] = {"--address", "smds.libsgp32.test", NULL};
    static const char *const ttl[] = {"--session-ttl", "0", NULL};
    char dir[256];
    (void)state;
    if (smdp_test_pki_create() != 0)
        return -1;
    snprintf(dir, sizeof(dir), "%s/nist", smdp_test_pki_dir());
    if (test_pki_manifest_value(dir, "eid", card_eid, sizeof(card_eid)) != 0)
        return -1;
    start_smds(&servers.server, NULL, NULL);
    start_smds(&servers.address, NULL, address);
    start_smds(&servers.expiring, NULL, ttl);
    es9_client_start(); /* trusts the nist CI, which issues CERT.DS.TLS too */
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    es9_client_stop();
    server_kill(&servers.server);
    server_kill(&servers.address);
    server_kill(&servers.expiring);
    smdp_test_pki_remove();
    return 0;
}

/* One ES11 call (as es9_call): SGP32_ERR_SERVER_STATUS with the codes in *result for a Failed answer. */
static enum sgp32_status es11_call(const struct server_process *server, enum sgp32_es11_function function,
                                   const union sgp32_es11_request *request, union sgp32_es11_response *response,
                                   void **storage, struct sgp32_remote_result *result)
{
    struct sgp32_remote_endpoint endpoint = {server->address, NULL, STEP_TIMEOUT_MS};
    struct sgp32_remote_request built;
    struct sgp32_remote_body body;
    struct sgp32_http_result http_result;
    struct sgp32_remote_answer answer;
    enum sgp32_status status;
    *storage = NULL;
    assert_int_equal(sgp32_es11_build_request(&endpoint, function, request, &built), SGP32_OK);
    status = remote_run(&built, 256u * 1024u, &body, &http_result, &answer);
    if (status == SGP32_OK)
        status = sgp32_es11_parse_response(function, &answer, response, storage, result);
    sgp32_remote_body_release(&body);
    return status;
}

static void expect_failure(enum sgp32_status status, const struct sgp32_remote_result *result, const char *subject,
                           const char *reason)
{
    assert_int_equal(status, SGP32_ERR_SERVER_STATUS);
    assert_string_equal(result->execution_status, "Failed");
    assert_string_equal(result->subject_code, subject);
    assert_string_equal(result->reason_code, reason);
}

static void register_event(const struct server_process *smds, const char *eid, const char *smdp_address,
                           const char *event_id)
{
    char body[512], answer[1024];
    snprintf(body, sizeof(body), "{\"eid\":\"%s\",\"smdpAddress\":\"%s\",\"eventId\":\"%s\"}", eid, smdp_address,
             event_id);
    assert_int_equal(https_fetch(smds, "POST", "/api/events", "application/json", NULL, body, answer, sizeof(answer)),
                     201);
    assert_non_null(strstr(answer, event_id));
}

/* ES11 initiateAuthentication with the card's challenge and EUICCInfo1; the session's material. */
struct discovery {
    uint8_t transaction_id[16];
    union sgp32_es11_response initiated;
    void *storage;
};

static enum sgp32_status initiate(const struct server_process *smds, struct card_env *card, const char *smds_address,
                                  struct discovery *out, struct sgp32_remote_result *result)
{
    union sgp32_es11_request request;
    uint8_t challenge[16], *info1 = NULL;
    size_t info1_len = 0;
    enum sgp32_status status;
    memset(out, 0, sizeof(*out));
    card_authentication_material(card, challenge, &info1, &info1_len);
    memset(&request, 0, sizeof(request));
    request.initiate_authentication.euicc_challenge.data = challenge;
    request.initiate_authentication.euicc_challenge.len = 16;
    request.initiate_authentication.euicc_info1.data = info1;
    request.initiate_authentication.euicc_info1.len = info1_len;
    request.initiate_authentication.smds_address.data = (const uint8_t *)smds_address;
    request.initiate_authentication.smds_address.len = strlen(smds_address);
    status = es11_call(smds, SGP32_ES11_INITIATE_AUTHENTICATION, &request, &out->initiated, &out->storage, result);
    sgp32_buffer_free(info1);
    if (status == SGP32_OK) {
        assert_int_equal(out->initiated.initiate_authentication.transaction_id.len, 16);
        memcpy(out->transaction_id, out->initiated.initiate_authentication.transaction_id.data, 16);
    }
    return status;
}

/* ES10b.AuthenticateServer with the SM-DS's material (no matchingId: SGP.22 3.6.2 event retrieval). */
static void authenticate_server(struct card_env *card, const struct discovery *d, uint8_t **response, size_t *len)
{
    const struct sgp32_es9plus_initiate_authentication_response *r = &d->initiated.initiate_authentication;
    struct smdp_authentication auth;
    struct smdp_blob bf38 = {NULL, 0};
    long code = -1;
    auth.server_signed1.data = (uint8_t *)(uintptr_t)r->server_signed1.data;
    auth.server_signed1.len = r->server_signed1.len;
    auth.server_signature1.data = (uint8_t *)(uintptr_t)r->server_signature1.data;
    auth.server_signature1.len = r->server_signature1.len;
    auth.euicc_ci_pkid.data = (uint8_t *)(uintptr_t)r->euicc_ci_pkid_to_be_used.data;
    auth.euicc_ci_pkid.len = r->euicc_ci_pkid_to_be_used.len;
    auth.server_certificate.data = (uint8_t *)(uintptr_t)r->server_certificate.data;
    auth.server_certificate.len = r->server_certificate.len;
    assert_int_equal(smdp_build_authenticate_server_request(&auth, NULL, &bf38), SGP32_OK);
    assert_int_equal(sgp32_es10_authenticate_server(card->es10, bf38.data, bf38.len, response, len), SGP32_OK);
    free(bf38.data);
    /* the eUICC accepted the server (signature, certificate chain) */
    assert_int_equal(sgp32_es10_answer_error_code(*response, *len, &code), SGP32_OK);
    assert_int_equal(code, 0);
}

static enum sgp32_status authenticate_client(const struct server_process *smds, const uint8_t tid[16],
                                             const uint8_t *response, size_t len, union sgp32_es11_response *answer,
                                             void **storage, struct sgp32_remote_result *result)
{
    union sgp32_es11_request request;
    memset(&request, 0, sizeof(request));
    request.authenticate_client.transaction_id.data = tid;
    request.authenticate_client.transaction_id.len = 16;
    request.authenticate_client.authenticate_server_response.data = response;
    request.authenticate_client.authenticate_server_response.len = len;
    return es11_call(smds, SGP32_ES11_AUTHENTICATE_CLIENT, &request, answer, storage, result);
}

static int entry_is(const struct sgp32_es11_event_entry *entry, const char *event_id, const char *address)
{
    return entry->event_id.len == strlen(event_id) &&
           memcmp(entry->event_id.data, event_id, entry->event_id.len) == 0 &&
           entry->rsp_server_address.len == strlen(address) &&
           memcmp(entry->rsp_server_address.data, address, entry->rsp_server_address.len) == 0;
}

/* The whole discovery; *storage holds the answer's bytes. */
static void discover(const struct server_process *smds, struct card_env *card, union sgp32_es11_response *events,
                     void **storage)
{
    struct discovery d;
    struct sgp32_remote_result result;
    uint8_t *response = NULL;
    size_t len = 0;
    assert_int_equal(initiate(smds, card, smds->address, &d, &result), SGP32_OK);
    authenticate_server(card, &d, &response, &len);
    assert_int_equal(authenticate_client(smds, d.transaction_id, response, len, events, storage, &result), SGP32_OK);
    assert_memory_equal(events->authenticate_client.transaction_id.data, d.transaction_id, 16);
    /* The session is spent: the same authenticateClient again is refused. */
    {
        union sgp32_es11_response again;
        void *again_storage = NULL;
        expect_failure(authenticate_client(smds, d.transaction_id, response, len, &again, &again_storage, &result),
                       &result, "8.10.1", "3.9");
        assert_string_equal(result.message, "RSP session ended");
        sgp32_remote_storage_free(again_storage);
    }
    sgp32_buffer_free(response);
    sgp32_remote_storage_free(d.storage);
}

/*
 * SM-DS discovery as an IPA does it, with two events for the card and one for another eUICC, against
 * the default server (CERT.DSauth, which the eUICC's AuthenticateServer accepts: SGP.22 5.7.13);
 * test_serves_dsauth checks that material itself.
 */
static void test_discovery(void **state)
{
    const struct server_process *smds = &servers.server;
    struct card_env card;
    union sgp32_es11_response events;
    void *storage = NULL;
    char list[4096];
    (void)state;
    register_event(smds, card_eid, "127.0.0.1:8443", "EVENT-ONE");
    register_event(smds, OTHER_EID, "127.0.0.1:8443", "EVENT-OTHER");
    register_event(smds, card_eid, "smdp.libsgp32.test", "EVENT-TWO");
    card_start(&card, "nist");
    discover(smds, &card, &events, &storage);
    assert_int_equal(events.authenticate_client.event_entry_count, 2);
    assert_true(entry_is(&events.authenticate_client.event_entries[0], "EVENT-ONE", "127.0.0.1:8443"));
    assert_true(entry_is(&events.authenticate_client.event_entries[1], "EVENT-TWO", "smdp.libsgp32.test"));
    sgp32_remote_storage_free(storage);
    /* The API shows which records were handed out. */
    assert_int_equal(https_fetch(smds, "GET", "/api/events", NULL, NULL, "", list, sizeof(list)), 200);
    assert_non_null(strstr(list, "\"eventId\":\"EVENT-ONE\",\"retrieved\":1"));
    assert_non_null(strstr(list, "\"eventId\":\"EVENT-OTHER\",\"retrieved\":0"));
    /* Deleted records are no longer returned; with none left the list is empty. */
    assert_int_equal(https_fetch(smds, "DELETE", "/api/events/EVENT-ONE", NULL, NULL, "", NULL, 0), 204);
    discover(smds, &card, &events, &storage);
    assert_int_equal(events.authenticate_client.event_entry_count, 1);
    assert_true(entry_is(&events.authenticate_client.event_entries[0], "EVENT-TWO", "smdp.libsgp32.test"));
    sgp32_remote_storage_free(storage);
    assert_int_equal(https_fetch(smds, "DELETE", "/api/events", NULL, NULL, "", NULL, 0), 204);
    discover(smds, &card, &events, &storage);
    assert_int_equal(events.authenticate_client.event_entry_count, 0);
    sgp32_remote_storage_free(storage);
    card_stop(&card);
}

/* The default server authenticates with CERT.DSauth.ECDSA (SGP.22 5.8.1, 4.5.2.1.0.7): issued by the
 * CI with the DS auth role, and serverSignature1 verifies with it over serverSigned1, which names
 * the SM-DS address and the card's challenge. */
static void test_serves_dsauth(void **state)
{
    struct card_env card;
    struct discovery d;
    struct sgp32_remote_result result;
    struct sgp32_x509_cert certificate, ci;
    struct sgp32_ec_key key;
    struct smdp_blob ci_der = {NULL, 0};
    const struct sgp32_es9plus_initiate_authentication_response *r;
    uint8_t digest[32];
    char path[320];
    (void)state;
    card_start(&card, "nist");
    assert_int_equal(initiate(&servers.server, &card, servers.server.address, &d, &result), SGP32_OK);
    r = &d.initiated.initiate_authentication;
    snprintf(path, sizeof(path), "%s/nist/ci/ci.cert.der", smdp_test_pki_dir());
    assert_int_equal(smdp_read_file(path, &ci_der), SGP32_OK);
    assert_int_equal(sgp32_x509_parse(&ci, ci_der.data, ci_der.len), SGP32_OK);
    assert_int_equal(sgp32_x509_parse(&certificate, r->server_certificate.data, r->server_certificate.len), SGP32_OK);
    assert_int_equal(sgp32_x509_gsma_role(&certificate), SGP32_X509_ROLE_DS_AUTH);
    assert_int_equal(sgp32_x509_verify_issued_by(&certificate, &ci, SGP32_X509_IGNORE_TIME), SGP32_OK);
    /* euiccCiPKIdToBeUsed: 04 14 <the CI's SKI> */
    assert_int_equal(r->euicc_ci_pkid_to_be_used.len, 22);
    assert_memory_equal(r->euicc_ci_pkid_to_be_used.data + 2, ci.subject_key_id.data, 20);
    /* serverSignature1 = 5F37 40 r||s over serverSigned1 */
    assert_int_equal(r->server_signature1.len, 67);
    assert_int_equal(sgp32_sha256(r->server_signed1.data, r->server_signed1.len, digest), SGP32_OK);
    sgp32_ec_key_init(&key);
    assert_int_equal(sgp32_x509_public_key(&certificate, &key), SGP32_OK);
    assert_int_equal(sgp32_ecdsa_verify_digest(&key, digest, r->server_signature1.data + 3, 64), SGP32_OK);
    sgp32_ec_key_free(&key);
    /* serverAddress [3] is the SM-DS address */
    {
        const uint8_t *signed1 = r->server_signed1.data;
        size_t n = r->server_signed1.len, i, alen = strlen(servers.server.address);
        int found = 0;
        for (i = 0; i + 2 + alen <= n; i++)
            found |= signed1[i] == 0x83 && signed1[i + 1] == alen &&
                     memcmp(signed1 + i + 2, servers.server.address, alen) == 0;
        assert_true(found);
    }
    free(ci_der.data);
    sgp32_remote_storage_free(d.storage);
    card_stop(&card);
}

/* SGP.22 5.8.1: an smdsAddress that is not this SM-DS: 8.9.1 / 3.8. */
static void test_wrong_smds_address(void **state)
{
    struct card_env card;
    struct discovery d;
    struct sgp32_remote_result result;
    (void)state;
    card_start(&card, "nist");
    expect_failure(initiate(&servers.address, &card, servers.address.address, &d, &result), &result, "8.9.1", "3.8");
    sgp32_remote_storage_free(d.storage);
    /* the configured address is accepted */
    assert_int_equal(initiate(&servers.address, &card, "smds.libsgp32.test", &d, &result), SGP32_OK);
    sgp32_remote_storage_free(d.storage);
    card_stop(&card);
}

/* SGP.22 5.8.2: unknown transactionId and an expired session: 8.10.1 / 3.9; a tampered
 * AuthenticateServerResponse: 8.1 / 6.1, and the session is over. */
static void test_refusals(void **state)
{
    struct card_env card;
    struct discovery d;
    struct sgp32_remote_result result;
    union sgp32_es11_response answer;
    void *storage = NULL;
    uint8_t *response = NULL, wrong[16];
    size_t len = 0;
    (void)state;
    card_start(&card, "nist");
    assert_int_equal(initiate(&servers.server, &card, servers.server.address, &d, &result), SGP32_OK);
    authenticate_server(&card, &d, &response, &len);
    memcpy(wrong, d.transaction_id, 16);
    wrong[0] ^= 0x80;
    expect_failure(authenticate_client(&servers.server, wrong, response, len, &answer, &storage, &result), &result,
                   "8.10.1", "3.9");
    assert_string_equal(result.message, "unknown transactionId");
    sgp32_remote_storage_free(storage);
    response[len - 10] ^= 0x01; /* inside the EUM certificate's signature */
    expect_failure(authenticate_client(&servers.server, d.transaction_id, response, len, &answer, &storage, &result),
                   &result, "8.1", "6.1");
    sgp32_remote_storage_free(storage);
    response[len - 10] ^= 0x01;
    expect_failure(authenticate_client(&servers.server, d.transaction_id, response, len, &answer, &storage, &result),
                   &result, "8.10.1", "3.9");
    sgp32_remote_storage_free(storage);
    sgp32_buffer_free(response);
    sgp32_remote_storage_free(d.storage);
    /* --session-ttl 0: expired at once */
    assert_int_equal(initiate(&servers.expiring, &card, servers.expiring.address, &d, &result), SGP32_OK);
    expect_failure(authenticate_client(&servers.expiring, d.transaction_id, (const uint8_t *)"\xBF\x38\x00", 3, &answer,
                                       &storage, &result),
                   &result, "8.10.1", "3.9");
    assert_string_equal(result.message, "RSP session expired");
    sgp32_remote_storage_free(storage);
    sgp32_remote_storage_free(d.storage);
    card_stop(&card);
}

/* The REST API refuses what it cannot store; ES11 errors that are not ES11 calls at all. */
static void test_api_and_http_errors(void **state)
{
    static const char *const json = SGP32_REMOTE_CONTENT_TYPE_JSON, *const admin = SGP32_REMOTE_ADMIN_PROTOCOL_ES9PLUS;
    const struct server_process *smds = &servers.server;
    (void)state;
    assert_int_equal(https_request(smds, "POST", "/api/events", json, NULL, "{"), 400);
    assert_int_equal(https_request(smds, "POST", "/api/events", json, NULL,
                                   "{\"eid\":\"89\",\"smdpAddress\":\"a\",\"eventId\":\"E\"}"),
                     400);
    assert_int_equal(https_request(smds, "POST", "/api/events", json, NULL,
                                   "{\"eid\":\"" OTHER_EID "\",\"smdpAddress\":\"a b\",\"eventId\":\"E\"}"),
                     400);
    assert_int_equal(https_request(smds, "POST", "/api/events", json, NULL,
                                   "{\"eid\":\"" OTHER_EID "\",\"smdpAddress\":\"a\",\"eventId\":\"E/1\"}"),
                     400);
    register_event(smds, OTHER_EID, "a.example", "DUP");
    assert_int_equal(https_request(smds, "POST", "/api/events", json, NULL,
                                   "{\"eid\":\"" OTHER_EID "\",\"smdpAddress\":\"b\",\"eventId\":\"DUP\"}"),
                     409);
    assert_int_equal(https_request(smds, "DELETE", "/api/events/NOPE", NULL, NULL, ""), 404);
    assert_int_equal(https_request(smds, "PUT", "/api/events", json, NULL, "{}"), 405);
    assert_int_equal(https_request(smds, "GET", "/api/other", NULL, NULL, ""), 404);
    assert_int_equal(https_request(smds, "POST", "/gsma/rsp2/es11/nothing", json, admin, "{}"), 404);
    assert_int_equal(https_request(smds, "POST", "/gsma/rsp2/es11/initiateAuthentication", json, NULL, "{}"), 400);
    assert_int_equal(https_request(smds, "GET", "/gsma/rsp2/es11/initiateAuthentication", NULL, admin, ""), 405);
    assert_int_equal(https_request(smds, "POST", "/gsma/rsp2/es9plus/initiateAuthentication", json, admin, "{}"), 404);
}

/* SIGTERM stops every server cleanly: exit 0 (also: nothing leaked under the sanitizers). */
static void test_clean_shutdown(void **state)
{
    (void)state;
    server_stop(&servers.server);
    server_stop(&servers.address);
    server_stop(&servers.expiring);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discovery),           cmocka_unit_test(test_serves_dsauth),
        cmocka_unit_test(test_wrong_smds_address),  cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_api_and_http_errors), cmocka_unit_test(test_clean_shutdown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
