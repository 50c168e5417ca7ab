/* SPDX-License-Identifier: MIT */
/* The card's identity files: certificates given as DER or PEM (RFC 7468) are stored as DER. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "Certificate.h"
#include "card_internal.h"
#include "codec/codec_internal.h"
#include "identity.h"

static int base64_value(int c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Decodes the base64 between the first BEGIN and END lines in place; returns the DER length or 0. */
static size_t pem_to_der(uint8_t *text, size_t len)
{
    const char *begin = "-----BEGIN ", *end_marker = "-----END ";
    size_t at = 0, out = 0;
    unsigned accumulator = 0;
    int bits = 0;
    char *start, *stop;
    text[len] = '\0';
    start = strstr((char *)text, begin);
    if (start == NULL || (start = strchr(start + 11, '\n')) == NULL)
        return 0;
    stop = strstr(start, end_marker);
    if (stop == NULL)
        return 0;
    for (at = (size_t)(start - (char *)text); at < (size_t)(stop - (char *)text); at++) {
        int value = base64_value(text[at]);
        if (text[at] == '=')
            break;
        if (value < 0)
            continue; /* line breaks and blanks */
        accumulator = (accumulator << 6) | (unsigned)value;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            text[out++] = (uint8_t)(accumulator >> bits);
        }
    }
    return out;
}

enum sgp32_status softeuicc_read_certificate(const char *path, uint8_t **der, size_t *der_len)
{
    FILE *file = fopen(path, "rb");
    uint8_t *data;
    size_t len;
    void *certificate = NULL;
    if (file == NULL)
        return SGP32_ERR_NOT_FOUND;
    data = malloc(65536 + 1);
    if (data == NULL) {
        fclose(file);
        return SGP32_ERR_NO_MEMORY;
    }
    len = fread(data, 1, 65536, file);
    fclose(file);
    if (len > 0 && data[0] != 0x30)
        len = pem_to_der(data, len);
    if (len == 0 || sgp32_decode(SGP32_TYPE(Certificate), data, len, NULL, &certificate, NULL) != SGP32_OK) {
        free(data);
        return SGP32_ERR_DECODE;
    }
    sgp32_codec_free(SGP32_TYPE(Certificate), certificate);
    *der = data;
    *der_len = len;
    return SGP32_OK;
}

enum sgp32_status softeuicc_read_private_key(const char *path, uint8_t **key, size_t *key_len)
{
    FILE *file = fopen(path, "rb");
    uint8_t *data;
    size_t len;
    enum sgp32_status status;
    if (file == NULL)
        return SGP32_ERR_NOT_FOUND;
    data = malloc(16384);
    if (data == NULL) {
        fclose(file);
        return SGP32_ERR_NO_MEMORY;
    }
    len = fread(data, 1, 16384, file);
    fclose(file);
    status = len > 0 && len < 16384 ? softeuicc_check_private_key(data, len) : SGP32_ERR_DECODE;
    if (status != SGP32_OK) {
        memset(data, 0, 16384);
        free(data);
        return status;
    }
    *key = data;
    *key_len = len;
    return SGP32_OK;
}
