/* SPDX-License-Identifier: MIT */
/* The ES9+ functions of sgp32-smdp (smdp_server.h): RSP sessions and the SGP.22 status codes. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "remote/es9plus_json.h"
#include "remote/remote_json.h"
#include "rsp_server_auth.h"
#include "smdp_internal.h"
#include "smdp_server.h"

/* Finished or expired sessions stay this long as tombstones, so a late request is told "expired"
 * rather than "unknown"; the table never holds more than MAX_SESSIONS entries (oldest dropped). */
#define TOMBSTONE_MS (3600u * 1000u)
#define MAX_SESSIONS 1024u
#define MATCHING_ID_MAX SMDP_MATCHING_ID_MAX

struct smdp_server_session {
    struct smdp_server_session *next;
    uint8_t transaction_id[16];
    uint64_t created_ms, expires_ms;
    struct smdp_session *core_session; /* NULL once expired or finished */
    struct smdp_blob upp;              /* the profile, from authenticateClient on */
    char matching_id[MATCHING_ID_MAX + 1];
    char confirmation_code[SMDP_CODE_MAX + 1]; /* the one this download needs; empty: none */
    int ended;                                 /* refused, cancelled or installed: its transactionId is spent */
};

enum lookup { LOOKUP_FOUND, LOOKUP_UNKNOWN, LOOKUP_EXPIRED, LOOKUP_ENDED };

static void session_release(struct smdp_server_session *s)
{
    smdp_session_free(s->core_session);
    s->core_session = NULL;
    free(s->upp.data);
    s->upp.data = NULL;
    s->upp.len = 0;
}

static void session_unlink(struct smdp_server *server, struct smdp_server_session *victim)
{
    struct smdp_server_session **link = &server->sessions;
    while (*link != NULL && *link != victim)
        link = &(*link)->next;
    if (*link == NULL)
        return;
    *link = victim->next;
    session_release(victim);
    free(victim);
    server->session_count--;
}

void smdp_server_sessions_free(struct smdp_server *server)
{
    while (server->sessions != NULL)
        session_unlink(server, server->sessions);
    smdp_orders_free(server);
}

/* Releases the state of expired sessions and drops old tombstones. */
static void sessions_sweep(struct smdp_server *server)
{
    uint64_t now = rsp_server_now_ms();
    struct smdp_server_session *s = server->sessions, *next;
    for (; s != NULL; s = next) {
        next = s->next;
        if (now >= s->expires_ms)
            session_release(s);
        if (now >= s->expires_ms + TOMBSTONE_MS)
            session_unlink(server, s);
    }
}

static enum lookup session_find(struct smdp_server *server, const struct sgp32_bytes *tid,
                                struct smdp_server_session **out)
{
    struct smdp_server_session *s;
    *out = NULL;
    if (tid->data == NULL || tid->len != 16)
        return LOOKUP_UNKNOWN;
    for (s = server->sessions; s != NULL; s = s->next)
        if (memcmp(s->transaction_id, tid->data, 16) == 0)
            break;
    if (s == NULL)
        return LOOKUP_UNKNOWN;
    if (s->ended)
        return LOOKUP_ENDED;
    if (rsp_server_now_ms() >= s->expires_ms || s->core_session == NULL) {
        session_release(s);
        return LOOKUP_EXPIRED;
    }
    *out = s;
    return LOOKUP_FOUND;
}

/* Ends a session: its state goes, its tombstone stays (a reused transactionId is "ended"). */
static void session_finish(struct smdp_server_session *s)
{
    session_release(s);
    s->ended = 1;
    s->expires_ms = rsp_server_now_ms();
}

/* SGP.22 v2.5 5.6.2 / 5.6.3 / 5.6.5 (AuthenticateClient, GetBoundProfilePackage, CancelSession):
 * "8.10.1 TransactionId / 3.9 Unknown: the RSP session identified by the TransactionID is unknown".
 * An expired or ended session is unknown to the SM-DP+ too; the message tells the cases apart. */
