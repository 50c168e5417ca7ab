/* SPDX-License-Identifier: MIT */
/*
 * Profile download (SGP.22 v2.5 3.1.3, SGP.32 v1.2 3.2): the DOWNLOAD state. One session runs at a
 * time (ipa->download); its steps alternate ES10b calls (run steps) with one exchange with the
 * server (answer steps), over the transport of the session's mode (ipa_download.h):
 *
 *   BEGIN       GetEUICCChallenge, GetEUICCInfo1 -> initiateAuthentication
 *   INITIATE    transactionId, serverSigned1 ... (record saved: the server has a session)
 *   AUTHENTICATE  AuthenticateServer -> authenticateClient: profile metadata, smdpSigned2
 *   PREPARE     metadata checks, hashCc, PrepareDownload -> getBoundProfilePackage, streamed from
 *               the HTTP sink into the BPP loader (memory does not grow with the package)
 *   LOAD        the ProfileInstallationResult (record saved with it)
 *   NOTIFY      the result to the SM-DP+ (ES9+ handleNotification) or the eIM (HandleNotification)
 *   REMOVE      RemoveNotificationFromList, only after delivery
 *   CANCEL      any failure after AuthenticateServer: ES10b CancelSession with its reason, then the
 *               server's cancelSession with the eUICC's signed answer
 *   FINISH      DOWNLOAD_DONE, the ProfileDownloadTriggerResult to the eIM for a trigger, record gone
 *
 * A failure is reported as failed with its reason, never as success. After a restart the record
 * decides (ipa_download_resume): a known result is delivered, an unfinished session cancelled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/der.h"
#include "ipa/ipa_download.h"
#include "sgp32/codec.h"

#define PROGRESS_STEP 4096u

static const struct ipa_download_transport *transport_of(int mode)
{
    if (mode == IPA_DOWNLOAD_INDIRECT)
        return &ipa_download_esipa;
#ifdef SGP32_HAVE_JSON
    if (mode == IPA_DOWNLOAD_DIRECT)
        return &ipa_download_es9plus;
    if (mode == IPA_DOWNLOAD_SMDS)
        return &ipa_download_es11;
#endif
    return NULL;
}

struct ipa_download *ipa_download_new(struct sgp32_ipa *ipa, int mode)
{
    struct ipa_download *dl = calloc(1, sizeof(*dl));
    if (dl == NULL)
        return NULL;
    dl->ipa = ipa;
    dl->mode = mode;
    dl->step = IPA_DL_BEGIN;
    dl->cancel_reason = IPA_CANCEL_UNDEFINED;
    dl->server_code = -1;
    dl->seq_number = -1;
    return dl;
}

static void release_session(struct ipa_download *dl)
{
    struct ipa_blob *blobs[] = {&dl->info1,
                                &dl->server_signed1,
                                &dl->server_signature1,
                                &dl->ci_pkid,
                                &dl->server_certificate,
                                &dl->ctx_params1,
                                &dl->authenticate_response,
                                &dl->profile_metadata,
                                &dl->smdp_signed2,
                                &dl->smdp_signature2,
                                &dl->smdp_certificate,
                                &dl->prepare_response};
    size_t i;
    for (i = 0; i < sizeof(blobs) / sizeof(blobs[0]); i++)
        ipa_blob_free(blobs[i]);
    sgp32_es10_bpp_loader_free(dl->loader);
    dl->loader = NULL;
    if (dl->transport != NULL && dl->transport->release != NULL)
        dl->transport->release(dl);
}

void ipa_download_free(struct sgp32_ipa *ipa)
{
    struct ipa_download *dl = ipa->download;
    if (dl == NULL)
        return;
    release_session(dl);
    ipa_blob_free(&dl->confirmation_code);
    ipa_blob_free(&dl->cancel_response);
    ipa_blob_free(&dl->result);
    free(dl);
    ipa->download = NULL;
}

enum sgp32_status ipa_download_fail(struct sgp32_ipa *ipa, struct ipa_download *dl, enum sgp32_status status,
                                    long cancel_reason, const char *what, const char *detail)
{
    char copy[sizeof(ipa->last_error)];
    if (detail != NULL) { /* detail may be ipa->last_error itself, which ipa_fail() rewrites */
        snprintf(copy, sizeof(copy), "%s", detail);
        detail = copy;
    }
    if (!dl->failed) {
        dl->failed = 1;
        dl->status = status;
        dl->cancel_reason = cancel_reason;
        snprintf(dl->detail, sizeof(dl->detail), "%.60s%s%.120s", what, detail != NULL && detail[0] ? ": " : "",
                 detail != NULL ? detail : "");
    }
    ipa_fail(ipa, status, what, detail);
    dl->step = dl->session_open ? IPA_DL_CANCEL : IPA_DL_FINISH;
    /* Handled: the poll goes on to the cancellation and the report; FINISH returns the failure. */
    return SGP32_OK;
}

