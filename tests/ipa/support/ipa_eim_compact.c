/* SPDX-License-Identifier: MIT */
/*
 * The eIM's side of minimizeEsipaBytes (SGP.32 v1.2 5.14, SGP32Definitions compact forms): the full
 * forms rebuilt from what this eIM knows (the eUICC / EUM certificates and euiccInfo1 it was given,
 * the RSP session it relayed: transactionId, serverAddress, the SM-DP+ certificates' OIDs, the
 * profile's ICCID), so the SM-DP+ gets exactly the bytes the eUICC signed. Written from the ASN.1
 * alone, independently of lib/ipa/ipa_compact.c, so the round trip checks both sides.
 */
#include <stdlib.h>
#include <string.h>

#include "codec/der.h"
#include "crypto/ecdsa.h"
#include "ipa_eim.h"
#include "sgp32/tlv.h"

#define REBUILD_MAX (512u * 1024u)
#define MAX_PARTS 8u

struct part {
    const uint8_t *element;
    size_t len;
    uint32_t tag;
    const uint8_t *value;
    size_t value_len;
};

static int open_element(const uint8_t *data, size_t len, struct part *out)
{
    struct sgp32_tlv_header h;
    if (data == NULL || sgp32_tlv_parse_header(data, len, &h) != SGP32_OK || h.length == SGP32_TLV_INDEFINITE ||
        h.length > len - h.header_len)
        return 0;
    out->element = data;
    out->len = h.header_len + h.length;
    out->tag = h.tag;
    out->value = data + h.header_len;
    out->value_len = h.length;
    return 1;
}

static int children(const struct part *parent, struct part *parts, size_t max, size_t *count)
{
    size_t at = 0;
    *count = 0;
    while (at < parent->value_len) {
        if (*count == max || !open_element(parent->value + at, parent->value_len - at, &parts[*count]))
            return 0;
        at += parts[*count].len;
        (*count)++;
    }
    return 1;
}

static const struct part *find(const struct part *parts, size_t count, uint32_t tag)
{
    size_t i;
    for (i = 0; i < count; i++)
        if (parts[i].tag == tag)
            return &parts[i];
    return NULL;
}

/* The registeredID ([8] in subjectAltName, OID 2.5.29.17) of a certificate: its content octets. */
static int registered_id(const uint8_t *cert, size_t len, uint8_t *oid, size_t cap, size_t *oid_len)
{
    static const uint8_t san[5] = {0x06, 0x03, 0x55, 0x1D, 0x11};
    size_t i;
    for (i = 0; i + sizeof(san) < len; i++) {
        struct part value, names, items[MAX_PARTS];
        size_t at = i + sizeof(san), count, k;
        if (memcmp(cert + i, san, sizeof(san)) != 0)
            continue;
        if (cert[at] == 0x01) /* critical BOOLEAN */
            at += 3;
        if (at >= len || !open_element(cert + at, len - at, &value) || value.tag != 0x04 ||
            !open_element(value.value, value.value_len, &names) || !children(&names, items, MAX_PARTS, &count))
            return 0;
        for (k = 0; k < count; k++)
            if (items[k].tag == 0x88 && items[k].value_len <= cap) {
                memcpy(oid, items[k].value, items[k].value_len);
                *oid_len = items[k].value_len;
                return 1;
            }
        return 0;
    }
    return 0;
}