static void fail_session(struct sgp32_remote_result *r, enum lookup lookup)
{
    rsp_server_fail(r, "8.10.1", "3.9",
                    lookup == LOOKUP_EXPIRED
                        ? "RSP session expired"
                        : (lookup == LOOKUP_ENDED ? "RSP session ended" : "unknown transactionId"));
}

/* The errors smdp_core reports while checking what the eUICC signed (SGP.22 v2.5 5.6.2, 5.6.3):
 * "8.1 eUICC / 6.1 Verification failed" (signature, chain, serverChallenge, serverAddress),
 * "8.10.1 / 3.9" for a transactionId that is not this session's. */
static void fail_core(struct sgp32_remote_result *r, enum sgp32_status status)
{
    switch (status) {
    case SGP32_ERR_PROTOCOL:
        rsp_server_fail(r, "8.1", "6.1", "transactionId, serverChallenge or serverAddress does not match");
        break;
    case SGP32_ERR_STATE:
        rsp_server_fail(r, "8.10.1", "3.9", "the RSP session is not at this step");
        break;
    case SGP32_ERR_EUICC_RESULT:
        rsp_server_fail(r, "8.1", "6.1", "the eUICC answered its error alternative");
        break;
    default:
        rsp_server_fail(r, "8.1", "6.1", sgp32_strerror(status));
        break;
    }
}

/* matchingId of euiccSigned1.ctxParams1 (SGP.22 5.7.13: BF38 { A0 { 30 { .. A0 { 80 .. } } } }). */
static int received_matching_id(const struct sgp32_bytes *response, char *out, size_t cap)
{
    struct tlv ok, signed1, ctx, matching;
    const uint8_t *p;
    size_t left, i;
    int bad = 0;
    if (smdp_response_ok(response->data, response->len, 0xBF38, &ok) != SGP32_OK)
        return 0;
    p = ok.value;
    left = ok.len;
    if (!next_tlv(&p, &left, &signed1, &bad) || signed1.tag != 0x30 || !find_child(&signed1, 0xA0, &ctx) ||
        !find_child(&ctx, 0x80, &matching) || matching.len == 0 || matching.len >= cap)
        return 0;
    /* SGP.22 4.1: a Matching ID is made of upper case letters, digits and '-'; the test profiles also
     * use '.', '_' and lower case. Nothing else reaches a file name. */
    for (i = 0; i < matching.len; i++) {
        char c = (char)matching.value[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              (c == '.' && i > 0)))
            return 0;
        out[i] = c;
    }
    out[matching.len] = '\0';
    return 1;
}

