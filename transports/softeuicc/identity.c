/* SPDX-License-Identifier: MIT */
/* The card's identity files: certificates given as DER or PEM (RFC 7468) are stored as DER. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "Certificate.h"
#include "card_internal.h"
#include "codec/codec_internal.h"
#include "codec/pem.h"
#include "identity.h"

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
    if (len > 0 && data[0] != 0x30 &&
        sgp32_pem_decode((const char *)data, len, "CERTIFICATE", data, 65536 + 1, &len) != SGP32_OK)
        len = 0;
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
