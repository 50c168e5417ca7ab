/* SPDX-License-Identifier: MIT */
/*
 * eIM package retrieval and execution (SGP.32 v1.2 3.5 / 6.3.2.6): GET_PACKAGE asks the eIM with
 * GetEimPackage (carrying notifyStateChange / stateChangeCause / rPLMN when a change is to be
 * reported), EXECUTE forwards an EuiccPackageRequest to the eUICC byte for byte with
 * LoadEuiccPackage and builds the report (the eUICC-signed result with the notifications the
 * package produced), INJECT handles a TransferEimPackageRequest given by the host.
 *
 * Durable points: the job record is saved with the request before LoadEuiccPackage ("uncertain":
 * it may run) and with the report right after it. A restart in between looks for the result among
 * the eUICC's kept package results (RetrieveNotificationsList euiccPackageResults, matched by eimId
 * and counterValue) before executing: a package is never executed twice and its result never lost.
 */
#include <string.h>

#include "codec/der.h"
#include "ipa/ipa_emulation.h"
#include "ipa/ipa_internal.h"
#include "ipa/ipa_package.h"
#include "remote/esipa_asn1.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"

/* GetEimPackageResponse.eimPackageError noEimPackageAvailable (6.3.2.6). */
#define NO_EIM_PACKAGE_AVAILABLE 1

static enum sgp32_status get_package_run(struct sgp32_ipa *ipa)
{
    struct sgp32_der_writer w;
    uint8_t message[64];
    static const uint8_t nothing = 0;
    sgp32_der_writer_init(&w, message, sizeof(message));
    sgp32_der_writer_begin(&w, 0xBF4F);
    sgp32_der_writer_bytes(&w, 0x5A, ipa->eid, sizeof(ipa->eid));
    if (ipa->change_cause >= 0) {
        sgp32_der_writer_bytes(&w, 0x80, &nothing, 0); /* notifyStateChange NULL */
        sgp32_der_writer_integer(&w, 0x81, ipa->change_cause);
    }
    if (ipa->have_rplmn)
        sgp32_der_writer_bytes(&w, 0x82, ipa->rplmn, sizeof(ipa->rplmn));
    sgp32_der_writer_end(&w);
    if (w.error)
        return ipa_fail(ipa, SGP32_ERR_ENCODE, "GetEimPackageRequest", NULL);
    return ipa_exchange_start_esipa(ipa, message, w.len);
}

/* The eIM could not be asked: retry with backoff, or wait for the next period. */
static enum sgp32_status eim_unreachable(struct sgp32_ipa *ipa)
{
    if (ipa_retry(ipa))
        return ipa->last_status;
    ipa->eim_poll_requested = 0;
    ipa->next_eim_poll_ms = ipa_now(ipa) + ipa->config.poll_interval_ms;
    ipa_goto(ipa, IPA_STATE_IDLE);
    return ipa->last_status;
}

static enum sgp32_status start_job(struct sgp32_ipa *ipa, int kind, const uint8_t *request, size_t len, int injected)
{
    enum sgp32_status st;
    ipa_blob_free(&ipa->job.request);
    ipa_blob_free(&ipa->job.report);
    memset(&ipa->job, 0, sizeof(ipa->job));
    ipa->job.kind = kind;
    ipa->job.stage = IPA_JOB_RECEIVED;
    ipa->job.injected = injected;
    ipa->job.seq_before = -2; /* not read yet */
    st = ipa_blob_set(&ipa->job.request, request, len);
    if (st == SGP32_OK)
        st = ipa_job_save(ipa);
    if (st != SGP32_OK) {
        ipa_blob_free(&ipa->job.request);
        ipa->job.kind = 0;
        return st;
    }
    ipa->job.present = 1;
    if (kind == IPA_JOB_EUICC_PACKAGE)
        ipa_goto(ipa, IPA_STATE_EXECUTE);
    else if (kind == IPA_JOB_EUICC_DATA)
        ipa_goto(ipa, IPA_STATE_EUICC_DATA);
    else
        return ipa_download_begin_trigger(ipa);
    return SGP32_OK;
}

