/* SPDX-License-Identifier: MIT */
/* ES10b of SGP.22 v2.5 (5.7.5 - 5.7.14): challenge, eUICC info, notifications, CRL, and the download
 * commands whose requests are signed by the SM-DP+ (forwarded byte for byte). */
#include <stdlib.h>
#include <string.h>

#include "es10/es10_internal.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"

#define REQUEST_MAX 128u

enum sgp32_status sgp32_es10_get_euicc_challenge(struct sgp32_es10 *session, uint8_t challenge[16])
{
    static const uint8_t request[] = {0xBF, 0x2E, 0x00};
    uint8_t *answer = NULL;
    size_t answer_len = 0, value_len = 0;
    const uint8_t *value = NULL;
    enum sgp32_status st;

    if (session == NULL || challenge == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    /* Not retried: a new challenge replaces the one of an ongoing session. */
    st = es10_command(session, request, sizeof(request), 0xBF2E, ES10_NO_RETRY, &answer, &answer_len);
    if (st != SGP32_OK)
        return st;
    if (sgp32_der_find_child(answer, answer_len, 0x80, &value, &value_len, NULL) && value_len == 16)
        memcpy(challenge, value, 16);
    else
        st = es10_fail(session, SGP32_ERR_PROTOCOL, 0x9000u, 0xE2, "es10 response");
    sgp32_buffer_free(answer);
    return st;
}

static enum sgp32_status simple_answer(struct sgp32_es10 *session, uint32_t tag, enum es10_retry retry,
                                       uint8_t **answer, size_t *answer_len)
{
    uint8_t request[3];
    if (session == NULL || answer == NULL || answer_len == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    request[0] = (uint8_t)(tag >> 8);
    request[1] = (uint8_t)tag;
    request[2] = 0x00;
    return es10_command(session, request, sizeof(request), tag, retry, answer, answer_len);
}

enum sgp32_status sgp32_es10_get_euicc_info1(struct sgp32_es10 *session, uint8_t **answer, size_t *answer_len)
{
    return simple_answer(session, 0xBF20, ES10_RETRY, answer, answer_len);
}

enum sgp32_status sgp32_es10_get_euicc_info2(struct sgp32_es10 *session, uint8_t **answer, size_t *answer_len)
{
    return simple_answer(session, 0xBF22, ES10_RETRY, answer, answer_len);
}

enum sgp32_status sgp32_es10_get_rat(struct sgp32_es10 *session, uint8_t **answer, size_t *answer_len)
{
    return simple_answer(session, 0xBF43, ES10_RETRY, answer, answer_len);
}

enum sgp32_status sgp32_es10_list_notification(struct sgp32_es10 *session, int operation, uint8_t **answer,
                                               size_t *answer_len)
{
    uint8_t buf[REQUEST_MAX];
    struct sgp32_der_writer w;
    if (session == NULL || operation > 31)
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_der_writer_init(&w, buf, sizeof(buf));
    sgp32_der_writer_begin(&w, 0xBF28);
    if (operation >= 0) /* profileManagementOperation [1] NotificationEvent */
        sgp32_der_writer_named_bits(&w, 0x81, 1u << operation);
    sgp32_der_writer_end(&w);
    /* listNotificationsResultError [1] */
    return es10_answer_command(session, &w, ES10_RETRY, 0x81, answer, answer_len);
}

enum sgp32_status sgp32_es10_retrieve_notifications_list(struct sgp32_es10 *session, int search, long value,
                                                         uint8_t **answer, size_t *answer_len)
{
    uint8_t buf[REQUEST_MAX];
    struct sgp32_der_writer w;
    if (session == NULL || search < SGP32_ES10_NOTIFICATIONS_ALL ||
        search > SGP32_ES10_NOTIFICATIONS_EUICC_PACKAGE_RESULTS ||
        (search == SGP32_ES10_NOTIFICATIONS_BY_OPERATION && (value < 0 || value > 31)))
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_der_writer_init(&w, buf, sizeof(buf));
    sgp32_der_writer_begin(&w, 0xBF2B);
    if (search != SGP32_ES10_NOTIFICATIONS_ALL) {
        sgp32_der_writer_begin(&w, 0xA0); /* searchCriteria [0] CHOICE (explicit) */
        if (search == SGP32_ES10_NOTIFICATIONS_BY_SEQ_NUMBER)
            sgp32_der_writer_integer(&w, 0x80, value);
        else if (search == SGP32_ES10_NOTIFICATIONS_BY_OPERATION)
            sgp32_der_writer_named_bits(&w, 0x81, 1u << value);
        else
            sgp32_der_writer_bytes(&w, 0x82, NULL, 0); /* euiccPackageResults NULL (SGP.32 only) */
        sgp32_der_writer_end(&w);
    }
    sgp32_der_writer_end(&w);
    /* notificationsListResultError [1]; read-only, so retried. */
    return es10_answer_command(session, &w, ES10_RETRY, 0x81, answer, answer_len);
}

enum sgp32_status sgp32_es10_remove_notification_from_list(struct sgp32_es10 *session, long seq_number)
{
    uint8_t buf[REQUEST_MAX];
    struct sgp32_der_writer w;
    if (session == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_der_writer_init(&w, buf, sizeof(buf));
    sgp32_der_writer_begin(&w, 0xBF30);
    sgp32_der_writer_integer(&w, 0x80, seq_number); /* NotificationSentRequest seqNumber [0] */
    sgp32_der_writer_end(&w);
    return es10_result_command(session, &w, ES10_NO_RETRY, NULL);
}

enum sgp32_status sgp32_es10_load_crl(struct sgp32_es10 *session, const uint8_t *crl, size_t crl_len, uint8_t **answer,
                                      size_t *answer_len)
{
    struct sgp32_tlv_header header;
    struct sgp32_der_writer w;
    uint8_t *buf;
    size_t cap;
    enum sgp32_status st;

    if (session == NULL || crl == NULL || answer == NULL || answer_len == NULL ||
        sgp32_tlv_parse_header(crl, crl_len, &header) != SGP32_OK || header.tag != 0x30 ||
        header.length != crl_len - header.header_len)
        return SGP32_ERR_INVALID_ARGUMENT;
    cap = crl_len + 16;
    buf = malloc(cap);
    if (buf == NULL)
        return SGP32_ERR_NO_MEMORY;
    /* LoadCRLRequest (AUTOMATIC TAGS): crl [0] IMPLICIT CertificateList, the SEQUENCE's contents under A0. */
    sgp32_der_writer_init(&w, buf, cap);
    sgp32_der_writer_begin(&w, 0xBF35);
    sgp32_der_writer_bytes(&w, 0xA0, crl + header.header_len, header.length);
    sgp32_der_writer_end(&w);
    /* loadCRLResponseError [1] */
    st = es10_answer_command(session, &w, ES10_NO_RETRY, 0x81, answer, answer_len);
    free(buf);
    return st;
}

enum sgp32_status sgp32_es10_authenticate_server(struct sgp32_es10 *session, const uint8_t *request, size_t request_len,
                                                 uint8_t **answer, size_t *answer_len)
{
    return es10_forward(session, request, request_len, 0xBF38, answer, answer_len);
}

enum sgp32_status sgp32_es10_prepare_download(struct sgp32_es10 *session, const uint8_t *request, size_t request_len,
                                              uint8_t **answer, size_t *answer_len)
{
    return es10_forward(session, request, request_len, 0xBF21, answer, answer_len);
}

enum sgp32_status sgp32_es10_cancel_session(struct sgp32_es10 *session, const uint8_t *transaction_id,
                                            size_t transaction_id_len, long reason, uint8_t **answer,
                                            size_t *answer_len)
{
    uint8_t buf[REQUEST_MAX];
    struct sgp32_der_writer w;
    if (session == NULL || transaction_id == NULL || transaction_id_len == 0 || transaction_id_len > 16)
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_der_writer_init(&w, buf, sizeof(buf));
    sgp32_der_writer_begin(&w, 0xBF41);
    sgp32_der_writer_bytes(&w, 0x80, transaction_id, transaction_id_len); /* transactionId [0] */
    sgp32_der_writer_integer(&w, 0x81, reason);                           /* reason [1] */
    sgp32_der_writer_end(&w);
    /* The signed answer goes to the SM-DP+ / eIM as it is; its error alternative is not mapped here
     * (sgp32_es10_answer_error_code()). */
    return es10_answer_command(session, &w, ES10_NO_RETRY, 0, answer, answer_len);
}

enum sgp32_status sgp32_es10_answer_error_code(const uint8_t *answer, size_t answer_len, long *code)
{
    const uint8_t *value = NULL, *inner = NULL;
    size_t value_len = 0, inner_len = 0, offset = 0;
    uint32_t tag = 0;
    struct sgp32_tlv_header child;

    if (answer == NULL || code == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    *code = 0;
    if (!sgp32_der_find_child(answer, answer_len, 0, &value, &value_len, &tag))
        return SGP32_ERR_DECODE;
    if ((tag & 0xE0u) == 0x80u) /* a primitive error alternative: INTEGER */
        return sgp32_der_integer(value, value_len, code) ? SGP32_OK : SGP32_ERR_DECODE;
    if (tag != 0xA1)
        return SGP32_OK; /* an ok alternative (A0, or a compact one of SGP.32) */
    /* A1 { transactionId [0], errorCode INTEGER }: the error SEQUENCE of SGP.22 5.7.13 / 5.7.14. */
    while (offset < value_len) {
        if (sgp32_tlv_parse_header(value + offset, value_len - offset, &child) != SGP32_OK ||
            child.length > value_len - offset - child.header_len)
            return SGP32_ERR_DECODE;
        if (child.tag == 0x02) {
            inner = value + offset + child.header_len;
            inner_len = child.length;
        }
        offset += child.header_len + child.length;
    }
    if (inner == NULL || !sgp32_der_integer(inner, inner_len, code) || *code == 0)
        return SGP32_ERR_DECODE;
    return SGP32_OK;
}
