/* SPDX-License-Identifier: MIT */
/*
 * START (card, EID, eIM configuration, persisted records), RESUME (finish or abort what a restart
 * interrupted) and IDLE (pick the next due work: acknowledgements, host operations, notifications,
 * the periodic eIM poll).
 */
#include <string.h>

#include "ipa/ipa_internal.h"

/* A record that cannot be read is dropped after being reported: refusing to start forever would
 * strand the device, and the eUICC still holds the results and notifications. */
static void load_record(struct sgp32_ipa *ipa, enum sgp32_status (*load)(struct sgp32_ipa *), const char *name)
{
    enum sgp32_status st = load(ipa);
    if (st == SGP32_OK || st == SGP32_ERR_NOT_FOUND)
        return;
    ipa_log(ipa, SGP32_LOG_ERROR, "dropping unreadable record", name);
    ipa_record_write(ipa, name, NULL, 0);
}

static enum sgp32_status start_run(struct sgp32_ipa *ipa)
{
    enum sgp32_status st = ipa_card_ready(ipa);
    if (st != SGP32_OK) {
        if (!ipa_retry(ipa)) {
            ipa->attempt = 0; /* never give up on the card: keep trying at the longest interval */
            ipa_sleep(ipa, ipa->config.retry_max_ms);
        }
        return st;
    }
    st = ipa_card_read_eim(ipa);
    if (st != SGP32_OK && st != SGP32_ERR_NOT_FOUND && st != SGP32_ERR_EUICC_RESULT) {
        if (!ipa_retry(ipa))
            ipa_sleep(ipa, ipa->config.retry_max_ms);
        return st;
    }
    load_record(ipa, ipa_job_load, IPA_RECORD_JOB);
    load_record(ipa, ipa_acks_load, IPA_RECORD_ACKS);
    load_record(ipa, ipa_change_load, IPA_RECORD_CHANGE);
    ipa_goto(ipa, IPA_STATE_RESUME);
    return SGP32_OK;
}

static enum sgp32_status resume_run(struct sgp32_ipa *ipa)
{
    struct ipa_blob download = {NULL, 0};
    ipa->eim_poll_requested = 1; /* a (re)started IPA asks its eIM first */
    if (ipa->job.present) {
        if (ipa->job.stage == IPA_JOB_EXECUTED) {
            ipa_goto(ipa, IPA_STATE_REPORT);
        } else if (ipa->job.kind == IPA_JOB_EUICC_PACKAGE) {
            ipa->job.uncertain = 1; /* it may have run before the restart: look for its result first */
            ipa_goto(ipa, IPA_STATE_EXECUTE);
        } else if (ipa->job.kind == IPA_JOB_EUICC_DATA) {
            ipa_goto(ipa, IPA_STATE_EUICC_DATA);
        } else {
            return ipa_download_resume(ipa);
        }
        return SGP32_OK;
    }
    if (ipa_record_read(ipa, IPA_RECORD_DOWNLOAD, &download) == SGP32_OK) {
        ipa_blob_free(&download);
        return ipa_download_resume(ipa);
    }
    ipa_goto(ipa, ipa->ack_count > 0 ? IPA_STATE_ACKNOWLEDGE : IPA_STATE_IDLE);
    return SGP32_OK;
}

static enum sgp32_status start_operation(struct sgp32_ipa *ipa)
{
    struct ipa_op op;
    enum sgp32_status st = SGP32_OK;
    if (!ipa_take_op(ipa, &op))
        return SGP32_OK;
    if (op.kind == IPA_OP_DOWNLOAD) {
        st = ipa_download_begin_direct(ipa, op.data.len > 0 ? (const char *)op.data.data : NULL,
                                       op.extra.len > 0 ? (const char *)op.extra.data : NULL);
    } else {
        ipa_blob_free(&ipa->inject);
        ipa->inject = op.data;
        op.data.data = NULL;
        ipa_goto(ipa, IPA_STATE_INJECT);
    }
    ipa_blob_free(&op.data);
    ipa_blob_free(&op.extra);
    return st;
}

static enum sgp32_status idle_run(struct sgp32_ipa *ipa)
{
    uint64_t now = ipa_now(ipa);
    if (ipa->ack_count > 0) {
        ipa_goto(ipa, IPA_STATE_ACKNOWLEDGE);
        return SGP32_OK;
    }
    if (ipa->connectivity_due)
        ipa_connectivity_refresh(ipa); /* failures are logged; the host keeps its settings */
    if (ipa->op_count > 0)
        return start_operation(ipa);
    if (!ipa->network_up) {
        ipa->wake_at_ms = now + ipa->config.poll_interval_ms; /* sgp32_ipa_network_changed() wakes us */
        return SGP32_OK;
    }
    if (ipa->job.present && (ipa->eim_poll_requested || now >= ipa->next_eim_poll_ms)) {
        /* A result the eIM has not taken yet goes before anything new. */
        ipa->next_eim_poll_ms = now + ipa->config.poll_interval_ms;
        ipa_goto(ipa, ipa->job.stage == IPA_JOB_EXECUTED ? IPA_STATE_REPORT : IPA_STATE_RESUME);
        return SGP32_OK;
    }
    if (!ipa->have_eim) {
        /* No eIM yet (a factory-fresh eUICC): nothing to ask; look again now and then, quietly (an
         * eIM appears through AddInitialEim, which reads it at once). */
        ipa->eim_poll_requested = 0;
        if (now >= ipa->next_eim_poll_ms) {
            enum sgp32_status kept = ipa->last_status;
            char detail[sizeof(ipa->last_error)];
            memcpy(detail, ipa->last_error, sizeof(detail));
            ipa->next_eim_poll_ms = now + ipa->config.poll_interval_ms;
            if (ipa_card_ready(ipa) == SGP32_OK)
                ipa_card_read_eim(ipa);
            ipa->last_status = kept;
            memcpy(ipa->last_error, detail, sizeof(detail));
        }
    }
    if (ipa->have_eim && (ipa->eim_poll_requested || now >= ipa->next_eim_poll_ms)) {
        ipa_goto(ipa, IPA_STATE_GET_PACKAGE);
        return SGP32_OK;
    }
    if (ipa->notify_due) {
        ipa_goto(ipa, IPA_STATE_NOTIFY);
        return SGP32_OK;
    }
    ipa->wake_at_ms = ipa->next_eim_poll_ms > now ? ipa->next_eim_poll_ms : now + ipa->config.poll_interval_ms;
    return SGP32_OK;
}

const struct ipa_state_def ipa_state_start = {"start", start_run, NULL};
const struct ipa_state_def ipa_state_resume = {"resume", resume_run, NULL};
const struct ipa_state_def ipa_state_idle = {"idle", idle_run, NULL};
