/* SPDX-License-Identifier: MIT */
/*
 * IpaEuiccDataRequest (SGP.32 v1.2 2.11.1.2, answer 2.11.2.2): the eIM names the IpaEuiccData fields
 * it wants by their tags in tagList, with optional search criteria for notifications and package
 * results and the CI key to use for the certificates. The IPA gathers each field from the eUICC
 * (objects copied as the eUICC gave them: signed notifications and results, EUICCInfo1/2,
 * certificates) or from its own configuration (IpaCapabilities as named BIT STRINGs, DeviceInfo),
 * and answers IpaEuiccDataResponse (BF52) through the report path. An unknown tag answers
 * incorrectTagList, an unknown CI key euiccCiPKIdNotFound (IpaEuiccDataErrorCode).
 */
#include <string.h>

#include <stdlib.h>

#include "codec/der.h"
#include "ipa/ipa_emulation.h"
#include "ipa/ipa_internal.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"

#define INCORRECT_TAG_LIST 1
#define EUICC_CI_PKID_NOT_FOUND 5
#define UNDEFINED_ERROR 127

struct data_request {
    const uint8_t *tag_list;
    size_t tag_list_len;
    const uint8_t *ci_pkid;
    size_t ci_pkid_len;
    int notification_search; /* enum sgp32_es10_notification_search */
    long notification_value;
    int has_result_seq;
    long result_seq;
    const uint8_t *transaction_id;
    size_t transaction_id_len;
};

static int parse_request(const uint8_t *request, size_t len, struct data_request *r)
{
    const uint8_t *v, *inner;
    size_t v_len, inner_len;
    uint32_t tag;
    memset(r, 0, sizeof(*r));
    if (!sgp32_der_find_child(request, len, 0x5C, &r->tag_list, &r->tag_list_len, NULL))
        return 0;
    if (sgp32_der_find_child(request, len, 0x04, &v, &v_len, NULL)) {
        r->ci_pkid = v;
        r->ci_pkid_len = v_len;
    }
    if (sgp32_der_find_element(request, len, 0xA1, &inner, &inner_len) &&
        sgp32_der_find_child(inner, inner_len, 0, &v, &v_len, &tag)) {
        if (tag == 0x80 && sgp32_der_integer(v, v_len, &r->notification_value)) {
            r->notification_search = SGP32_ES10_NOTIFICATIONS_BY_SEQ_NUMBER;
        } else if (tag == 0x81 && v_len >= 2) {
            /* NotificationEvent BIT STRING: the first named bit set */
            int bit;
            for (bit = 0; bit < 8 && !(v[1] & (0x80u >> bit)); bit++)
                ;
            if (bit == 8)
                return 0;
            r->notification_search = SGP32_ES10_NOTIFICATIONS_BY_OPERATION;
            r->notification_value = bit;
        } else {
            return 0;
        }
    }
    if (sgp32_der_find_element(request, len, 0xA2, &inner, &inner_len)) {
        if (!sgp32_der_find_child(inner, inner_len, 0x80, &v, &v_len, NULL) ||
            !sgp32_der_integer(v, v_len, &r->result_seq))
            return 0;
        r->has_result_seq = 1;
    }
    if (sgp32_der_find_child(request, len, 0x83, &v, &v_len, NULL)) {
        r->transaction_id = v;
        r->transaction_id_len = v_len;
    }
    return 1;
}

/* Copies the children of `tag`'s element inside answer (the content of an ES10 list) under new_tag. */
static void copy_list(struct sgp32_der_writer *w, uint32_t new_tag, const uint8_t *answer, size_t len, uint32_t tag)
{
    const uint8_t *v = NULL;
    size_t v_len = 0;
    sgp32_der_writer_begin(w, new_tag);
    if (sgp32_der_find_child(answer, len, tag, &v, &v_len, NULL))
        sgp32_der_writer_raw(w, v, v_len);
    sgp32_der_writer_end(w);
}

