/* SPDX-License-Identifier: MIT */
/* The IPA's side of the eUICC: the transport and ES10 session, the EID, the eIM configuration, and
 * the pending notifications (their sequence numbers and receivers). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/der.h"
#include "ipa/ipa_emulation.h"
#include "ipa/ipa_internal.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"

enum sgp32_status ipa_card_fail(struct sgp32_ipa *ipa, enum sgp32_status status, const char *step)
{
    char detail[96];
    const struct sgp32_es10_error *e = ipa->es10 != NULL ? sgp32_es10_last_error(ipa->es10) : NULL;
    if (e != NULL && status == SGP32_ERR_EUICC_RESULT)
        snprintf(detail, sizeof(detail), "eUICC result %ld", e->es10_result);
    else if (e != NULL && e->sw != 0)
        snprintf(detail, sizeof(detail), "%s, SW %04X", e->step, e->sw);
    else if (e != NULL)
        snprintf(detail, sizeof(detail), "%s", e->step);
    else
        detail[0] = '\0';
    if (status == SGP32_ERR_TRANSPORT || status == SGP32_ERR_TIMEOUT || status == SGP32_ERR_NO_CARD)
        ipa_card_lost(ipa);
    return ipa_fail(ipa, status, step, detail);
}

void ipa_card_lost(struct sgp32_ipa *ipa)
{
    if (ipa->es10 != NULL)
        sgp32_es10_disconnect(ipa->es10);
    sgp32_es10_free(ipa->es10);
    ipa->es10 = NULL;
    if (ipa->transport_open && ipa->platform.apdu.ops->close != NULL)
        ipa->platform.apdu.ops->close(ipa->platform.apdu.user);
    ipa->transport_open = 0;
}

enum sgp32_status ipa_card_ready(struct sgp32_ipa *ipa)
{
    struct sgp32_es10_options options;
    enum sgp32_status st;
    if (ipa->es10 != NULL)
        return SGP32_OK;
    if (!ipa->transport_open) {
        st = ipa->platform.apdu.ops->open(ipa->platform.apdu.user, NULL, 0, NULL, ipa->config.apdu_timeout_ms);
        if (st != SGP32_OK)
            return ipa_fail(ipa, st, "transport open", NULL);
        ipa->transport_open = 1;
    }
    memset(&options, 0, sizeof(options));
    options.size = sizeof(options);
    options.apdu_timeout_ms = ipa->config.apdu_timeout_ms;
    st = sgp32_es10_new(&ipa->platform.apdu, &options, &ipa->es10);
    if (st != SGP32_OK)
        return ipa_fail(ipa, st, "ES10 session", NULL);
    st = sgp32_es10_connect(ipa->es10);
    if (st != SGP32_OK)
        return ipa_card_fail(ipa, st, "ES10 connect");
    if (!ipa->have_eid) {
        st = sgp32_es10_get_eid(ipa->es10, ipa->eid);
        if (st != SGP32_OK)
            return ipa_card_fail(ipa, st, "GetEID");
        ipa->have_eid = 1;
    }
    return SGP32_OK;
}

/* Copies a UTF8String value into a C string (truncated values are refused). */
static int copy_text(const uint8_t *value, size_t len, char *out, size_t cap)
{
    if (len >= cap || memchr(value, 0, len) != NULL)
        return 0;
    memcpy(out, value, len);
    out[len] = '\0';
    return 1;
}

enum sgp32_status ipa_card_read_eim(struct sgp32_ipa *ipa)
{
    uint8_t *answer = NULL;
    size_t answer_len = 0, offset;
    const uint8_t *list, *v;
    size_t list_len, v_len;
    struct sgp32_tlv_header item;
    enum sgp32_status st;
    if (ipa->emulated) /* an SGP.22 eUICC: the eIMs are in the IPA's record */
        return ipa_emulation_read_eim(ipa);
    st = sgp32_es10_get_eim_configuration_data(ipa->es10, ipa->config.eim_id, &answer, &answer_len);
    ipa->have_eim = 0;
    if (st != SGP32_OK && ipa_emulation_detect(ipa, st)) {
        sgp32_buffer_free(answer);
        return ipa_emulation_read_eim(ipa);
    }
    if (st != SGP32_OK)
        return ipa_card_fail(ipa, st, "GetEimConfigurationData");
    /* BF55 { A0 { 30 { 80 eimId, 81 eimFqdn ... } ... } } */
    st = SGP32_ERR_NOT_FOUND;
    if (sgp32_der_find_child(answer, answer_len, 0xA0, &list, &list_len, NULL)) {
        for (offset = 0; offset < list_len; offset += item.header_len + item.length) {
            const uint8_t *entry;
            if (sgp32_tlv_parse_header(list + offset, list_len - offset, &item) != SGP32_OK ||
                item.length > list_len - offset - item.header_len)
                break;
            entry = list + offset;
            if (!sgp32_der_find_child(entry, item.header_len + item.length, 0x80, &v, &v_len, NULL) ||
                !copy_text(v, v_len, ipa->eim_id, sizeof(ipa->eim_id)))
                continue;
            if (ipa->config.eim_id != NULL && strcmp(ipa->config.eim_id, ipa->eim_id) != 0)
                continue;
            ipa->eim_fqdn[0] = '\0';
            if (sgp32_der_find_child(entry, item.header_len + item.length, 0x81, &v, &v_len, NULL))
                copy_text(v, v_len, ipa->eim_fqdn, sizeof(ipa->eim_fqdn));
            ipa->have_eim = 1;
            st = SGP32_OK;
            break;
        }
    }
    sgp32_buffer_free(answer);
    if (st != SGP32_OK)
        return ipa_fail(ipa, st, "no eIM configured on the eUICC", ipa->config.eim_id);
    ipa_log(ipa, SGP32_LOG_INFO, "eIM", ipa->eim_id);
    return SGP32_OK;
}