static enum sgp32_status get_package_answer(struct sgp32_ipa *ipa)
{
    const uint8_t *message = NULL;
    size_t message_len = 0;
    struct sgp32_remote_result result;
    enum sgp32_esipa_message kind = SGP32_ESIPA_NONE;
    const uint8_t *element = NULL, *v;
    size_t element_len = 0, v_len;
    struct sgp32_tlv_header header;
    enum sgp32_status st;
    long code;
    if (ipa->exchange.result.status != SGP32_OK)
        return eim_unreachable(ipa);
    st = ipa_exchange_esipa_message(ipa, &kind, &message, &message_len, &result);
    if (st == SGP32_ERR_HTTP) {
        ipa_fail(ipa, st, "GetEimPackage", result.detail);
        return eim_unreachable(ipa);
    }
    /* The eIM has heard us: the state change is reported, the period starts again. */
    ipa->eim_poll_requested = 0;
    ipa->next_eim_poll_ms = ipa_now(ipa) + ipa->config.poll_interval_ms;
    if (st == SGP32_OK && ipa->change_cause >= 0)
        ipa_change_clear(ipa);
    ipa_goto(ipa, IPA_STATE_IDLE);
    if (st != SGP32_OK)
        return ipa_fail(ipa, st, "GetEimPackage answer", result.detail);
    if (kind == SGP32_ESIPA_NONE)
        return SGP32_OK;
    if (kind != SGP32_ESIPA_GET_EIM_PACKAGE ||
        !sgp32_der_find_element(message, message_len, 0, &element, &element_len) ||
        sgp32_tlv_parse_header(element, element_len, &header) != SGP32_OK)
        return ipa_fail(ipa, SGP32_ERR_PROTOCOL, "GetEimPackage answer", sgp32_esipa_message_name(kind));
    switch (header.tag) {
    case 0xBF51:
        return start_job(ipa, IPA_JOB_EUICC_PACKAGE, element, element_len, 0);
    case 0xBF52:
        return start_job(ipa, IPA_JOB_EUICC_DATA, element, element_len, 0);
    case 0xBF54:
        return start_job(ipa, IPA_JOB_DOWNLOAD, element, element_len, 0);
    case 0x02:
        v = element + header.header_len;
        v_len = header.length;
        if (!sgp32_der_integer(v, v_len, &code))
            break;
        if (code == NO_EIM_PACKAGE_AVAILABLE) {
            ipa_log(ipa, SGP32_LOG_DEBUG, "no eIM package available", NULL);
            return SGP32_OK;
        }
        return ipa_fail(ipa, SGP32_ERR_SERVER_STATUS, "eimPackageError",
                        code == 2   ? "eidNotFound"
                        : code == 3 ? "invalidEid"
                        : code == 4 ? "missingEid"
                                    : "undefined");
    default:
        break;
    }
    return ipa_fail(ipa, SGP32_ERR_PROTOCOL, "GetEimPackage answer", "unknown alternative");
}

/* Looks among the results the eUICC keeps for the one answering the job's request. *found = 0 if
 * the package has not run. */
static enum sgp32_status find_kept_result(struct sgp32_ipa *ipa, const struct ipa_package_info *package,
                                          struct ipa_blob *result, int *found)
{
    uint8_t *answer = NULL;
    size_t answer_len = 0, offset;
    const uint8_t *list;
    size_t list_len;
    struct sgp32_tlv_header item;
    enum sgp32_status st = sgp32_es10_retrieve_notifications_list(
        ipa->es10, SGP32_ES10_NOTIFICATIONS_EUICC_PACKAGE_RESULTS, 0, &answer, &answer_len);
    *found = 0;
    if (st != SGP32_OK)
        return ipa_card_fail(ipa, st, "RetrieveNotificationsList euiccPackageResults");
    if (sgp32_der_find_child(answer, answer_len, 0xA2, &list, &list_len, NULL))
        for (offset = 0; offset < list_len && !*found; offset += item.header_len + item.length) {
            struct ipa_result_info info;
            if (sgp32_tlv_parse_header(list + offset, list_len - offset, &item) != SGP32_OK ||
                item.length > list_len - offset - item.header_len)
                break;
            if (ipa_result_inspect(list + offset, item.header_len + item.length, &info) == SGP32_OK &&
                info.kind != IPA_RESULT_ERROR_UNSIGNED && info.counter == package->counter &&
                strcmp(info.eim_id, package->eim_id) == 0) {
                st = ipa_blob_set(result, list + offset, item.header_len + item.length);
                *found = st == SGP32_OK;
            }
        }
    sgp32_buffer_free(answer);
    return st;
}