enum sgp32_status ipa_download_feed(struct ipa_download *dl, const uint8_t *data, size_t len)
{
    enum sgp32_status st;
    if (dl->loader == NULL)
        return SGP32_ERR_STATE;
    st = sgp32_es10_bpp_loader_feed(dl->loader, data, len);
    dl->loaded += len;
    if (dl->loaded - dl->reported >= PROGRESS_STEP) {
        dl->reported = dl->loaded;
        ipa_emit(dl->ipa, SGP32_IPA_EVENT_DOWNLOAD_PROGRESS, SGP32_OK, (long)dl->loaded, NULL, "loading", NULL, 0);
    }
    return st;
}

/* ---- Starting ---- */

static enum sgp32_status start(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    ipa_download_free(ipa);
    ipa->download = dl;
    ipa_goto(ipa, IPA_STATE_DOWNLOAD);
    return SGP32_OK;
}

enum sgp32_status ipa_download_begin_direct(struct sgp32_ipa *ipa, const char *activation_code,
                                            const char *confirmation_code)
{
    struct ipa_download *dl = ipa_download_new(ipa, IPA_DOWNLOAD_DIRECT);
    enum sgp32_status st = SGP32_OK;
    const char *why = NULL;
    if (dl == NULL)
        return ipa_fail(ipa, SGP32_ERR_NO_MEMORY, "download", NULL);
    if (activation_code != NULL && activation_code[0] != '\0') {
        st = ipa_download_parse_activation_code(dl, activation_code);
        why = "invalid activation code";
    } else {
        dl->default_smdp = 1;
    }
    if (st == SGP32_OK && confirmation_code != NULL)
        st = ipa_blob_set(&dl->confirmation_code, (const uint8_t *)confirmation_code, strlen(confirmation_code));
#ifndef SGP32_HAVE_JSON
    if (st == SGP32_OK) {
        st = SGP32_ERR_NOT_SUPPORTED;
        why = "direct download needs the ES9+ JSON binding (SGP32_WITH_JSON)";
    }
#endif
    if (st != SGP32_OK) {
        ipa_emit(ipa, SGP32_IPA_EVENT_DOWNLOAD_DONE, st, 0, NULL, why, NULL, 0);
        ipa_blob_free(&dl->confirmation_code);
        free(dl);
        return ipa_fail(ipa, st, "download", why);
    }
    return start(ipa, dl);
}

enum sgp32_status ipa_download_begin_trigger(struct sgp32_ipa *ipa)
{
    struct ipa_download *dl = ipa_download_new(ipa, IPA_DOWNLOAD_INDIRECT);
    enum sgp32_status st;
    if (dl == NULL)
        return ipa_fail(ipa, SGP32_ERR_NO_MEMORY, "download", NULL);
    dl->from_trigger = 1;
    st = ipa_download_parse_trigger(dl, ipa->job.request.data, ipa->job.request.len);
    start(ipa, dl);
    if (st != SGP32_OK)
        return ipa_download_fail(ipa, dl, st, IPA_CANCEL_UNDEFINED, "ProfileDownloadTriggerRequest", "malformed");
    if (transport_of(dl->mode) == NULL)
        return ipa_download_fail(ipa, dl, SGP32_ERR_NOT_SUPPORTED, IPA_CANCEL_UNDEFINED, "contactSmds",
                                 "SM-DS discovery needs the ES11 JSON binding (SGP32_WITH_JSON)");
    return SGP32_OK;
}

/* ---- Steps ---- */

static enum sgp32_status begin_failed(struct sgp32_ipa *ipa, struct ipa_download *dl, enum sgp32_status st,
                                      const char *what)
{
    /* Nothing is open on the eUICC yet: try again from a fresh challenge, within the budget. */
    dl->step = IPA_DL_BEGIN;
    if (ipa_retry(ipa))
        return st;
    return ipa_download_fail(ipa, dl, st, IPA_CANCEL_UNDEFINED, what, ipa->last_error);
}