/* The package results, filtered by sequence number when asked. */
static void copy_results(struct sgp32_der_writer *w, const struct data_request *r, const uint8_t *answer, size_t len)
{
    const uint8_t *list;
    size_t list_len, offset;
    struct sgp32_tlv_header item;
    sgp32_der_writer_begin(w, 0xA2);
    if (sgp32_der_find_child(answer, len, 0xA2, &list, &list_len, NULL))
        for (offset = 0; offset < list_len; offset += item.header_len + item.length) {
            const uint8_t *data, *seq;
            size_t data_len, seq_len;
            long number = -1;
            if (sgp32_tlv_parse_header(list + offset, list_len - offset, &item) != SGP32_OK ||
                item.length > list_len - offset - item.header_len)
                break;
            /* BF51 { 30 euiccPackageResultSigned { 30 data { 80 eimId 81 counter [82] 83 seq ... } } } */
            if (r->has_result_seq &&
                (!sgp32_der_find_element(list + offset, item.header_len + item.length, 0x30, &data, &data_len) ||
                 !sgp32_der_find_element(data, data_len, 0x30, &data, &data_len) ||
                 !sgp32_der_find_child(data, data_len, 0x83, &seq, &seq_len, NULL) ||
                 !sgp32_der_integer(seq, seq_len, &number) || number != r->result_seq))
                continue;
            sgp32_der_writer_raw(w, list + offset, item.header_len + item.length);
        }
    sgp32_der_writer_end(w);
}

/* One field of IpaEuiccData. *error gets an IpaEuiccDataErrorCode for a request the IPA must refuse. */
/* On an SGP.22 eUICC (IoT emulation) the SGP.32 fields come from the IPA's emulation record: the
 * package results it built, the associationToken it assigned. The certificates of an SGP.22 card
 * cannot be read outside a download session: they are left out (the fields are optional). Returns 1
 * when it handled the tag. */
static int emulated_field(struct sgp32_ipa *ipa, struct sgp32_der_writer *w, const struct data_request *r, uint32_t tag,
                          enum sgp32_status *st)
{
    struct ipa_emulation emulation;
    const uint8_t *v;
    size_t v_len;
    int index;
    if (!ipa->emulated || (tag != 0xA2 && tag != 0x84 && tag != 0xA5 && tag != 0xA6))
        return 0;
    if (tag == 0xA5 || tag == 0xA6) {
        ipa_log(ipa, SGP32_LOG_INFO, "IpaEuiccData", "an SGP.22 eUICC gives no certificates outside a download");
        return 1;
    }
    *st = ipa_emulation_load(ipa, &emulation);
    if (*st != SGP32_OK)
        return 1;
    if (tag == 0xA2) {
        /* the record's result, as the eUICC's list would hold it: BF2B { A2 { BF51 } } */
        struct sgp32_der_writer list;
        size_t list_len = 0;
        uint8_t *listed;
        sgp32_der_writer_init_dynamic(&list, IPA_BODY_MAX);
        sgp32_der_writer_begin(&list, 0xBF2B);
        sgp32_der_writer_begin(&list, 0xA2);
        if (emulation.last_result.len > 0)
            sgp32_der_writer_raw(&list, emulation.last_result.data, emulation.last_result.len);
        sgp32_der_writer_end(&list);
        sgp32_der_writer_end(&list);
        listed = sgp32_der_writer_take(&list, &list_len);
        if (listed != NULL)
            copy_results(w, r, listed, list_len);
        free(listed);
    } else {
        index = ipa_emulation_find(&emulation, (const uint8_t *)ipa->eim_id, strlen(ipa->eim_id));
        if (index >= 0 &&
            sgp32_der_find_child(emulation.eims[index].data, emulation.eims[index].len, 0x84, &v, &v_len, NULL))
            sgp32_der_writer_bytes(w, 0x84, v, v_len);
    }
    ipa_emulation_release(&emulation);
    return 1;
}