void ipa_eim_learn(struct ipa_eim_knowledge *k, const uint8_t *answer, size_t len)
{
    struct part top, ok, parts[MAX_PARTS], fields[MAX_PARTS];
    const struct part *p;
    size_t count, field_count;
    if (!open_element(answer, len, &top) || !open_element(top.value, top.value_len, &ok) ||
        (ok.tag != 0xA0 && ok.tag != 0x30) || !children(&ok, parts, MAX_PARTS, &count))
        return;
    if (top.tag == 0xBF39) {
        /* InitiateAuthenticationOkEsipa { 80?, 30 serverSigned1, 5F37, 04 ciPKId, 30 serverCertificate } */
        const struct part *signed1 = find(parts, count, 0x30), *cert = NULL;
        size_t i;
        for (i = 0; i < count; i++)
            if (parts[i].tag == 0x30 && &parts[i] != signed1)
                cert = &parts[i];
        if (signed1 == NULL || cert == NULL || !children(signed1, fields, MAX_PARTS, &field_count))
            return;
        memset(k->transaction_id, 0, sizeof(k->transaction_id));
        k->transaction_id_len = 0;
        k->server_address[0] = '\0';
        k->has_iccid = 0;
        k->pb_oid_len = 0;
        p = find(fields, field_count, 0x80); /* ServerSigned1 { 80 transactionId, 81, 83 serverAddress, 84 } */
        if (p != NULL && p->value_len <= sizeof(k->transaction_id)) {
            memcpy(k->transaction_id, p->value, p->value_len);
            k->transaction_id_len = p->value_len;
        }
        p = find(fields, field_count, 0x83);
        if (p != NULL && p->value_len < sizeof(k->server_address)) {
            memcpy(k->server_address, p->value, p->value_len);
            k->server_address[p->value_len] = '\0';
        }
        if (!registered_id(cert->element, cert->len, k->auth_oid, sizeof(k->auth_oid), &k->auth_oid_len))
            k->auth_oid_len = 0;
    } else if (top.tag == 0xBF3B) {
        /* AuthenticateClientOkDPEsipa { 80?, BF25 metadata, 30 smdpSigned2, 5F37, 30 smdpCertificate } */
        const struct part *metadata = find(parts, count, 0xBF25);
        if (metadata != NULL && children(metadata, fields, MAX_PARTS, &field_count) &&
            (p = find(fields, field_count, 0x5A)) != NULL && p->value_len == 10) {
            memcpy(k->iccid, p->value, 10);
            k->has_iccid = 1;
        }
        if (count > 0 && parts[count - 1].tag == 0x30 &&
            !registered_id(parts[count - 1].element, parts[count - 1].len, k->pb_oid, sizeof(k->pb_oid),
                           &k->pb_oid_len))
            k->pb_oid_len = 0;
    }
}

static enum sgp32_status finish(struct sgp32_der_writer *w, uint8_t **out, size_t *out_len)
{
    *out = sgp32_der_writer_take(w, out_len);
    if (*out == NULL) {
        sgp32_der_writer_release(w);
        return SGP32_ERR_ENCODE;
    }
    return SGP32_OK;
}

/* BF38 { A2 { 30 euiccSigned1 | A0 compactEuiccSigned1, 5F37, A1 cert?, A2 cert? } } */
static enum sgp32_status authenticate(const struct ipa_eim_knowledge *k, const struct part *choice, uint8_t **out,
                                      size_t *out_len)
{
    struct part parts[MAX_PARTS];
    struct sgp32_der_writer w;
    const struct part *euicc, *eum;
    size_t count;
    if (!children(choice, parts, MAX_PARTS, &count) || count < 2 || parts[1].tag != 0x5F37)
        return SGP32_ERR_DECODE;
    if (parts[0].tag != 0x30)
        return SGP32_ERR_NOT_SUPPORTED; /* compactEuiccSigned1: this eIM never sees euiccInfo2 */
    euicc = find(parts, count, 0xA1);
    eum = find(parts, count, 0xA2);
    if ((euicc == NULL && k->euicc_certificate == NULL) || (eum == NULL && k->eum_certificate == NULL))
        return SGP32_ERR_NOT_FOUND;
    sgp32_der_writer_init_dynamic(&w, REBUILD_MAX);
    sgp32_der_writer_begin(&w, 0xBF38);
    sgp32_der_writer_begin(&w, 0xA0);
    sgp32_der_writer_raw(&w, parts[0].element, parts[0].len);
    sgp32_der_writer_raw(&w, parts[1].element, parts[1].len);
    if (euicc != NULL) /* [1] IMPLICIT Certificate: the SEQUENCE tag back */
        sgp32_der_writer_bytes(&w, 0x30, euicc->value, euicc->value_len);
    else
        sgp32_der_writer_raw(&w, k->euicc_certificate, k->euicc_certificate_len);
    if (eum != NULL)
        sgp32_der_writer_bytes(&w, 0x30, eum->value, eum->value_len);
    else
        sgp32_der_writer_raw(&w, k->eum_certificate, k->eum_certificate_len);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_end(&w);
    return finish(&w, out, out_len);
}