static enum sgp32_status resolve_addresses(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    char dp[IPA_DL_TEXT_MAX], ds[IPA_DL_TEXT_MAX];
    enum sgp32_status st;
    int need_dp = dl->default_smdp && dl->smdp_address[0] == '\0';
    int need_ds = dl->mode == IPA_DOWNLOAD_SMDS && dl->smds_address[0] == '\0';
    if (!need_dp && !need_ds)
        return SGP32_OK;
    st = sgp32_es10_get_euicc_configured_addresses(ipa->es10, dp, sizeof(dp), ds, sizeof(ds));
    if (st != SGP32_OK)
        return ipa_card_fail(ipa, st, "GetEuiccConfiguredAddresses");
    if (need_dp && dp[0] != '\0') {
        memcpy(dl->smdp_address, dp, sizeof(dp));
    } else if (need_dp && dl->mode == IPA_DOWNLOAD_DIRECT && ds[0] != '\0') {
        /* No default SM-DP+: look for an event at the root SM-DS (SGP.22 v2.5 3.1.3.1). */
        dl->mode = IPA_DOWNLOAD_SMDS;
        memcpy(dl->smds_address, ds, sizeof(ds));
    } else if (need_ds && ds[0] != '\0') {
        memcpy(dl->smds_address, ds, sizeof(ds));
    } else {
        return SGP32_ERR_NOT_FOUND;
    }
    return SGP32_OK;
}

static enum sgp32_status step_begin(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    uint8_t *info1 = NULL;
    size_t info1_len = 0;
    enum sgp32_status st = ipa_card_ready(ipa);
    if (st != SGP32_OK)
        return begin_failed(ipa, dl, st, "eUICC");
    st = resolve_addresses(ipa, dl);
    if (st == SGP32_ERR_NOT_FOUND)
        return ipa_download_fail(ipa, dl, st, IPA_CANCEL_UNDEFINED, "download",
                                 "no activation code, default SM-DP+ or root SM-DS address");
    if (st != SGP32_OK)
        return begin_failed(ipa, dl, st, "GetEuiccConfiguredAddresses");
    if (dl->transport == NULL || dl->transport != transport_of(dl->mode)) {
        release_session(dl);
        dl->transport = transport_of(dl->mode);
    }
    if (dl->transport == NULL)
        return ipa_download_fail(ipa, dl, SGP32_ERR_NOT_SUPPORTED, IPA_CANCEL_UNDEFINED, "download",
                                 "this mode needs the JSON bindings (SGP32_WITH_JSON)");
    st = sgp32_es10_get_euicc_challenge(ipa->es10, dl->challenge);
    if (st != SGP32_OK)
        return begin_failed(ipa, dl, ipa_card_fail(ipa, st, "GetEUICCChallenge"), "GetEUICCChallenge");
    st = sgp32_es10_get_euicc_info1(ipa->es10, &info1, &info1_len);
    if (st == SGP32_OK)
        st = ipa_blob_set(&dl->info1, info1, info1_len);
    else
        ipa_card_fail(ipa, st, "GetEUICCInfo1");
    sgp32_buffer_free(info1);
    if (st == SGP32_OK)
        st = dl->transport->initiate(ipa, dl);
    if (st != SGP32_OK)
        return begin_failed(ipa, dl, st, "initiateAuthentication");
    ipa_log(ipa, SGP32_LOG_INFO, "initiateAuthentication",
            dl->mode == IPA_DOWNLOAD_SMDS ? dl->smds_address : dl->smdp_address);
    dl->step = IPA_DL_INITIATE;
    return SGP32_OK;
}

static enum sgp32_status answer_initiate(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    enum sgp32_status st = dl->transport->initiate_answer(ipa, dl);
    if (st == SGP32_ERR_SERVER_STATUS || st == SGP32_ERR_PROTOCOL || st == SGP32_ERR_DECODE)
        return ipa_download_fail(ipa, dl, st, IPA_CANCEL_UNDEFINED, "initiateAuthentication", ipa->last_error);
    if (st != SGP32_OK)
        return begin_failed(ipa, dl, st, "initiateAuthentication");
    ipa->attempt = 0;
    dl->step = IPA_DL_AUTHENTICATE;
    if (dl->mode != IPA_DOWNLOAD_SMDS)
        return ipa_download_save(ipa, dl, IPA_DL_STAGE_SESSION); /* durable: the server has a session */
    return SGP32_OK;
}

