/* SPDX-License-Identifier: MIT */
/*
 * Reporting to the eIM (SGP.32 v1.2 6.3.2.7): REPORT sends the job's ProvideEimPackageResult until
 * the eIM takes it; ACKNOWLEDGE removes from the eUICC what the eIM acknowledged (never before:
 * a notification or a package result stays on the card until its receiver has it); ROLLBACK runs
 * ProfileRollback when an enable with rollbackFlag left the device unable to reach the eIM before
 * the deadline, and reports the rollback's result instead.
 */
#include <stdlib.h>
#include <string.h>

#include "codec/der.h"
#include "ipa/ipa_compact.h"
#include "ipa/ipa_internal.h"
#include "remote/esipa_asn1.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"

enum sgp32_status ipa_report_prepare(struct sgp32_ipa *ipa, const uint8_t *result_part, size_t len)
{
    struct sgp32_der_writer w;
    enum sgp32_status st;
    sgp32_der_writer_init_dynamic(&w, IPA_BODY_MAX);
    if (ipa->job.injected) {
        sgp32_der_writer_begin(&w, 0xBF4E); /* TransferEimPackageResponse */
    } else {
        sgp32_der_writer_begin(&w, 0xBF50); /* ProvideEimPackageResult */
        sgp32_der_writer_bytes(&w, 0x5A, ipa->eid, sizeof(ipa->eid));
    }
    sgp32_der_writer_raw(&w, result_part, len);
    sgp32_der_writer_end(&w);
    if (w.error) {
        sgp32_der_writer_release(&w);
        return ipa_fail(ipa, SGP32_ERR_TOO_LARGE, "report", NULL);
    }
    ipa_blob_free(&ipa->job.report);
    ipa->job.report.data = w.buf;
    ipa->job.report.len = w.len;
    ipa->job.stage = IPA_JOB_EXECUTED;
    ipa->job.uncertain = 0;
    st = ipa_job_save(ipa); /* durable: the result is known, delivery pending */
    if (st == SGP32_OK)
        ipa_goto(ipa, IPA_STATE_REPORT);
    return st;
}

enum sgp32_status ipa_report_package_result(struct sgp32_ipa *ipa, const uint8_t *result, size_t len, long seq_before)
{
    struct ipa_blob notifications = {NULL, 0};
    struct sgp32_der_writer w;
    enum sgp32_status st = SGP32_OK;
    if (seq_before >= -1)
        st = ipa_card_notifications_after(ipa, seq_before, &notifications);
    if (st != SGP32_OK)
        return st;
    if (notifications.len == 0)
        return ipa_report_prepare(ipa, result, len);
    if (ipa->config.ipa_features & SGP32_IPA_FEATURE_MINIMIZE_ESIPA_BYTES) {
        /* minimizeEsipaBytes: compact notifications; eidValue only where the message has no EID of its
         * own (TransferEimPackageResponse), ProvideEimPackageResult carries it */
        struct ipa_blob compact = {NULL, 0};
        if (ipa_compact_notification_list(notifications.data, notifications.len, ipa->job.injected ? ipa->eid : NULL,
                                          &compact.data, &compact.len) == SGP32_OK &&
            compact.data != NULL) {
            ipa_blob_free(&notifications);
            notifications = compact;
        }
    }
    /* ePRAndNotifications: 30 { BF51 result, A0 { notifications } } */
    sgp32_der_writer_init_dynamic(&w, IPA_BODY_MAX);
    sgp32_der_writer_begin(&w, 0x30);
    sgp32_der_writer_raw(&w, result, len);
    sgp32_der_writer_begin(&w, 0xA0);
    sgp32_der_writer_raw(&w, notifications.data, notifications.len);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_end(&w);
    st = w.error ? ipa_fail(ipa, SGP32_ERR_TOO_LARGE, "ePRAndNotifications", NULL)
                 : ipa_report_prepare(ipa, w.buf, w.len);
    sgp32_der_writer_release(&w);
    ipa_blob_free(&notifications);
    return st;
}

