/* SPDX-License-Identifier: MIT */
/*
 * The ES11 functions of sgp32-smds (smds_server.h; SGP.22 v2.5 5.8.1 InitiateAuthentication, 5.8.2
 * AuthenticateClient): the same mutual authentication as the SM-DP+ (rsp_server_auth.c, signed with
 * CERT.DSauth), then the event records of the authenticated EID.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "remote/es11_json.h"
#include "remote/remote_json.h"
#include "smds_server.h"

#define MAX_SESSIONS 1024u

struct smds_session {
    struct smds_session *next;
    uint8_t transaction_id[16];
    uint8_t server_challenge[16];
    uint64_t expires_ms;
    int ended; /* authenticated or refused: the transactionId is spent */
};

enum sgp32_status smds_server_init(struct smds_server *server, const char *ci_file, const char *auth_cert_file,
                                   const char *auth_key_file)
{
    struct smdp_blob key = {NULL, 0};
    enum sgp32_status status;
    sgp32_ec_key_init(&server->auth_key);
    status = smdp_read_file(ci_file, &server->ci_der);
    if (status == SGP32_OK)
        status = smdp_read_file(auth_cert_file, &server->auth_der);
    if (status == SGP32_OK)
        status = smdp_read_file(auth_key_file, &key);
    if (status == SGP32_OK)
        status = sgp32_x509_parse(&server->ci, server->ci_der.data, server->ci_der.len);
    if (status == SGP32_OK)
        status = sgp32_x509_parse(&server->auth, server->auth_der.data, server->auth_der.len);
    if (status == SGP32_OK)
        status = sgp32_ec_import_private(&server->auth_key, key.data, key.len);
    if (status == SGP32_OK)
        status = sgp32_crypto_rng_init(&server->rng, NULL, NULL);
    free(key.data);
    return status;
}

void smds_server_free(struct smds_server *server)
{
    while (server->sessions != NULL) {
        struct smds_session *s = server->sessions;
        server->sessions = s->next;
        free(s);
    }
    server->session_count = 0;
    smds_events_free(server);
    sgp32_ec_key_free(&server->auth_key);
    sgp32_crypto_rng_free(&server->rng);
    free(server->ci_der.data);
    free(server->auth_der.data);
    server->ci_der.data = server->auth_der.data = NULL;
}

static void credentials_of(struct smds_server *server, struct rsp_server_credentials *c)
{
    c->ci = &server->ci;
    c->certificate = server->auth_der.data;
    c->certificate_len = server->auth_der.len;
    c->key = &server->auth_key;
    c->rng = &server->rng;
    c->address = server->address;
}

/* Drops sessions that ended or expired more than an hour ago (until then a late request is told why). */
static void sessions_sweep(struct smds_server *server)
{
    uint64_t now = rsp_server_now_ms();
    struct smds_session **link = &server->sessions;
    while (*link != NULL) {
        struct smds_session *s = *link;
        if (now >= s->expires_ms + 3600u * 1000u) {
            *link = s->next;
            free(s);
            server->session_count--;
        } else {
            link = &s->next;
        }
    }
}

static void initiate_authentication(struct smds_server *server,
                                    const struct sgp32_es11_initiate_authentication_request *rq,
                                    struct sgp32_es9plus_initiate_authentication_response *rs,
                                    struct sgp32_remote_result *r, struct smdp_authentication *auth)
{
    struct rsp_server_credentials credentials;
    struct smds_session *s;
    enum sgp32_status status;
    credentials_of(server, &credentials);
    /* SGP.22 v2.5 5.8.1: "8.9.1 SM-DS Address / 3.8 Refused: Invalid SM-DS Address". */
    if (rq->smds_address.len != strlen(server->address) ||
        memcmp(rq->smds_address.data, server->address, rq->smds_address.len) != 0) {
        rsp_server_fail(r, "8.9.1", "3.8", "Invalid SM-DS Address");
        return;
    }
    if (rq->euicc_challenge.len != 16) {
        rsp_server_fail(r, "8.1", "6.1", "euiccChallenge is not 16 octets");
        return;
    }
    /* 5.8.1: none of the eUICC's CI keys is the SM-DS's: "8.8.2 Security configuration / 3.1". */
    status = rsp_server_check_euicc_info1(&server->ci, rq->euicc_info1.data, rq->euicc_info1.len);
    if (status != SGP32_OK) {
        if (status == SGP32_ERR_NOT_SUPPORTED)
            rsp_server_fail(r, "8.8.2", "3.1", "Security configuration not supported");
        else
            rsp_server_fail(r, "8.1", "6.1", sgp32_strerror(status));
        return;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL || sgp32_crypto_rng_bytes(&server->rng, s->transaction_id, 16) != SGP32_OK ||
        rsp_server_initiate(&credentials, s->transaction_id, rq->euicc_challenge.data, s->server_challenge, auth) !=
            SGP32_OK) {
        free(s);
        rsp_server_fail(r, "8.9", "4.2", "execution error"); /* the SM-DS itself */
        return;
    }
    s->expires_ms = rsp_server_now_ms() + server->session_ttl_ms;
    if (server->session_count >= MAX_SESSIONS) { /* the oldest is last: sessions are prepended */
        struct smds_session **last = &server->sessions;
        while ((*last)->next != NULL)
            last = &(*last)->next;
        free(*last);
        *last = NULL;
        server->session_count--;
    }
    s->next = server->sessions;
    server->sessions = s;
    server->session_count++;
    rs->transaction_id.data = s->transaction_id;
    rs->transaction_id.len = 16;
    rs->server_signed1.data = auth->server_signed1.data;
    rs->server_signed1.len = auth->server_signed1.len;
    rs->server_signature1.data = auth->server_signature1.data;
    rs->server_signature1.len = auth->server_signature1.len;
    rs->euicc_ci_pkid_to_be_used.data = auth->euicc_ci_pkid.data;
    rs->euicc_ci_pkid_to_be_used.len = auth->euicc_ci_pkid.len;
    rs->server_certificate.data = auth->server_certificate.data;
    rs->server_certificate.len = auth->server_certificate.len;
}

