/* SPDX-License-Identifier: MIT */
/* BER-TLV header parsing and structure checks (X.690 8.1.2, 8.1.3; ISO 7816-4 5.2). */
#include "sgp32/tlv.h"

/* Deepest nesting sgp32_tlv_check() accepts whatever the caller asks for (its stack is fixed). */
#define TLV_CHECK_DEPTH_CAP 64u

enum sgp32_status sgp32_tlv_parse_header(const uint8_t *data, size_t len, struct sgp32_tlv_header *header)
{
    size_t pos = 0;
    uint32_t tag;
    uint8_t first;

    if (data == NULL || header == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (len == 0)
        return SGP32_ERR_NEED_MORE;
    first = data[pos++];
    tag = first;
    if ((first & 0x1Fu) == 0x1Fu) {
        /* High tag number form: more bytes while bit 8 is set; we accept up to 4 bytes in all. */
        for (;;) {
            if (pos >= len)
                return SGP32_ERR_NEED_MORE;
            if (pos >= 4)
                return SGP32_ERR_DECODE;
            tag = (tag << 8) | data[pos];
            if ((data[pos++] & 0x80u) == 0)
                break;
        }
    }
    header->tag = tag;
    header->tag_len = (uint8_t)pos;
    header->constructed = (uint8_t)((first & 0x20u) != 0);

    if (pos >= len)
        return SGP32_ERR_NEED_MORE;
    if (data[pos] < 0x80u) {
        header->length = data[pos++];
    } else if (data[pos] == 0x80u) {
        if (!header->constructed)
            return SGP32_ERR_DECODE; /* X.690 8.1.3.2: indefinite only for constructed */
        header->length = SGP32_TLV_INDEFINITE;
        pos++;
    } else {
        size_t octets = data[pos++] & 0x7Fu;
        size_t value = 0;
        if (octets > 4 || octets == 0x7F)
            return SGP32_ERR_DECODE;
        if (len - pos < octets)
            return SGP32_ERR_NEED_MORE;
        while (octets-- > 0)
            value = (value << 8) | data[pos++];
        if (value == SGP32_TLV_INDEFINITE)
            return SGP32_ERR_DECODE; /* 84 FF FF FF FF on a 32-bit size_t: not representable */
        header->length = value;
    }
    header->header_len = (uint8_t)pos;
    return SGP32_OK;
}

/* Number of length octets DER requires for `length` (X.690 10.1). */
static size_t der_length_octets(size_t length)
{
    size_t octets = 1;
    if (length < 0x80u)
        return 1;
    while (length > 0) {
        octets++;
        length >>= 8;
    }
    return octets;
}

enum sgp32_status sgp32_tlv_check(const uint8_t *data, size_t len, unsigned max_depth, unsigned flags,
                                  size_t *element_len)
{
    /* ends[d]: where the element open at depth d ends (SGP32_TLV_INDEFINITE if unknown yet);
     * bounds[d]: the nearest definite end at or above depth d, which no child may cross;
     * definite[d]: whether bounds[d] comes from a definite length (else it is the end of the input). */
    size_t ends[TLV_CHECK_DEPTH_CAP];
    size_t bounds[TLV_CHECK_DEPTH_CAP];
    uint8_t definite[TLV_CHECK_DEPTH_CAP];
    unsigned depth = 0;
    size_t pos = 0;

    if (data == NULL && len > 0)
        return SGP32_ERR_INVALID_ARGUMENT;
    if (max_depth == 0 || max_depth > TLV_CHECK_DEPTH_CAP)
        max_depth = TLV_CHECK_DEPTH_CAP;

    do {
        struct sgp32_tlv_header h;
        size_t bound = depth > 0 ? bounds[depth - 1] : len;
        /* Running out of room inside a definite-length parent is malformed (more input would not
         * help, also when that parent ends exactly at the end of the input); otherwise truncated. */
        enum sgp32_status short_of_room = depth > 0 && definite[depth - 1] ? SGP32_ERR_DECODE : SGP32_ERR_TRUNCATED;
        enum sgp32_status st;

        if (depth > 0 && ends[depth - 1] != SGP32_TLV_INDEFINITE && pos == ends[depth - 1]) {
            depth--; /* this element is complete */
            continue;
        }
        if (pos >= bound)
            return short_of_room;
        if (depth > 0 && ends[depth - 1] == SGP32_TLV_INDEFINITE && data[pos] == 0) {
            if (bound - pos < 2)
                return short_of_room;
            if (data[pos + 1] != 0)
                return SGP32_ERR_DECODE; /* end-of-contents is exactly 00 00 */
            pos += 2;
            depth--;
            continue;
        }
        st = sgp32_tlv_parse_header(data + pos, bound - pos, &h);
        if (st == SGP32_ERR_NEED_MORE)
            return short_of_room;
        if (st != SGP32_OK)
            return st;
        if ((flags & SGP32_TLV_CHECK_DER) &&
            (h.length == SGP32_TLV_INDEFINITE || (size_t)(h.header_len - h.tag_len) != der_length_octets(h.length)))
            return SGP32_ERR_NOT_DER;
        pos += h.header_len;
        if (h.length != SGP32_TLV_INDEFINITE && h.length > bound - pos)
            return short_of_room;
        if (h.constructed) {
            if (depth >= max_depth)
                return SGP32_ERR_TOO_DEEP;
            ends[depth] = h.length == SGP32_TLV_INDEFINITE ? SGP32_TLV_INDEFINITE : pos + h.length;
            bounds[depth] = h.length == SGP32_TLV_INDEFINITE ? bound : pos + h.length;
            definite[depth] = (uint8_t)(h.length != SGP32_TLV_INDEFINITE || (depth > 0 && definite[depth - 1]));
            depth++;
        } else {
            pos += h.length;
        }
    } while (depth > 0);

    if (element_len != NULL)
        *element_len = pos;
    return SGP32_OK;
}
