/* SPDX-License-Identifier: MIT */
/*
 * The SM-DP+'s checks of what an eUICC signs outside the download itself (smdp_core.h): the
 * CancelSessionResponse (SGP.22 v2.5 5.6.5) and the OtherSignedNotification (5.6.4, 5.7.10).
 */
#include <string.h>

#include "rsp_server_auth.h"
#include "smdp_internal.h"

/* A small non-negative INTEGER value (1 or 2 content octets). */
static long small_integer(const struct tlv *t)
{
    if (t->len == 1)
        return t->value[0];
    if (t->len == 2)
        return ((long)t->value[0] << 8) | t->value[1];
    return -1;
}

enum sgp32_status smdp_verify_cancel_session(struct smdp_session *s, const uint8_t *response, size_t len, long *reason)
{
    struct tlv top, choice, signed_part, signature, field, oid;
    const uint8_t *p;
    size_t left;
    int bad = 0;
    enum sgp32_status status;
    if (s == NULL || response == NULL || reason == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *reason = -1;
    /* CancelSessionResponse [65] CHOICE {cancelSessionResponseOk [0] {euiccCancelSessionSigned,
     * euiccCancelSessionSignature 5F37}, cancelSessionResponseError [1] INTEGER} (automatic tags) */
    if (!parse_one(response, len, &top) || top.tag != 0xBF41 || !parse_one(top.value, top.len, &choice))
        return SGP32_ERR_DECODE;
    if (choice.tag == 0x81) {
        *reason = small_integer(&choice);
        return SGP32_ERR_EUICC_RESULT;
    }
    if (choice.tag != 0xA0)
        return SGP32_ERR_DECODE;
    p = choice.value;
    left = choice.len;
    if (!next_tlv(&p, &left, &signed_part, &bad) || signed_part.tag != 0x30 || !next_tlv(&p, &left, &signature, &bad) ||
        signature.tag != 0x5F37)
        return SGP32_ERR_DECODE;
    /* The eUICC is known from AuthenticateClient on; before that nothing it signed can be checked. */
    if (s->euicc_certificate.data == NULL)
        return SGP32_ERR_STATE;
    status = smdp_verify_parts(s->euicc_certificate.data, s->euicc_certificate.len, signed_part.all,
                               signed_part.all_len, NULL, 0, &signature);
    if (status != SGP32_OK)
        return status;
    /* euiccCancelSessionSigned {transactionId [0], smdpOid [1] (of CERT.DPauth), reason [2]} */
    if (!find_child(&signed_part, 0x80, &field) || field.len != 16 || memcmp(field.value, s->transaction_id, 16) != 0)
        return SGP32_ERR_PROTOCOL;
    if (!find_child(&signed_part, 0x81, &field) || !smdp_certificate_registered_id(&s->core->auth_parsed, &oid) ||
        field.len != oid.len || memcmp(field.value, oid.value, oid.len) != 0)
        return SGP32_ERR_NOT_FOUND;
    if (!find_child(&signed_part, 0x82, &field))
        return SGP32_ERR_DECODE;
    *reason = small_integer(&field);
    return SGP32_OK;
}

enum sgp32_status smdp_verify_other_notification(struct smdp_core *core, const uint8_t *notification, size_t len,
                                                 struct smdp_notification_info *out)
{
    struct tlv top, metadata, signature, euicc_certificate, eum_certificate, field;
    struct sgp32_x509_cert euicc;
    const uint8_t *p;
    size_t left, i;
    int bad = 0;
    enum sgp32_status status;
    if (core == NULL || notification == NULL || out == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    memset(out, 0, sizeof(*out));
    out->seq_number = -1;
    out->operation = -1;
    /* OtherSignedNotification {tbsOtherNotification BF2F, euiccNotificationSignature 5F37,
     * euiccCertificate, eumCertificate} */
    if (!parse_one(notification, len, &top) || top.tag != 0x30)
        return SGP32_ERR_DECODE;
    p = top.value;
    left = top.len;
    if (!next_tlv(&p, &left, &metadata, &bad) || metadata.tag != 0xBF2F || !next_tlv(&p, &left, &signature, &bad) ||
        signature.tag != 0x5F37 || !next_tlv(&p, &left, &euicc_certificate, &bad) ||
        !next_tlv(&p, &left, &eum_certificate, &bad))
        return SGP32_ERR_DECODE;
    /* NotificationMetadata {seqNumber [0], profileManagementOperation [1] (a BIT STRING with one bit
     * set), notificationAddress UTF8String, iccid 5A OPTIONAL} */
    if (find_child(&metadata, 0x80, &field) && field.len >= 1 && field.len <= 4)
        for (out->seq_number = 0, i = 0; i < field.len; i++)
            out->seq_number = (out->seq_number << 8) | field.value[i];
    if (find_child(&metadata, 0x81, &field) && field.len >= 2)
        for (i = 0; i < 8; i++)
            if (field.value[1] & (0x80u >> i)) {
                out->operation = (int)i;
                break;
            }
    if (find_child(&metadata, 0x5A, &field) && field.len == 10) {
        memcpy(out->iccid, field.value, 10);
        out->has_iccid = 1;
    }
    /* SGP.22 5.6.4: the eUICC -> EUM -> CI chain, then the signature over tbsOtherNotification. */
    status = rsp_server_verify_euicc_chain(&core->ci_parsed, &euicc_certificate, &eum_certificate, &euicc);
    if (status != SGP32_OK)
        return status;
    if (!smdp_certificate_eid(&euicc, out->eid))
        return SGP32_ERR_DECODE;
    out->has_eid = 1;
    return smdp_verify_parts(euicc_certificate.all, euicc_certificate.all_len, metadata.all, metadata.all_len, NULL, 0,
                             &signature);
}