/* BF21 { A2 { 30 { 5F49 euiccOtpk?, 04 hashCc? }, 5F37 } } */
static enum sgp32_status prepare(const struct part *tid, const struct part *choice, uint8_t **out, size_t *out_len)
{
    struct part parts[MAX_PARTS], fields[MAX_PARTS];
    struct sgp32_der_writer w;
    size_t count, field_count, i;
    if (!children(choice, parts, MAX_PARTS, &count) || count != 2 || parts[0].tag != 0x30 || parts[1].tag != 0x5F37 ||
        !children(&parts[0], fields, MAX_PARTS, &field_count))
        return SGP32_ERR_DECODE;
    if (find(fields, field_count, 0x5F49) == NULL)
        return SGP32_ERR_NOT_SUPPORTED; /* bppEuiccOtpk: not rebuildable here */
    sgp32_der_writer_init_dynamic(&w, REBUILD_MAX);
    sgp32_der_writer_begin(&w, 0xBF21);
    sgp32_der_writer_begin(&w, 0xA0);
    sgp32_der_writer_begin(&w, 0x30); /* EUICCSigned2 { 80 transactionId, 5F49, 04 hashCc? } */
    sgp32_der_writer_bytes(&w, 0x80, tid->value, tid->value_len);
    for (i = 0; i < field_count; i++)
        sgp32_der_writer_raw(&w, fields[i].element, fields[i].len);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_raw(&w, parts[1].element, parts[1].len);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_end(&w);
    return finish(&w, out, out_len);
}

/* BF41 { A2 { 30 { 80 reason? }, 5F37 } } */
static enum sgp32_status cancel(const struct ipa_eim_knowledge *k, const struct part *tid, const struct part *choice,
                                uint8_t **out, size_t *out_len)
{
    struct part parts[MAX_PARTS], fields[MAX_PARTS];
    struct sgp32_der_writer w;
    size_t count, field_count;
    if (!children(choice, parts, MAX_PARTS, &count) || count != 2 || parts[0].tag != 0x30 || parts[1].tag != 0x5F37 ||
        !children(&parts[0], fields, MAX_PARTS, &field_count))
        return SGP32_ERR_DECODE;
    if (field_count != 1 || fields[0].tag != 0x80)
        return SGP32_ERR_NOT_SUPPORTED; /* no reason: nothing to rebuild it from */
    if (k->auth_oid_len == 0)
        return SGP32_ERR_NOT_FOUND;
    sgp32_der_writer_init_dynamic(&w, REBUILD_MAX);
    sgp32_der_writer_begin(&w, 0xBF41);
    sgp32_der_writer_begin(&w, 0xA0);
    sgp32_der_writer_begin(&w, 0x30); /* EuiccCancelSessionSigned { 80 transactionId, 81 smdpOid, 82 reason } */
    sgp32_der_writer_bytes(&w, 0x80, tid->value, tid->value_len);
    sgp32_der_writer_bytes(&w, 0x81, k->auth_oid, k->auth_oid_len);
    sgp32_der_writer_bytes(&w, 0x82, fields[0].value, fields[0].value_len);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_raw(&w, parts[1].element, parts[1].len);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_end(&w);
    return finish(&w, out, out_len);
}