static void announce(struct sgp32_ipa *ipa, const struct ipa_package_info *package, const struct ipa_blob *result)
{
    struct ipa_result_info info;
    if (ipa_result_inspect(result->data, result->len, &info) != SGP32_OK)
        return;
    ipa_emit(ipa, SGP32_IPA_EVENT_PACKAGE_EXECUTED, info.kind == IPA_RESULT_SIGNED ? SGP32_OK : SGP32_ERR_EUICC_RESULT,
             info.code, NULL, package->eim_id, result->data, result->len);
    if (info.enable_ok) {
        ipa_emit(ipa, SGP32_IPA_EVENT_PROFILE_CHANGED, SGP32_OK, 0, package->enable_iccid, "enabled by the eIM", NULL,
                 0);
        if (package->rollback_flag) {
            ipa->job.rollback_armed = 1;
            ipa->rollback_deadline_ms = ipa_now(ipa) + ipa->config.rollback_timeout_ms;
        }
    } else if (info.disable_ok) {
        ipa_emit(ipa, SGP32_IPA_EVENT_PROFILE_CHANGED, SGP32_OK, 0, NULL, "disabled by the eIM", NULL, 0);
    }
}

static enum sgp32_status execute_run(struct sgp32_ipa *ipa)
{
    struct ipa_package_info package;
    struct ipa_blob result = {NULL, 0};
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    int found = 0;
    enum sgp32_status st = ipa_card_ready(ipa);
    if (st == SGP32_OK && ipa_package_inspect(ipa->job.request.data, ipa->job.request.len, &package) != SGP32_OK) {
        /* Not a package the eUICC could take: it judges, and answers with an error result. */
        memset(&package, 0, sizeof(package));
        package.counter = -1;
    }
    if (st == SGP32_OK && ipa->emulated) { /* an SGP.22 eUICC: the IPA emulates LoadEuiccPackage */
        found = 1;
        st = ipa_emulation_execute(ipa, &result);
    }
    if (st == SGP32_OK && ipa->job.uncertain && !found)
        st = find_kept_result(ipa, &package, &result, &found);
    if (st == SGP32_OK && !found) {
        if (ipa->job.seq_before < -1) {
            st = ipa_card_highest_notification(ipa, &ipa->job.seq_before);
            ipa->job.uncertain = 1;
            if (st == SGP32_OK)
                st = ipa_job_save(ipa); /* durable: from here the package may have run */
        }
        if (st == SGP32_OK) {
            st = sgp32_es10_load_euicc_package(ipa->es10, ipa->job.request.data, ipa->job.request.len, &answer,
                                               &answer_len);
            if (st == SGP32_OK)
                st = ipa_blob_set(&result, answer, answer_len);
            else
                ipa_card_fail(ipa, st, "LoadEuiccPackage");
            sgp32_buffer_free(answer);
        }
    }
    if (st == SGP32_OK) {
        announce(ipa, &package, &result);
        st = ipa_report_package_result(ipa, result.data, result.len, ipa->job.seq_before);
    }
    ipa_blob_free(&result);
    if (st != SGP32_OK && !ipa_retry(ipa)) {
        /* The card keeps failing: the job stays persisted and is tried again at the next period. */
        ipa->next_eim_poll_ms = ipa_now(ipa) + ipa->config.poll_interval_ms;
        ipa_goto(ipa, IPA_STATE_IDLE);
    }
    return st;
}