static enum sgp32_status step_authenticate(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    struct ipa_blob request = {NULL, 0};
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    long code = 0;
    char text[48];
    enum sgp32_status st = ipa_card_ready(ipa);
    if (st == SGP32_OK)
        st = ipa_download_authenticate_request(ipa, dl, &request);
    if (st == SGP32_OK) {
        st = sgp32_es10_authenticate_server(ipa->es10, request.data, request.len, &answer, &answer_len);
        if (st != SGP32_OK)
            ipa_card_fail(ipa, st, "AuthenticateServer");
    }
    ipa_blob_free(&request);
    if (st == SGP32_OK && (sgp32_es10_answer_error_code(answer, answer_len, &code) != SGP32_OK || code != 0)) {
        snprintf(text, sizeof(text), "eUICC error %ld", code);
        sgp32_buffer_free(answer);
        return ipa_download_fail(ipa, dl, SGP32_ERR_EUICC_RESULT, IPA_CANCEL_UNDEFINED, "AuthenticateServer", text);
    }
    if (st == SGP32_OK)
        st = ipa_blob_set(&dl->authenticate_response, answer, answer_len);
    sgp32_buffer_free(answer);
    if (st != SGP32_OK)
        return ipa_download_fail(ipa, dl, st, IPA_CANCEL_UNDEFINED, "AuthenticateServer", ipa->last_error);
    if (dl->mode != IPA_DOWNLOAD_SMDS) {
        dl->session_open = 1;
        ipa_download_save(ipa, dl, IPA_DL_STAGE_SESSION);
    }
    st = dl->transport->authenticate(ipa, dl);
    if (st != SGP32_OK)
        return ipa_download_fail(ipa, dl, st, IPA_CANCEL_UNDEFINED, "authenticateClient", ipa->last_error);
    return SGP32_OK;
}

static enum sgp32_status answer_authenticate(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    enum sgp32_status st = dl->transport->authenticate_answer(ipa, dl);
    if (st != SGP32_OK)
        return ipa_download_fail(ipa, dl, st, st == SGP32_ERR_TIMEOUT ? IPA_CANCEL_TIMEOUT : IPA_CANCEL_UNDEFINED,
                                 "authenticateClient", ipa->last_error);
    if (dl->mode == IPA_DOWNLOAD_SMDS) {
        /* The event record names the SM-DP+ and the matchingId (eventId): download from it. */
        ipa_log(ipa, SGP32_LOG_INFO, "SM-DS event for", dl->smdp_address);
        dl->mode = IPA_DOWNLOAD_DIRECT;
        dl->default_smdp = 0;
        dl->step = IPA_DL_BEGIN;
        return SGP32_OK;
    }
    dl->step = IPA_DL_PREPARE;
    return SGP32_OK;
}

/* Profile metadata checks (SGP.22 v2.5 3.1.3.2 / SGP.32 v1.2 3.2.2): logged; the eUICC enforces the
 * Profile Policy Rules against its RAT when it installs (pprNotAllowed in the result). */
static void check_metadata(struct sgp32_ipa *ipa, const struct ipa_download *dl)
{
    const uint8_t *v;
    size_t v_len;
    char name[65];
    if (dl->profile_metadata.len == 0)
        return;
    if (sgp32_der_find_child(dl->profile_metadata.data, dl->profile_metadata.len, 0x92, &v, &v_len, NULL) &&
        ipa_download_text(v, v_len, name, sizeof(name)))
        ipa_log(ipa, SGP32_LOG_INFO, "profile", name);
    if (sgp32_der_find_child(dl->profile_metadata.data, dl->profile_metadata.len, 0x99, &v, &v_len, NULL) && v_len > 1)
        ipa_log(ipa, SGP32_LOG_INFO, "the profile carries Profile Policy Rules",
                "checked by the eUICC against its RAT");
}

static int cc_required(const struct ipa_download *dl)
{
    const uint8_t *v;
    size_t v_len;
    /* smdpSigned2 { transactionId [0], ccRequiredFlag BOOLEAN, bppEuiccOtpk OPTIONAL } */
    return sgp32_der_find_child(dl->smdp_signed2.data, dl->smdp_signed2.len, 0x01, &v, &v_len, NULL) && v_len == 1 &&
           v[0] != 0;
}

