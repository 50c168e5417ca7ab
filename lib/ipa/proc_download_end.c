/* SPDX-License-Identifier: MIT */
/*
 * The end of a profile download (proc_download.c has the beginning): the ProfileInstallationResult
 * to its receiver (NOTIFY) and off the eUICC once delivered (REMOVE, SGP.22 v2.5 3.5), the
 * cancellation of a failed session on the eUICC and at the server (CANCEL, 5.7.14 / 5.6.5), the
 * events and the ProfileDownloadTriggerResult for the eIM (FINISH, SGP.32 v1.2 2.11.2.3), and the
 * resumption after a restart: a known result is delivered, an unfinished session cancelled.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/der.h"
#include "ipa/ipa_download.h"
#include "sgp32/codec.h"

static enum sgp32_status notify_failed(struct sgp32_ipa *ipa, struct ipa_download *dl, enum sgp32_status st)
{
    if (ipa_retry(ipa))
        return st;
    /* It stays on the eUICC: the notification procedure delivers it later. */
    ipa->notify_due = 1;
    dl->step = IPA_DL_FINISH;
    return st;
}

enum sgp32_status ipa_download_step_remove(struct sgp32_ipa *ipa, struct ipa_download *dl)
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

enum sgp32_status ipa_download_step_cancel(struct sgp32_ipa *ipa, struct ipa_download *dl)
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
        /* profileDownloadError { [0] undefinedError, errorResponse OCTET STRING (untagged: its sibling
         * has a tag) }: the eIM's own error answer, or for a streamed GetBoundProfilePackage the
         * getBoundProfilePackageErrorEsipa rebuilt from its code (BF3A { 81 code }). */
        sgp32_der_writer_begin(&w, 0x30);
        sgp32_der_writer_integer(&w, 0x80, 127);
        if (dl->error_response.len > 0) {
            sgp32_der_writer_bytes(&w, 0x04, dl->error_response.data, dl->error_response.len);
        } else if (dl->server_code >= 0) {
            uint8_t answer[16];
            struct sgp32_der_writer e;
            sgp32_der_writer_init(&e, answer, sizeof(answer));
            sgp32_der_writer_begin(&e, 0xBF3A);
            sgp32_der_writer_integer(&e, 0x81, dl->server_code);
            sgp32_der_writer_end(&e);
            if (!e.error)
                sgp32_der_writer_bytes(&w, 0x04, answer, e.len);
        }
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

enum sgp32_status ipa_download_step_finish(struct sgp32_ipa *ipa, struct ipa_download *dl)
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

enum sgp32_status ipa_download_step_notify(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    enum sgp32_status st = dl->transport->notify(ipa, dl);
    return st == SGP32_OK ? st : notify_failed(ipa, dl, st);
}

enum sgp32_status ipa_download_answer_notify(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    enum sgp32_status st = dl->transport->notify_answer(ipa, dl);
    if (st != SGP32_OK)
        return notify_failed(ipa, dl, st);
    ipa->attempt = 0;
    dl->step = IPA_DL_REMOVE;
    return SGP32_OK;
}

enum sgp32_status ipa_download_answer_cancel(struct sgp32_ipa *ipa, struct ipa_download *dl)
{
    dl->transport->cancel_answer(ipa, dl); /* logged; nothing more to do either way */
    dl->step = IPA_DL_FINISH;
    return SGP32_OK;
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
    dl->transport = ipa_download_transport_of(dl->mode);
    if (dl->stage == IPA_DL_STAGE_LOADING && dl->result.len == 0) {
        /* Installed before the restart? Only the eUICC knows: wait for it (backoff, RESUME runs
         * again) rather than report a failure it may contradict. */
        st = ipa_card_ready(ipa);
        if (st != SGP32_OK && ipa_retry(ipa)) {
            ipa_blob_free(&dl->result);
            ipa_blob_free(&dl->cancel_response);
            free(dl);
            return st;
        }
        if (st == SGP32_OK)
            find_result(ipa, dl);
    }
    ipa_download_start(ipa, dl);
    if (dl->transport == NULL) {
        ipa_record_write(ipa, IPA_RECORD_DOWNLOAD, NULL, 0);
        return ipa_download_fail(ipa, dl, SGP32_ERR_NOT_SUPPORTED, IPA_CANCEL_UNDEFINED, "download", "resumed");
    }
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
