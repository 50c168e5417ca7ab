/* SPDX-License-Identifier: MIT */
/* DER assembly for the eIM relay: eim_der.h. */
#include "eim_der.h"

#include "codec/der.h"

#include <stdlib.h>
#include <string.h>

uint8_t *eim_der_wrap(uint32_t tag, const struct sgp32_bytes *parts, size_t count, size_t *out_len)
{
    size_t inner = 0, i, n = 0;
    uint8_t *out;
    for (i = 0; i < count; i++)
        inner += parts[i].len;
    out = malloc(inner + 8); /* 2 tag octets, 1 + 4 length octets */
    if (out == NULL)
        return NULL;
    if (tag > 0xFF)
        out[n++] = (uint8_t)(tag >> 8);
    out[n++] = (uint8_t)tag;
    if (inner < 0x80) {
        out[n++] = (uint8_t)inner;
    } else {
        size_t octets = inner < 0x100 ? 1 : inner < 0x10000 ? 2 : inner < 0x1000000 ? 3 : 4, k;
        out[n++] = (uint8_t)(0x80 | octets);
        for (k = octets; k > 0; k--)
            out[n++] = (uint8_t)(inner >> (8 * (k - 1)));
    }
    for (i = 0; i < count; i++) {
        if (parts[i].len > 0)
            memcpy(out + n, parts[i].data, parts[i].len);
        n += parts[i].len;
    }
    *out_len = n;
    return out;
}

struct sgp32_bytes eim_der_part(const uint8_t *message, size_t len, uint32_t tag, int value_only)
{
    struct sgp32_bytes bytes = {NULL, 0};
    int found = value_only ? sgp32_der_find_child(message, len, tag, &bytes.data, &bytes.len, NULL)
                           : sgp32_der_find_element(message, len, tag, &bytes.data, &bytes.len);
    if (!found) {
        bytes.data = NULL;
        bytes.len = 0;
    }
    return bytes;
}