static enum sgp32_status add_field(struct sgp32_ipa *ipa, struct sgp32_der_writer *w, const struct data_request *r,
                                   uint32_t tag, long *error)
{
    uint8_t *answer = NULL;
    size_t len = 0;
    char dp[256], ds[256];
    enum sgp32_status st = SGP32_OK;
    if (emulated_field(ipa, w, r, tag, &st))
        return st;
    switch (tag) {
    case 0xA0: /* notificationsList */
        st = sgp32_es10_retrieve_notifications_list(ipa->es10, r->notification_search, r->notification_value, &answer,
                                                    &len);
        if (st == SGP32_OK)
            copy_list(w, 0xA0, answer, len, 0xA0);
        break;
    case 0x81: /* defaultSmdpAddress */
    case 0x83: /* rootSmdsAddress */
        st = sgp32_es10_get_euicc_configured_addresses(ipa->es10, dp, sizeof(dp), ds, sizeof(ds));
        if (st == SGP32_OK && (tag == 0x81 ? dp[0] : ds[0]) != '\0')
            sgp32_der_writer_bytes(w, tag, (const uint8_t *)(tag == 0x81 ? dp : ds), strlen(tag == 0x81 ? dp : ds));
        break;
    case 0xA2: /* euiccPackageResultList */
        st = sgp32_es10_retrieve_notifications_list(ipa->es10, SGP32_ES10_NOTIFICATIONS_EUICC_PACKAGE_RESULTS, 0,
                                                    &answer, &len);
        if (st == SGP32_OK)
            copy_results(w, r, answer, len);
        break;
    case 0xBF20: /* euiccInfo1, as the eUICC gave it */
    case 0xBF22: /* euiccInfo2 */
        st = tag == 0xBF20 ? sgp32_es10_get_euicc_info1(ipa->es10, &answer, &len)
                           : sgp32_es10_get_euicc_info2(ipa->es10, &answer, &len);
        if (st == SGP32_OK)
            sgp32_der_writer_raw(w, answer, len);
        break;
    case 0x84: /* associationToken of this eIM */
        st = sgp32_es10_get_eim_configuration_data(ipa->es10, ipa->eim_id, &answer, &len);
        if (st == SGP32_OK) {
            const uint8_t *list, *entry, *token;
            size_t list_len, entry_len, token_len;
            if (sgp32_der_find_element(answer, len, 0xA0, &list, &list_len) &&
                sgp32_der_find_element(list, list_len, 0x30, &entry, &entry_len) &&
                sgp32_der_find_child(entry, entry_len, 0x84, &token, &token_len, NULL))
                sgp32_der_writer_bytes(w, 0x84, token, token_len);
        }
        break;
    case 0xA5: /* eumCertificate */
    case 0xA6: /* euiccCertificate */
        st = sgp32_es10_get_certs(ipa->es10, r->ci_pkid, r->ci_pkid_len, &answer, &len);
        if (st == SGP32_ERR_EUICC_RESULT) {
            *error = EUICC_CI_PKID_NOT_FOUND;
            st = SGP32_OK;
        } else if (st == SGP32_OK) {
            const uint8_t *certs, *cert;
            size_t certs_len, cert_len;
            /* BF56 { A0 certs { A5 eumCertificate, A6 euiccCertificate } } (automatic tags) */
            if (sgp32_der_find_element(answer, len, 0xA0, &certs, &certs_len) &&
                sgp32_der_find_element(certs, certs_len, tag, &cert, &cert_len))
                sgp32_der_writer_raw(w, cert, cert_len); /* already [5] / [6] */
        }
        break;
    case 0xA8: /* ipaCapabilities */
        sgp32_der_writer_begin(w, 0xA8);
        sgp32_der_writer_named_bits(w, 0x80, ipa->config.ipa_features);
        sgp32_der_writer_named_bits(w, 0x81, ipa->config.ipa_protocols);
        sgp32_der_writer_end(w);
        break;
    case 0xA9: /* deviceInfo: the configured DeviceInfo SEQUENCE under [9] */
        if (ipa->config.device_info != NULL) {
            struct sgp32_tlv_header h;
            if (sgp32_tlv_parse_header(ipa->config.device_info, ipa->config.device_info_len, &h) == SGP32_OK &&
                h.length <= ipa->config.device_info_len - h.header_len)
                sgp32_der_writer_bytes(w, 0xA9, ipa->config.device_info + h.header_len, h.length);
        }
        break;
    default:
        *error = INCORRECT_TAG_LIST;
    }
    sgp32_buffer_free(answer);
    if (st != SGP32_OK)
        return ipa_card_fail(ipa, st, "IpaEuiccData");
    return SGP32_OK;
}

