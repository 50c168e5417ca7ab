/* SPDX-License-Identifier: MIT */
/* Shared machinery of the typed ES10 functions: a small DER writer for the requests, TLV lookups in the
 * answers, the ES10 result mapping and the recovery policy after 6985 / REFRESH (docs/es10.md). */
#include <string.h>

#include "es10/es10_internal.h"
#include "sgp32/codec.h"
#include "sgp32/tlv.h"

#define SW_CONDITIONS_NOT_SATISFIED 0x6985u

void es10_writer_init(struct es10_writer *w, uint8_t *buf, size_t cap)
{
    memset(w, 0, sizeof(*w));
    w->buf = buf;
    w->cap = cap;
}

static void put(struct es10_writer *w, const uint8_t *data, size_t len)
{
    if (w->error || len > w->cap - w->len) {
        w->error = 1;
        return;
    }
    if (len > 0)
        memcpy(w->buf + w->len, data, len);
    w->len += len;
}

static void put_tag(struct es10_writer *w, uint32_t tag)
{
    uint8_t bytes[4];
    size_t n = 0;
    int shift;
    for (shift = 24; shift >= 0; shift -= 8)
        if (n > 0 || ((tag >> shift) & 0xFFu) != 0 || shift == 0)
            bytes[n++] = (uint8_t)(tag >> shift);
    put(w, bytes, n);
}

/* DER length octets (X.690 8.1.3, minimal form); returns their count. */
static size_t length_octets(size_t len, uint8_t out[5])
{
    size_t n = 0, i;
    if (len < 0x80u) {
        out[0] = (uint8_t)len;
        return 1;
    }
    for (i = len; i > 0; i >>= 8)
        n++;
    out[0] = (uint8_t)(0x80u | n);
    for (i = 0; i < n; i++)
        out[1 + i] = (uint8_t)(len >> (8 * (n - 1 - i)));
    return n + 1;
}

void es10_writer_begin(struct es10_writer *w, uint32_t tag)
{
    static const uint8_t placeholder = 0;
    if (w->depth >= ES10_WRITER_DEPTH) {
        w->error = 1;
        return;
    }
    put_tag(w, tag);
    put(w, &placeholder, 1);
    w->open[w->depth++] = w->len; /* where the value starts */
}

void es10_writer_end(struct es10_writer *w)
{
    uint8_t octets[5];
    size_t start, value_len, n;
    if (w->depth == 0) {
        w->error = 1;
        return;
    }
    start = w->open[--w->depth];
    if (w->error)
        return;
    value_len = w->len - start;
    n = length_octets(value_len, octets);
    if (n - 1 > w->cap - w->len) {
        w->error = 1;
        return;
    }
    /* One placeholder byte was reserved: make room for the others. */
    memmove(w->buf + start + n - 1, w->buf + start, value_len);
    memcpy(w->buf + start - 1, octets, n);
    w->len += n - 1;
}

void es10_writer_bytes(struct es10_writer *w, uint32_t tag, const uint8_t *value, size_t len)
{
    uint8_t octets[5];
    put_tag(w, tag);
    put(w, octets, length_octets(len, octets));
    put(w, value, len);
}

void es10_writer_integer(struct es10_writer *w, uint32_t tag, long value)
{
    uint8_t bytes[sizeof(long)];
    size_t n = sizeof(long), i;
    unsigned long u = (unsigned long)value;
    for (i = 0; i < sizeof(long); i++)
        bytes[sizeof(long) - 1 - i] = (uint8_t)(u >> (8 * i));
    i = 0;
    /* X.690 8.3.2: drop leading bytes that only repeat the sign. */
    while (n - i > 1 && ((bytes[i] == 0x00 && !(bytes[i + 1] & 0x80)) || (bytes[i] == 0xFF && (bytes[i + 1] & 0x80))))
        i++;
    es10_writer_bytes(w, tag, bytes + i, n - i);
}

void es10_writer_boolean(struct es10_writer *w, uint32_t tag, int value)
{
    uint8_t octet = value ? 0xFF : 0x00; /* X.690 11.1: TRUE is FF in DER */
    es10_writer_bytes(w, tag, &octet, 1);
}

void es10_writer_named_bits(struct es10_writer *w, uint32_t tag, uint32_t bits)
{
    uint8_t value[5] = {0, 0, 0, 0, 0};
    int highest = -1, bit;
    size_t bytes;
    for (bit = 0; bit < 32; bit++)
        if (bits & (1u << bit)) {
            value[1 + bit / 8] |= (uint8_t)(0x80u >> (bit % 8));
            highest = bit;
        }
    /* X.690 11.2.2: a named bit list drops its trailing zero bits. */
    bytes = highest < 0 ? 0 : (size_t)highest / 8u + 1u;
    value[0] = highest < 0 ? 0 : (uint8_t)(7 - highest % 8);
    es10_writer_bytes(w, tag, value, bytes + 1);
}

int es10_find_child(const uint8_t *data, size_t len, uint32_t child, const uint8_t **value, size_t *value_len,
                    uint32_t *found_tag)
{
    struct sgp32_tlv_header top, header;
    size_t offset, end;
    if (sgp32_tlv_parse_header(data, len, &top) != SGP32_OK || top.length == SGP32_TLV_INDEFINITE ||
        top.length > len - top.header_len)
        return 0;
    offset = top.header_len;
    end = top.header_len + top.length;
    while (offset < end) {
        if (sgp32_tlv_parse_header(data + offset, end - offset, &header) != SGP32_OK ||
            header.length == SGP32_TLV_INDEFINITE || header.length > end - offset - header.header_len)
            return 0;
        if (child == 0 || header.tag == child) {
            *value = data + offset + header.header_len;
            *value_len = header.length;
            if (found_tag != NULL)
                *found_tag = header.tag;
            return 1;
        }
        offset += header.header_len + header.length;
    }
    return 0;
}

int es10_integer(const uint8_t *value, size_t len, long *out)
{
    unsigned long u;
    size_t i;
    if (len == 0 || len > sizeof(long))
        return 0;
    u = (value[0] & 0x80u) ? ~0ul : 0ul;
    for (i = 0; i < len; i++)
        u = (u << 8) | value[i];
    *out = (long)u;
    return 1;
}

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

enum sgp32_status es10_writer_command(struct sgp32_es10 *session, const struct es10_writer *request,
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

enum sgp32_status es10_result_command(struct sgp32_es10 *session, const struct es10_writer *request,
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
    if (!es10_find_child(answer, answer_len, 0, &value, &value_len, NULL) || !es10_integer(value, value_len, &result))
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
    if (error_tag == 0 || !es10_find_child(answer, answer_len, error_tag, &value, &value_len, NULL))
        return SGP32_OK;
    if (!es10_integer(value, value_len, &code))
        return es10_fail(session, SGP32_ERR_PROTOCOL, 0x9000u, 0xE2, "es10 response");
    /* An error alternative carrying 0 is still an error: never report it as success. */
    return es10_result(session, code != 0 ? code : -1);
}

enum sgp32_status es10_answer_command(struct sgp32_es10 *session, const struct es10_writer *request,
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