static enum sgp32_status step_prepare(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    struct ipa_blob request = {NULL, 0};
    uint8_t hash[32], *answer = NULL;
    const uint8_t *hash_cc = NULL;
    size_t answer_len = 0;
    long code = 0;
    char text[48];
    enum sgp32_status st;
    check_metadata(ipa, dl);
    if (cc_required(dl)) {
        if (dl->have_hash_cc) {
            hash_cc = dl->hash_cc;
        } else if (dl->confirmation_code.len > 0) {
            st = ipa_download_hash_cc(dl, hash);
            if (st != SGP32_OK)
                return ipa_download_fail(ipa, dl, st, IPA_CANCEL_UNDEFINED, "confirmation code", "cannot hash it");
            hash_cc = hash;
        } else {
            /* Nobody can enter it: the end user's consent is missing (SGP.22 v2.5 3.1.3.2). */
            return ipa_download_fail(ipa, dl, SGP32_ERR_INVALID_ARGUMENT, IPA_CANCEL_END_USER_REJECTION,
                                     "confirmation code", "required by the SM-DP+, none given");
        }
    }
    st = ipa_card_ready(ipa);
    if (st == SGP32_OK)
        st = ipa_download_prepare_request(dl, hash_cc, &request);
    if (st == SGP32_OK) {
        st = sgp32_es10_prepare_download(ipa->es10, request.data, request.len, &answer, &answer_len);
        if (st != SGP32_OK)
            ipa_card_fail(ipa, st, "PrepareDownload");
    }
    ipa_blob_free(&request);
    if (st == SGP32_OK && (sgp32_es10_answer_error_code(answer, answer_len, &code) != SGP32_OK || code != 0)) {
        snprintf(text, sizeof(text), "eUICC error %ld", code);
        sgp32_buffer_free(answer);
        return ipa_download_fail(ipa, dl, SGP32_ERR_EUICC_RESULT, IPA_CANCEL_UNDEFINED, "PrepareDownload", text);
    }
    if (st == SGP32_OK)
        st = ipa_blob_set(&dl->prepare_response, answer, answer_len);
    sgp32_buffer_free(answer);
    if (st == SGP32_OK)
        st = ipa_download_save(ipa, dl, IPA_DL_STAGE_LOADING); /* durable: the BPP may reach the eUICC */
    if (st == SGP32_OK) {
        sgp32_es10_bpp_loader_free(dl->loader);
        dl->loader = NULL;
        st = sgp32_es10_bpp_loader_new(ipa->es10, 0, &dl->loader);
    }
    if (st != SGP32_OK)
        return ipa_download_fail(ipa, dl, st, IPA_CANCEL_UNDEFINED, "PrepareDownload", ipa->last_error);
    dl->loaded = 0;
    dl->reported = 0;
    st = dl->transport->load(ipa, dl);
    if (st != SGP32_OK)
        return ipa_download_fail(ipa, dl, st, IPA_CANCEL_UNDEFINED, "getBoundProfilePackage", ipa->last_error);
    dl->step = IPA_DL_LOAD;
    return SGP32_OK;
}

static enum sgp32_status answer_load(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    uint8_t *result = NULL;
    size_t result_len = 0;
    enum sgp32_status loader_st = SGP32_ERR_STATE, st = dl->transport->load_answer(ipa, dl);
    if (dl->loader != NULL && (sgp32_es10_bpp_loader_done(dl->loader) || st == SGP32_OK))
        loader_st = sgp32_es10_bpp_loader_finish(dl->loader, &result, &result_len);
    sgp32_es10_bpp_loader_free(dl->loader);
    dl->loader = NULL;
    if (dl->loaded != dl->reported)
        ipa_emit(ipa, SGP32_IPA_EVENT_DOWNLOAD_PROGRESS, SGP32_OK, (long)dl->loaded, NULL, "loaded", NULL, 0);
    dl->reported = dl->loaded;
    if (loader_st == SGP32_OK) {
        /* The eUICC answered: its result counts, whatever became of the rest of the answer. */
        st = ipa_blob_set(&dl->result, result, result_len);
        sgp32_buffer_free(result);
        if (st != SGP32_OK)
            return ipa_download_fail(ipa, dl, st, IPA_CANCEL_UNDEFINED, "ProfileInstallationResult", NULL);
        dl->session_open = 0;
        ipa_download_read_result(dl);
        if (!dl->installed) {
            dl->failed = 1;
            dl->status = SGP32_ERR_EUICC_RESULT;
            snprintf(dl->detail, sizeof(dl->detail), "ProfileInstallationResult: errorResult");
            ipa_fail(ipa, SGP32_ERR_EUICC_RESULT, "ProfileInstallationResult", "errorResult");
        }
        ipa->attempt = 0;
        dl->step = IPA_DL_NOTIFY;
        return ipa_download_save(ipa, dl, IPA_DL_STAGE_INSTALLED); /* durable: the result to deliver */
    }
    sgp32_buffer_free(result);
    if (st == SGP32_OK) {
        ipa_fail(ipa, loader_st, "Bound Profile Package", "no ProfileInstallationResult");
        return ipa_download_fail(ipa, dl, loader_st, IPA_CANCEL_LOAD_BPP_EXECUTION_ERROR, "Bound Profile Package",
                                 ipa->last_error);
    }
    return ipa_download_fail(ipa, dl, st, st == SGP32_ERR_TIMEOUT ? IPA_CANCEL_TIMEOUT : IPA_CANCEL_UNDEFINED,
                             "getBoundProfilePackage", ipa->last_error);
}

