/* SPDX-License-Identifier: MIT */
/* Decodes the input as one of the library's ASN.1 types (chosen by the first two bytes, big-endian,
 * modulo the number of types), BER then strict DER with constraints, and uses whatever decodes:
 * re-encode, print, constraint check. No crash, no hang, no leak, and a strict-DER decode must
 * re-encode to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sgp32/codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int discard_text(const char *text, size_t len, void *user)
{
    (void)text;
    (void)len;
    (void)user;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct sgp32_decode_options der = {SGP32_DECODE_DER | SGP32_DECODE_CONSTRAINTS, 0, 0};
    const struct sgp32_codec_type *type;
    void *value = NULL;
    uint8_t *out = NULL;
    size_t out_len = 0;

    if (size < 2)
        return 0;
    type = sgp32_codec_type_at(((size_t)data[0] << 8 | data[1]) % sgp32_codec_type_count());
    data += 2;
    size -= 2;

    if (sgp32_decode(type, data, size, NULL, &value, NULL) == SGP32_OK) {
        if (sgp32_encode_der_alloc(type, value, &out, &out_len) == SGP32_OK)
            sgp32_buffer_free(out);
        (void)sgp32_print(type, value, discard_text, NULL);
        (void)sgp32_check_constraints(type, value, NULL, 0);
        sgp32_codec_free(type, value);
    }
    if (sgp32_decode(type, data, size, &der, &value, NULL) == SGP32_OK) {
        if (sgp32_encode_der_alloc(type, value, &out, &out_len) != SGP32_OK || out_len != size ||
            memcmp(out, data, size) != 0)
            abort(); /* DER accepted but does not re-encode to itself */
        sgp32_buffer_free(out);
        (void)sgp32_print(type, value, discard_text, NULL);
        sgp32_codec_free(type, value);
    }
    return 0;
}
