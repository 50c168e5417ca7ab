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
 * A failure is reported as failed with its reason, never as success. The last steps and the
 * resumption after a restart are in proc_download_end.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/der.h"
#include "es10/rat_check.h"
#include "ipa/ipa_download.h"
#include "sgp32/codec.h"

#define PROGRESS_STEP 4096u

const struct ipa_download_transport *ipa_download_transport_of(int mode)
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
    ipa_blob_free(&dl->error_response);
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
    if (dl->total == 0 && dl->head_len < sizeof(dl->head)) {
        /* The package's size, from its outer header (BF36 L), for the host's progress display. */
        struct sgp32_tlv_header header;
        size_t n = len < sizeof(dl->head) - dl->head_len ? len : sizeof(dl->head) - dl->head_len;
        memcpy(dl->head + dl->head_len, data, n);
        dl->head_len += n;
        if (sgp32_tlv_parse_header(dl->head, dl->head_len, &header) == SGP32_OK &&
            header.length != SGP32_TLV_INDEFINITE)
            dl->total = header.header_len + header.length;
    }
    dl->loaded += len;
    if (dl->loaded - dl->reported >= PROGRESS_STEP) {
        dl->reported = dl->loaded;
        ipa_emit_progress(dl->ipa, (long)dl->loaded, (long)dl->total, "loading");
    }
    return st;
}

/* ---- Starting ---- */

enum sgp32_status ipa_download_start(struct sgp32_ipa *ipa, struct ipa_download *dl)
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
    return ipa_download_start(ipa, dl);
}