/* A0 { A0 { 80 transactionId, 02 seqNumber, 01 iccidPresent?, A2 { A0 { 4F aid2, 04 sima? } | A1 error } }, 5F37 } */
static enum sgp32_status installation_result(const struct ipa_eim_knowledge *k, const struct part *compact,
                                             uint8_t **out, size_t *out_len)
{
    static const uint8_t isdp_prefix[13] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10,
                                            0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00};
    static const uint8_t sima_success[9] = {0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00};
    static const uint8_t install[2] = {0x07, 0x80};
    struct part parts[MAX_PARTS], data[MAX_PARTS], result, success[MAX_PARTS];
    struct sgp32_der_writer w;
    const struct part *present;
    size_t count, data_count, success_count = 0;
    int has_iccid = 1;
    if (!children(compact, parts, MAX_PARTS, &count) || count != 2 || parts[0].tag != 0xA0 || parts[1].tag != 0x5F37 ||
        !children(&parts[0], data, MAX_PARTS, &data_count) || data_count < 3 || data[0].tag != 0x80 ||
        data[1].tag != 0x02 || data[data_count - 1].tag != 0xA2 ||
        !open_element(data[data_count - 1].value, data[data_count - 1].value_len, &result))
        return SGP32_ERR_DECODE;
    present = find(data, data_count, 0x01);
    if (present != NULL)
        has_iccid = present->value_len == 1 && present->value[0] != 0;
    if (data[0].value_len != k->transaction_id_len ||
        memcmp(data[0].value, k->transaction_id, k->transaction_id_len) != 0 || k->pb_oid_len == 0 ||
        (has_iccid && !k->has_iccid))
        return SGP32_ERR_NOT_FOUND; /* not the session this eIM relayed */
    if (result.tag == 0xA0 && (!children(&result, success, MAX_PARTS, &success_count) || success_count < 1 ||
                               success[0].tag != 0x4F || success[0].value_len != 2))
        return SGP32_ERR_DECODE;
    sgp32_der_writer_init_dynamic(&w, REBUILD_MAX);
    sgp32_der_writer_begin(&w, 0xBF37);
    sgp32_der_writer_begin(&w, 0xBF27);
    sgp32_der_writer_raw(&w, data[0].element, data[0].len);
    sgp32_der_writer_begin(&w, 0xBF2F); /* NotificationMetadata */
    sgp32_der_writer_bytes(&w, 0x80, data[1].value, data[1].value_len);
    sgp32_der_writer_bytes(&w, 0x81, install, sizeof(install));
    sgp32_der_writer_bytes(&w, 0x0C, (const uint8_t *)k->server_address, strlen(k->server_address));
    if (has_iccid)
        sgp32_der_writer_bytes(&w, 0x5A, k->iccid, 10);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_bytes(&w, 0x06, k->pb_oid, k->pb_oid_len);
    sgp32_der_writer_begin(&w, 0xA2);
    if (result.tag == 0xA0) {
        uint8_t aid[16];
        memcpy(aid, isdp_prefix, sizeof(isdp_prefix));
        memcpy(aid + 13, success[0].value, 2);
        aid[15] = 0x00;
        sgp32_der_writer_begin(&w, 0xA0);
        sgp32_der_writer_bytes(&w, 0x4F, aid, sizeof(aid));
        if (success_count > 1)
            sgp32_der_writer_raw(&w, success[1].element, success[1].len);
        else
            sgp32_der_writer_bytes(&w, 0x04, sima_success, sizeof(sima_success));
        sgp32_der_writer_end(&w);
    } else {
        sgp32_der_writer_raw(&w, result.element, result.len);
    }
    sgp32_der_writer_end(&w);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_raw(&w, parts[1].element, parts[1].len);
    sgp32_der_writer_end(&w);
    return finish(&w, out, out_len);
}

/* A1 { 5A eid?, BF2F tbsOtherNotification, 5F37 } */
static enum sgp32_status other_notification(const struct ipa_eim_knowledge *k, const struct part *compact,
                                            uint8_t **out, size_t *out_len)
{
    struct part parts[MAX_PARTS];
    struct sgp32_der_writer w;
    size_t count, at = 0;
    if (!children(compact, parts, MAX_PARTS, &count) || count < 2)
        return SGP32_ERR_DECODE;
    if (parts[0].tag == 0x5A) {
        if (parts[0].value_len != 16 || memcmp(parts[0].value, k->eid, 16) != 0)
            return SGP32_ERR_NOT_FOUND; /* an eUICC this eIM does not know */
        at = 1;
    }
    if (count != at + 2 || parts[at].tag != 0xBF2F || parts[at + 1].tag != 0x5F37)
        return SGP32_ERR_DECODE;
    if (k->euicc_certificate == NULL || k->eum_certificate == NULL)
        return SGP32_ERR_NOT_FOUND;
    sgp32_der_writer_init_dynamic(&w, REBUILD_MAX);
    sgp32_der_writer_begin(&w, 0x30);
    sgp32_der_writer_raw(&w, parts[at].element, parts[at].len);
    sgp32_der_writer_raw(&w, parts[at + 1].element, parts[at + 1].len);
    sgp32_der_writer_raw(&w, k->euicc_certificate, k->euicc_certificate_len);
    sgp32_der_writer_raw(&w, k->eum_certificate, k->eum_certificate_len);
    sgp32_der_writer_end(&w);
    return finish(&w, out, out_len);
}

/* The eUICC's signature over the signed part of a full notification (BF27 / BF2F). */
static enum sgp32_status verify_notification(const struct ipa_eim_knowledge *k, const uint8_t *full, size_t len)
{
    struct part top, parts[MAX_PARTS];
    size_t count;
    if (!open_element(full, len, &top) || !children(&top, parts, MAX_PARTS, &count) || count < 2 ||
        parts[1].tag != 0x5F37)
        return SGP32_ERR_DECODE;
    if (k->euicc_certificate == NULL)
        return SGP32_ERR_NOT_FOUND;
    return sgp32_ecdsa_verify_sha256_with_cert(k->euicc_certificate, k->euicc_certificate_len, parts[0].element,
                                               parts[0].len, parts[1].value, parts[1].value_len);
}