int ipa_notification_info(const uint8_t *element, size_t len, long *seq, const uint8_t **address, size_t *address_len)
{
    const uint8_t *meta = NULL, *data = NULL, *v;
    size_t meta_len = 0, data_len = 0, v_len;
    struct sgp32_tlv_header top;
    if (sgp32_tlv_parse_header(element, len, &top) != SGP32_OK)
        return 0;
    /* BF37 { BF27 { 80 transactionId, BF2F metadata ... } ... } or 30 { BF2F metadata, 5F37 ... } */
    if (top.tag == 0xBF37) {
        if (!sgp32_der_find_element(element, len, 0xBF27, &data, &data_len) ||
            !sgp32_der_find_element(data, data_len, 0xBF2F, &meta, &meta_len))
            return 0;
    } else if (top.tag != 0x30 || !sgp32_der_find_element(element, len, 0xBF2F, &meta, &meta_len)) {
        return 0;
    }
    if (!sgp32_der_find_child(meta, meta_len, 0x80, &v, &v_len, NULL) || !sgp32_der_integer(v, v_len, seq))
        return 0;
    if (address != NULL) {
        *address = NULL;
        *address_len = 0;
        if (sgp32_der_find_child(meta, meta_len, 0x0C, &v, &v_len, NULL)) {
            *address = v;
            *address_len = v_len;
        }
    }
    return 1;
}

enum sgp32_status ipa_card_highest_notification(struct sgp32_ipa *ipa, long *highest)
{
    uint8_t *answer = NULL;
    size_t answer_len = 0, offset;
    const uint8_t *list, *v;
    size_t list_len, v_len;
    struct sgp32_tlv_header item;
    enum sgp32_status st = sgp32_es10_list_notification(ipa->es10, -1, &answer, &answer_len);
    *highest = -1;
    if (st != SGP32_OK)
        return ipa_card_fail(ipa, st, "ListNotification");
    /* BF28 { A0 { BF2F { 80 seq ... } ... } } */
    if (sgp32_der_find_child(answer, answer_len, 0xA0, &list, &list_len, NULL))
        for (offset = 0; offset < list_len; offset += item.header_len + item.length) {
            long seq;
            if (sgp32_tlv_parse_header(list + offset, list_len - offset, &item) != SGP32_OK ||
                item.length > list_len - offset - item.header_len)
                break;
            if (sgp32_der_find_child(list + offset, item.header_len + item.length, 0x80, &v, &v_len, NULL) &&
                sgp32_der_integer(v, v_len, &seq) && seq > *highest)
                *highest = seq;
        }
    sgp32_buffer_free(answer);
    return SGP32_OK;
}

enum sgp32_status ipa_card_notifications_after(struct sgp32_ipa *ipa, long above, struct ipa_blob *out)
{
    uint8_t *answer = NULL;
    size_t answer_len = 0, offset;
    const uint8_t *list;
    size_t list_len;
    struct sgp32_tlv_header item;
    struct sgp32_der_writer w;
    enum sgp32_status st =
        sgp32_es10_retrieve_notifications_list(ipa->es10, SGP32_ES10_NOTIFICATIONS_ALL, 0, &answer, &answer_len);
    out->data = NULL;
    out->len = 0;
    if (st != SGP32_OK)
        return ipa_card_fail(ipa, st, "RetrieveNotificationsList");
    sgp32_der_writer_init_dynamic(&w, IPA_BODY_MAX);
    if (sgp32_der_find_child(answer, answer_len, 0xA0, &list, &list_len, NULL))
        for (offset = 0; offset < list_len; offset += item.header_len + item.length) {
            long seq;
            if (sgp32_tlv_parse_header(list + offset, list_len - offset, &item) != SGP32_OK ||
                item.length > list_len - offset - item.header_len)
                break;
            if (ipa_notification_info(list + offset, item.header_len + item.length, &seq, NULL, NULL) && seq > above)
                sgp32_der_writer_raw(&w, list + offset, item.header_len + item.length);
        }
    sgp32_buffer_free(answer);
    if (w.error) {
        sgp32_der_writer_release(&w);
        return ipa_fail(ipa, SGP32_ERR_TOO_LARGE, "notifications", NULL);
    }
    out->data = w.buf; /* may be NULL when none matched */
    out->len = w.len;
    return SGP32_OK;
}