enum sgp32_status ipa_download_begin_trigger(struct sgp32_ipa *ipa)
{
    struct ipa_download *dl = ipa_download_new(ipa, IPA_DOWNLOAD_INDIRECT);
    enum sgp32_status st;
    if (dl == NULL)
        return ipa_fail(ipa, SGP32_ERR_NO_MEMORY, "download", NULL);
    dl->from_trigger = 1;
    st = ipa_download_parse_trigger(dl, ipa->job.request.data, ipa->job.request.len);
    ipa_download_start(ipa, dl);
    if (st != SGP32_OK)
        return ipa_download_fail(ipa, dl, st, IPA_CANCEL_UNDEFINED, "ProfileDownloadTriggerRequest", "malformed");
    if (ipa_download_transport_of(dl->mode) == NULL)
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
    if (dl->transport == NULL || dl->transport != ipa_download_transport_of(dl->mode)) {
        release_session(dl);
        dl->transport = ipa_download_transport_of(dl->mode);
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
        ipa_download_fail(ipa, dl, SGP32_ERR_EUICC_RESULT, IPA_CANCEL_UNDEFINED, "AuthenticateServer", text);
        /* The refusal still goes to the server with authenticateClient (SGP.22 v2.5 3.1.3.1 / 5.6.2),
         * which ends its session; its answer changes nothing. */
        if (code != 0 && ipa_blob_set(&dl->authenticate_response, answer, answer_len) == SGP32_OK &&
            dl->transport->authenticate(ipa, dl) == SGP32_OK)
            dl->step = IPA_DL_AUTHENTICATE;
        sgp32_buffer_free(answer);
        return SGP32_OK;
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
    enum sgp32_status st;
    if (dl->failed) { /* the server was told of the eUICC's refusal */
        dl->step = IPA_DL_FINISH;
        return SGP32_OK;
    }
    st = dl->transport->authenticate_answer(ipa, dl);
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

/* Profile metadata checks before PrepareDownload (SGP.22 v2.5 3.1.3.2 / SGP.32 v1.2 3.2.2): a profile
 * carrying Profile Policy Rules its Profile Owner is not authorised for by the eUICC's RAT (GetRAT) is
 * refused here, with CancelSession pprNotAllowed, before any package is bound to the eUICC. Returns 1
 * when the download was failed. */
static int check_metadata(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    const uint8_t *v, *rat = NULL;
    size_t v_len, rat_len = 0;
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    char name[65];
    int allowed;
    enum sgp32_status st;
    if (dl->profile_metadata.len == 0)
        return 0;
    if (sgp32_der_find_child(dl->profile_metadata.data, dl->profile_metadata.len, 0x92, &v, &v_len, NULL) &&
        ipa_download_text(v, v_len, name, sizeof(name)))
        ipa_log(ipa, SGP32_LOG_INFO, "profile", name);
    if (!sgp32_der_find_child(dl->profile_metadata.data, dl->profile_metadata.len, 0x99, &v, &v_len, NULL) || v_len < 2)
        return 0; /* no Profile Policy Rule */
    st = sgp32_es10_get_rat(ipa->es10, &answer, &answer_len);
    if (st != SGP32_OK) {
        /* An eUICC without GetRAT: it checks the rules itself when it installs. */
        ipa_log(ipa, SGP32_LOG_INFO, "GetRAT", sgp32_status_name(st));
        return 0;
    }
    /* BF43 { A0 rat (automatic tags: the RulesAuthorisationTable's SEQUENCE OF under [0]) } */
    if (sgp32_der_find_child(answer, answer_len, 0xA0, &v, &v_len, NULL)) {
        rat = v;
        rat_len = v_len;
    }
    {
        struct sgp32_der_writer w;
        sgp32_der_writer_init_dynamic(&w, IPA_BODY_MAX);
        sgp32_der_writer_bytes(&w, 0x30, rat, rat_len); /* as the universal SEQUENCE OF */
        allowed =
            w.error ? -1 : es10_rat_allows_metadata(w.buf, w.len, dl->profile_metadata.data, dl->profile_metadata.len);
        sgp32_der_writer_release(&w);
    }
    sgp32_buffer_free(answer);
    if (allowed == 1)
        return 0;
    if (allowed < 0) {
        ipa_download_fail(ipa, dl, SGP32_ERR_DECODE, IPA_CANCEL_METADATA_MISMATCH, "profile metadata", "unreadable");
        return 1;
    }
    ipa_download_fail(ipa, dl, SGP32_ERR_EUICC_RESULT, IPA_CANCEL_PPR_NOT_ALLOWED, "profile metadata",
                      "pprNotAllowed: a Profile Policy Rule the eUICC's RAT does not allow for this Profile Owner");
    return 1;
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
    if (check_metadata(ipa, dl))
        return SGP32_OK; /* failed: CANCEL / FINISH come next */
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
        ipa_emit_progress(ipa, (long)dl->loaded, (long)dl->total, "loaded");
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
    case IPA_DL_NOTIFY:
        return ipa_download_step_notify(ipa, dl);
    case IPA_DL_REMOVE:
        return ipa_download_step_remove(ipa, dl);
    case IPA_DL_CANCEL:
        return ipa_download_step_cancel(ipa, dl);
    case IPA_DL_FINISH:
        return ipa_download_step_finish(ipa, dl);
    default: /* an answer step without its exchange (lost): the session cannot go on */
        return ipa_download_fail(ipa, dl, SGP32_ERR_STATE, IPA_CANCEL_UNDEFINED, "download", "exchange lost");
    }
}

/* The eIM's error answer to a download step (an ESipa message whose alternative is an error code),
 * kept whole for profileDownloadError.errorResponse: the eIM's operator sees which refusal it was. */
static void keep_error_answer(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    struct sgp32_remote_result result;
    enum sgp32_esipa_message kind = SGP32_ESIPA_NONE;
    const uint8_t *message = NULL;
    size_t len = 0;
    if (dl->server_code < 0 || dl->error_response.len > 0 || ipa->exchange.kind != IPA_EXCHANGE_ESIPA ||
        ipa->exchange.result.status != SGP32_OK)
        return;
    if (ipa_exchange_esipa_message(ipa, &kind, &message, &len, &result) == SGP32_OK && message != NULL && len > 0)
        ipa_blob_set(&dl->error_response, message, len);
}

static enum sgp32_status download_answer(struct sgp32_ipa *ipa)
{
    struct ipa_download *dl = ipa->download;
    enum sgp32_status st;
    if (dl == NULL)
        return SGP32_ERR_STATE;
    switch (dl->step) {
    case IPA_DL_INITIATE:
        st = answer_initiate(ipa, dl);
        break;
    case IPA_DL_AUTHENTICATE:
        st = answer_authenticate(ipa, dl);
        break;
    case IPA_DL_LOAD:
        return answer_load(ipa, dl); /* streamed: the answer is gone, its code is kept by the stream */
    case IPA_DL_NOTIFY:
        return ipa_download_answer_notify(ipa, dl);
    case IPA_DL_CANCEL:
        return ipa_download_answer_cancel(ipa, dl);
    default:
        return SGP32_ERR_STATE;
    }
    keep_error_answer(ipa, dl);
    return st;
}

const struct ipa_state_def ipa_state_download = {"download", download_run, download_answer};
