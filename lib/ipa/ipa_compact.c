/* SPDX-License-Identifier: MIT */
/*
 * minimizeEsipaBytes (SGP.32 v1.2 5.14.2-5.14.8, SGP32Definitions): the eUICC's full responses turned
 * into their compact forms for the eIM. What each leaves out, and why the eIM can put it back:
 *  - CompactAuthenticateResponseOk: euiccCertificate [1] / eumCertificate [2] are OPTIONAL: the eIM
 *    knows the certificates of the eUICCs it manages. signedData keeps euiccSigned1 whole: the
 *    compactEuiccSigned1 alternative carries only extCardResource "extracted from euiccInfo2" and the
 *    eIM never sees euiccInfo2 over ESipa, so it could not rebuild the signed bytes.
 *  - CompactEuiccSigned2: transactionId is the session's (GetBoundProfilePackageRequestEsipa carries
 *    it); hashCc "if not received from eIM" (kept unless the eIM gave it).
 *  - CompactEuiccCancelSessionSigned: transactionId (in CancelSessionRequestEsipa) and smdpOid (of the
 *    SM-DP+ certificate the eIM relayed) left out; reason (OPTIONAL) kept: only the eUICC knows it.
 *  - CompactProfileInstallationResultData: notificationMetadata (seqNumber kept; operation is always
 *    notificationInstall; notificationAddress the session's SM-DP+; iccid the profile metadata's, with
 *    iccidPresent), smdpOid (CERT.DPpb.ECDSA) and the ISD-P AID but bytes 14-15; simaResponse left out
 *    when it is the 9-byte success value, as its comment allows.
 *  - CompactOtherSignedNotification: the certificates left out, eidValue (OPTIONAL) given when the
 *    message does not otherwise name the eUICC.
 * Anything that does not have exactly the layout the eIM rebuilds stays in its full form
 * (SGP32_ERR_NOT_SUPPORTED): compacting is never allowed to lose a byte of signed data.
 */
#include "ipa/ipa_compact.h"

#include <stdlib.h>
#include <string.h>

#include "codec/der.h"
#include "sgp32/tlv.h"

#define COMPACT_MAX (256u * 1024u)
#define MAX_PARTS 8u

struct part {
    const uint8_t *element; /* the whole child */
    size_t len;
    uint32_t tag;
    const uint8_t *value;
    size_t value_len;
};

/* One element of exactly len bytes: its tag and value. */
static int open_element(const uint8_t *data, size_t len, struct part *out)
{
    struct sgp32_tlv_header h;
    if (data == NULL || sgp32_tlv_parse_header(data, len, &h) != SGP32_OK || h.length == SGP32_TLV_INDEFINITE ||
        h.length != len - h.header_len)
        return 0;
    out->element = data;
    out->len = len;
    out->tag = h.tag;
    out->value = data + h.header_len;
    out->value_len = h.length;
    return 1;
}

/* The children of a constructed value: 1 when all parse and there are at most max. */
static int children(const struct part *parent, struct part *parts, size_t max, size_t *count)
{
    size_t at = 0;
    struct sgp32_tlv_header h;
    *count = 0;
    while (at < parent->value_len) {
        if (*count == max || sgp32_tlv_parse_header(parent->value + at, parent->value_len - at, &h) != SGP32_OK ||
            h.length == SGP32_TLV_INDEFINITE || h.length > parent->value_len - at - h.header_len)
            return 0;
        if (!open_element(parent->value + at, h.header_len + h.length, &parts[*count]))
            return 0;
        at += h.header_len + h.length;
        (*count)++;
    }
    return 1;
}

static enum sgp32_status take(struct sgp32_der_writer *w, uint8_t **out, size_t *out_len)
{
    *out = sgp32_der_writer_take(w, out_len);
    if (*out == NULL) {
        sgp32_der_writer_release(w);
        return SGP32_ERR_NO_MEMORY;
    }
    return SGP32_OK;
}

