/* SPDX-License-Identifier: MIT */
#include "codec/pem.h"

#include <string.h>

#include "codec/base64.h"

static const char begin_marker[] = "-----BEGIN ";
static const char end_marker[] = "-----END ";
static const char dashes[] = "-----";

/* First occurrence of needle in text[0..len) (text need not be NUL-terminated). */
static const char *find(const char *text, size_t len, const char *needle)
{
    size_t n = strlen(needle), i;
    for (i = 0; n <= len && i <= len - n; i++) {
        if (memcmp(text + i, needle, n) == 0)
            return text + i;
    }
    return NULL;
}

int sgp32_pem_present(const char *text, size_t len)
{
    return text != NULL && find(text, len, begin_marker) != NULL;
}

enum sgp32_status sgp32_pem_decode(const char *text, size_t len, const char *label, uint8_t *der, size_t cap,
                                   size_t *der_len)
{
    const char *cursor = text, *end = text + len;

    if (text == NULL || der == NULL || der_len == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    for (;;) {
        const char *begin = find(cursor, (size_t)(end - cursor), begin_marker);
        const char *label_start, *label_end, *body, *stop;
        size_t label_len;
        if (begin == NULL)
            return SGP32_ERR_NOT_FOUND;
        label_start = begin + strlen(begin_marker);
        label_end = find(label_start, (size_t)(end - label_start), dashes);
        if (label_end == NULL)
            return SGP32_ERR_DECODE;
        label_len = (size_t)(label_end - label_start);
        body = label_end + strlen(dashes);
        cursor = body;
        if (label != NULL && (strlen(label) != label_len || memcmp(label, label_start, label_len) != 0))
            continue; /* another kind of block (e.g. EC PARAMETERS before the key) */
        stop = find(body, (size_t)(end - body), end_marker);
        if (stop == NULL)
            return SGP32_ERR_DECODE;
        return sgp32_base64_decode(body, (size_t)(stop - body), SGP32_BASE64_SKIP_WHITESPACE, der, cap, der_len);
    }
}