static void initiate_authentication(struct smdp_server *server,
                                    const struct sgp32_es9plus_initiate_authentication_request *rq,
                                    union sgp32_es9plus_response *rs, struct sgp32_remote_result *r,
                                    struct smdp_authentication *auth)
{
    struct smdp_server_session *s;
    enum sgp32_status status;
    size_t tid_len = 0;
    /* SGP.22 v2.5 5.6.1: "8.8.1 SM-DP+ Address / 3.8 Refused: Invalid SM-DP+ Address". */
    if (rq->smdp_address.len != strlen(server->address) ||
        memcmp(rq->smdp_address.data, server->address, rq->smdp_address.len) != 0) {
        rsp_server_fail(r, "8.8.1", "3.8", "Invalid SM-DP+ Address");
        return;
    }
    if (rq->euicc_challenge.len != 16) {
        rsp_server_fail(r, "8.1", "6.1", "euiccChallenge is not 16 octets");
        return;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL || smdp_session_new(server->core, NULL, &s->core_session) != SGP32_OK) {
        free(s);
        rsp_server_fail(r, "8.8", "4.2", "out of memory"); /* the SM-DP+ itself: 4.2 Execution error */
        return;
    }
    if (server->confirmation_code != NULL) {
        smdp_session_require_confirmation_code(s->core_session, server->confirmation_code);
        snprintf(s->confirmation_code, sizeof(s->confirmation_code), "%s", server->confirmation_code);
    }
    status = smdp_initiate_authentication(s->core_session, rq->euicc_challenge.data, rq->euicc_info1.data,
                                          rq->euicc_info1.len, auth);
    if (status != SGP32_OK) {
        session_release(s);
        free(s);
        /* SGP.22 v2.5 5.6.1: none of the eUICC's CI keys is the SM-DP+'s: "8.8.2 Security
         * configuration / 3.1 Not supported"; anything else in euiccInfo1 "8.1 / 6.1". */
        if (status == SGP32_ERR_NOT_SUPPORTED)
            rsp_server_fail(r, "8.8.2", "3.1", "Security configuration not supported");
        else
            rsp_server_fail(r, "8.1", "6.1", sgp32_strerror(status));
        return;
    }
    memcpy(s->transaction_id, smdp_session_transaction_id(s->core_session, &tid_len), 16);
    s->created_ms = rsp_server_now_ms();
    s->expires_ms = s->created_ms + server->session_ttl_ms;
    if (server->session_count >= MAX_SESSIONS) { /* the oldest is last: sessions are prepended */
        struct smdp_server_session *last = server->sessions;
        while (last->next != NULL)
            last = last->next;
        session_unlink(server, last);
    }
    s->next = server->sessions;
    server->sessions = s;
    server->session_count++;
    rs->initiate_authentication.transaction_id.data = s->transaction_id;
    rs->initiate_authentication.transaction_id.len = 16;
    rs->initiate_authentication.server_signed1.data = auth->server_signed1.data;
    rs->initiate_authentication.server_signed1.len = auth->server_signed1.len;
    rs->initiate_authentication.server_signature1.data = auth->server_signature1.data;
    rs->initiate_authentication.server_signature1.len = auth->server_signature1.len;
    rs->initiate_authentication.euicc_ci_pkid_to_be_used.data = auth->euicc_ci_pkid.data;
    rs->initiate_authentication.euicc_ci_pkid_to_be_used.len = auth->euicc_ci_pkid.len;
    rs->initiate_authentication.server_certificate.data = auth->server_certificate.data;
    rs->initiate_authentication.server_certificate.len = auth->server_certificate.len;
}

/* A registered order, once the eUICC is authenticated (SGP.22 v2.5 5.6.2): downloaded orders are
 * spent ("8.2.6 / 3.8 Refused"), an EID binding must match ("8.1.1 EID / 3.8 Refused"), and each
 * attempt counts against maxAttempts ("8.8.5 Download order / 6.4 Maximum number of retries
 * exceeded"). 1 when the download may go on. */
static int order_allows(struct smdp_order *order, struct smdp_server_session *s, struct sgp32_remote_result *r)
{
    if (order->state == SMDP_ORDER_INSTALLED) {
        rsp_server_fail(r, "8.2.6", "3.8", "MatchingID refused: the order was downloaded already");
        return 0;
    }
    if (order->has_eid && memcmp(order->eid, s->core_session->eid, 16) != 0) {
        rsp_server_fail(r, "8.1.1", "3.8", "EID does not match the order");
        return 0;
    }
    if (order->max_attempts != 0 && order->attempts >= order->max_attempts) {
        rsp_server_fail(r, "8.8.5", "6.4", "Maximum number of retries exceeded");
        return 0;
    }
    order->attempts++;
    return 1;
}