static enum sgp32_status write_error(struct sgp32_der_writer *w, const struct data_request *r, long code)
{
    w->len = 0;
    w->depth = 0;
    w->error = 0;
    sgp32_der_writer_begin(w, 0xBF52);
    sgp32_der_writer_begin(w, 0xA1); /* ipaEuiccDataResponseError */
    if (r->transaction_id != NULL)
        sgp32_der_writer_bytes(w, 0x80, r->transaction_id, r->transaction_id_len);
    /* ipaEuiccDataErrorCode: untagged (its sibling has a tag, so no automatic tagging) */
    sgp32_der_writer_integer(w, 0x02, code);
    sgp32_der_writer_end(w);
    sgp32_der_writer_end(w);
    return SGP32_OK;
}

enum sgp32_status ipa_euicc_data_response(struct sgp32_ipa *ipa, const uint8_t *request, size_t len,
                                          struct ipa_blob *response)
{
    struct data_request r;
    struct sgp32_der_writer w;
    size_t offset;
    long error = 0;
    enum sgp32_status st = SGP32_OK;
    sgp32_der_writer_init_dynamic(&w, IPA_BODY_MAX);
    if (!parse_request(request, len, &r)) {
        memset(&r, 0, sizeof(r));
        write_error(&w, &r, INCORRECT_TAG_LIST);
    } else {
        sgp32_der_writer_begin(&w, 0xBF52);
        sgp32_der_writer_begin(&w, 0xA0); /* ipaEuiccData */
        /* tagList: BER tags one after the other (X.690 8.1.2: a low tag number in one byte, else
         * continuation bytes while bit 8 is set). */
        for (offset = 0; offset < r.tag_list_len && st == SGP32_OK && error == 0;) {
            uint32_t tag = r.tag_list[offset++];
            if ((tag & 0x1Fu) == 0x1Fu) {
                do {
                    if (offset >= r.tag_list_len || tag > 0xFFFFFFu) {
                        error = INCORRECT_TAG_LIST;
                        break;
                    }
                    tag = (tag << 8) | r.tag_list[offset];
                } while (r.tag_list[offset++] & 0x80u);
            }
            if (error == 0)
                st = add_field(ipa, &w, &r, tag, &error);
        }
        if (st == SGP32_OK && error == 0 && r.transaction_id != NULL)
            sgp32_der_writer_bytes(&w, 0x87, r.transaction_id, r.transaction_id_len);
        sgp32_der_writer_end(&w);
        sgp32_der_writer_end(&w);
        if (st == SGP32_OK && error != 0)
            write_error(&w, &r, error);
        if (st == SGP32_OK && w.error) /* too large for one answer */
            write_error(&w, &r, UNDEFINED_ERROR);
    }
    if (st == SGP32_OK && !w.error) {
        response->data = w.buf;
        response->len = w.len;
        return SGP32_OK;
    }
    sgp32_der_writer_release(&w);
    return st != SGP32_OK ? st : ipa_fail(ipa, SGP32_ERR_ENCODE, "IpaEuiccDataResponse", NULL);
}

static enum sgp32_status euicc_data_run(struct sgp32_ipa *ipa)
{
    struct ipa_blob response = {NULL, 0};
    enum sgp32_status st = ipa_card_ready(ipa);
    if (st == SGP32_OK)
        st = ipa_euicc_data_response(ipa, ipa->job.request.data, ipa->job.request.len, &response);
    if (st == SGP32_OK)
        st = ipa_report_prepare(ipa, response.data, response.len);
    ipa_blob_free(&response);
    if (st != SGP32_OK && !ipa_retry(ipa)) {
        /* The eUICC keeps failing: the job stays and is tried again at the next period. */
        ipa->next_eim_poll_ms = ipa_now(ipa) + ipa->config.poll_interval_ms;
        ipa_goto(ipa, IPA_STATE_IDLE);
    }
    return st;
}

const struct ipa_state_def ipa_state_euicc_data = {"euicc-data", euicc_data_run, NULL};