static enum sgp32_status notify_failed(struct sgp32_ipa *ipa, struct ipa_download *dl, enum sgp32_status st)
{
    if (ipa_retry(ipa))
        return st;
    /* It stays on the eUICC: the notification procedure delivers it later. */
    ipa->notify_due = 1;
    dl->step = IPA_DL_FINISH;
    return st;
}

static enum sgp32_status step_remove(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    enum sgp32_status st = ipa_card_ready(ipa);
    if (st == SGP32_OK && dl->seq_number >= 0) {
        st = sgp32_es10_remove_notification_from_list(ipa->es10, dl->seq_number);
        if (st == SGP32_ERR_EUICC_RESULT) /* nothingToDelete: already gone */
            st = SGP32_OK;
        if (st != SGP32_OK)
            ipa_card_fail(ipa, st, "RemoveNotificationFromList");
    }
    if (st == SGP32_OK && dl->seq_number >= 0)
        ipa_emit(ipa, SGP32_IPA_EVENT_NOTIFICATION_DELIVERED, SGP32_OK, dl->seq_number, NULL,
                 "ProfileInstallationResult delivered", NULL, 0);
    if (st != SGP32_OK)
        ipa->notify_due = 1;
    dl->step = IPA_DL_FINISH;
    return SGP32_OK;
}

static enum sgp32_status step_cancel(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    enum sgp32_status st;
    if (dl->session_open && dl->cancel_response.len == 0) {
        st = ipa_card_ready(ipa);
        if (st == SGP32_OK) {
            /* SGP.22 v2.5 5.7.14: an error answer (unknown transactionId ...) is signed-less but still
             * tells the server; either way the eUICC session is over. */
            st = sgp32_es10_cancel_session(ipa->es10, dl->transaction_id, dl->transaction_id_len, dl->cancel_reason,
                                           &answer, &answer_len);
            if (st == SGP32_OK)
                st = ipa_blob_set(&dl->cancel_response, answer, answer_len);
            else
                ipa_card_fail(ipa, st, "CancelSession");
            sgp32_buffer_free(answer);
        }
        dl->session_open = 0;
        ipa_download_save(ipa, dl, IPA_DL_STAGE_CANCELLED);
    }
    if (dl->cancel_response.len == 0 || dl->transport == NULL || dl->transport->cancel == NULL) {
        dl->step = IPA_DL_FINISH;
        return SGP32_OK;
    }
    st = dl->transport->cancel(ipa, dl);
    if (st != SGP32_OK)
        dl->step = IPA_DL_FINISH; /* the server's session expires on its own */
    return SGP32_OK;
}

/* ProfileDownloadTriggerResult (SGP.32 v1.2 2.11.2.3): BF54 { [2] eimTransactionId, BF37 result |
 * profileDownloadError 30 { [0] profileDownloadErrorReason } } to the eIM. */