static void authenticate_client(struct smdp_server *server, const struct sgp32_es9plus_authenticate_client_request *rq,
                                union sgp32_es9plus_response *rs, struct sgp32_remote_result *r,
                                struct smdp_prepare *prepare, struct smdp_blob *metadata)
{
    struct smdp_server_session *s;
    enum lookup lookup = session_find(server, &rq->transaction_id, &s);
    enum sgp32_status status;
    struct smdp_order *order = NULL;
    char path[1024];
    if (lookup != LOOKUP_FOUND) {
        fail_session(r, lookup);
        return;
    }
    /* An order's own confirmation code goes into smdpSigned2 (ccRequiredFlag), so it is set before
     * the eUICC's answer is checked; nothing is refused before that check. */
    if (received_matching_id(&rq->authenticate_server_response, s->matching_id, sizeof(s->matching_id)) &&
        (order = smdp_order_find(server, s->matching_id)) != NULL && order->confirmation_code[0] != '\0') {
        smdp_session_require_confirmation_code(s->core_session, order->confirmation_code);
        snprintf(s->confirmation_code, sizeof(s->confirmation_code), "%s", order->confirmation_code);
    }
    /* The eUICC's signature and chain first (SGP.22 5.6.2 steps), then its Matching ID. */
    status = smdp_authenticate_client(s->core_session, rq->authenticate_server_response.data,
                                      rq->authenticate_server_response.len, prepare);
    if (status != SGP32_OK) {
        fail_core(r, status);
        session_finish(s);
        return;
    }
    /* No Matching ID (the eUICC's default SM-DP+ address, SGP.22 v2.5 3.1.2 / 5.6.2): a pending order
     * for the EID the eUICC's certificate names. */
    if (!received_matching_id(&rq->authenticate_server_response, s->matching_id, sizeof(s->matching_id)) &&
        (order = smdp_order_find_eid(server, s->core_session->eid)) != NULL)
        snprintf(s->matching_id, sizeof(s->matching_id), "%s", order->matching_id);
    /* SGP.22 v2.5 5.6.2: "8.2.6 Matching ID / 3.8 Refused: MatchingID (AC_Token or EventID) is
     * refused" for a Matching ID without a download order (here: without <matchingId>.der). */
    if (order == NULL &&
        !received_matching_id(&rq->authenticate_server_response, s->matching_id, sizeof(s->matching_id))) {
        rsp_server_fail(r, "8.2.6", "3.8", "MatchingID missing or refused");
        session_finish(s);
        return;
    }
    if (order != NULL) {
        if (!order_allows(order, s, r)) {
            session_finish(s);
            return;
        }
        s->upp.data = malloc(order->upp.len);
        if (s->upp.data == NULL) {
            rsp_server_fail(r, "8.8", "4.2", "out of memory");
            session_finish(s);
            return;
        }
        memcpy(s->upp.data, order->upp.data, order->upp.len);
        s->upp.len = order->upp.len;
    }
    snprintf(path, sizeof(path), "%s/%s.der", server->profiles_dir, s->matching_id);
    if (order == NULL && smdp_read_file(path, &s->upp) != SGP32_OK) {
        rsp_server_fail(r, "8.2.6", "3.8", "MatchingID refused: no such download order");
        session_finish(s);
        return;
    }
    status = smdp_profile_metadata(server->core, s->upp.data, s->upp.len, metadata);
    if (status != SGP32_OK) {
        /* SGP.22 v2.5 5.6.2: "8.2 Profile / 3.7 Unavailable" (the UPP cannot be used) */
        rsp_server_fail(r, "8.2", "3.7", "the profile package is not usable");
        session_finish(s);
        return;
    }
    rs->authenticate_client.transaction_id.data = s->transaction_id;
    rs->authenticate_client.transaction_id.len = 16;
    rs->authenticate_client.profile_metadata.data = metadata->data;
    rs->authenticate_client.profile_metadata.len = metadata->len;
    rs->authenticate_client.smdp_signed2.data = prepare->smdp_signed2.data;
    rs->authenticate_client.smdp_signed2.len = prepare->smdp_signed2.len;
    rs->authenticate_client.smdp_signature2.data = prepare->smdp_signature2.data;
    rs->authenticate_client.smdp_signature2.len = prepare->smdp_signature2.len;
    rs->authenticate_client.smdp_certificate.data = prepare->smdp_certificate.data;
    rs->authenticate_client.smdp_certificate.len = prepare->smdp_certificate.len;
}

