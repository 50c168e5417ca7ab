/* SPDX-License-Identifier: MIT */
/*
 * A dotted OBJECT IDENTIFIER ("2.999.10") as its DER content octets (X.690 8.19), for the
 * defaultSmdpOid of the configureImmediateEnable PSMO: the sgp32 CLI and the test eIM's
 * order JSON both take the OID as text. A static function in a header, like server_options.h: the
 * CLI includes it by its relative path, the servers through examples/servers/common.
 */
#ifndef SGP32_EXAMPLES_DOTTED_OID_H
#define SGP32_EXAMPLES_DOTTED_OID_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* The content octets of `text` into out[cap], their count in *len: 0 ok, -1 malformed (not
 * digits and single dots, fewer than 2 or more than 32 arcs, a first arc above 2, a second above
 * 39 under 0 or 1) or longer than cap. */
static int dotted_oid_encode(const char *text, uint8_t *out, size_t cap, size_t *len)
{
    unsigned long arcs[32];
    size_t count = 0, i, n = 0;
    const char *p = text;
    for (;;) {
        char *end;
        if (*p < '0' || *p > '9' || count == 32)
            return -1;
        arcs[count++] = strtoul(p, &end, 10);
        if (*end == '\0')
            break;
        if (*end != '.')
            return -1;
        p = end + 1;
    }
    if (count < 2 || arcs[0] > 2 || (arcs[0] < 2 && arcs[1] > 39))
        return -1;
    arcs[1] += arcs[0] * 40; /* X.690 8.19.4: the first two arcs share one subidentifier */
    for (i = 1; i < count; i++) {
        uint8_t groups[10];
        size_t g = 0;
        unsigned long v = arcs[i];
        do {
            groups[g++] = (uint8_t)(v & 0x7F);
            v >>= 7;
        } while (v != 0);
        if (n + g > cap)
            return -1;
        while (g > 0) { /* base 128, most significant first, bit 8 set on all but the last */
            g--;
            out[n++] = (uint8_t)(groups[g] | (g > 0 ? 0x80 : 0));
        }
    }
    *len = n;
    return 0;
}

#endif
