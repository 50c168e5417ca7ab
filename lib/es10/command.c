/* SPDX-License-Identifier: MIT */
/* Shared machinery of the typed ES10 functions: a small DER writer for the requests, TLV lookups in the
 * answers, the ES10 result mapping and the recovery policy after 6985 / REFRESH (docs/es10.md). */
#include <string.h>

#include "es10/es10_internal.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"

#define SW_CONDITIONS_NOT_SATISFIED 0x6985u

enum sgp32_status es10_result(struct sgp32_es10 *session, long code)
{
    if (code == 0)
        return SGP32_OK;
    es10_fail(session, SGP32_ERR_EUICC_RESULT, 0x9000u, 0xE2, "es10 result");
    session->error.es10_result = code;
    return SGP32_ERR_EUICC_RESULT;
}

/* Re-establishes the session: a card reset through the transport (the quirky cards keep answering 6985
 * until one, and a REFRESH in UICC reset mode asks for one) unless the options forbid it, then
 * sgp32_es10_connect() (channel, SELECT ISD-R, TERMINAL CAPABILITY). */
static enum sgp32_status recover(struct sgp32_es10 *session)
{
    const struct sgp32_apdu_transport_ops *ops = session->transport.ops;
    enum sgp32_status st;
    session->recover_pending = 0;
    if (!(session->options.flags & SGP32_ES10_RECOVER_WITHOUT_RESET) && ops->reset != NULL) {
        /* The channel dies with the reset: nothing to close on the card any more. */
        if (!session->transport_channel)
            session->channel_open = 0;
        st = ops->reset(session->transport.user, NULL, 0, NULL, session->options.apdu_timeout_ms);
        if (st != SGP32_OK) {
            session->recover_pending = 1;
            return es10_fail(session, st, 0, 0, "card reset");
        }
    }
    st = sgp32_es10_connect(session);
    if (st != SGP32_OK)
        session->recover_pending = 1;
    return st;
}

static int is_6985(const struct sgp32_es10 *session, enum sgp32_status st)
{
    return st == SGP32_ERR_CARD_STATUS && session->error.sw == SW_CONDITIONS_NOT_SATISFIED;
}

enum sgp32_status es10_command(struct sgp32_es10 *session, const uint8_t *request, size_t request_len,
                               uint32_t response_tag, enum es10_retry retry, uint8_t **response, size_t *response_len)
{
    struct sgp32_tlv_header header;
    enum sgp32_status st;

    *response = NULL;
    *response_len = 0;
    session->error.es10_result = 0;
    if (session->recover_pending) {
        st = recover(session);
        if (st != SGP32_OK)
            return st;
    }
    st = sgp32_es10_transceive(session, request, request_len, response, response_len);
    if (is_6985(session, st)) {
        session->recover_pending = 1;
        if (retry != ES10_RETRY)
            return st; /* the caller decides: the command may have taken effect */
        st = recover(session);
        if (st == SGP32_OK)
            st = sgp32_es10_transceive(session, request, request_len, response, response_len);
        if (is_6985(session, st))
            session->recover_pending = 1;
    }
    if (st != SGP32_OK)
        return st;
    /* 91xx: the command completed, and the REFRESH that follows resets the card. */
    if (session->proactive_pending)
        session->recover_pending = 1;
    if (*response_len == 0 || sgp32_tlv_parse_header(*response, *response_len, &header) != SGP32_OK ||
        header.length != *response_len - header.header_len || (response_tag != 0 && header.tag != response_tag)) {
        sgp32_buffer_free(*response);
        *response = NULL;
        *response_len = 0;
        return es10_fail(session, SGP32_ERR_PROTOCOL, 0x9000u, 0xE2, "es10 response");
    }
    return SGP32_OK;
}

static uint32_t request_tag(const uint8_t *request, size_t len)
{
    struct sgp32_tlv_header header;
    return sgp32_tlv_parse_header(request, len, &header) == SGP32_OK ? header.tag : 0;
}

enum sgp32_status es10_writer_command(struct sgp32_es10 *session, const struct sgp32_der_writer *request,
                                      enum es10_retry retry, uint8_t **response, size_t *response_len)
{
    *response = NULL;
    *response_len = 0;
    if (request->error || request->depth != 0)
        return es10_fail(session, SGP32_ERR_ENCODE, 0, 0xE2, "es10 request");
    /* ES10 answers carry the tag of their request (SGP.22 5.7). */
    return es10_command(session, request->buf, request->len, request_tag(request->buf, request->len), retry, response,
                        response_len);
}

enum sgp32_status es10_result_command(struct sgp32_es10 *session, const struct sgp32_der_writer *request,
                                      enum es10_retry retry, long *code)
{
    uint8_t *answer = NULL;
    size_t answer_len = 0, value_len = 0;
    const uint8_t *value = NULL;
    long result = 0;
    enum sgp32_status st;

    if (code != NULL)
        *code = -1;
    st = es10_writer_command(session, request, retry, &answer, &answer_len);
    if (st != SGP32_OK)
        return st;
    if (!sgp32_der_find_child(answer, answer_len, 0, &value, &value_len, NULL) ||
        !sgp32_der_integer(value, value_len, &result))
        st = es10_fail(session, SGP32_ERR_PROTOCOL, 0x9000u, 0xE2, "es10 response");
    sgp32_buffer_free(answer);
    if (st != SGP32_OK)
        return st;
    if (code != NULL)
        *code = result;
    return es10_result(session, result);
}

enum sgp32_status es10_forward(struct sgp32_es10 *session, const uint8_t *request, size_t request_len, uint32_t tag,
                               uint8_t **response, size_t *response_len)
{
    struct sgp32_tlv_header header;
    if (response != NULL)
        *response = NULL;
    if (response_len != NULL)
        *response_len = 0;
    if (session == NULL || request == NULL || response == NULL || response_len == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (sgp32_tlv_parse_header(request, request_len, &header) != SGP32_OK || header.tag != tag ||
        header.length != request_len - header.header_len)
        return es10_fail(session, SGP32_ERR_INVALID_ARGUMENT, 0, 0xE2, "es10 request");
    /* Signed objects are never retried: the eUICC may have acted on them (docs/es10.md). */
    return es10_command(session, request, request_len, tag, ES10_NO_RETRY, response, response_len);
}

enum sgp32_status es10_map_error_child(struct sgp32_es10 *session, const uint8_t *answer, size_t answer_len,
                                       uint32_t error_tag)
{
    const uint8_t *value = NULL;
    size_t value_len = 0;
    long code = 0;
    if (error_tag == 0 || !sgp32_der_find_child(answer, answer_len, error_tag, &value, &value_len, NULL))
        return SGP32_OK;
    if (!sgp32_der_integer(value, value_len, &code))
        return es10_fail(session, SGP32_ERR_PROTOCOL, 0x9000u, 0xE2, "es10 response");
    /* An error alternative carrying 0 is still an error: never report it as success. */
    return es10_result(session, code != 0 ? code : -1);
}

enum sgp32_status es10_answer_command(struct sgp32_es10 *session, const struct sgp32_der_writer *request,
                                      enum es10_retry retry, uint32_t error_tag, uint8_t **answer, size_t *answer_len)
{
    enum sgp32_status st;
    if (answer == NULL || answer_len == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    st = es10_writer_command(session, request, retry, answer, answer_len);
    if (st != SGP32_OK)
        return st;
    return es10_map_error_child(session, *answer, *answer_len, error_tag);
}