static enum sgp32_status report_run(struct sgp32_ipa *ipa)
{
    if (ipa->job.injected) {
        /* The host carries it back over its push channel; acknowledgements come the same way. */
        ipa_emit(ipa, SGP32_IPA_EVENT_TRANSFER_RESPONSE, SGP32_OK, 0, NULL, "TransferEimPackageResponse",
                 ipa->job.report.data, ipa->job.report.len);
        ipa_goto(ipa, IPA_STATE_IDLE);
        return ipa_job_clear(ipa);
    }
    return ipa_exchange_start_esipa(ipa, ipa->job.report.data, ipa->job.report.len);
}

static enum sgp32_status report_failed(struct sgp32_ipa *ipa)
{
    if (ipa->job.rollback_armed) {
        if (ipa_now(ipa) >= ipa->rollback_deadline_ms) {
            ipa_goto(ipa, IPA_STATE_ROLLBACK);
            return ipa->last_status;
        }
        /* Keep trying until the deadline, whatever the retry budget says. */
        if (!ipa_retry(ipa))
            ipa->attempt = 0;
        if (ipa->wake_at_ms > ipa->rollback_deadline_ms)
            ipa->wake_at_ms = ipa->rollback_deadline_ms;
        return ipa->last_status;
    }
    if (!ipa_retry(ipa)) {
        /* The job stays persisted: IDLE brings it back at the next period. */
        ipa->next_eim_poll_ms = ipa_now(ipa) + ipa->config.poll_interval_ms;
        ipa->eim_poll_requested = 0;
        ipa_goto(ipa, IPA_STATE_IDLE);
    }
    return ipa->last_status;
}

static void add_ack(struct sgp32_ipa *ipa, long seq)
{
    size_t i;
    for (i = 0; i < ipa->ack_count; i++)
        if (ipa->acks[i] == seq)
            return;
    if (ipa->ack_count < IPA_MAX_ACKS)
        ipa->acks[ipa->ack_count++] = seq;
}

static enum sgp32_status report_answer(struct sgp32_ipa *ipa)
{
    const uint8_t *message = NULL;
    size_t message_len = 0;
    struct sgp32_remote_result result;
    enum sgp32_esipa_message kind = SGP32_ESIPA_NONE;
    const uint8_t *element = NULL;
    size_t element_len = 0, offset;
    struct sgp32_tlv_header header, item;
    enum sgp32_status st;
    long code = 127;
    if (ipa->exchange.result.status != SGP32_OK)
        return report_failed(ipa);
    st = ipa_exchange_esipa_message(ipa, &kind, &message, &message_len, &result);
    if (st != SGP32_OK) {
        ipa_fail(ipa, st, "ProvideEimPackageResult", result.detail);
        return report_failed(ipa);
    }
    if (kind != SGP32_ESIPA_NONE && (kind != SGP32_ESIPA_PROVIDE_EIM_PACKAGE_RESULT ||
                                     !sgp32_der_find_element(message, message_len, 0, &element, &element_len) ||
                                     sgp32_tlv_parse_header(element, element_len, &header) != SGP32_OK)) {
        ipa_fail(ipa, SGP32_ERR_PROTOCOL, "ProvideEimPackageResult answer", sgp32_esipa_message_name(kind));
        return report_failed(ipa);
    }
    if (kind != SGP32_ESIPA_NONE && header.tag == 0x02) {
        sgp32_der_integer(element + header.header_len, header.length, &code);
        /* The eIM refuses the result itself (eidNotFound ...): sending it again cannot help. */
        ipa_fail(ipa, SGP32_ERR_SERVER_STATUS, "provideEimPackageResultError",
                 code == 2   ? "eidNotFound"
                 : code == 3 ? "invalidEid"
                 : code == 4 ? "missingEid"
                             : "undefinedError");
        ipa_job_clear(ipa);
        ipa_goto(ipa, IPA_STATE_IDLE);
        return ipa->last_status;
    }
    if (kind != SGP32_ESIPA_NONE && header.tag == 0xBF53) {
        for (offset = header.header_len; offset < element_len; offset += item.header_len + item.length) {
            long seq;
            if (sgp32_tlv_parse_header(element + offset, element_len - offset, &item) != SGP32_OK ||
                item.length > element_len - offset - item.header_len)
                break;
            if (item.tag == 0x80 && sgp32_der_integer(element + offset + item.header_len, item.length, &seq))
                add_ack(ipa, seq);
        }
        st = ipa_acks_save(ipa); /* durable before the job goes */
        if (st != SGP32_OK)
            return report_failed(ipa);
    }
    st = ipa_job_clear(ipa);
    ipa->eim_poll_requested = 1; /* the eIM may have more queued */
    ipa->notify_due = 1;
    ipa_goto(ipa, ipa->ack_count > 0 ? IPA_STATE_ACKNOWLEDGE : IPA_STATE_IDLE);
    return st;
}

