/* SPDX-License-Identifier: MIT */
/* QMUX framing and QMI TLVs (qmux.h). Pure byte handling: no I/O, no allocation. */
#include "qmux.h"

#include <string.h>

static uint16_t get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static void put_le16(uint8_t *p, size_t value)
{
    p[0] = (uint8_t)(value & 0xFFu);
    p[1] = (uint8_t)((value >> 8) & 0xFFu);
}

static size_t sdu_header_length(uint8_t service)
{
    /* flags | tid | message id | tlv length: CTL's tid is one byte. */
    return service == QMI_SERVICE_CTL ? 6u : 7u;
}

uint8_t qmux_request_flags(uint8_t service)
{
    (void)service;
    return QMI_CTL_FLAG_REQUEST; /* 0 for both */
}

uint8_t qmux_response_flags(uint8_t service)
{
    return service == QMI_SERVICE_CTL ? QMI_CTL_FLAG_RESPONSE : QMI_SERVICE_FLAG_RESPONSE;
}

uint8_t qmux_indication_flags(uint8_t service)
{
    return service == QMI_SERVICE_CTL ? QMI_CTL_FLAG_INDICATION : QMI_SERVICE_FLAG_INDICATION;
}

void qmux_tlv_writer_init(struct qmux_tlv_writer *writer, uint8_t *data, size_t cap)
{
    writer->data = data;
    writer->cap = cap;
    writer->len = 0;
    writer->overflow = 0;
}

void qmux_tlv_add(struct qmux_tlv_writer *writer, uint8_t type, const uint8_t *value, size_t len)
{
    if (writer->overflow || len > 0xFFFFu || writer->cap - writer->len < 3u + len) {
        writer->overflow = 1;
        return;
    }
    writer->data[writer->len] = type;
    put_le16(writer->data + writer->len + 1, len);
    if (len > 0)
        memcpy(writer->data + writer->len + 3, value, len);
    writer->len += 3u + len;
}

void qmux_tlv_add_u8(struct qmux_tlv_writer *writer, uint8_t type, uint8_t value)
{
    qmux_tlv_add(writer, type, &value, 1);
}

enum sgp32_status qmux_encode(const struct qmux_message *msg, uint8_t *out, size_t out_cap, size_t *out_len)
{
    size_t sdu_header = sdu_header_length(msg->service);
    size_t total;
    uint8_t *p;

    if (msg->tlvs_len > 0xFFFFu)
        return SGP32_ERR_TOO_LARGE;
    total = QMUX_HEADER_LENGTH + sdu_header + msg->tlvs_len;
    if (total - 1u > 0xFFFFu)
        return SGP32_ERR_TOO_LARGE;
    if (total > out_cap)
        return SGP32_ERR_BUFFER_TOO_SMALL;
    p = out;
    p[0] = QMUX_MARKER;
    put_le16(p + 1, total - 1u);
    p[3] = msg->qmux_flags;
    p[4] = msg->service;
    p[5] = msg->client;
    p += QMUX_HEADER_LENGTH;
    *p++ = msg->flags;
    if (msg->service == QMI_SERVICE_CTL) {
        *p++ = (uint8_t)(msg->tid & 0xFFu);
    } else {
        put_le16(p, msg->tid);
        p += 2;
    }
    put_le16(p, msg->message);
    put_le16(p + 2, msg->tlvs_len);
    p += 4;
    if (msg->tlvs_len > 0)
        memmove(p, msg->tlvs, msg->tlvs_len); /* the TLVs may already sit in out */
    *out_len = total;
    return SGP32_OK;
}

enum sgp32_status qmux_frame_length(const uint8_t *data, size_t len, size_t *frame_len)
{
    size_t qmux_len;