/* ---- TransferEimPackage pushed through the host (6.3.3.1) ---- */

static void transfer_answer(struct sgp32_ipa *ipa, const uint8_t *content, size_t len, enum sgp32_status status)
{
    struct sgp32_der_writer w;
    uint8_t message[32];
    sgp32_der_writer_init(&w, message, sizeof(message));
    sgp32_der_writer_begin(&w, 0xBF4E);
    sgp32_der_writer_raw(&w, content, len);
    sgp32_der_writer_end(&w);
    ipa_emit(ipa, SGP32_IPA_EVENT_TRANSFER_RESPONSE, status, 0, NULL, "TransferEimPackageResponse", message, w.len);
}

static enum sgp32_status inject_run(struct sgp32_ipa *ipa)
{
    static const uint8_t received[] = {0x05, 0x00};             /* eimPackageReceived NULL */
    static const uint8_t invalid_format[] = {0x02, 0x01, 0x01}; /* eimPackageError invalidPackageFormat */
    const uint8_t *element = NULL;
    size_t element_len = 0, offset;
    struct sgp32_tlv_header top, header;
    enum sgp32_status st = SGP32_OK;
    struct ipa_blob request = ipa->inject;
    ipa->inject.data = NULL;
    ipa->inject.len = 0;
    ipa_goto(ipa, IPA_STATE_IDLE);
    if (sgp32_tlv_check(request.data, request.len, 16, 0, &offset) != SGP32_OK || offset != request.len ||
        sgp32_tlv_parse_header(request.data, request.len, &top) != SGP32_OK || top.tag != 0xBF4E ||
        !sgp32_der_find_element(request.data, request.len, 0, &element, &element_len) ||
        sgp32_tlv_parse_header(element, element_len, &header) != SGP32_OK) {
        transfer_answer(ipa, invalid_format, sizeof(invalid_format), SGP32_ERR_DECODE);
        ipa_blob_free(&request);
        return ipa_fail(ipa, SGP32_ERR_DECODE, "TransferEimPackageRequest", "malformed");
    }
    switch (header.tag) {
    case 0xBF51:
        st = start_job(ipa, IPA_JOB_EUICC_PACKAGE, element, element_len, 1);
        break;
    case 0xBF52:
        st = start_job(ipa, IPA_JOB_EUICC_DATA, element, element_len, 1);
        break;
    case 0xBF53: /* EimAcknowledgements: remove what the eIM has */
        for (offset = header.header_len; offset < element_len; offset += top.header_len + top.length) {
            long seq;
            if (sgp32_tlv_parse_header(element + offset, element_len - offset, &top) != SGP32_OK ||
                top.length > element_len - offset - top.header_len)
                break;
            if (top.tag == 0x80 && ipa->ack_count < IPA_MAX_ACKS &&
                sgp32_der_integer(element + offset + top.header_len, top.length, &seq))
                ipa->acks[ipa->ack_count++] = seq;
        }
        st = ipa_acks_save(ipa);
        transfer_answer(ipa, received, sizeof(received), st);
        break;
    case 0xBF54: /* the download runs now; its result goes to the eIM with ProvideEimPackageResult */
        transfer_answer(ipa, received, sizeof(received), SGP32_OK);
        st = start_job(ipa, IPA_JOB_DOWNLOAD, element, element_len, 0);
        break;
    default:
        transfer_answer(ipa, invalid_format, sizeof(invalid_format), SGP32_ERR_PROTOCOL);
        st = ipa_fail(ipa, SGP32_ERR_PROTOCOL, "TransferEimPackageRequest", "unknown alternative");
    }
    ipa_blob_free(&request);
    return st;
}

const struct ipa_state_def ipa_state_get_package = {"get-package", get_package_run, get_package_answer};
const struct ipa_state_def ipa_state_execute = {"execute", execute_run, NULL};
const struct ipa_state_def ipa_state_inject = {"inject", inject_run, NULL};