/* The ok alternative (A0) of a [tag] CHOICE: its children. SGP32_ERR_NOT_SUPPORTED for another one. */
static enum sgp32_status ok_children(const uint8_t *full, size_t len, uint32_t tag, struct part *parts, size_t max,
                                     size_t *count)
{
    struct part top, choice;
    if (!open_element(full, len, &top) || top.tag != tag || !open_element(top.value, top.value_len, &choice))
        return SGP32_ERR_DECODE;
    if (choice.tag != 0xA0)
        return SGP32_ERR_NOT_SUPPORTED; /* the error alternative (or a form already compact) */
    return children(&choice, parts, max, count) ? SGP32_OK : SGP32_ERR_DECODE;
}

enum sgp32_status ipa_compact_authenticate_server_response(const uint8_t *full, size_t len, uint8_t **out,
                                                           size_t *out_len)
{
    struct part parts[MAX_PARTS];
    struct sgp32_der_writer w;
    size_t count;
    enum sgp32_status st = ok_children(full, len, 0xBF38, parts, MAX_PARTS, &count);
    if (st != SGP32_OK)
        return st;
    /* AuthenticateResponseOk { euiccSigned1 30, euiccSignature1 5F37, euiccCertificate 30, eumCertificate 30 } */
    if (count != 4 || parts[0].tag != 0x30 || parts[1].tag != 0x5F37 || parts[2].tag != 0x30 || parts[3].tag != 0x30)
        return SGP32_ERR_NOT_SUPPORTED;
    sgp32_der_writer_init_dynamic(&w, COMPACT_MAX);
    sgp32_der_writer_begin(&w, 0xBF38);
    sgp32_der_writer_begin(&w, 0xA2);                         /* compactAuthenticateResponseOk [2] (automatic tags) */
    sgp32_der_writer_raw(&w, parts[0].element, parts[0].len); /* signedData: euiccSigned1, whole */
    sgp32_der_writer_raw(&w, parts[1].element, parts[1].len);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_end(&w);
    return take(&w, out, out_len);
}

enum sgp32_status ipa_compact_prepare_download_response(const uint8_t *full, size_t len, int hash_cc_from_eim,
                                                        uint8_t **out, size_t *out_len)
{
    struct part parts[MAX_PARTS], fields[MAX_PARTS];
    struct sgp32_der_writer w;
    size_t count, field_count, i;
    enum sgp32_status st = ok_children(full, len, 0xBF21, parts, MAX_PARTS, &count);
    if (st != SGP32_OK)
        return st;
    /* PrepareDownloadResponseOk { euiccSigned2 30 { 80 transactionId, 5F49 euiccOtpk, 04 hashCc? }, 5F37 } */
    if (count != 2 || parts[0].tag != 0x30 || parts[1].tag != 0x5F37 || !children(&parts[0], fields, 3, &field_count))
        return SGP32_ERR_NOT_SUPPORTED;
    if (field_count < 2 || fields[0].tag != 0x80 || fields[1].tag != 0x5F49 ||
        (field_count == 3 && (fields[2].tag != 0x04 || fields[2].value_len != 32)))
        return SGP32_ERR_NOT_SUPPORTED;
    sgp32_der_writer_init_dynamic(&w, COMPACT_MAX);
    sgp32_der_writer_begin(&w, 0xBF21);
    sgp32_der_writer_begin(&w, 0xA2); /* compactDownloadResponseOk [2] */
    sgp32_der_writer_begin(&w, 0x30); /* CompactEuiccSigned2 */
    for (i = 1; i < field_count; i++)
        if (fields[i].tag != 0x04 || !hash_cc_from_eim)
            sgp32_der_writer_raw(&w, fields[i].element, fields[i].len);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_raw(&w, parts[1].element, parts[1].len);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_end(&w);
    return take(&w, out, out_len);
}

