/* SPDX-License-Identifier: MIT */
/*
 * Small DER helpers for messages assembled by hand, where asn1c's structures would cost more than
 * they give: a writer with back-patched minimal lengths (into a fixed buffer, or a growing one up to a
 * maximum) and lookups of a child element or an INTEGER value. Objects received signed are inserted
 * with sgp32_der_writer_raw() exactly as received. Errors are sticky (w->error). Internal header.
 */
#include <stdlib.h>
#include <string.h>

#include "codec/der.h"
#include "sgp32/tlv.h"

void sgp32_der_writer_init(struct sgp32_der_writer *w, uint8_t *buf, size_t cap)
{
    memset(w, 0, sizeof(*w));
    w->buf = buf;
    w->cap = cap;
}

void sgp32_der_writer_init_dynamic(struct sgp32_der_writer *w, size_t max)
{
    memset(w, 0, sizeof(*w));
    w->dynamic = 1;
    w->max = max;
}

void sgp32_der_writer_release(struct sgp32_der_writer *w)
{
    if (w->dynamic)
        free(w->buf);
    w->buf = NULL;
    w->len = w->cap = 0;
}

uint8_t *sgp32_der_writer_take(struct sgp32_der_writer *w, size_t *len)
{
    uint8_t *data = w->buf;
    if (w->error || w->depth != 0 || !w->dynamic) {
        sgp32_der_writer_release(w);
        return NULL;
    }
    *len = w->len;
    w->buf = NULL;
    w->len = w->cap = 0;
    return data;
}

/* Makes room for `more` bytes: a fixed buffer cannot grow, a dynamic one doubles up to its maximum. */
static int reserve(struct sgp32_der_writer *w, size_t more)
{
    size_t need, cap;
    uint8_t *grown;
    if (w->error)
        return 0;
    if (more <= w->cap - w->len)
        return 1;
    if (!w->dynamic || more > w->max - w->len) {
        w->error = 1;
        return 0;
    }
    need = w->len + more;
    cap = w->cap < 256u ? 256u : w->cap;
    while (cap < need)
        cap = cap > w->max / 2u ? w->max : cap * 2u;
    grown = realloc(w->buf, cap);
    if (grown == NULL) {
        w->error = 1;
        return 0;
    }
    w->buf = grown;
    w->cap = cap;
    return 1;
}

static void put(struct sgp32_der_writer *w, const uint8_t *data, size_t len)
{
    if (!reserve(w, len))
        return;
    if (len > 0)
        memcpy(w->buf + w->len, data, len);
    w->len += len;
}

void sgp32_der_writer_raw(struct sgp32_der_writer *w, const uint8_t *data, size_t len)
{
    put(w, data, len);
}

static void put_tag(struct sgp32_der_writer *w, uint32_t tag)
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

void sgp32_der_writer_begin(struct sgp32_der_writer *w, uint32_t tag)
{
    static const uint8_t placeholder = 0;
    if (w->depth >= SGP32_DER_WRITER_DEPTH) {
        w->error = 1;
        return;
    }
    put_tag(w, tag);
    put(w, &placeholder, 1);
    w->open[w->depth++] = w->len; /* where the value starts */
}

void sgp32_der_writer_end(struct sgp32_der_writer *w)
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
    if (!reserve(w, n - 1))
        return;
    /* One placeholder byte was reserved: make room for the others. */
    memmove(w->buf + start + n - 1, w->buf + start, value_len);
    memcpy(w->buf + start - 1, octets, n);
    w->len += n - 1;
}

void sgp32_der_writer_bytes(struct sgp32_der_writer *w, uint32_t tag, const uint8_t *value, size_t len)
{
    uint8_t octets[5];
    put_tag(w, tag);
    put(w, octets, length_octets(len, octets));
    put(w, value, len);
}

void sgp32_der_writer_integer(struct sgp32_der_writer *w, uint32_t tag, long value)
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
    sgp32_der_writer_bytes(w, tag, bytes + i, n - i);
}

void sgp32_der_writer_boolean(struct sgp32_der_writer *w, uint32_t tag, int value)
{
    uint8_t octet = value ? 0xFF : 0x00; /* X.690 11.1: TRUE is FF in DER */
    sgp32_der_writer_bytes(w, tag, &octet, 1);
}

void sgp32_der_writer_named_bits(struct sgp32_der_writer *w, uint32_t tag, uint32_t bits)
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
    sgp32_der_writer_bytes(w, tag, value, bytes + 1);
}

int sgp32_der_find_element(const uint8_t *data, size_t len, uint32_t child, const uint8_t **element,
                           size_t *element_len)
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
            *element = data + offset;
            *element_len = header.header_len + header.length;
            return 1;
        }
        offset += header.header_len + header.length;
    }
    return 0;
}

int sgp32_der_find_child(const uint8_t *data, size_t len, uint32_t child, const uint8_t **value, size_t *value_len,
                         uint32_t *found_tag)
{
    const uint8_t *element;
    size_t element_len;
    struct sgp32_tlv_header header;
    if (!sgp32_der_find_element(data, len, child, &element, &element_len) ||
        sgp32_tlv_parse_header(element, element_len, &header) != SGP32_OK)
        return 0;
    *value = element + header.header_len;
    *value_len = header.length;
    if (found_tag != NULL)
        *found_tag = header.tag;
    return 1;
}

int sgp32_der_integer(const uint8_t *value, size_t len, long *out)
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
