/* SPDX-License-Identifier: MIT */
/*
 * Delivery of the pending notifications that no eIM job carried (SGP.22 3.5, SGP.32 3.x): each goes
 * to its receiver, the eIM (ESipa HandleNotification, when its notificationAddress is the eIM's or
 * the IPA has no direct RSP server communication) or the SM-DP+ named in it (ES9+
 * handleNotification). It is removed from the eUICC (RemoveNotificationFromList) only once the
 * receiver has taken it; failures back off and are retried, and a notification that keeps failing
 * waits for the next period: never lost, never removed undelivered.
 */
#include <stdlib.h>
#include <string.h>

#include "codec/der.h"
#include "ipa/ipa_compact.h"
#include "ipa/ipa_internal.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"
#ifdef SGP32_HAVE_JSON
#include "remote/es9plus_json.h"
#include "remote/remote_json.h"
#endif

/* Finds the first pending notification not skipped this round, into ipa->notify (bytes, seq, address). */
static enum sgp32_status next_notification(struct sgp32_ipa *ipa, int *found)
{
    uint8_t *answer = NULL;
    size_t answer_len = 0, offset;
    const uint8_t *list;
    size_t list_len;
    struct sgp32_tlv_header item;
    enum sgp32_status st =
        sgp32_es10_retrieve_notifications_list(ipa->es10, SGP32_ES10_NOTIFICATIONS_ALL, 0, &answer, &answer_len);
    *found = 0;
    if (st != SGP32_OK)
        return ipa_card_fail(ipa, st, "RetrieveNotificationsList");
    if (sgp32_der_find_child(answer, answer_len, 0xA0, &list, &list_len, NULL))
        for (offset = 0; offset < list_len && !*found; offset += item.header_len + item.length) {
            const uint8_t *address;
            size_t address_len;
            long seq;
            if (sgp32_tlv_parse_header(list + offset, list_len - offset, &item) != SGP32_OK ||
                item.length > list_len - offset - item.header_len)
                break;
            if (!ipa_notification_info(list + offset, item.header_len + item.length, &seq, &address, &address_len) ||
                seq <= ipa->notify_after || address_len >= sizeof(ipa->notify_address))
                continue;
            st = ipa_blob_set(&ipa->notify_element, list + offset, item.header_len + item.length);
            if (st != SGP32_OK)
                break;
            ipa->notify_seq = seq;
            memcpy(ipa->notify_address, address != NULL ? address : (const uint8_t *)"", address_len);
            ipa->notify_address[address_len] = '\0';
            *found = 1;
        }
    sgp32_buffer_free(answer);
    return st;
}

static int to_eim(const struct sgp32_ipa *ipa)
{
    if (!(ipa->config.ipa_features & SGP32_IPA_FEATURE_DIRECT_RSP_SERVER_COMMUNICATION))
        return 1;
#ifndef SGP32_HAVE_JSON
    return 1;
#else
    return ipa->notify_address[0] == '\0' || strcmp(ipa->notify_address, ipa->eim_fqdn) == 0;
#endif
}

static enum sgp32_status start_delivery(struct sgp32_ipa *ipa)
{
    if (to_eim(ipa)) {
        /* HandleNotificationEsipa: BF3D { A0 { notification } } */
        struct sgp32_der_writer w;
        enum sgp32_status st;
        uint8_t *compact = NULL;
        size_t compact_len = 0;
        if (!ipa->have_eim)
            return ipa_fail(ipa, SGP32_ERR_STATE, "notification", "no eIM to deliver it to");
        sgp32_der_writer_init_dynamic(&w, IPA_BODY_MAX);
        sgp32_der_writer_begin(&w, 0xBF3D);
        sgp32_der_writer_begin(&w, 0xA0);
        /* minimizeEsipaBytes: the compact form, with eidValue (nothing else here names the eUICC) */
        if ((ipa->config.ipa_features & SGP32_IPA_FEATURE_MINIMIZE_ESIPA_BYTES) &&
            ipa_compact_notification(ipa->notify_element.data, ipa->notify_element.len, ipa->eid, &compact,
                                     &compact_len) == SGP32_OK)
            sgp32_der_writer_raw(&w, compact, compact_len);
        else
            sgp32_der_writer_raw(&w, ipa->notify_element.data, ipa->notify_element.len);
        free(compact);
        sgp32_der_writer_end(&w);
        sgp32_der_writer_end(&w);
        st = w.error ? ipa_fail(ipa, SGP32_ERR_TOO_LARGE, "HandleNotification", NULL)
                     : ipa_exchange_start_esipa(ipa, w.buf, w.len);
        sgp32_der_writer_release(&w);
        return st;
    }
#ifdef SGP32_HAVE_JSON
    {
        struct sgp32_remote_endpoint endpoint;
        union sgp32_es9plus_request request;
        enum sgp32_status st;
        memset(&endpoint, 0, sizeof(endpoint));
        endpoint.address = ipa->notify_address;
        endpoint.user_agent = ipa->user_agent;
        endpoint.timeout_ms = ipa->config.http_timeout_ms;
        memset(&request, 0, sizeof(request));
        request.handle_notification.pending_notification.data = ipa->notify_element.data;
        request.handle_notification.pending_notification.len = ipa->notify_element.len;
        st =
            sgp32_es9plus_build_request(&endpoint, SGP32_ES9PLUS_HANDLE_NOTIFICATION, &request, &ipa->exchange.request);
        if (st != SGP32_OK)
            return ipa_fail(ipa, st, "handleNotification", ipa->notify_address);
        return ipa_exchange_start_request(ipa, IPA_EXCHANGE_ES9PLUS, SGP32_ES9PLUS_HANDLE_NOTIFICATION, NULL, NULL);
    }
#else
    return ipa_fail(ipa, SGP32_ERR_NOT_SUPPORTED, "handleNotification", "no JSON bindings in this build");
#endif
}