static enum sgp32_status report_trigger(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    struct sgp32_der_writer w;
    enum sgp32_status st;
    sgp32_der_writer_init_dynamic(&w, IPA_BODY_MAX);
    sgp32_der_writer_begin(&w, 0xBF54);
    if (dl->eim_transaction_id_len > 0)
        sgp32_der_writer_bytes(&w, 0x82, dl->eim_transaction_id, dl->eim_transaction_id_len);
    if (dl->result.len > 0) {
        sgp32_der_writer_raw(&w, dl->result.data, dl->result.len);
    } else {
        sgp32_der_writer_begin(&w, 0x30);
        sgp32_der_writer_integer(&w, 0x80, 127); /* undefinedError */
        sgp32_der_writer_end(&w);
    }
    sgp32_der_writer_end(&w);
    if (w.error) {
        sgp32_der_writer_release(&w);
        return ipa_fail(ipa, SGP32_ERR_ENCODE, "ProfileDownloadTriggerResult", NULL);
    }
    st = ipa_report_prepare(ipa, w.buf, w.len);
    sgp32_der_writer_release(&w);
    return st;
}

static enum sgp32_status step_finish(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    enum sgp32_status st = dl->failed ? dl->status : SGP32_OK;
    enum sgp32_status report = SGP32_OK;
    ipa_emit(ipa, SGP32_IPA_EVENT_DOWNLOAD_DONE, st, dl->server_code >= 0 ? dl->server_code : 0,
             dl->have_iccid ? dl->iccid : NULL, dl->failed ? dl->detail : "installed", NULL, 0);
    if (dl->from_trigger && ipa->job.present) {
        /* goes to REPORT; the report replaces the session's state in the job record */
        report = report_trigger(ipa, dl);
        if (report != SGP32_OK)
            ipa_goto(ipa, IPA_STATE_IDLE); /* the job stays: the next start resumes it */
    } else {
        ipa_record_write(ipa, IPA_RECORD_DOWNLOAD, NULL, 0);
        ipa_goto(ipa, IPA_STATE_IDLE);
    }
    if (dl->failed)
        ipa_fail(ipa, st, "download failed", dl->detail);
    ipa_download_free(ipa);
    return st;
}

static enum sgp32_status download_run(struct sgp32_ipa *ipa)
{
    struct ipa_download *dl = ipa->download;
    if (dl == NULL) {
        ipa_goto(ipa, IPA_STATE_IDLE);
        return SGP32_OK;
    }
    switch (dl->step) {
    case IPA_DL_BEGIN:
        return step_begin(ipa, dl);
    case IPA_DL_AUTHENTICATE:
        return step_authenticate(ipa, dl);
    case IPA_DL_PREPARE:
        return step_prepare(ipa, dl);
    case IPA_DL_NOTIFY: {
        enum sgp32_status st = dl->transport->notify(ipa, dl);
        return st == SGP32_OK ? st : notify_failed(ipa, dl, st);
    }
    case IPA_DL_REMOVE:
        return step_remove(ipa, dl);
    case IPA_DL_CANCEL:
        return step_cancel(ipa, dl);
    case IPA_DL_FINISH:
        return step_finish(ipa, dl);
    default: /* an answer step without its exchange (lost): the session cannot go on */
        return ipa_download_fail(ipa, dl, SGP32_ERR_STATE, IPA_CANCEL_UNDEFINED, "download", "exchange lost");
    }
}

static enum sgp32_status download_answer(struct sgp32_ipa *ipa)
{
    struct ipa_download *dl = ipa->download;
    enum sgp32_status st;
    if (dl == NULL)
        return SGP32_ERR_STATE;
    switch (dl->step) {
    case IPA_DL_INITIATE:
        return answer_initiate(ipa, dl);
    case IPA_DL_AUTHENTICATE:
        return answer_authenticate(ipa, dl);
    case IPA_DL_LOAD:
        return answer_load(ipa, dl);
    case IPA_DL_NOTIFY:
        st = dl->transport->notify_answer(ipa, dl);
        if (st != SGP32_OK)
            return notify_failed(ipa, dl, st);
        ipa->attempt = 0;
        dl->step = IPA_DL_REMOVE;
        return SGP32_OK;
    case IPA_DL_CANCEL:
        dl->transport->cancel_answer(ipa, dl); /* logged; nothing more to do either way */
        dl->step = IPA_DL_FINISH;
        return SGP32_OK;
    default:
        return SGP32_ERR_STATE;
    }
}

/* ---- After a restart ---- */

