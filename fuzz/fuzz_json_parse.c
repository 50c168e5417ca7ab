/* SPDX-License-Identifier: MIT */
/* Parses the input as JSON of one of the library's ASN.1 types (chosen by the first two bytes,
 * big-endian, modulo the number of types) with sgp32_parse_json(). No crash, no hang, no leak; whatever
 * parses must DER-encode, print back as JSON, and that JSON must parse to the same DER. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sgp32/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct text {
    char *buf;
    size_t len, cap;
};

static int append_text(const char *piece, size_t len, void *user)
{
    struct text *t = user;
    if (t->len + len > t->cap) {
        size_t cap = (t->len + len) * 2 + 64;
        char *grown = realloc(t->buf, cap);
        if (grown == NULL)
            return -1;
        t->buf = grown;
        t->cap = cap;
    }
    memcpy(t->buf + t->len, piece, len);
    t->len += len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct sgp32_codec_type *type;
    struct text printed = {NULL, 0, 0};
    void *value = NULL, *again = NULL;
    uint8_t *der = NULL, *der_again = NULL;
    size_t der_len = 0, der_again_len = 0;

    if (size < 2)
        return 0;
    type = sgp32_codec_type_at(((size_t)data[0] << 8 | data[1]) % sgp32_codec_type_count());
    if (sgp32_parse_json(type, (const char *)data + 2, size - 2, &value) != SGP32_OK)
        return 0;
    if (sgp32_encode_der_alloc(type, value, &der, &der_len) != SGP32_OK)
        abort(); /* a parsed, constraint-checked value must encode */
    if (sgp32_print_json(type, value, append_text, &printed) != SGP32_OK ||
        sgp32_parse_json(type, printed.buf, printed.len, &again) != SGP32_OK ||
        sgp32_encode_der_alloc(type, again, &der_again, &der_again_len) != SGP32_OK || der_again_len != der_len ||
        memcmp(der, der_again, der_len) != 0)
        abort(); /* print_json and parse_json are not each other's inverse */
    sgp32_buffer_free(der);
    sgp32_buffer_free(der_again);
    sgp32_codec_free(type, again);
    sgp32_codec_free(type, value);
    free(printed.buf);
    return 0;
}