/* With a confirmation code: hashCc present (SGP.22 v2.5 5.6.3 "8.2.7 Confirmation Code / 2.2
 * Mandatory Element missing") and right ("8.2.7 / 3.8 Refused"). 1 when fine. */
static int confirmation_code_ok(struct smdp_server *server, struct smdp_server_session *s,
                                const struct sgp32_bytes *response, struct sgp32_remote_result *r)
{
    struct tlv ok, signed2, hash;
    const uint8_t *p;
    size_t left, tid_len = 0;
    int bad = 0;
    uint8_t expected[32];
    (void)server;
    if (s->confirmation_code[0] == '\0')
        return 1;
    if (smdp_response_ok(response->data, response->len, 0xBF21, &ok) != SGP32_OK)
        return 1; /* malformed or the error alternative: smdp_core says so */
    p = ok.value;
    left = ok.len;
    if (!next_tlv(&p, &left, &signed2, &bad) || signed2.tag != 0x30)
        return 1;
    if (!find_child(&signed2, 0x04, &hash) || hash.len != 32) {
        rsp_server_fail(r, "8.2.7", "2.2", "Confirmation Code missing");
        return 0;
    }
    if (smdp_hash_confirmation_code(s->confirmation_code, smdp_session_transaction_id(s->core_session, &tid_len), 16,
                                    expected) != SGP32_OK ||
        memcmp(expected, hash.value, 32) != 0) {
        rsp_server_fail(r, "8.2.7", "3.8", "Confirmation Code refused");
        return 0;
    }
    return 1;
}

static void get_bound_profile_package(struct smdp_server *server,
                                      const struct sgp32_es9plus_get_bound_profile_package_request *rq,
                                      union sgp32_es9plus_response *rs, struct sgp32_remote_result *r,
                                      struct smdp_blob *bpp)
{
    struct smdp_server_session *s;
    enum lookup lookup = session_find(server, &rq->transaction_id, &s);
    struct smdp_bpp_options options;
    enum sgp32_status status;
    if (lookup != LOOKUP_FOUND) {
        fail_session(r, lookup);
        return;
    }
    if (s->upp.data == NULL) {
        rsp_server_fail(r, "8.10.1", "3.9", "the RSP session is not at this step");
        return;
    }
    if (!confirmation_code_ok(server, s, &rq->prepare_download_response, r)) {
        session_finish(s);
        return;
    }
    memset(&options, 0, sizeof(options));
    status = smdp_get_bound_profile_package(s->core_session, rq->prepare_download_response.data,
                                            rq->prepare_download_response.len, s->upp.data, s->upp.len, &options, bpp);
    if (status != SGP32_OK) {
        fail_core(r, status);
        session_finish(s);
        return;
    }
    /* The session stays until handleNotification (the installation result) or its expiry. */
    rs->get_bound_profile_package.transaction_id.data = s->transaction_id;
    rs->get_bound_profile_package.transaction_id.len = 16;
    rs->get_bound_profile_package.bound_profile_package.data = bpp->data;
    rs->get_bound_profile_package.bound_profile_package.len = bpp->len;
}

/* An OtherSignedNotification (SGP.22 5.6.4): the eUICC -> EUM -> CI chain it carries and its
 * signature over tbsOtherNotification are checked; the result is recorded (GET /api/notifications). */
static void other_notification(struct smdp_server *server, const struct sgp32_bytes *notification)
{
    struct smdp_notification_info info;
    enum sgp32_status status =
        smdp_verify_other_notification(server->core, notification->data, notification->len, &info);
    char detail[96];
    if (status == SGP32_OK)
        snprintf(detail, sizeof(detail), "signature verified");
    else
        snprintf(detail, sizeof(detail), "rejected: %s",
                 status == SGP32_ERR_CRYPTO ? "certificate chain or signature does not verify"
                                            : sgp32_strerror(status));
    fprintf(stderr, "sgp32-smdp: notification seqNumber %ld %s\n", info.seq_number, detail);
    smdp_notification_record(server, 0, &info, status == SGP32_OK, detail);
}

