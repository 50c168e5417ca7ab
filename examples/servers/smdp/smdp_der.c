/* SPDX-License-Identifier: MIT */
/* DER writing and reading helpers of the SM-DP+ core (smdp_internal.h). */
#include <stdlib.h>
#include <string.h>

#include "sgp32/tlv.h"
#include "smdp_internal.h"

/* ---- A growing DER buffer with sticky errors. */

void dbuf_raw(struct dbuf *b, const uint8_t *p, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n > b->cap) {
        size_t cap = (b->len + n) * 2 + 64;
        uint8_t *grown = realloc(b->data, cap);
        if (grown == NULL) {
            b->failed = 1;
            return;
        }
        b->data = grown;
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

void dbuf_header(struct dbuf *b, uint32_t tag, size_t n)
{
    uint8_t h[10];
    size_t at = 0;
    int shift;
    for (shift = 24; shift >= 0; shift -= 8)
        if ((tag >> shift) != 0 || shift == 0)
            h[at++] = (uint8_t)(tag >> shift);
    if (n < 0x80) {
        h[at++] = (uint8_t)n;
    } else if (n < 0x100) {
        h[at++] = 0x81;
        h[at++] = (uint8_t)n;
    } else if (n < 0x10000) {
        h[at++] = 0x82;
        h[at++] = (uint8_t)(n >> 8);
        h[at++] = (uint8_t)n;
    } else {
        h[at++] = 0x83;
        h[at++] = (uint8_t)(n >> 16);
        h[at++] = (uint8_t)(n >> 8);
        h[at++] = (uint8_t)n;
    }
    dbuf_raw(b, h, at);
}

void dbuf_tlv(struct dbuf *b, uint32_t tag, const uint8_t *v, size_t n)
{
    dbuf_header(b, tag, n);
    dbuf_raw(b, v, n);
}

/* Wraps the content of `inner` as tag and appends it to b; frees inner. */
void dbuf_wrap(struct dbuf *b, uint32_t tag, struct dbuf *inner)
{
    if (inner->failed)
        b->failed = 1;
    dbuf_tlv(b, tag, inner->data, inner->len);
    free(inner->data);
    memset(inner, 0, sizeof(*inner));
}

enum sgp32_status dbuf_take(struct dbuf *b, struct smdp_blob *blob)
{
    if (b->failed) {
        free(b->data);
        return SGP32_ERR_NO_MEMORY;
    }
    blob->data = b->data;
    blob->len = b->len;
    return SGP32_OK;
}

enum sgp32_status dbuf_take_after(enum sgp32_status status, struct dbuf *b, struct smdp_blob *blob)
{
    if (status == SGP32_OK)
        return dbuf_take(b, blob);
    free(b->data);
    b->data = NULL;
    return status;
}

/* ---- Reading TLVs. */

/* The next complete TLV of [*p, *p + *left); 0 at the end or on malformed input (*bad set). */
int next_tlv(const uint8_t **p, size_t *left, struct tlv *t, int *bad)
{
    struct sgp32_tlv_header h;
    if (*left == 0)
        return 0;
    if (sgp32_tlv_parse_header(*p, *left, &h) != SGP32_OK || h.length == SGP32_TLV_INDEFINITE ||
        h.length > *left - h.header_len) {
        *bad = 1;
        return 0;
    }
    t->tag = h.tag;
    t->all = *p;
    t->all_len = h.header_len + h.length;
    t->value = *p + h.header_len;
    t->len = h.length;
    *p += t->all_len;
    *left -= t->all_len;
    return 1;
}

int parse_one(const uint8_t *data, size_t len, struct tlv *t)
{
    int bad = 0;
    return next_tlv(&data, &len, t, &bad) && len == 0;
}

/* The first child with `tag` inside a constructed value. */
enum sgp32_status smdp_response_ok(const uint8_t *response, size_t len, uint32_t tag, struct tlv *ok)
{
    struct tlv top;
    const uint8_t *p;
    size_t left;
    int bad = 0;
    if (!parse_one(response, len, &top) || top.tag != tag)
        return SGP32_ERR_DECODE;
    p = top.value;
    left = top.len;
    if (!next_tlv(&p, &left, ok, &bad))
        return SGP32_ERR_DECODE;
    if (ok->tag == 0xA1)
        return SGP32_ERR_EUICC_RESULT;
    return ok->tag == 0xA0 ? SGP32_OK : SGP32_ERR_DECODE;
}

int find_child(const struct tlv *parent, uint32_t tag, struct tlv *out)
{
    const uint8_t *p = parent->value;
    size_t left = parent->len;
    int bad = 0;
    while (next_tlv(&p, &left, out, &bad))
        if (out->tag == tag)
            return 1;
    return 0;
}

/* The registeredID (SGP.22 SM-DP+ OID) of a certificate's subjectAltName: the OID content bytes. */
int smdp_certificate_registered_id(const struct sgp32_x509_cert *cert, struct tlv *oid)
{
    static const uint8_t san_oid[] = {0x06, 0x03, 0x55, 0x1D, 0x11};
    const uint8_t *der = cert->tbs.data;
    size_t i;
    for (i = 0; i + sizeof(san_oid) < cert->tbs.len; i++) {
        const uint8_t *p;
        size_t left;
        struct tlv t, names;
        int bad = 0;
        if (memcmp(der + i, san_oid, sizeof(san_oid)) != 0)
            continue;
        p = der + i + sizeof(san_oid);
        left = cert->tbs.len - i - sizeof(san_oid);
        if (!next_tlv(&p, &left, &t, &bad))
            return 0;
        if (t.tag == 0x01 && !next_tlv(&p, &left, &t, &bad)) /* critical */
            return 0;
        if (t.tag != 0x04 || !parse_one(t.value, t.len, &names) || names.tag != 0x30)
            return 0;
        return find_child(&names, 0x88, oid);
    }
    return 0;
}

/* The EID from the eUICC certificate's subject serialNumber (2.5.4.5, 32 decimal digits). */
int smdp_certificate_eid(const struct sgp32_x509_cert *cert, uint8_t eid[16])
{
    static const uint8_t serial_oid[] = {0x06, 0x03, 0x55, 0x04, 0x05};
    const uint8_t *der = cert->subject.data;
    size_t i, k;
    for (i = 0; i + sizeof(serial_oid) + 2 + 32 <= cert->subject.len; i++) {
        const uint8_t *s = der + i + sizeof(serial_oid);
        if (memcmp(der + i, serial_oid, sizeof(serial_oid)) != 0 || s[1] != 32)
            continue;
        for (k = 0; k < 32; k++) {
            uint8_t c = s[2 + k];
            uint8_t v;
            if (c >= '0' && c <= '9')
                v = (uint8_t)(c - '0');
            else if (c >= 'A' && c <= 'F')
                v = (uint8_t)(c - 'A' + 10);
            else
                return 0;
            if (k % 2 == 0)
                eid[k / 2] = (uint8_t)(v << 4);
            else
                eid[k / 2] |= v;
        }
        return 1;
    }
    return 0;
}