enum sgp32_status ipa_compact_cancel_session_response(const uint8_t *full, size_t len, uint8_t **out, size_t *out_len)
{
    struct part parts[MAX_PARTS], fields[MAX_PARTS];
    struct sgp32_der_writer w;
    size_t count, field_count;
    enum sgp32_status st = ok_children(full, len, 0xBF41, parts, MAX_PARTS, &count);
    if (st != SGP32_OK)
        return st;
    /* CancelSessionResponseOk { euiccCancelSessionSigned 30 { 80 transactionId, 81 smdpOid, 82 reason }, 5F37 } */
    if (count != 2 || parts[0].tag != 0x30 || parts[1].tag != 0x5F37 || !children(&parts[0], fields, 3, &field_count) ||
        field_count != 3 || fields[0].tag != 0x80 || fields[1].tag != 0x81 || fields[2].tag != 0x82)
        return SGP32_ERR_NOT_SUPPORTED;
    sgp32_der_writer_init_dynamic(&w, COMPACT_MAX);
    sgp32_der_writer_begin(&w, 0xBF41);
    sgp32_der_writer_begin(&w, 0xA2); /* compactCancelSessionResponseOk [2] */
    sgp32_der_writer_begin(&w, 0x30); /* CompactEuiccCancelSessionSigned { reason [0] } (automatic tags) */
    sgp32_der_writer_bytes(&w, 0x80, fields[2].value, fields[2].value_len);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_raw(&w, parts[1].element, parts[1].len);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_end(&w);
    return take(&w, out, out_len);
}

/* The ISD-P AID pattern of SGP.02 (A0000005591010FFFFFFFF89 00 00 xx 00, 16 bytes): only bytes 14-15 vary. */
static const uint8_t isdp_prefix[13] = {0xA0, 0x00, 0x00, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00};
/* simaResponse of a successful installation: EUICCResponse { peStatus { status ok } } */
static const uint8_t sima_success[9] = {0x30, 0x07, 0xA0, 0x05, 0x30, 0x03, 0x80, 0x01, 0x00};
/* profileManagementOperation [1] NotificationEvent with only notificationInstall (bit 0) set */
static const uint8_t install_operation[4] = {0x81, 0x02, 0x07, 0x80};

static enum sgp32_status compact_installation_result(const struct part *top, uint8_t **out, size_t *out_len)
{
    struct part parts[MAX_PARTS], data[MAX_PARTS], meta[MAX_PARTS], result, success[MAX_PARTS];
    struct sgp32_der_writer w;
    size_t count, data_count, meta_count, success_count = 0;
    /* BF37 { BF27 { 80 transactionId, BF2F metadata, 06 smdpOid, A2 finalResult }, 5F37 euiccSignPIR } */
    if (!children(top, parts, MAX_PARTS, &count) || count != 2 || parts[0].tag != 0xBF27 || parts[1].tag != 0x5F37 ||
        !children(&parts[0], data, MAX_PARTS, &data_count))
        return SGP32_ERR_NOT_SUPPORTED;
    if (data_count != 4 || data[0].tag != 0x80 || data[1].tag != 0xBF2F || data[2].tag != 0x06 || data[3].tag != 0xA2 ||
        !children(&data[1], meta, MAX_PARTS, &meta_count) || !open_element(data[3].value, data[3].value_len, &result))
        return SGP32_ERR_NOT_SUPPORTED;
    /* NotificationMetadata { 80 seqNumber, 81 install, 0C notificationAddress, 5A iccid? } */
    if (meta_count < 3 || meta_count > 4 || meta[0].tag != 0x80 || meta[1].len != sizeof(install_operation) ||
        memcmp(meta[1].element, install_operation, sizeof(install_operation)) != 0 || meta[2].tag != 0x0C ||
        (meta_count == 4 && meta[3].tag != 0x5A))
        return SGP32_ERR_NOT_SUPPORTED;
    if (result.tag == 0xA0) { /* successResult { 4F aid, 04 simaResponse } */
        if (!children(&result, success, MAX_PARTS, &success_count) || success_count != 2 || success[0].tag != 0x4F ||
            success[0].value_len != 16 || memcmp(success[0].value, isdp_prefix, sizeof(isdp_prefix)) != 0 ||
            success[0].value[15] != 0x00 || success[1].tag != 0x04)
            return SGP32_ERR_NOT_SUPPORTED;
    } else if (result.tag != 0xA1) {
        return SGP32_ERR_NOT_SUPPORTED;
    }
    sgp32_der_writer_init_dynamic(&w, COMPACT_MAX);
    sgp32_der_writer_begin(&w, 0xA0); /* compactProfileInstallationResult [0] */
    sgp32_der_writer_begin(&w, 0xA0); /* compactProfileInstallationResultData [0] */
    sgp32_der_writer_raw(&w, data[0].element, data[0].len);
    sgp32_der_writer_bytes(&w, 0x02, meta[0].value, meta[0].value_len); /* seqNumber INTEGER */
    if (meta_count == 3)
        sgp32_der_writer_boolean(&w, 0x01, 0); /* iccidPresent DEFAULT TRUE: only FALSE is encoded */
    sgp32_der_writer_begin(&w, 0xA2);          /* compactFinalResult [2] */
    if (result.tag == 0xA0) {
        sgp32_der_writer_begin(&w, 0xA0); /* compactSuccessResult */
        sgp32_der_writer_bytes(&w, 0x4F, success[0].value + 13, 2);
        if (success[1].value_len != sizeof(sima_success) ||
            memcmp(success[1].value, sima_success, sizeof(sima_success)) != 0)
            sgp32_der_writer_raw(&w, success[1].element, success[1].len);
        sgp32_der_writer_end(&w);
    } else {
        sgp32_der_writer_raw(&w, result.element, result.len); /* errorResult as it is */
    }
    sgp32_der_writer_end(&w);
    sgp32_der_writer_end(&w);
    sgp32_der_writer_raw(&w, parts[1].element, parts[1].len);
    sgp32_der_writer_end(&w);
    return take(&w, out, out_len);
}