enum sgp32_status ipa_eim_rebuild_part(const struct ipa_eim_knowledge *k, const uint8_t *tid, size_t tid_len,
                                       const uint8_t *compact, size_t len, uint8_t **out, size_t *out_len)
{
    struct part top, choice, transaction;
    enum sgp32_status st;
    *out = NULL;
    *out_len = 0;
    if (!open_element(compact, len, &top) || top.len != len)
        return SGP32_ERR_DECODE;
    transaction.element = NULL;
    transaction.len = 0;
    transaction.tag = 0x80;
    transaction.value = tid != NULL ? tid : k->transaction_id;
    transaction.value_len = tid != NULL ? tid_len : k->transaction_id_len;
    if (top.tag == 0xA0)
        st = installation_result(k, &top, out, out_len);
    else if (top.tag == 0xA1)
        st = other_notification(k, &top, out, out_len);
    else if (!open_element(top.value, top.value_len, &choice) || choice.tag != 0xA2)
        return SGP32_ERR_NOT_SUPPORTED; /* not a compact form */
    else if (top.tag == 0xBF38)
        return authenticate(k, &choice, out, out_len);
    else if (top.tag == 0xBF21)
        return prepare(&transaction, &choice, out, out_len);
    else if (top.tag == 0xBF41)
        return cancel(k, &transaction, &choice, out, out_len);
    else
        return SGP32_ERR_NOT_SUPPORTED;
    if (st == SGP32_OK && (st = verify_notification(k, *out, *out_len)) != SGP32_OK) {
        free(*out);
        *out = NULL;
        *out_len = 0;
    }
    return st;
}

/* Appends list (concatenated notifications) with every compact element rebuilt. */
static enum sgp32_status rebuild_list(const struct ipa_eim_knowledge *k, const uint8_t *list, size_t len,
                                      struct sgp32_der_writer *w, int *forms)
{
    size_t at = 0;
    while (at < len) {
        struct part item;
        uint8_t *full = NULL;
        size_t full_len = 0;
        enum sgp32_status st;
        if (!open_element(list + at, len - at, &item))
            return SGP32_ERR_DECODE;
        if (item.tag == 0xA0 || item.tag == 0xA1) {
            st = ipa_eim_rebuild_part(k, NULL, 0, item.element, item.len, &full, &full_len);
            if (st != SGP32_OK)
                return st;
            sgp32_der_writer_raw(w, full, full_len);
            free(full);
            (*forms)++;
        } else {
            sgp32_der_writer_raw(w, item.element, item.len);
        }
        at += item.len;
    }
    return SGP32_OK;
}

/* Copies the children of parent into w, the one at index `at` replaced by replacement. */
static void copy_replacing(struct sgp32_der_writer *w, const struct part *parts, size_t count, size_t at,
                           const uint8_t *replacement, size_t replacement_len)
{
    size_t i;
    for (i = 0; i < count; i++)
        if (i == at)
            sgp32_der_writer_raw(w, replacement, replacement_len);
        else
            sgp32_der_writer_raw(w, parts[i].element, parts[i].len);
}