static enum sgp32_status acknowledge_run(struct sgp32_ipa *ipa)
{
    enum sgp32_status st = ipa_card_ready(ipa);
    while (st == SGP32_OK && ipa->ack_count > 0) {
        long seq = ipa->acks[0];
        st = sgp32_es10_remove_notification_from_list(ipa->es10, seq);
        if (st == SGP32_ERR_EUICC_RESULT) /* nothingToDelete: already gone */
            st = SGP32_OK;
        if (st != SGP32_OK) {
            ipa_card_fail(ipa, st, "RemoveNotificationFromList");
            break;
        }
        memmove(&ipa->acks[0], &ipa->acks[1], (ipa->ack_count - 1) * sizeof(ipa->acks[0]));
        ipa->ack_count--;
        st = ipa_acks_save(ipa);
        ipa_emit(ipa, SGP32_IPA_EVENT_NOTIFICATION_DELIVERED, SGP32_OK, seq, NULL, "acknowledged by the eIM", NULL, 0);
    }
    if (st == SGP32_OK)
        ipa_goto(ipa, IPA_STATE_IDLE);
    else if (!ipa_retry(ipa))
        ipa_goto(ipa, IPA_STATE_IDLE); /* the record stays: IDLE comes back here */
    return st;
}

static enum sgp32_status rollback_run(struct sgp32_ipa *ipa)
{
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    const uint8_t *result;
    size_t result_len;
    long seq_before = -1;
    enum sgp32_status st = ipa_card_ready(ipa);
    if (st == SGP32_OK)
        st = ipa_card_highest_notification(ipa, &seq_before);
    if (st == SGP32_OK) {
        st = sgp32_es10_profile_rollback(ipa->es10, 0, &answer, &answer_len);
        if (st == SGP32_ERR_EUICC_RESULT) {
            /* rollbackNotAllowed ...: nothing changed, keep reporting the original result. */
            ipa_card_fail(ipa, st, "ProfileRollback");
            ipa->job.rollback_armed = 0;
            ipa_job_save(ipa);
            ipa_goto(ipa, IPA_STATE_REPORT);
            sgp32_buffer_free(answer);
            return SGP32_OK;
        }
        if (st != SGP32_OK)
            ipa_card_fail(ipa, st, "ProfileRollback");
    }
    if (st != SGP32_OK) {
        if (!ipa_retry(ipa))
            ipa->attempt = 0;
        return st;
    }
    ipa_emit(ipa, SGP32_IPA_EVENT_ROLLBACK, SGP32_OK, 0, NULL, "eIM unreachable after enable", NULL, 0);
    ipa_emit(ipa, SGP32_IPA_EVENT_PROFILE_CHANGED, SGP32_OK, 0, NULL, "rolled back", NULL, 0);
    ipa->job.rollback_armed = 0;
    if (sgp32_der_find_element(answer, answer_len, 0xBF51, &result, &result_len)) {
        /* The rollback's own EuiccPackageResult replaces the enable's in the report. */
        st = ipa_report_package_result(ipa, result, result_len, seq_before);
    } else {
        ipa_job_save(ipa);
        ipa_goto(ipa, IPA_STATE_REPORT);
    }
    sgp32_buffer_free(answer);
    ipa_change_set(ipa, 127); /* the eIM learns of the change at the next GetEimPackage */
    return st;
}

const struct ipa_state_def ipa_state_report = {"report", report_run, report_answer};
const struct ipa_state_def ipa_state_acknowledge = {"acknowledge", acknowledge_run, NULL};
const struct ipa_state_def ipa_state_rollback = {"rollback", rollback_run, NULL};