/* A ProfileInstallationResult (BF37 { BF27 { 80 transactionId .. } }) ends its session after the
 * result is checked (a successful one also spends its order); other notifications are checked by
 * other_notification(). Always 204 (SGP.22 6.5.2.4): what was found is logged and recorded. */
static void handle_notification(struct smdp_server *server, const struct sgp32_bytes *notification)
{
    struct tlv top, data, tid;
    struct sgp32_bytes tid_bytes;
    struct smdp_server_session *s;
    struct smdp_installation_result result;
    struct smdp_notification_info info;
    struct smdp_order *order;
    enum sgp32_status status;
    char detail[96];
    if (!parse_one(notification->data, notification->len, &top) || top.tag != 0xBF37) {
        other_notification(server, notification);
        return;
    }
    memset(&info, 0, sizeof(info));
    info.seq_number = -1;
    info.operation = 0; /* notificationInstall */
    if (!find_child(&top, 0xBF27, &data) || !find_child(&data, 0x80, &tid)) {
        smdp_notification_record(server, 1, &info, 0, "rejected: malformed");
        return;
    }
    tid_bytes.data = tid.value;
    tid_bytes.len = tid.len;
    if (session_find(server, &tid_bytes, &s) != LOOKUP_FOUND) {
        fprintf(stderr, "sgp32-smdp: installation result of an unknown session\n");
        smdp_notification_record(server, 1, &info, 0, "rejected: unknown transactionId");
        return;
    }
    status = smdp_verify_installation_result(s->core_session, notification->data, notification->len, &result);
    memcpy(info.eid, s->core_session->eid, 16);
    info.has_eid = 1;
    memcpy(info.iccid, result.iccid, 10);
    info.has_iccid = result.has_iccid;
    if (status != SGP32_OK)
        snprintf(detail, sizeof(detail), "rejected: %s", sgp32_strerror(status));
    else if (result.success)
        snprintf(detail, sizeof(detail), "installed");
    else
        snprintf(detail, sizeof(detail), "failed: bppCommandId %ld errorReason %ld", result.bpp_command_id,
                 result.error_reason);
    fprintf(stderr, "sgp32-smdp: %s %s\n", s->matching_id, detail);
    if (status == SGP32_OK && result.success && (order = smdp_order_find(server, s->matching_id)) != NULL)
        order->state = SMDP_ORDER_INSTALLED;
    smdp_notification_record(server, 1, &info, status == SGP32_OK, detail);
    session_finish(s);
}

/* SGP.22 v2.5 5.6.5: the eUICC-signed cancelSessionResponse is checked (signature with the eUICC
 * certificate of AuthenticateClient, transactionId, smdpOid): "8.1 / 6.1 Verification failed"
 * otherwise, and the session stays. cancelSessionResponseError (the eUICC signed nothing) and a
 * cancel before authenticateClient (no eUICC certificate to check with) end the session as they are. */