enum sgp32_status ipa_eim_rebuild(const struct ipa_eim_knowledge *k, const uint8_t *message, size_t len, uint8_t **out,
                                  size_t *out_len, int *forms)
{
    struct part top, parts[MAX_PARTS], inner[MAX_PARTS];
    struct sgp32_der_writer w;
    size_t count, i, inner_count;
    uint8_t *full = NULL;
    size_t full_len = 0;
    enum sgp32_status st = SGP32_OK;
    *out = NULL;
    *out_len = 0;
    *forms = 0;
    if (!open_element(message, len, &top) || !children(&top, parts, MAX_PARTS, &count))
        return SGP32_ERR_DECODE;
    sgp32_der_writer_init_dynamic(&w, REBUILD_MAX);
    sgp32_der_writer_begin(&w, top.tag);
    if (top.tag == 0xBF39 && find(parts, count, 0xBF20) == NULL) {
        /* euiccInfo1 left out: after 81 euiccChallenge / 83 smdpAddress, before 82 eimTransactionId */
        if (k->euicc_info1 == NULL) {
            sgp32_der_writer_release(&w);
            return SGP32_ERR_NOT_FOUND;
        }
        for (i = 0; i < count && parts[i].tag != 0x82; i++)
            sgp32_der_writer_raw(&w, parts[i].element, parts[i].len);
        sgp32_der_writer_raw(&w, k->euicc_info1, k->euicc_info1_len);
        for (; i < count; i++)
            sgp32_der_writer_raw(&w, parts[i].element, parts[i].len);
        *forms = 1;
    } else if ((top.tag == 0xBF3B || top.tag == 0xBF3A) && count == 2 && parts[0].tag == 0x80) {
        /* 80 transactionId, BF38 / BF21 */
        st = ipa_eim_rebuild_part(k, parts[0].value, parts[0].value_len, parts[1].element, parts[1].len, &full,
                                  &full_len);
        if (st == SGP32_OK) {
            copy_replacing(&w, parts, count, 1, full, full_len);
            *forms = 1;
        }
    } else if (top.tag == 0xBF41 && count == 2 && parts[0].tag == 0x80 && parts[1].tag == 0xA1) {
        /* cancelSessionResponse [1]: its content is the value of ES10b's BF41 */
        struct sgp32_der_writer es10;
        uint8_t *es10_bytes;
        size_t es10_len = 0;
        sgp32_der_writer_init_dynamic(&es10, REBUILD_MAX);
        sgp32_der_writer_bytes(&es10, 0xBF41, parts[1].value, parts[1].value_len);
        es10_bytes = sgp32_der_writer_take(&es10, &es10_len);
        st = es10_bytes == NULL
                 ? SGP32_ERR_ENCODE
                 : ipa_eim_rebuild_part(k, parts[0].value, parts[0].value_len, es10_bytes, es10_len, &full, &full_len);
        free(es10_bytes);
        if (st == SGP32_OK) {
            struct part rebuilt;
            open_element(full, full_len, &rebuilt);
            sgp32_der_writer_raw(&w, parts[0].element, parts[0].len);
            sgp32_der_writer_bytes(&w, 0xA1, rebuilt.value, rebuilt.value_len);
            *forms = 1;
        }
    } else if (top.tag == 0xBF3D && count == 1 && parts[0].tag == 0xA0 &&
               children(&parts[0], inner, MAX_PARTS, &inner_count) && inner_count == 1 &&
               (inner[0].tag == 0xA0 || inner[0].tag == 0xA1)) {
        /* HandleNotificationEsipa { pendingNotification [0] { compact notification } } */
        sgp32_der_writer_begin(&w, 0xA0);
        st = rebuild_list(k, inner[0].element, inner[0].len, &w, forms);
        sgp32_der_writer_end(&w);
    } else if (top.tag == 0xBF50 || (top.tag == 0xBF3D && count == 1 && parts[0].tag == 0xBF50)) {
        /* ProvideEimPackageResult { 5A?, 30 ePRAndNotifications { BF51, A0 { notifications } } } */
        const struct part *result = top.tag == 0xBF50 ? &top : &parts[0];
        struct part fields[MAX_PARTS], epr[MAX_PARTS];
        size_t field_count, epr_count, j;
        if (top.tag == 0xBF3D)
            sgp32_der_writer_begin(&w, 0xBF50);
        if (!children(result, fields, MAX_PARTS, &field_count))
            st = SGP32_ERR_DECODE;
        for (i = 0; st == SGP32_OK && i < field_count; i++) {
            if (fields[i].tag != 0x30 || !children(&fields[i], epr, MAX_PARTS, &epr_count)) {
                sgp32_der_writer_raw(&w, fields[i].element, fields[i].len);
                continue;
            }
            sgp32_der_writer_begin(&w, 0x30);
            for (j = 0; st == SGP32_OK && j < epr_count; j++)
                if (epr[j].tag == 0xA0) {
                    sgp32_der_writer_begin(&w, 0xA0);
                    st = rebuild_list(k, epr[j].value, epr[j].value_len, &w, forms);
                    sgp32_der_writer_end(&w);
                } else {
                    sgp32_der_writer_raw(&w, epr[j].element, epr[j].len);
                }
            sgp32_der_writer_end(&w);
        }
        if (top.tag == 0xBF3D)
            sgp32_der_writer_end(&w);
    }
    free(full);
    if (st == SGP32_ERR_NOT_SUPPORTED && *forms == 0)
        st = SGP32_OK; /* a full form: nothing to rebuild */
    if (st != SGP32_OK || *forms == 0) {
        sgp32_der_writer_release(&w);
        return st;
    }
    sgp32_der_writer_end(&w);
    return finish(&w, out, out_len);
}