    if (len == 0)
        return SGP32_ERR_NEED_MORE;
    if (data[0] != QMUX_MARKER)
        return SGP32_ERR_PROTOCOL;
    if (len < 3)
        return SGP32_ERR_NEED_MORE;
    qmux_len = get_le16(data + 1);
    /* The smallest frame: QMUX header and a CTL SDU header without TLVs. */
    if (qmux_len + 1u < QMUX_HEADER_LENGTH + 6u)
        return SGP32_ERR_PROTOCOL;
    if (len < qmux_len + 1u)
        return SGP32_ERR_NEED_MORE;
    *frame_len = qmux_len + 1u;
    return SGP32_OK;
}

enum sgp32_status qmux_tlv_find(const uint8_t *tlvs, size_t tlvs_len, uint8_t type, const uint8_t **value,
                                size_t *value_len)
{
    size_t offset = 0;
    enum sgp32_status found = SGP32_ERR_NOT_FOUND;

    while (offset < tlvs_len) {
        size_t len;
        if (tlvs_len - offset < 3)
            return SGP32_ERR_PROTOCOL;
        len = get_le16(tlvs + offset + 1);
        if (tlvs_len - offset - 3 < len)
            return SGP32_ERR_PROTOCOL;
        if (tlvs[offset] == type && found == SGP32_ERR_NOT_FOUND) {
            *value = tlvs + offset + 3;
            *value_len = len;
            found = SGP32_OK;
        }
        offset += 3 + len;
    }
    return found; /* only after the whole area was checked */
}

enum sgp32_status qmux_tlv_check(const uint8_t *tlvs, size_t tlvs_len)
{
    const uint8_t *value;
    size_t value_len;
    /* Type 0 is looked up only to walk the whole area. */
    enum sgp32_status st = qmux_tlv_find(tlvs, tlvs_len, 0x00, &value, &value_len);
    return st == SGP32_ERR_PROTOCOL ? st : SGP32_OK;
}

enum sgp32_status qmux_decode(const uint8_t *frame, size_t frame_len, struct qmux_message *msg)
{
    size_t expected;
    size_t sdu_header;
    const uint8_t *p;
    size_t tlvs_len;

    if (qmux_frame_length(frame, frame_len, &expected) != SGP32_OK || expected != frame_len)
        return SGP32_ERR_PROTOCOL;
    memset(msg, 0, sizeof(*msg));
    msg->qmux_flags = frame[3];
    msg->service = frame[4];
    msg->client = frame[5];
    sdu_header = sdu_header_length(msg->service);
    if (frame_len < QMUX_HEADER_LENGTH + sdu_header)
        return SGP32_ERR_PROTOCOL;
    p = frame + QMUX_HEADER_LENGTH;
    msg->flags = p[0];
    if (msg->service == QMI_SERVICE_CTL) {
        msg->tid = p[1];
        p += 2;
    } else {
        msg->tid = get_le16(p + 1);
        p += 3;
    }
    msg->message = get_le16(p);
    tlvs_len = get_le16(p + 2);
    p += 4;
    /* The SDU length must fill the frame exactly: no bytes missing, none left over. */
    if (tlvs_len != frame_len - QMUX_HEADER_LENGTH - sdu_header)
        return SGP32_ERR_PROTOCOL;
    if (qmux_tlv_check(p, tlvs_len) != SGP32_OK)
        return SGP32_ERR_PROTOCOL;
    msg->tlvs = p;
    msg->tlvs_len = tlvs_len;
    return SGP32_OK;
}

enum sgp32_status qmux_result(const uint8_t *tlvs, size_t tlvs_len, uint16_t *result, uint16_t *error)
{
    const uint8_t *value = NULL;
    size_t len = 0;
    enum sgp32_status st = qmux_tlv_find(tlvs, tlvs_len, QMI_TLV_RESULT, &value, &len);

    if (st != SGP32_OK || len != 4)
        return SGP32_ERR_PROTOCOL;
    *result = get_le16(value);
    *error = get_le16(value + 2);
    return SGP32_OK;
}