static enum sgp32_status compact_other_notification(const struct part *top, const uint8_t *eid, uint8_t **out,
                                                    size_t *out_len)
{
    struct part parts[MAX_PARTS];
    struct sgp32_der_writer w;
    size_t count;
    /* OtherSignedNotification { BF2F tbsOtherNotification, 5F37, 30 euiccCertificate, 30 eumCertificate } */
    if (!children(top, parts, MAX_PARTS, &count) || count != 4 || parts[0].tag != 0xBF2F || parts[1].tag != 0x5F37 ||
        parts[2].tag != 0x30 || parts[3].tag != 0x30)
        return SGP32_ERR_NOT_SUPPORTED;
    sgp32_der_writer_init_dynamic(&w, COMPACT_MAX);
    sgp32_der_writer_begin(&w, 0xA1); /* compactOtherSignedNotification [1] */
    if (eid != NULL)
        sgp32_der_writer_bytes(&w, 0x5A, eid, 16);
    sgp32_der_writer_raw(&w, parts[0].element, parts[0].len);
    sgp32_der_writer_raw(&w, parts[1].element, parts[1].len);
    sgp32_der_writer_end(&w);
    return take(&w, out, out_len);
}

enum sgp32_status ipa_compact_notification(const uint8_t *full, size_t len, const uint8_t *eid, uint8_t **out,
                                           size_t *out_len)
{
    struct part top;
    if (!open_element(full, len, &top))
        return SGP32_ERR_DECODE;
    if (top.tag == 0xBF37)
        return compact_installation_result(&top, out, out_len);
    if (top.tag == 0x30)
        return compact_other_notification(&top, eid, out, out_len);
    return SGP32_ERR_NOT_SUPPORTED;
}

enum sgp32_status ipa_compact_notification_list(const uint8_t *list, size_t len, const uint8_t *eid, uint8_t **out,
                                                size_t *out_len)
{
    struct sgp32_der_writer w;
    struct sgp32_tlv_header h;
    size_t at = 0;
    sgp32_der_writer_init_dynamic(&w, COMPACT_MAX);
    while (at < len) {
        uint8_t *compact = NULL;
        size_t compact_len = 0, element_len;
        enum sgp32_status st;
        if (sgp32_tlv_parse_header(list + at, len - at, &h) != SGP32_OK || h.length == SGP32_TLV_INDEFINITE ||
            h.length > len - at - h.header_len) {
            sgp32_der_writer_release(&w);
            return SGP32_ERR_DECODE;
        }
        element_len = h.header_len + h.length;
        st = ipa_compact_notification(list + at, element_len, eid, &compact, &compact_len);
        if (st == SGP32_OK)
            sgp32_der_writer_raw(&w, compact, compact_len);
        else
            sgp32_der_writer_raw(&w, list + at, element_len);
        free(compact);
        if (st == SGP32_ERR_NO_MEMORY) {
            sgp32_der_writer_release(&w);
            return st;
        }
        at += element_len;
    }
    if (len == 0) {
        sgp32_der_writer_release(&w);
        *out = NULL;
        *out_len = 0;
        return SGP32_OK;
    }
    return take(&w, out, out_len);
}