static enum sgp32_status notify_run(struct sgp32_ipa *ipa)
{
    int found = 0;
    enum sgp32_status st = ipa_card_ready(ipa);
    if (st == SGP32_OK && ipa->notify_seq >= 0) {
        /* The receiver has it: now, and only now, off the eUICC. */
        st = sgp32_es10_remove_notification_from_list(ipa->es10, ipa->notify_seq);
        if (st == SGP32_OK || st == SGP32_ERR_EUICC_RESULT) {
            ipa_emit(ipa, SGP32_IPA_EVENT_NOTIFICATION_DELIVERED, SGP32_OK, ipa->notify_seq, NULL, ipa->notify_address,
                     NULL, 0);
            ipa->notify_seq = -1;
            st = SGP32_OK;
        } else {
            ipa_card_fail(ipa, st, "RemoveNotificationFromList");
        }
    }
    if (st == SGP32_OK)
        st = next_notification(ipa, &found);
    if (st == SGP32_OK && !found) {
        /* Round over. */
        ipa->notify_due = 0;
        ipa->notify_after = -1;
        ipa_blob_free(&ipa->notify_element);
        ipa_goto(ipa, IPA_STATE_IDLE);
        return SGP32_OK;
    }
    if (st == SGP32_OK)
        st = start_delivery(ipa);
    if (st != SGP32_OK && !ipa_retry(ipa)) {
        ipa->notify_due = 0;
        ipa_goto(ipa, IPA_STATE_IDLE);
    }
    return st;
}

static enum sgp32_status notify_answer(struct sgp32_ipa *ipa)
{
    struct sgp32_remote_answer answer = ipa_exchange_answer(ipa);
    long failed;
    int delivered = ipa->exchange.result.status == SGP32_OK &&
                    (answer.http_status == 204 || (answer.http_status == 200 && answer.body_len == 0));
#ifdef SGP32_HAVE_JSON
    if (ipa->exchange.result.status == SGP32_OK && ipa->exchange.kind == IPA_EXCHANGE_ES9PLUS && !delivered) {
        struct sgp32_remote_result result;
        union sgp32_es9plus_response response;
        void *storage = NULL;
        sgp32_remote_result_clear(&result);
        delivered = sgp32_es9plus_parse_response(SGP32_ES9PLUS_HANDLE_NOTIFICATION, &answer, &response, &storage,
                                                 &result) == SGP32_OK;
        sgp32_remote_storage_free(storage);
    }
#endif
    if (ipa->exchange.result.status == SGP32_OK && !delivered && ipa->exchange.kind == IPA_EXCHANGE_ESIPA &&
        answer.http_status == 200)
        delivered = 1; /* an eIM answering with a body still took it */
    if (delivered)
        return SGP32_OK; /* removed by the next run step */
    if (ipa->exchange.result.status == SGP32_OK)
        ipa_fail(ipa, SGP32_ERR_HTTP, "notification not taken", ipa->notify_address);
    failed = ipa->notify_seq;
    ipa->notify_seq = -1;
    if (!ipa_retry(ipa)) {
        /* This one keeps failing: it waits for the next round, the later ones go on now. */
        ipa->notify_after = failed;
        ipa->attempt = 0;
    }
    return ipa->last_status;
}

const struct ipa_state_def ipa_state_notify = {"notify", notify_run, notify_answer};