static void cancel_session(struct smdp_server *server, const struct sgp32_es9plus_cancel_session_request *rq,
                           struct sgp32_remote_result *r)
{
    struct smdp_server_session *s;
    enum lookup lookup = session_find(server, &rq->transaction_id, &s);
    enum sgp32_status status;
    long reason = -1;
    if (lookup != LOOKUP_FOUND) {
        fail_session(r, lookup);
        return;
    }
    status = smdp_verify_cancel_session(s->core_session, rq->cancel_session_response.data,
                                        rq->cancel_session_response.len, &reason);
    switch (status) {
    case SGP32_OK:
        fprintf(stderr, "sgp32-smdp: session cancelled by the eUICC, reason %ld\n", reason);
        break;
    case SGP32_ERR_EUICC_RESULT:
        fprintf(stderr, "sgp32-smdp: session cancelled, the eUICC answered error %ld\n", reason);
        break;
    case SGP32_ERR_STATE:
        fprintf(stderr, "sgp32-smdp: session cancelled before authenticateClient (nothing to verify)\n");
        break;
    case SGP32_ERR_PROTOCOL:
        rsp_server_fail(r, "8.1", "6.1", "transactionId of euiccCancelSessionSigned does not match");
        return;
    case SGP32_ERR_NOT_FOUND:
        rsp_server_fail(r, "8.1", "6.1", "smdpOid of euiccCancelSessionSigned is not this SM-DP+'s");
        return;
    default:
        rsp_server_fail(r, "8.1", "6.1", "eUICC signature invalid");
        return;
    }
    session_finish(s);
}

void smdp_server_handle(struct smdp_server *server, const struct sgp32_remote_incoming *incoming,
                        struct sgp32_remote_response *response)
{
    enum sgp32_es9plus_function function = SGP32_ES9PLUS_INITIATE_AUTHENTICATION;
    union sgp32_es9plus_request request;
    union sgp32_es9plus_response answer;
    struct sgp32_remote_result result, failure;
    struct smdp_authentication auth;
    struct smdp_prepare prepare;
    struct smdp_blob metadata = {NULL, 0}, bpp = {NULL, 0};
    void *storage = NULL;
    enum sgp32_status status;
    memset(&answer, 0, sizeof(answer));
    memset(&auth, 0, sizeof(auth));
    memset(&prepare, 0, sizeof(prepare));
    sgp32_remote_result_clear(&failure);
    sessions_sweep(server);
    status = sgp32_es9plus_parse_request(incoming, &function, &request, &storage, &result);
    if (status != SGP32_OK) {
        /* Not an ES9+ call at all: no JSON answer can be given (SGP.22 6.5.1: HTTP status codes). */
        rsp_server_refuse_request(response, status, &result);
        sgp32_remote_storage_free(storage);
        return;
    }
    if (server->verbose)
        fprintf(stderr, "sgp32-smdp: %s\n", sgp32_es9plus_function_name(function));
    switch (function) {
    case SGP32_ES9PLUS_INITIATE_AUTHENTICATION:
        initiate_authentication(server, &request.initiate_authentication, &answer, &failure, &auth);
        break;
    case SGP32_ES9PLUS_AUTHENTICATE_CLIENT:
        authenticate_client(server, &request.authenticate_client, &answer, &failure, &prepare, &metadata);
        break;
    case SGP32_ES9PLUS_GET_BOUND_PROFILE_PACKAGE:
        get_bound_profile_package(server, &request.get_bound_profile_package, &answer, &failure, &bpp);
        break;
    case SGP32_ES9PLUS_HANDLE_NOTIFICATION:
        handle_notification(server, &request.handle_notification.pending_notification);
        break;
    case SGP32_ES9PLUS_CANCEL_SESSION:
        cancel_session(server, &request.cancel_session, &failure);
        break;
    }
    if (failure.execution_status[0] != '\0') {
        fprintf(stderr, "sgp32-smdp: %s failed: %s / %s (%s)\n", sgp32_es9plus_function_name(function),
                failure.subject_code, failure.reason_code, failure.message);
        status = sgp32_es9plus_build_response(function, NULL, &failure, response);
    } else {
        status = sgp32_es9plus_build_response(function, &answer, NULL, response);
    }
    if (status != SGP32_OK)
        rsp_server_text_answer(response, 500, sgp32_strerror(status));
    smdp_authentication_clear(&auth);
    smdp_prepare_clear(&prepare);
    free(metadata.data);
    free(bpp.data);
    sgp32_remote_storage_free(storage);
}