/* The ProfileInstallationResult of the session among the eUICC's pending notifications. */
static void find_result(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    uint8_t *answer = NULL;
    size_t answer_len = 0, offset;
    const uint8_t *list, *data, *v;
    size_t list_len, data_len, v_len;
    struct sgp32_tlv_header item;
    if (ipa_card_ready(ipa) != SGP32_OK ||
        sgp32_es10_retrieve_notifications_list(ipa->es10, SGP32_ES10_NOTIFICATIONS_ALL, 0, &answer, &answer_len) !=
            SGP32_OK)
        return;
    if (sgp32_der_find_child(answer, answer_len, 0xA0, &list, &list_len, NULL))
        for (offset = 0; offset < list_len; offset += item.header_len + item.length) {
            const uint8_t *element = list + offset;
            if (sgp32_tlv_parse_header(element, list_len - offset, &item) != SGP32_OK ||
                item.length > list_len - offset - item.header_len)
                break;
            if (item.tag == 0xBF37 &&
                sgp32_der_find_element(element, item.header_len + item.length, 0xBF27, &data, &data_len) &&
                sgp32_der_find_child(data, data_len, 0x80, &v, &v_len, NULL) && v_len == dl->transaction_id_len &&
                memcmp(v, dl->transaction_id, v_len) == 0) {
                ipa_blob_set(&dl->result, element, item.header_len + item.length);
                break;
            }
        }
    sgp32_buffer_free(answer);
}

enum sgp32_status ipa_download_resume(struct sgp32_ipa *ipa)
{
    struct ipa_download *dl = ipa_download_new(ipa, IPA_DOWNLOAD_DIRECT);
    int job = ipa->job.present && ipa->job.kind == IPA_JOB_DOWNLOAD;
    enum sgp32_status st;
    if (dl == NULL)
        return ipa_fail(ipa, SGP32_ERR_NO_MEMORY, "download", NULL);
    st = ipa_download_load(ipa, dl);
    if (st != SGP32_OK) {
        free(dl);
        if (st != SGP32_ERR_NOT_FOUND) {
            ipa_log(ipa, SGP32_LOG_ERROR, "dropping unreadable record", IPA_RECORD_DOWNLOAD);
            ipa_record_write(ipa, IPA_RECORD_DOWNLOAD, NULL, 0);
        }
        if (job) /* no session was opened (or its record is gone): run the trigger again */
            return ipa_download_begin_trigger(ipa);
        ipa_goto(ipa, IPA_STATE_IDLE);
        return SGP32_OK;
    }
    dl->from_trigger = dl->from_trigger && job;
    dl->transport = transport_of(dl->mode);
    start(ipa, dl);
    if (dl->transport == NULL) {
        ipa_record_write(ipa, IPA_RECORD_DOWNLOAD, NULL, 0);
        return ipa_download_fail(ipa, dl, SGP32_ERR_NOT_SUPPORTED, IPA_CANCEL_UNDEFINED, "download", "resumed");
    }
    if (dl->stage == IPA_DL_STAGE_LOADING && dl->result.len == 0)
        find_result(ipa, dl); /* installed before the restart? */
    if (dl->result.len > 0) {
        ipa_download_read_result(dl);
        dl->session_open = 0;
        if (!dl->installed) {
            dl->failed = 1;
            dl->status = SGP32_ERR_EUICC_RESULT;
            snprintf(dl->detail, sizeof(dl->detail), "ProfileInstallationResult: errorResult");
        }
        dl->step = IPA_DL_NOTIFY;
        if (dl->stage != IPA_DL_STAGE_INSTALLED)
            return ipa_download_save(ipa, dl, IPA_DL_STAGE_INSTALLED);
        return SGP32_OK;
    }
    if (dl->stage == IPA_DL_STAGE_CANCELLED) {
        dl->failed = 1;
        dl->status = SGP32_ERR_CANCELLED;
        dl->session_open = 0;
        dl->step = IPA_DL_CANCEL;
        return SGP32_OK;
    }
    /* The session was cut by the restart: cancel it on the eUICC (which may have forgotten it: its
     * error answer is fine) and on the server, and report the failure. */
    dl->session_open = 1;
    return ipa_download_fail(ipa, dl, SGP32_ERR_CANCELLED,
                             dl->stage == IPA_DL_STAGE_LOADING ? IPA_CANCEL_LOAD_BPP_EXECUTION_ERROR
                                                               : IPA_CANCEL_UNDEFINED,
                             "download interrupted by a restart", NULL);
}

const struct ipa_state_def ipa_state_download = {"download", download_run, download_answer};
