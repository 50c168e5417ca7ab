/* SPDX-License-Identifier: MIT */
/* The card's identity files: certificates given as DER or PEM (RFC 7468) are stored as DER. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "Certificate.h"
#include "RulesAuthorisationTable.h"
#include "card_internal.h"
#include "codec/codec_internal.h"
#include "codec/pem.h"
#include "identity.h"

#ifdef SGP32_HAVE_CRYPTO
#include "crypto/x509.h"
#endif

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

uint8_t *softeuicc_ci_certificate_read(const struct sgp32_softeuicc_storage *storage, const uint8_t pkid[20],
                                       size_t *len)
{
    char name[SGP32_SOFTEUICC_STORAGE_NAME_MAX];
    uint8_t *der = NULL;
    softeuicc_record_name("ci-", pkid, ".der", name);
    if (softeuicc_storage_read(storage, name, 65536, &der, len) != SGP32_OK || *len == 0) {
        free(der);
        return NULL;
    }
    return der;
}

enum sgp32_status softeuicc_install_ci_certificate(const struct sgp32_softeuicc_storage *storage, const char *file,
                                                   uint8_t pkid[20])
{
#ifdef SGP32_HAVE_CRYPTO
    struct sgp32_x509_cert cert;
    char name[SGP32_SOFTEUICC_STORAGE_NAME_MAX];
    uint8_t *der = NULL;
    size_t der_len = 0;
    enum sgp32_status status = softeuicc_read_certificate(file, &der, &der_len);
    if (status != SGP32_OK)
        return status;
    status = sgp32_x509_parse(&cert, der, der_len);
    if (status == SGP32_OK && cert.subject_key_id.len != 20)
        status = SGP32_ERR_DECODE;
    if (status == SGP32_OK) {
        memcpy(pkid, cert.subject_key_id.data, 20);
        softeuicc_record_name("ci-", pkid, ".der", name);
        status = softeuicc_storage_write(storage, name, der, der_len);
    }
    free(der);
    return status;
#else
    (void)storage;
    (void)file;
    (void)pkid;
    return SGP32_ERR_NOT_SUPPORTED;
#endif
}

/* The Rules Authorisation Table record (SGP.22 2.9.2.2). */
#define RAT_RECORD "rat.der"

enum sgp32_status softeuicc_rat_install(const struct sgp32_softeuicc_storage *storage, const uint8_t *der, size_t len)
{
    void *table = softeuicc_decode(SGP32_TYPE(RulesAuthorisationTable), der, len);
    if (table == NULL)
        return SGP32_ERR_INVALID_ARGUMENT;
    sgp32_codec_free(SGP32_TYPE(RulesAuthorisationTable), table);
    return softeuicc_storage_write(storage, RAT_RECORD, der, len);
}

uint8_t *softeuicc_rat_read(const struct sgp32_softeuicc_storage *storage, size_t *len)
{
    uint8_t *der = NULL;
    if (softeuicc_storage_read(storage, RAT_RECORD, 65536, &der, len) != SGP32_OK || *len == 0) {
        free(der);
        return NULL;
    }
    return der;
}