static void authenticate_client(struct smds_server *server, const struct sgp32_es11_authenticate_client_request *rq,
                                struct sgp32_es11_authenticate_client_response *rs, struct sgp32_remote_result *r,
                                struct sgp32_es11_event_entry *entries)
{
    struct rsp_server_credentials credentials;
    struct rsp_client_authentication client;
    struct smds_event *events[SGP32_ES11_MAX_EVENTS];
    struct smds_session *s = NULL;
    enum sgp32_status status;
    size_t count, i;
    if (rq->transaction_id.len == 16)
        for (s = server->sessions; s != NULL; s = s->next)
            if (memcmp(s->transaction_id, rq->transaction_id.data, 16) == 0)
                break;
    /* SGP.22 v2.5 5.8.2: "8.10.1 TransactionId / 3.9 Unknown" (also for an expired or spent one). */
    if (s == NULL || s->ended || rsp_server_now_ms() >= s->expires_ms) {
        rsp_server_fail(r, "8.10.1", "3.9",
                        s == NULL ? "unknown transactionId" : (s->ended ? "RSP session ended" : "RSP session expired"));
        return;
    }
    s->ended = 1;
    s->expires_ms = rsp_server_now_ms();
    credentials_of(server, &credentials);
    status =
        rsp_server_verify_client(&credentials, s->transaction_id, s->server_challenge,
                                 rq->authenticate_server_response.data, rq->authenticate_server_response.len, &client);
    if (status != SGP32_OK) {
        /* 5.8.2: "8.1 eUICC / 6.1 Verification failed" (chain, signature, challenge, address). */
        rsp_server_fail(r, "8.1", "6.1",
                        status == SGP32_ERR_PROTOCOL
                            ? "transactionId, serverChallenge or serverAddress does not match"
                            : (status == SGP32_ERR_EUICC_RESULT ? "the eUICC answered its error alternative"
                                                                : sgp32_strerror(status)));
        return;
    }
    count = smds_events_for(server, client.eid, events, SGP32_ES11_MAX_EVENTS);
    for (i = 0; i < count; i++) {
        events[i]->retrieved++;
        entries[i].event_id.data = (const uint8_t *)events[i]->event_id;
        entries[i].event_id.len = strlen(events[i]->event_id);
        entries[i].rsp_server_address.data = (const uint8_t *)events[i]->smdp_address;
        entries[i].rsp_server_address.len = strlen(events[i]->smdp_address);
    }
    if (server->verbose || count > 0) {
        char eid[33];
        for (i = 0; i < 16; i++)
            snprintf(eid + 2 * i, 3, "%02X", client.eid[i]);
        fprintf(stderr, "sgp32-smds: %zu event(s) for %s\n", count, eid);
    }
    rs->transaction_id.data = s->transaction_id;
    rs->transaction_id.len = 16;
    rs->event_entries = entries;
    rs->event_entry_count = count;
}

void smds_server_handle_es11(struct smds_server *server, const struct sgp32_remote_incoming *incoming,
                             struct sgp32_remote_response *response)
{
    enum sgp32_es11_function function = SGP32_ES11_INITIATE_AUTHENTICATION;
    union sgp32_es11_request request;
    union sgp32_es11_response answer;
    struct sgp32_remote_result result, failure;
    struct smdp_authentication auth;
    struct sgp32_es11_event_entry entries[SGP32_ES11_MAX_EVENTS];
    void *storage = NULL;
    enum sgp32_status status;
    memset(&answer, 0, sizeof(answer));
    memset(&auth, 0, sizeof(auth));
    sgp32_remote_result_clear(&failure);
    sessions_sweep(server);
    status = sgp32_es11_parse_request(incoming, &function, &request, &storage, &result);
    if (status != SGP32_OK) {
        /* Not an ES11 call at all (SGP.22 6.6.1: HTTP status codes). */
        rsp_server_refuse_request(response, status, &result);
        sgp32_remote_storage_free(storage);
        return;
    }
    if (server->verbose)
        fprintf(stderr, "sgp32-smds: %s\n", sgp32_es11_function_name(function));
    if (function == SGP32_ES11_INITIATE_AUTHENTICATION)
        initiate_authentication(server, &request.initiate_authentication, &answer.initiate_authentication, &failure,
                                &auth);
    else
        authenticate_client(server, &request.authenticate_client, &answer.authenticate_client, &failure, entries);
    if (failure.execution_status[0] != '\0') {
        fprintf(stderr, "sgp32-smds: %s failed: %s / %s (%s)\n", sgp32_es11_function_name(function),
                failure.subject_code, failure.reason_code, failure.message);
        status = sgp32_es11_build_response(function, NULL, &failure, response);
    } else {
        status = sgp32_es11_build_response(function, &answer, NULL, response);
    }
    if (status != SGP32_OK)
        rsp_server_text_answer(response, 500, sgp32_strerror(status));
    smdp_authentication_clear(&auth);
    sgp32_remote_storage_free(storage);
}
